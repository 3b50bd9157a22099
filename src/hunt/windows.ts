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
    const prefix = [0];
    for (const c of cells) prefix.push(prefix[prefix.length - 1]! + c.count);
    const sumPrefix = r.conditions.map((_, i) => {
      const p = [0];
      for (const c of cells) p.push(p[p.length - 1]! + c.values[i]!);
      return p;
    });
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
      let verdict = 'fires' as Verdict;
      r.conditions.forEach((c, i) => {
        if (verdict === 'silent') return;
        if (c.metric === 'count') {
          if (count < c.gte) verdict = 'silent';
        } else if (c.metric === 'sum') {
          if (sumPrefix[i]![b]! - sumPrefix[i]![a]! < c.gte) verdict = 'silent';
        } else if (c.metric === 'distinct_days') {
          const days = new Set<string>();
          for (let k = a; k < b; k++) for (const d of cells[k]!.days) days.add(d);
          if (days.size < c.gte) verdict = 'silent';
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
