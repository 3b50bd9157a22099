import type { ResolvedRule } from '../rules/resolve.js';
import type { Detection } from './findings.js';

/**
 * The client-side half of a grouped rule's hunt: its monitor's windows slid over
 * schedule-sized buckets per entity (see hunt.ts), each window judged by the monitor's bucket
 * condition, and consecutive firing runs of an entity merged into one detection. Pure code:
 * the engine's part (the buckets, the exact distinct counts) comes in as data and a callback.
 */

/** The runs of a monitor over the period: ends firstEnd, firstEnd + step, ..., lastEnd. */
export interface WindowPlan {
  step: number;
  /** the rule's window: what one run judges (a baseline's latest window) */
  window: number;
  /** what one run reads: the window, or for a baseline the window and its history */
  lookback: number;
  firstEnd: number;
  lastEnd: number;
  runs: number;
}

/** One schedule-sized bucket of an entity: its events, and per condition a value. */
export interface Cell {
  count: number;
  /** sum: the bucket's total; cardinality: the bucket's distinct count (a lower bound for any window holding it) */
  values: number[];
  /** cardinality: the same distinct count, summed into an upper bound over a window */
  upper: number[];
  /** distinct_days: the local days of the bucket's events */
  days: Set<string>;
  /** cardinality, when the engine gave them: the bucket's distinct values, which unite exactly over a window */
  distinct?: Array<Set<string> | undefined>;
}

export interface EntityBuckets {
  keys: Record<string, string>;
  /** bucket start (epoch ms) -> cell */
  buckets: Map<number, Cell>;
}

export interface OpenWindow {
  keys: Record<string, string>;
  start: number;
  end: number;
}

/** the first index in sorted `a` whose value is >= x */
function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

type Verdict = 'fires' | 'silent' | 'open';

/** running totals of the cells' events and of each condition's value: a window [a, b) sums as p[b] - p[a] */
function prefixSums(cells: Cell[], conditions: number): { counts: number[]; sums: number[][] } {
  const counts = [0];
  for (const c of cells) counts.push(counts[counts.length - 1]! + c.count);
  const sums = Array.from({ length: conditions }, (_, i) => {
    const p = [0];
    for (const c of cells) p.push(p[p.length - 1]! + c.values[i]!);
    return p;
  });
  return { counts, sums };
}

/**
 * The monitor's bucket condition on the window cells[a, b), which holds `count` events:
 * fires, silent, or open (a distinct count that only the engine's exact count can settle).
 */
function judgeWindow(r: ResolvedRule, cells: Cell[], sums: number[][], a: number, b: number, count: number): Verdict {
  let verdict: Verdict = 'fires';
  r.conditions.forEach((c, i) => {
    if (verdict === 'silent') return;
    if (c.metric === 'count') {
      if (count < c.gte) verdict = 'silent';
    } else if (c.metric === 'sum') {
      if (sums[i]![b]! - sums[i]![a]! < c.gte) verdict = 'silent';
    } else if (c.metric === 'distinct_days') {
      const days = new Set<string>();
      for (let k = a; k < b; k++) for (const d of cells[k]!.days) days.add(d);
      if (days.size < c.gte) verdict = 'silent';
    } else if (cells[a]?.distinct?.[i]) {
      const values = new Set<string>();
      for (let k = a; k < b && values.size < c.gte; k++) for (const v of cells[k]!.distinct![i]!) values.add(v);
      if (values.size < c.gte) verdict = 'silent';
    } else {
      let lower = 0;
      let upper = 0;
      for (let k = a; k < b; k++) {
        lower = Math.max(lower, cells[k]!.values[i]!);
        upper += cells[k]!.upper[i]!;
      }
      if (upper < c.gte) verdict = 'silent';
      else if (lower < c.gte) verdict = 'open';
    }
  });
  return verdict;
}

