import type { Connection } from '../cluster/connection.js';
import { loadProfile, type Profile } from '../content/profile.js';
import { PackError, UsageError } from '../errors.js';
import { PACK_ROOT } from '../paths.js';
import { compileRules } from '../rules/compile.js';
import { loadRules } from '../rules/load.js';
import { lookbackMs, metricAggs } from '../rules/render/aggregations.js';
import type { ResolvedRule } from '../rules/resolve.js';
import type { Bucket, CheckFinding, Detection, HuntResult, SampleEvent } from './findings.js';
import { detectionsOf, prevalenceDetections, type EntityBuckets, type WindowPlan } from './windows.js';

/**
 * The retro-hunt: every rule (or those asked for) run over a past period the way its alerting
 * target runs it, with aggregations rather than result sets.
 *
 * - match rules: one search over the period; the engine counts and aggregates (per day, top
 *   hosts and users, first and last seen, a sample of events with event.original).
 * - threshold and baseline rules: the monitor's windows (the rule's `window`, its look-back for
 *   a baseline) stepped by its `schedule`, ending at `to`, `to - schedule`, ... down to the
 *   first end after `from`. One composite aggregation per rule over the whole span returns
 *   schedule-sized buckets per entity (the monitor's group keys), paged by `after_key`; the
 *   windows slide over those buckets client-side (counts and sums add up; distinct local days
 *   are a composite source of their own, so they unite exactly). A distinct count
 *   (cardinality) does not add up: the largest bucket's value is a lower bound and the sum of
 *   the buckets an upper one, and only the windows between the two are asked of the engine,
 *   in batches of `filters` aggregations. A window of an entity fires when the monitor's
 *   bucket condition holds; consecutive firing runs of one entity are one detection, as they
 *   are one alert of the bucket-level monitor (it notifies on NEW alerts only); a run that
 *   does not fire ends the alert, and a later firing run is a new detection.
 * - rules with prevalence (a group's distinct clients over a longer window): the same sliding in
 *   the client, over atoms of the selected events (a run time's instant apart from the rest of
 *   its bucket, as the monitor's window is closed at both ends) and blocks of the clients
 *   (half the prevalence window): see huntPrevalence and prevalenceDetections.
 * - Events older than `from` are read only as far as a run in the period looks back (a
 *   baseline's history, the prevalence window), as the monitor would have.
 */

export interface HuntOptions {
  /** ISO 8601 date or time, or now, now-30d, now-12h (units s m h d w y); default now-365d */
  from?: string;
  /** the same forms; default now */
  to?: string;
  /** rule uuids or check ids (MAIL-1, ...); default every rule */
  rules?: string[];
  /** also run the indicator checks (PROXY-1, DNS-1, G4); alone, only those */
  ioc?: boolean;
  /** a profile file, or a profile already loaded */
  profile?: string | Profile;
  /** content root (rules/); default the pack's */
  root?: string;
  /** read `<prefix>-jpcert.<source>-<namespace>` instead of every namespace */
  namespace?: string;
  /** sample events per check; default 10, at most 100 */
  sampleSize?: number;
  /** top hosts / users per check; default 10 */
  topSize?: number;
  /** rules searched at the same time; default 2 */
  concurrency?: number;
  /** the reference time of now-relative expressions; default the clock */
  now?: Date;
}

/** samples per check at most: a top_hits aggregation may not ask for more (index.max_inner_result_window) */
export const MAX_SAMPLES = 100;

export const IOC_CHECKS = ['PROXY-1', 'DNS-1', 'G4'] as const;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };

/** `now`, `now-30d`, `now+1h`, or an ISO 8601 date (UTC midnight) or time. */
export function parseTime(value: string, now: Date, flag: string): number {
  const v = value.trim();
  const rel = /^now(?:([+-])(\d+)([smhdwy]))?$/.exec(v);
  if (rel) return now.getTime() + (rel[1] ? (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * UNIT_MS[rel[3]!]! : 0);
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    const t = Date.parse(v.replace(' ', 'T'));
    if (Number.isFinite(t)) return t;
  }
  throw new UsageError(`${flag} "${value}" is not a time`, 'give an ISO 8601 date or time (2025-01-01, 2025-01-01T09:00:00+09:00) or now, now-30d, now-12h');
}

