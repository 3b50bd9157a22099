import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Connection } from '../cluster/connection.js';
import type { Profile } from '../content/profile.js';
import { compileRules, type CompiledRule } from '../rules/compile.js';
import { loadRules } from '../rules/load.js';
import { lookbackMs } from '../rules/render/aggregations.js';
import { CHECK_IDS } from '../rules/schema.js';
import { BenignWeek, SOURCES, type BenignLine } from './benign-week.js';

/**
 * The noise benchmark: a benign week (src/bench/benign-week.ts) and the labelled attack story
 * (test/scenarios/story.yml) are loaded through the pack's pipelines into data streams of their
 * own namespace; then every rule's OpenSearch Alerting monitor, as deploy builds it for that
 * data's profile, is run with Alerting's `_execute` API (dryrun: no actions) at each of its
 * scheduled times over the period (`period_end` set to the run's time: the monitors' searches
 * read their time range from {{period_end}}), and the alerts Alerting would have raised are
 * counted the way it keeps them: a query-level monitor has one alert while its trigger keeps
 * firing and a new one when it fires again after a quiet run; a bucket-level monitor has one
 * alert per group (bucket keys), new when a group starts firing.
 *
 * A run whose look-back window holds no document the rule selects cannot fire (every
 * trigger needs at least one document), so those runs are not sent to the engine: one date
 * histogram of the rule's selection tells which runs to execute.
 */

export interface NoiseRow {
  check: string;
  schedule: string;
  runs: number;
  executed: number;
  firingRuns: number;
  alerts: number;
  perDay: number;
}

export interface NoiseResult {
  label: string;
  from: number;
  to: number;
  days: number;
  events: Record<string, number>;
  rows: NoiseRow[];
  seconds: number;
}

const NS_BENIGN = 'noise';
const NS_STORY = 'noisestory';

async function bulk(conn: Connection, stream: string, lines: string[], docs = false): Promise<void> {
  const body = lines.map((l) => `{"create":{}}\n${docs ? l : JSON.stringify({ message: l })}\n`).join('');
  const res = await conn.request('POST', `/${stream}/_bulk`, body);
  const b = res.body as { errors?: boolean; items?: Array<{ create?: { error?: unknown } }> };
  if (res.status >= 300 || b.errors) throw new Error(`bulk into ${stream} failed: ${JSON.stringify(b.items?.find((i) => i.create?.error)?.create?.error ?? res.body).slice(0, 500)}`);
}

async function resetStreams(conn: Connection, ns: string): Promise<void> {
  for (const s of SOURCES) await conn.request('DELETE', `/_data_stream/logs-jpcert.${s}-${ns}`);
}

async function refresh(conn: Connection, ns: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const s of SOURCES) {
    await conn.request('POST', `/logs-jpcert.${s}-${ns}/_refresh?ignore_unavailable=true`);
    const r = (await conn.request('GET', `/logs-jpcert.${s}-${ns}/_count?ignore_unavailable=true&allow_no_indices=true`)).body as { count?: number };
    counts[s] = r.count ?? 0;
  }
  return counts;
}

/** Loads the benign week through the pipelines (bulk of plain lines into each source's data stream, two requests in flight). */
export async function loadBenignWeek(conn: Connection, week: BenignWeek, log: (s: string) => void): Promise<Record<string, number>> {
  await resetStreams(conn, NS_BENIGN);
  const buffers = new Map<string, string[]>();
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  const flush = async (source: string) => {
    const lines = buffers.get(source) ?? [];
    if (!lines.length) return;
    buffers.set(source, []);
    inFlight.push(bulk(conn, `logs-jpcert.${source}-${NS_BENIGN}`, lines));
    if (inFlight.length >= 2) await inFlight.shift();
    sent += lines.length;
    if (sent % 100_000 < lines.length) log(`  loaded ${sent} lines`);
  };
  for (const l of week.lines() as Generator<BenignLine>) {
    const b = buffers.get(l.source) ?? [];
    b.push(l.line);
    buffers.set(l.source, b);
    if (b.length >= 2000) await flush(l.source);
  }
  for (const s of SOURCES) await flush(s);
  await Promise.all(inFlight);
  const counts = await refresh(conn, NS_BENIGN);
  const errors = (await conn.request('POST', `/logs-jpcert.*-${NS_BENIGN}/_count`, { query: { term: { 'event.kind': 'pipeline_error' } } })).body as { count: number };
  if (errors.count) throw new Error(`${errors.count} benign lines were not parsed (event.kind: pipeline_error)`);
  return counts;
}