export async function detectionsOf(
  r: ResolvedRule,
  plan: WindowPlan,
  entities: Map<string, EntityBuckets>,
  exact: (open: OpenWindow[]) => Promise<boolean[]>,
): Promise<{ detections: Detection[]; hits: number }> {
  if (plan.window % plan.step !== 0 || plan.lookback % plan.step !== 0) {
    throw new Error(`the hunt needs the window (${plan.window / 1000}s) and look-back (${plan.lookback / 1000}s) to be whole multiples of the schedule (${plan.step / 1000}s)`);
  }
  const iso = (t: number) => new Date(t).toISOString();
  const perEntity: Array<{ e: EntityBuckets; ts: number[]; prefix: number[]; ends: number[]; verdicts: Verdict[] }> = [];
  const open: OpenWindow[] = [];
  const openAt: Array<{ entity: number; index: number }> = [];

  for (const e of entities.values()) {
    const ts = [...e.buckets.keys()].sort((a, b) => a - b);
    const cells = ts.map((t) => e.buckets.get(t)!);
    const { counts: prefix, sums: sumPrefix } = prefixSums(cells, r.conditions.length);
    // the runs whose window holds at least one of the entity's buckets
    const endSet = new Set<number>();
    for (const t of ts) {
      for (let end = t + plan.step; end <= t + plan.window; end += plan.step) if (end >= plan.firstEnd && end <= plan.lastEnd) endSet.add(end);
    }
    const ends = [...endSet].sort((a, b) => a - b);
    const verdicts: Verdict[] = ends.map((end) => {
      const a = lowerBound(ts, end - plan.window);
      const b = lowerBound(ts, end);
      const count = prefix[b]! - prefix[a]!;
      let verdict = judgeWindow(r, cells, sumPrefix, a, b, count);
      if (verdict !== 'silent' && r.baseline) {
        const total = prefix[b]! - prefix[lowerBound(ts, end - plan.lookback)]!;
        const { history, ratio, minCount } = r.baseline;
        if (!(count >= minCount && count * history >= ratio * (total - count))) verdict = 'silent';
      }
      return verdict;
    });
    verdicts.forEach((v, index) => {
      if (v === 'open') {
        open.push({ keys: e.keys, start: ends[index]! - plan.window, end: ends[index]! });
        openAt.push({ entity: perEntity.length, index });
      }
    });
    perEntity.push({ e, ts, prefix, ends, verdicts });
  }

  if (open.length) {
    const answers = await exact(open);
    answers.forEach((fires, k) => {
      const { entity, index } = openAt[k]!;
      perEntity[entity]!.verdicts[index] = fires ? 'fires' : 'silent';
    });
  }

  const detections: Detection[] = [];
  let hits = 0;
  for (const { e, ts, prefix, ends, verdicts } of perEntity) {
    const countIn = (start: number, end: number) => prefix[lowerBound(ts, end)]! - prefix[lowerBound(ts, start)]!;
    // consecutive firing runs are one alert of the monitor
    const spans: Array<[number, number]> = [];
    ends.forEach((end, k) => {
      if (verdicts[k] !== 'fires') return;
      const last = spans[spans.length - 1];
      if (last && end - last[1] === plan.step) last[1] = end;
      else spans.push([end - plan.window, end]);
    });
    for (const [start, end] of spans) detections.push({ windowStart: iso(start), windowEnd: iso(end), entity: e.keys, count: countIn(start, end) });
    // events behind the entity's detections, each once (two alerts' windows may overlap)
    let coveredTo = -Infinity;
    for (const [start, end] of spans) {
      const s = Math.max(start, coveredTo);
      if (end > s) hits += countIn(s, end);
      coveredTo = Math.max(coveredTo, end);
    }
  }
  detections.sort((a, b) => a.windowStart.localeCompare(b.windowStart) || JSON.stringify(a.entity).localeCompare(JSON.stringify(b.entity)));
  return { detections, hits };
}