/** The rules a hunt runs: those named (uuid or check id), plus the indicator checks with --ioc. */
export function selectRules<T extends { resolved: ResolvedRule }>(all: T[], names: string[] | undefined, ioc: boolean | undefined): T[] {
  const wanted = new Set<T>();
  for (const name of names ?? []) {
    const n = name.trim();
    if (!n) continue;
    const r = all.find((x) => x.resolved.rule.id === n.toLowerCase() || x.resolved.rule.check === n.toUpperCase());
    if (!r) throw new UsageError(`--rules: no rule "${n}"`, `name rules by check id (${all.map((x) => x.resolved.rule.check).join(', ')}) or uuid`);
    wanted.add(r);
  }
  if (ioc) for (const r of all) if ((IOC_CHECKS as readonly string[]).includes(r.resolved.rule.check)) wanted.add(r);
  if (!wanted.size) return all;
  return all.filter((r) => wanted.has(r));
}

/** The rule's index patterns, narrowed to one namespace when asked. */
export function indicesOf(r: ResolvedRule, namespace?: string): string[] {
  return namespace ? r.indices.map((i) => i.replace(/-\*$/, `-${namespace}`)) : r.indices;
}

export interface SearchContext {
  conn: Connection;
  namespace?: string;
}

export async function search(ctx: SearchContext, r: ResolvedRule, body: unknown): Promise<any> {
  const res = await ctx.conn.request('POST', `/${indicesOf(r, ctx.namespace).join(',')}/_search?allow_no_indices=true&ignore_unavailable=true`, body);
  if (res.status !== 200) throw new Error(`search answered HTTP ${res.status}`);
  return res.body;
}

/** The field fallback pairs for "host" and "user": the first that has values is reported. */
const HOST_FIELDS = ['source.ip', 'host.name'];
const USER_FIELDS = ['user.name', 'related.user'];

function findingAggs(r: ResolvedRule, o: { sampleSize: number; topSize: number }): Record<string, unknown> {
  const terms = (field: string) => ({ terms: { field, size: o.topSize } });
  return {
    per_day: { date_histogram: { field: '@timestamp', calendar_interval: '1d', min_doc_count: 1, format: 'yyyy-MM-dd' } },
    first_seen: { min: { field: '@timestamp' } },
    last_seen: { max: { field: '@timestamp' } },
    ...Object.fromEntries(HOST_FIELDS.map((f, i) => [`host${i}`, terms(f)])),
    ...Object.fromEntries(USER_FIELDS.map((f, i) => [`user${i}`, terms(f)])),
    samples: {
      top_hits: {
        size: o.sampleSize,
        sort: [{ '@timestamp': { order: 'asc' } }],
        _source: ['@timestamp', 'event.dataset', 'event.original', ...r.rule.logic.report_fields],
      },
    },
  };
}

function buckets(agg: any): Bucket[] {
  return (agg?.buckets ?? []).map((b: any) => ({ key: String(b.key_as_string ?? b.key), count: b.doc_count as number }));
}

function firstNonEmpty(aggs: any, prefix: string, n: number): Bucket[] {
  for (let i = 0; i < n; i++) {
    const b = buckets(aggs?.[`${prefix}${i}`]);
    if (b.length) return b;
  }
  return [];
}

/** The value at a dotted path of a document; through a list, the values of its elements. */
export function valueAt(source: unknown, dotted: string): unknown {
  if (source && typeof source === 'object' && !Array.isArray(source) && dotted in (source as Record<string, unknown>)) return (source as Record<string, unknown>)[dotted];
  let v: unknown = source;
  for (const p of dotted.split('.')) {
    if (Array.isArray(v)) {
      const out = v.map((e) => (e && typeof e === 'object' ? (e as Record<string, unknown>)[p] : undefined)).filter((e) => e !== undefined && e !== null);
      v = out.length ? out.flat() : undefined;
    } else if (v && typeof v === 'object') v = (v as Record<string, unknown>)[p];
    else return undefined;
  }
  return v;
}