interface StoryFile {
  events: Array<{ id: string; source: string; line?: string; doc?: Record<string, unknown> }>;
}

/** Loads the labelled story the way test/integration/scenario.test.ts does (a line as {message}, an agent document as it is). */
export async function loadStory(conn: Connection, root: string): Promise<{ counts: Record<string, number>; from: number; to: number }> {
  const story = YAML.parse(readFileSync(path.join(root, 'test', 'scenarios', 'story.yml'), 'utf8')) as StoryFile;
  await resetStreams(conn, NS_STORY);
  for (const source of new Set(story.events.map((e) => e.source))) {
    const docs = story.events.filter((e) => e.source === source).map((e) => JSON.stringify({ ...(e.doc ?? { message: e.line }), labels: { scenario_id: e.id } }));
    await bulk(conn, `logs-jpcert.${source}-${NS_STORY}`, docs, true);
  }
  const counts = await refresh(conn, NS_STORY);
  const range = (await conn.request('POST', `/logs-jpcert.*-${NS_STORY}/_search`, { size: 0, aggs: { min: { min: { field: '@timestamp' } }, max: { max: { field: '@timestamp' } } } })).body as any;
  return { counts, from: range.aggregations.min.value, to: range.aggregations.max.value };
}

/** The monitor of a rule, reading the given namespace's data streams instead of all of them. */
function monitorFor(rule: CompiledRule, ns: string): Record<string, any> {
  const m = structuredClone(rule.monitor) as any;
  m.inputs[0].search.indices = m.inputs[0].search.indices.map((i: string) => i.replace(/-\*$/, `-${ns}`));
  for (const t of m.triggers) {
    const trig = t.bucket_level_trigger ?? t.query_level_trigger;
    trig.actions = [];
  }
  return m;
}

/**
 * Which scheduled runs can fire: those whose look-back window holds a document the rule selects
 * (with prevalence, whose own window does: a group needs a recent document to fire).
 */
async function runsWithData(conn: Connection, rule: CompiledRule, ns: string, runs: number[]): Promise<number[]> {
  const look = rule.resolved.prevalence ? rule.resolved.windowMs : lookbackMs(rule.resolved);
  const first = runs[0]! - look;
  const last = runs[runs.length - 1]!;
  const step = rule.resolved.scheduleMs;
  const indices = rule.resolved.indices.map((i) => i.replace(/-\*$/, `-${ns}`)).join(',');
  const res = await conn.request('POST', `/${indices}/_search?ignore_unavailable=true&allow_no_indices=true`, {
    size: 0,
    query: { bool: { filter: [rule.resolved.query, { range: { '@timestamp': { gte: first, lte: last, format: 'epoch_millis' } } }] } },
    aggs: { h: { histogram: { script: { source: `(doc['@timestamp'].value.toInstant().toEpochMilli() - ${first}L) / ${step}L`, lang: 'painless' }, interval: 1, min_doc_count: 1 } } },
  });
  if (res.status !== 200) throw new Error(`${rule.resolved.rule.check}: the histogram search failed: ${JSON.stringify(res.body).slice(0, 400)}`);
  const buckets = ((res.body as any).aggregations?.h?.buckets ?? []) as Array<{ key: number }>;
  const slots = buckets.map((b) => first + b.key * step); // start of each slot holding data
  return runs.filter((t) => slots.some((s) => s + step > t - look && s <= t));
}

/**
 * A run evaluated without Alerting: the monitor's search at the run's time and its trigger
 * condition (a bucket_selector with the trigger's script, as test/integration/scenario.test.ts
 * does), for the rare run `_execute` keeps failing on. Returns the firing keys as _execute names them.
 */
async function evaluateDirectly(conn: Connection, monitor: Record<string, any>, t: number): Promise<string[]> {
  const input = JSON.parse(JSON.stringify(monitor.inputs[0].search).replaceAll('{{period_end}}', String(t)));
  const trigger = monitor.triggers[0];
  if (trigger.bucket_level_trigger) {
    const cond = trigger.bucket_level_trigger.condition;
    input.query.aggregations[cond.parent_bucket_path].aggs.trigger = { bucket_selector: { buckets_path: cond.buckets_path, script: cond.script } };
    const keys: string[] = [];
    let after: unknown;
    do {
      if (after) input.query.aggregations[cond.parent_bucket_path].composite.after = after;
      const res = await conn.request('POST', `/${input.indices.join(',')}/_search?ignore_unavailable=true&allow_no_indices=true`, input.query);
      const agg = (res.body as any).aggregations[cond.parent_bucket_path];
      for (const b of agg.buckets) keys.push(Object.keys(b.key).sort().map((k) => String(b.key[k])).join('#'));
      after = agg.buckets.length ? agg.after_key : undefined;
    } while (after);
    return keys;
  }
  const res = await conn.request('POST', `/${input.indices.join(',')}/_search?ignore_unavailable=true&allow_no_indices=true`, { ...input.query, size: 0, track_total_hits: true });
  return (res.body as any).hits.total.value > 0 ? ['query'] : [];
}