/**
 * A rule with prevalence (rules/README.md), judged as its monitor judges it at each run time
 * `end`: the search reads `[end - prevalence window, end]` (both ends closed: gte and lte),
 * the conditions are judged on the group's selected events of `[end - window, end]`, and the
 * group fires only while fewer than `lt` distinct clients have events of it in the whole read.
 *
 * The selected events come in atoms, two per schedule-sized bucket: the bucket's first
 * instant (a run time) and the rest of it, keyed `2 * bucket start` and `2 * bucket start + 1`,
 * so that a window closed at both ends is a run of whole atoms.
 *
 * The distinct clients of a prevalence window cannot be added up from smaller windows, so
 * they are read in blocks of half the prevalence window (every window then holds at least one
 * whole block and touches at most three): first each block's distinct clients, whose largest
 * (a block inside the window) and sum (the blocks it touches) bound the window's count and
 * settle most windows; then, for the groups a window of which the bounds leave open, each
 * client's first and last event per block, which decides exactly whether the client has an
 * event in the window (a block inside: it has; a block across the window's start: its last
 * event is not before it; across its end: its first event is not after it).
 */
export interface PrevalenceEngine {
  /** the cardinality windows the bounds left open, answered exactly (windows closed at both ends) */
  exact(open: OpenWindow[]): Promise<boolean[]>;
  /** per group asked: block start -> distinct clients in the block */
  blockClients(ids: string[]): Promise<Map<string, Map<number, number>>>;
  /** per group asked: client -> block start -> [first, last] event time in the block */
  clientSpans(ids: string[]): Promise<Map<string, Map<string, Map<number, [number, number]>>>>;
}

/** the atom of an event at `t` among buckets of `step` starting at `offset` (mod step) */
export function atomOf(t: number, step: number, offset: number): number {
  const start = t - ((((t - offset) % step) + step) % step);
  return 2 * start + (t === start ? 0 : 1);
}

/** whether a client with these blocks has an event in [a, b]; blocks are `block` long, not longer than b - a + 1 */
export function presentIn(blocks: Map<number, [number, number]>, block: number, a: number, b: number): boolean {
  for (const [s, [first, last]] of blocks) {
    if (s > b || s + block - 1 < a) continue;
    if (s >= a && s + block - 1 <= b) return true;
    if (s < a ? last >= a : first <= b) return true;
  }
  return false;
}