function sampleOf(r: ResolvedRule, hit: any): SampleEvent {
  const s = hit._source ?? {};
  const fields: Record<string, unknown> = {};
  for (const f of r.rule.logic.report_fields) {
    const v = valueAt(s, f);
    if (v !== undefined && v !== null) fields[f] = v;
  }
  const original = valueAt(s, 'event.original');
  const dataset = valueAt(s, 'event.dataset');
  return {
    '@timestamp': String(valueAt(s, '@timestamp')),
    ...(typeof dataset === 'string' ? { 'event.dataset': dataset } : {}),
    ...(typeof original === 'string' ? { 'event.original': original } : {}),
    fields,
    id: hit._id,
    index: hit._index,
  };
}

function emptyFinding(r: ResolvedRule): CheckFinding {
  return {
    ruleId: r.rule.id,
    check: r.rule.check,
    title: { en: r.rule.name.en, ja: r.rule.name.ja },
    severity: r.rule.severity,
    riskScore: r.rule.risk_score,
    type: r.rule.logic.type,
    hits: 0,
    topHosts: [],
    topUsers: [],
    perDay: [],
    detections: [],
    samples: [],
  };
}

/** Fills hits, first/last seen, per day, top hosts/users and samples from one aggregated search. */
function describe(finding: CheckFinding, r: ResolvedRule, body: any): void {
  const a = body.aggregations ?? {};
  finding.hits = body.hits?.total?.value ?? 0;
  if (finding.hits > 0) {
    if (a.first_seen?.value_as_string) finding.firstSeen = new Date(a.first_seen.value).toISOString();
    if (a.last_seen?.value_as_string) finding.lastSeen = new Date(a.last_seen.value).toISOString();
  }
  finding.perDay = buckets(a.per_day);
  finding.topHosts = firstNonEmpty(a, 'host', HOST_FIELDS.length);
  finding.topUsers = firstNonEmpty(a, 'user', USER_FIELDS.length);
  finding.samples = (a.samples?.hits?.hits ?? []).map((h: any) => sampleOf(r, h));
}

function range(gte: number, lt: number): Record<string, unknown> {
  return { range: { '@timestamp': { gte, lt, format: 'epoch_millis' } } };
}

async function huntMatch(ctx: SearchContext, r: ResolvedRule, from: number, to: number, o: Required<Pick<HuntOptions, 'sampleSize' | 'topSize'>>): Promise<CheckFinding> {
  const finding = emptyFinding(r);
  // the period is inclusive of `to` (a run at `to` sees an event stamped `to`)
  const body = await search(ctx, r, { size: 0, track_total_hits: true, query: { bool: { filter: [r.query, range(from, to + 1)] } }, aggregations: findingAggs(r, o) });
  describe(finding, r, body);
  if (finding.hits > 0) finding.detections = [{ windowStart: new Date(from).toISOString(), windowEnd: new Date(to).toISOString(), count: finding.hits }];
  return finding;
}

/** The runs of a grouped rule's monitor in the period: ends at to, to - schedule, ... after from. */
export function windowPlan(r: ResolvedRule, fromMs: number, toMs: number): WindowPlan {
  const step = r.scheduleMs;
  const runs = Math.max(0, Math.ceil((toMs - fromMs) / step));
  const firstEnd = toMs - (runs - 1) * step;
  return { step, window: r.windowMs, lookback: lookbackMs(r), firstEnd, lastEnd: toMs, runs };
}

/**
 * Schedule-sized buckets per entity over the span the runs read, paged with after_key. A
 * distinct count's field is a composite source of its own (missing values in a bucket of their
 * own, not counted), so the values of a bucket are known and unite exactly over a window, as
 * distinct local days do; the fields counted are single-valued (addresses, methods), so each
 * event stays in one bucket.
 */