interface ExecuteResult {
  error?: string | null;
  input_results?: { error?: string | null };
  trigger_results?: Record<string, { triggered?: boolean; error?: string | null; agg_result_buckets?: Record<string, { bucket_keys?: unknown[] }> }>;
}

const SHOWN_ALERTS = 20;

/** Steps every rule's monitor over [from, to) at its schedule and counts the alerts Alerting would keep. */
export async function countAlerts(conn: Connection, root: string, profile: Profile, ns: string, from: number, to: number, log: (s: string) => void, only?: string[]): Promise<NoiseRow[]> {
  const compiled = compileRules(loadRules(root), profile);
  const days = (to - from) / 86_400_000;
  const rows: NoiseRow[] = [];
  for (const check of CHECK_IDS) {
    if (only && !only.includes(check)) continue;
    const rule = compiled.rules.find((r) => r.resolved.rule.check === check);
    if (!rule) continue;
    const step = rule.resolved.scheduleMs;
    // runs on the schedule's grid (as if the monitor was enabled at `from`), over the period
    const runs: number[] = [];
    for (let t = from + step; t <= to; t += step) runs.push(t);
    const todo = new Set(await runsWithData(conn, rule, ns, runs));
    const monitor = monitorFor(rule, ns);
    let active = new Set<string>();
    let alerts = 0;
    let firingRuns = 0;
    let executed = 0;
    let retries = 0;
    let fallbacks = 0;
    let firstError: string | undefined;
    // the first alerts' group keys and run times, printed to see what fires
    const opened: string[] = [];
    const began = Date.now();
    for (const t of runs) {
      let firing = new Set<string>();
      if (todo.has(t)) {
        executed++;
        // a run that Alerting answers with an error is retried (seen now and then on a loaded
        // machine: "Empty list doesn't contain element at index 0"); a third error stops the bench
        for (let attempt = 1; ; attempt++) {
          const res = await conn.request('POST', `/_plugins/_alerting/monitors/_execute?dryrun=true&period_end=${t}ms`, monitor);
          const body = res.body as ExecuteResult;
          const err = body.error ?? body.input_results?.error ?? Object.values(body.trigger_results ?? {}).find((r) => r.error)?.error;
          // Alerting 2.19 answers some bucket-level runs with a trigger error ("Empty list doesn't
          // contain element at index 0.") while its input search succeeded: such a run is evaluated
          // directly at once; an input or HTTP error is retried first
          const triggerOnly = res.status === 200 && !body.error && !body.input_results?.error;
          if (res.status !== 200 || err) {
            if (attempt < 3 && !triggerOnly) {
              retries++;
              await new Promise((r) => setTimeout(r, 300));
              continue;
            }
            // still failing: the same search and trigger condition evaluated by the engine directly
            fallbacks++;
            firstError ??= `${new Date(t).toISOString()}: ${String(err ?? res.status).slice(0, 200)}`;
            for (const k of await evaluateDirectly(conn, monitor, t)) firing.add(k);
            break;
          }
          for (const tr of Object.values(body.trigger_results ?? {})) {
            // agg_result_buckets is keyed by the bucket's keys joined with '#'
            if (tr.agg_result_buckets) for (const key of Object.keys(tr.agg_result_buckets)) firing.add(key);
            else if (tr.triggered) firing.add('query');
          }
          break;
        }
      }
      if (firing.size) firingRuns++;
      for (const k of firing) {
        if (active.has(k)) continue;
        alerts++;
        if (opened.length < SHOWN_ALERTS) opened.push(`${k} @${new Date(t).toISOString().slice(0, 16)}Z`);
      }
      active = firing;
    }
    const row = { check, schedule: `${Math.round(step / 60_000)}m`, runs: runs.length, executed, firingRuns, alerts, perDay: alerts / days };
    log(`  ${check}: ${alerts} alert(s) (${executed} of ${runs.length} runs executed${retries ? `, ${retries} retried` : ''}${fallbacks ? `, ${fallbacks} evaluated by the same search and trigger script directly after an _execute error (first: ${firstError})` : ''}, ${((Date.now() - began) / 1000).toFixed(0)}s)${opened.length ? `: ${opened.join('; ')}${alerts > opened.length ? '; ...' : ''}` : ''}`);
    rows.push(row);
  }
  return rows;
}