export async function prevalenceDetections(
  r: ResolvedRule,
  plan: WindowPlan,
  entities: Map<string, EntityBuckets>,
  block: number,
  engine: PrevalenceEngine,
): Promise<{ detections: Detection[]; hits: number }> {
  const prev = r.prevalence;
  if (!prev) throw new Error(`${r.rule.check} has no prevalence`);
  if (plan.window % plan.step !== 0) throw new Error(`the hunt needs the window (${plan.window / 1000}s) to be a whole multiple of the schedule (${plan.step / 1000}s)`);
  if (block < 1 || block > prev.windowMs) throw new Error(`a prevalence block of ${block} ms does not fit the prevalence window of ${prev.windowMs} ms`);
  const iso = (t: number) => new Date(t).toISOString();
  type Run = { end: number; verdict: Verdict };
  const perEntity: Array<{ id: string; e: EntityBuckets; keys: number[]; prefix: number[]; runs: Run[] }> = [];
  const open: OpenWindow[] = [];
  const openAt: Run[] = [];

  // 1. the conditions, on the selected events of each run's window [end - window, end]
  for (const [id, e] of entities) {
    const keys = [...e.buckets.keys()].sort((a, b) => a - b);
    const cells = keys.map((k) => e.buckets.get(k)!);
    const { counts: prefix, sums: sumPrefix } = prefixSums(cells, r.conditions.length);
    // the runs whose window holds an atom: the instant t is in the runs ending t .. t + window,
    // the rest of its bucket in those ending t + step .. t + window
    const endSet = new Set<number>();
    for (const k of keys) {
      const t = Math.floor(k / 2);
      for (let end = k % 2 ? t + plan.step : t; end <= t + plan.window; end += plan.step) if (end >= plan.firstEnd && end <= plan.lastEnd) endSet.add(end);
    }
    const runs: Run[] = [...endSet].sort((a, b) => a - b).map((end) => {
      const a = lowerBound(keys, 2 * (end - plan.window));
      const b = lowerBound(keys, 2 * end + 1);
      const count = prefix[b]! - prefix[a]!;
      const verdict: Verdict = count >= 1 ? judgeWindow(r, cells, sumPrefix, a, b, count) : 'silent';
      return { end, verdict };
    });
    for (const run of runs) {
      if (run.verdict !== 'open') continue;
      open.push({ keys: e.keys, start: run.end - plan.window, end: run.end });
      openAt.push(run);
    }
    perEntity.push({ id, e, keys, prefix, runs: runs.filter((x) => x.verdict !== 'silent') });
  }
  if (open.length) {
    const answers = await engine.exact(open);
    answers.forEach((fires, k) => (openAt[k]!.verdict = fires ? 'fires' : 'silent'));
  }
  for (const p of perEntity) p.runs = p.runs.filter((x) => x.verdict === 'fires');

  // 2. prevalence: the distinct clients of [end - prevalence window, end], bounded by blocks
  const candidates = perEntity.filter((p) => p.runs.length);
  const counts = candidates.length ? await engine.blockClients(candidates.map((p) => p.id)) : new Map<string, Map<number, number>>();
  const undecided = new Map<string, Run[]>();
  for (const p of candidates) {
    const blocks = [...(counts.get(p.id) ?? new Map<number, number>())].sort((x, y) => x[0] - y[0]);
    for (const run of p.runs) {
      const [a, b] = [run.end - prev.windowMs, run.end];
      let lower = 0;
      let upper = 0;
      for (const [s, n] of blocks) {
        if (s > b || s + block - 1 < a) continue;
        upper += n;
        if (s >= a && s + block - 1 <= b) lower = Math.max(lower, n);
      }
      if (lower >= prev.lt) run.verdict = 'silent';
      else if (upper >= prev.lt) {
        run.verdict = 'open';
        undecided.set(p.id, [...(undecided.get(p.id) ?? []), run]);
      }
    }
  }
  if (undecided.size) {
    const spans = await engine.clientSpans([...undecided.keys()]);
    for (const [id, runs] of undecided) {
      const clients = [...(spans.get(id)?.values() ?? [])];
      for (const run of runs) {
        const [a, b] = [run.end - prev.windowMs, run.end];
        let n = 0;
        for (const c of clients) if (presentIn(c, block, a, b) && ++n >= prev.lt) break;
        run.verdict = n >= prev.lt ? 'silent' : 'fires';
      }
    }
  }

  // 3. consecutive firing runs of a group are one alert; its events counted from the atoms
  const detections: Detection[] = [];
  let hits = 0;
  for (const { e, keys, prefix, runs } of candidates) {
    // the events of the atoms keyed lo .. hi
    const countIn = (lo: number, hi: number) => prefix[lowerBound(keys, hi + 1)]! - prefix[lowerBound(keys, lo)]!;
    const spans: Array<[number, number]> = [];
    for (const { end, verdict } of runs) {
      if (verdict !== 'fires') continue;
      const last = spans[spans.length - 1];
      if (last && end - last[1] === plan.step) last[1] = end;
      else spans.push([end - plan.window, end]);
    }
    for (const [start, end] of spans) detections.push({ windowStart: iso(start), windowEnd: iso(end), entity: e.keys, count: countIn(2 * start, 2 * end) });
    // events behind the group's detections, each once (two alerts' windows may overlap)
    let covered = -Infinity;
    for (const [start, end] of spans) {
      const lo = Math.max(2 * start, covered + 1);
      if (2 * end >= lo) hits += countIn(lo, 2 * end);
      covered = Math.max(covered, 2 * end);
    }
  }
  detections.sort((a, b) => a.windowStart.localeCompare(b.windowStart) || JSON.stringify(a.entity).localeCompare(JSON.stringify(b.entity)));
  return { detections, hits };
}