export async function entityBuckets(ctx: SearchContext, r: ResolvedRule, plan: WindowPlan): Promise<Map<string, EntityBuckets>> {
  const start = plan.firstEnd - plan.lookback;
  const offset = ((plan.lastEnd % plan.step) + plan.step) % plan.step;
  const days = r.conditions.some((c) => c.metric === 'distinct_days');
  const sources: Array<Record<string, unknown>> = [
    ...r.groupBy.map((field, i) => ({ [`g${i}`]: { terms: { field } } })),
    { t: { date_histogram: { field: '@timestamp', fixed_interval: `${plan.step / 1000}s`, offset: `+${offset}ms` } } },
    ...(days ? [{ d: { date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: r.timezone, format: 'yyyy-MM-dd' } } }] : []),
    ...r.conditions.flatMap((c, i) => (c.metric === 'cardinality' ? [{ [`v${i}`]: { terms: { field: c.field, missing_bucket: true } } }] : [])),
  ];
  const metrics: Record<string, unknown> = {};
  r.conditions.forEach((c, i) => {
    if (c.metric === 'sum') metrics[`c${i}`] = { sum: { field: c.field } };
  });
  const out = new Map<string, EntityBuckets>();
  await compositeBuckets(ctx, r, { bool: { filter: [r.query, range(start, plan.lastEnd)] } }, sources, metrics, BIG_PAGE, (b) => {
    const keys = Object.fromEntries(r.groupBy.map((f, i) => [f, String(b.key[`g${i}`])]));
    const id = JSON.stringify(r.groupBy.map((f) => keys[f]));
    let e = out.get(id);
    if (!e) out.set(id, (e = { keys, buckets: new Map() }));
    const t = b.key.t as number;
    let cur = e.buckets.get(t);
    if (!cur) {
      const distinct = r.conditions.map((c) => (c.metric === 'cardinality' ? new Set<string>() : undefined));
      e.buckets.set(t, (cur = { count: 0, values: r.conditions.map(() => 0), upper: r.conditions.map(() => 0), days: new Set(), distinct }));
    }
    cur.count += b.doc_count;
    r.conditions.forEach((c, i) => {
      if (c.metric === 'sum') cur!.values[i]! += b[`c${i}`]?.value ?? 0;
      const v = b.key[`v${i}`];
      if (c.metric === 'cardinality' && v !== null && v !== undefined) cur!.distinct![i]!.add(String(v));
    });
    if (days) cur.days.add(String(b.key.d));
  });
  for (const e of out.values()) {
    for (const cell of e.buckets.values()) {
      r.conditions.forEach((c, i) => {
        if (c.metric === 'cardinality') cell.values[i] = cell.upper[i] = cell.distinct![i]!.size;
      });
    }
  }
  return out;
}

/** Exact distinct counts of the windows the bounds left open: one filters aggregation per batch. */
async function exactWindows(ctx: SearchContext, r: ResolvedRule, open: Array<{ keys: Record<string, string>; start: number; end: number }>): Promise<boolean[]> {
  const result: boolean[] = [];
  // the monitor's own metric aggregations, the conditions' only (c0, c1, ...)
  // (with prevalence they stand under the `recent` filter, whose selection and window the batch's filters are)
  const all = metricAggs(r, () => 'now');
  const metrics = Object.fromEntries(Object.entries(r.prevalence ? ((all.recent?.aggs ?? {}) as Record<string, unknown>) : all).filter(([k]) => /^c\d+$/.test(k)));
  for (let i = 0; i < open.length; i += 200) {
    const batch = open.slice(i, i + 200);
    const filters = Object.fromEntries(batch.map((w, j) => [`w${j}`, { bool: { filter: [...Object.entries(w.keys).map(([f, v]) => ({ term: { [f]: v } })), range(w.start, w.end)] } }]));
    const body = await search(ctx, r, { size: 0, query: r.query, aggregations: { w: { filters: { filters }, aggs: metrics } } });
    batch.forEach((_, j) => {
      const b = body.aggregations.w.buckets[`w${j}`];
      result.push(r.conditions.every((c, k) => (c.metric === 'count' ? b.doc_count : (b[`c${k}`]?.value ?? 0)) >= c.gte));
    });
  }
  return result;
}