export async function benchNoise(
  conn: Connection,
  o: { root: string; benignProfile: Profile; storyProfile: Profile; pcs: number; start: string; days: number; seed: number; squidFormat?: 'combined' | 'native-up'; only?: string[]; reuse?: boolean; log: (s: string) => void },
): Promise<{ benign: NoiseResult; story: NoiseResult }> {
  // many `_execute` calls: the monitors' 2 x 21 templates are compiled once each, but leave room
  const limit = 'script.context.template.max_compilations_rate';
  const before = ((await conn.request('GET', `/_cluster/settings?flat_settings=true`)).body as any).transient?.[limit] ?? null;
  await conn.request('PUT', '/_cluster/settings', { transient: { [limit]: '100000/5m' } });
  try {
    let started = Date.now();
    o.log(`benign week: ${o.pcs} PCs, ${o.days} days from ${o.start}, seed ${o.seed}, Squid ${o.squidFormat ?? 'combined'}`);
    const week = new BenignWeek({ pcs: o.pcs, start: o.start, days: o.days, seed: o.seed, ...(o.squidFormat ? { squidFormat: o.squidFormat } : {}) });
    // --reuse: the week loaded by an earlier run (same options) is counted again as it is
    const events = o.reuse ? await refresh(conn, NS_BENIGN) : await loadBenignWeek(conn, week, o.log);
    o.log(`  loaded in ${((Date.now() - started) / 1000).toFixed(0)}s: ${JSON.stringify(events)}`);
    const from = Date.parse(`${o.start}T00:00:00+09:00`);
    const to = from + o.days * 86_400_000;
    started = Date.now();
    const rows = await countAlerts(conn, o.root, o.benignProfile, NS_BENIGN, from, to, o.log, o.only);
    const benign: NoiseResult = { label: `benign week, ${o.pcs} PCs`, from, to, days: o.days, events, rows, seconds: (Date.now() - started) / 1000 };

    started = Date.now();
    const s = await loadStory(conn, o.root);
    // the story's whole span, from its first local midnight to the day after its last event
    const sFrom = Date.parse(`${new Date(s.from + 9 * 3_600_000).toISOString().slice(0, 10)}T00:00:00+09:00`);
    const sTo = Date.parse(`${new Date(s.to + 9 * 3_600_000).toISOString().slice(0, 10)}T00:00:00+09:00`) + 86_400_000;
    o.log(`labelled story: ${new Date(sFrom).toISOString()} to ${new Date(sTo).toISOString()}`);
    const storyRows = await countAlerts(conn, o.root, o.storyProfile, NS_STORY, sFrom, sTo, o.log, o.only);
    const story: NoiseResult = { label: 'labelled story', from: sFrom, to: sTo, days: (sTo - sFrom) / 86_400_000, events: s.counts, rows: storyRows, seconds: (Date.now() - started) / 1000 };
    return { benign, story };
  } finally {
    await conn.request('PUT', '/_cluster/settings', { transient: { [limit]: before } });
  }
}

export function noiseTable(r: { benign: NoiseResult; story: NoiseResult }): string {
  const head = `| check | schedule | benign: alerts in ${r.benign.days} days | benign: alerts/day | story: alerts (${r.story.days} days) | story fires |`;
  const sep = '|---|---|---|---|---|---|';
  const byCheck = new Map(r.story.rows.map((x) => [x.check, x]));
  const body = r.benign.rows.map((b) => {
    const s = byCheck.get(b.check);
    return `| ${b.check} | ${b.schedule} | ${b.alerts} | ${b.perDay.toFixed(1)} | ${s?.alerts ?? '-'} | ${s ? (s.alerts > 0 ? 'yes' : 'NO') : '-'} |`;
  });
  const total = r.benign.rows.reduce((a, x) => a + x.alerts, 0);
  return [head, sep, ...body, `| total | | ${total} | ${(total / r.benign.days).toFixed(1)} | ${r.story.rows.reduce((a, x) => a + x.alerts, 0)} | |`].join('\n');
}