/**
 * The follow-up search names each detection (its entity's terms and its span): the engine
 * allows 1024 clauses in a query (indices.query.bool.max_clause_count, nested bools and the rule's own query included), so it names at most
 * this many, the largest; the hits stay exact (from the buckets), while per day, top hosts
 * and users and the samples then describe those largest detections.
 */
const MAX_QUERY_CLAUSES = 400;

async function huntGrouped(ctx: SearchContext, r: ResolvedRule, from: number, to: number, o: Required<Pick<HuntOptions, 'sampleSize' | 'topSize'>>): Promise<CheckFinding> {
  const finding = emptyFinding(r);
  const plan = windowPlan(r, from, to);
  if (plan.runs === 0) return finding;
  const entities = await entityBuckets(ctx, r, plan);
  const { detections, hits } = await detectionsOf(r, plan, entities, (open) => exactWindows(ctx, r, open));
  finding.detections = detections;
  if (!detections.length) return finding;
  // the events behind the detections, described as a match rule's are
  const chosen = [...detections].sort((a, b) => b.count - a.count).slice(0, Math.floor(MAX_QUERY_CLAUSES / (r.groupBy.length + 2)));
  const should = chosen.map((d) => ({ bool: { filter: [...Object.entries(d.entity ?? {}).map(([f, v]) => ({ term: { [f]: v } })), range(Date.parse(d.windowStart), Date.parse(d.windowEnd))] } }));
  const body = await search(ctx, r, { size: 0, track_total_hits: true, query: { bool: { filter: [r.query, { bool: { should, minimum_should_match: 1 } }] } }, aggregations: findingAggs(r, o) });
  describe(finding, r, body);
  finding.hits = hits;
  return finding;
}

/** every bucket of a composite aggregation, page by page (after_key) */
async function compositeBuckets(ctx: SearchContext, r: ResolvedRule, query: unknown, sources: Array<Record<string, unknown>>, aggs: Record<string, unknown>, size: number, each: (b: any) => void): Promise<void> {
  let after: unknown;
  for (;;) {
    const body = await search(ctx, r, {
      size: 0,
      query,
      aggregations: { g: { composite: { size, sources, ...(after ? { after } : {}) }, ...(Object.keys(aggs).length ? { aggs } : {}) } },
    });
    const agg = body.aggregations?.g;
    for (const b of agg?.buckets ?? []) each(b);
    if (!agg?.after_key || (agg.buckets ?? []).length < size) break;
    after = agg.after_key;
  }
}

/** a composite page where each bucket carries little: a handful of pages even at millions of events (the engine allows 65,535 buckets in a response, search.max_buckets) */
const BIG_PAGE = 50_000;

/** a bool filter of the rule's groups named by id (JSON of their keys), or none when there are too many to name */
function groupsFilter(r: ResolvedRule, ids: string[]): unknown[] {
  if (r.groupBy.length !== 1 || ids.length > 60_000) return [];
  return [{ terms: { [r.groupBy[0]!]: ids.map((id) => (JSON.parse(id) as string[])[0]!) } }];
}

/** a date range closed at both ends, as the monitor's (gte, lte) */
function closedRange(gte: number, lte: number): Record<string, unknown> {
  return { range: { '@timestamp': { gte, lte, format: 'epoch_millis' } } };
}

/**
 * A rule with prevalence, judged as its monitor judges it at every run time without running
 * it there (see prevalenceDetections in windows.ts): one composite aggregation of the rule's
 * selected events per group in atoms (a run time's instant, the rest of its schedule-sized
 * bucket) over the period, one of each group's distinct clients per block of half the
 * prevalence window, and, for the groups whose windows those counts leave open, one of each
 * client's first and last event per block; the windows are slid over them client-side.
 */
async function huntPrevalence(ctx: SearchContext, r: ResolvedRule, from: number, to: number, o: Required<Pick<HuntOptions, 'sampleSize' | 'topSize'>>): Promise<CheckFinding> {
  const finding = emptyFinding(r);
  const prev = r.prevalence!;
  const plan = windowPlan(r, from, to);
  if (plan.runs === 0) return finding;
  const mod = (t: number, m: number) => ((t % m) + m) % m;
  const offset = mod(plan.lastEnd, plan.step);
  const groups = r.groupBy.map((field, i) => ({ [`g${i}`]: { terms: { field } } }));
  const idOf = (b: any) => JSON.stringify(r.groupBy.map((_, i) => String(b.key[`g${i}`])));
  const keysOf = (b: any) => Object.fromEntries(r.groupBy.map((f, i) => [f, String(b.key[`g${i}`])]));

  // the selected events of every run's window, per group in atoms
  const days = r.conditions.some((c) => c.metric === 'distinct_days');
  const metrics: Record<string, unknown> = {};
  r.conditions.forEach((c, i) => {
    if (c.metric === 'sum') metrics[`c${i}`] = { sum: { field: c.field } };
    if (c.metric === 'cardinality') metrics[`c${i}`] = { cardinality: { field: c.field } };
  });
  const entities = new Map<string, EntityBuckets>();
  await compositeBuckets(
    ctx,
    r,
    { bool: { filter: [r.query, closedRange(plan.firstEnd - plan.window, plan.lastEnd)] } },
    [
      ...groups,
      { t: { date_histogram: { field: '@timestamp', fixed_interval: `${plan.step}ms`, offset: `+${offset}ms` } } },
      // the same buckets one millisecond later: an event at a bucket's first instant falls in the one before
      { e: { date_histogram: { field: '@timestamp', fixed_interval: `${plan.step}ms`, offset: `+${mod(offset + 1, plan.step)}ms` } } },
      ...(days ? [{ d: { date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: r.timezone, format: 'yyyy-MM-dd' } } }] : []),
    ],
    metrics,
    BIG_PAGE,
    (b) => {
      const id = idOf(b);
      let e = entities.get(id);
      if (!e) entities.set(id, (e = { keys: keysOf(b), buckets: new Map() }));
      const t = b.key.t as number;
      const atom = 2 * t + ((b.key.e as number) < t ? 0 : 1);
      let cur = e.buckets.get(atom);
      if (!cur) e.buckets.set(atom, (cur = { count: 0, values: r.conditions.map(() => 0), upper: r.conditions.map(() => 0), days: new Set() }));
      cur.count += b.doc_count;
      r.conditions.forEach((c, i) => {
        const v = b[`c${i}`]?.value ?? 0;
        if (c.metric === 'sum') cur!.values[i]! += v;
        if (c.metric === 'cardinality') {
          cur!.values[i] = Math.max(cur!.values[i]!, v);
          cur!.upper[i]! += v;
        }
      });
      if (days) cur.days.add(String(b.key.d));
    },
  );

  const block = Math.floor(prev.windowMs / 2);
  const blockSource = { s: { date_histogram: { field: '@timestamp', fixed_interval: `${block}ms`, offset: `+${mod(plan.lastEnd, block)}ms` } } };
  const prevalenceQuery = (ids: string[]) => ({ bool: { filter: [prev.query, closedRange(plan.firstEnd - prev.windowMs, plan.lastEnd), ...groupsFilter(r, ids)] } });
  const { detections, hits } = await prevalenceDetections(r, plan, entities, block, {
    exact: (open) => exactWindows(ctx, r, open.map((w) => ({ ...w, end: w.end + 1 }))),
    blockClients: async (ids) => {
      const wanted = new Set(ids);
      const out = new Map<string, Map<number, number>>();
      await compositeBuckets(ctx, r, prevalenceQuery(ids), [...groups, blockSource], { n: { cardinality: { field: prev.field } } }, BIG_PAGE, (b) => {
        const id = idOf(b);
        if (!wanted.has(id)) return;
        let m = out.get(id);
        if (!m) out.set(id, (m = new Map()));
        m.set(b.key.s as number, b.n.value as number);
      });
      return out;
    },
    clientSpans: async (ids) => {
      const wanted = new Set(ids);
      const out = new Map<string, Map<string, Map<number, [number, number]>>>();
      await compositeBuckets(
        ctx,
        r,
        prevalenceQuery(ids),
        [...groups, { c: { terms: { field: prev.field } } }, blockSource],
        { first: { min: { field: '@timestamp' } }, last: { max: { field: '@timestamp' } } },
        BIG_PAGE,
        (b) => {
          const id = idOf(b);
          if (!wanted.has(id)) return;
          let m = out.get(id);
          if (!m) out.set(id, (m = new Map()));
          const client = String(b.key.c);
          let c = m.get(client);
          if (!c) m.set(client, (c = new Map()));
          c.set(b.key.s as number, [b.first.value as number, b.last.value as number]);
        },
      );
      return out;
    },
  });
  finding.detections = detections;
  if (!detections.length) return finding;
  const chosen = [...detections].sort((a, b) => b.count - a.count).slice(0, Math.floor(MAX_QUERY_CLAUSES / (r.groupBy.length + 2)));
  const should = chosen.map((d) => ({ bool: { filter: [...Object.entries(d.entity ?? {}).map(([f, v]) => ({ term: { [f]: v } })), closedRange(Date.parse(d.windowStart), Date.parse(d.windowEnd))] } }));
  const body = await search(ctx, r, { size: 0, track_total_hits: true, query: { bool: { filter: [r.query, { bool: { should, minimum_should_match: 1 } }] } }, aggregations: findingAggs(r, o) });
  describe(finding, r, body);
  finding.hits = hits;
  return finding;
}

function messageOf(err: unknown): string {
  if (err instanceof PackError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  return err instanceof Error ? err.message : String(err);
}

/** the rules compiled once per content root and profile, for a process that hunts more than once (npm start, the bench) */
const compiledCache = new Map<string, ReturnType<typeof compileRules>>();
function compiledFor(root: string, profile: Profile): ReturnType<typeof compileRules> {
  const key = JSON.stringify([root, profile]);
  let c = compiledCache.get(key);
  if (!c) {
    c = compileRules(loadRules(root), profile);
    if (compiledCache.size > 8) compiledCache.clear();
    compiledCache.set(key, c);
  }
  return c;
}

export async function runHunt(conn: Connection, options: HuntOptions = {}): Promise<HuntResult> {
  const started = Date.now();
  const now = options.now ?? new Date();
  const from = parseTime(options.from ?? 'now-365d', now, '--from');
  const to = parseTime(options.to ?? 'now', now, '--to');
  if (from >= to) throw new UsageError(`--from ${new Date(from).toISOString()} is not before --to ${new Date(to).toISOString()}`);
  const profile = typeof options.profile === 'object' ? options.profile : loadProfile(options.profile);
  const compiled = compiledFor(options.root ?? PACK_ROOT, profile);
  const rules = selectRules(compiled.rules, options.rules, options.ioc);
  // the engine caps a top_hits aggregation at index.max_inner_result_window (100 by default)
  const o = { sampleSize: Math.min(MAX_SAMPLES, Math.max(0, options.sampleSize ?? 10)), topSize: options.topSize ?? 10 };
  const ctx: SearchContext = { conn, ...(options.namespace ? { namespace: options.namespace } : {}) };
  const checks: CheckFinding[] = new Array(rules.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < rules.length; i = next++) {
      const r = rules[i]!.resolved;
      const t0 = Date.now();
      try {
        checks[i] = r.prevalence ? await huntPrevalence(ctx, r, from, to, o) : r.groupBy.length ? await huntGrouped(ctx, r, from, to, o) : await huntMatch(ctx, r, from, to, o);
      } catch (err) {
        checks[i] = { ...emptyFinding(r), error: messageOf(err) };
      }
      checks[i]!.tookMs = Date.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 2, rules.length)) }, worker));
  return { cluster: conn.url, from: new Date(from).toISOString(), to: new Date(to).toISOString(), generatedAt: new Date().toISOString(), checks, tookMs: Date.now() - started };
}

export type { Detection };
