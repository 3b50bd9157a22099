import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Connection } from '../../src/cluster/connection.js';
import { loadProfile } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { compileRules, type CompiledRule } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';
import { lookbackMs, regularityScript } from '../../src/rules/render/aggregations.js';
import { MONITOR_QUERY_CONDITION } from '../../src/rules/render/monitor.js';
import { ALERTS_INDEX, watchCondition } from '../../src/rules/render/watch.js';
import { CHECK_IDS } from '../../src/rules/schema.js';
import { adminConnection, ROOT } from '../harness/cluster.js';

/**
 * The labelled attack story (test/scenarios/story.yml), written for this project: raw log
 * lines and agent documents of every source, each with an id, ingested through the real
 * pipelines. For every rule, run at the time the story gives, each target's search must
 * find exactly the expected events (match rules) or groups (grouped rules): the attack is
 * found and the benign near-misses are not. A coverage table is written to
 * build/coverage.md and printed.
 */

interface StoryEvent {
  id: string;
  source: string;
  line?: string;
  doc?: Record<string, unknown>;
  note?: string;
}
interface Expectation {
  run_at: string;
  hits?: string[];
  groups?: string[][];
  near_misses?: string[];
}
interface Story {
  events: StoryEvent[];
  expect: Record<string, Expectation>;
}

const DIR = path.join(ROOT, 'test', 'scenarios');
const story = YAML.parse(readFileSync(path.join(DIR, 'story.yml'), 'utf8')) as Story;
const profile = loadProfile(path.join(DIR, 'profile.yml'));
const compiled = compileRules(loadRules(ROOT), profile);
const NAMESPACE = 'scenario';
const conn: Connection = await adminConnection();
const regularity: string[] = [];
const coverage: Array<{ check: string; fired: boolean; silent: boolean; target: string }> = [];

beforeAll(async () => {
  await installPack(conn, ROOT, profile);
  for (const source of new Set(story.events.map((e) => e.source))) await conn.request('DELETE', `/_data_stream/logs-jpcert.${source}-${NAMESPACE}`);
  await conn.request('DELETE', `/${ALERTS_INDEX}-${NAMESPACE}`);
  for (const e of story.events) {
    const body = e.doc ? structuredClone(e.doc) : { message: e.line };
    (body as Record<string, any>).labels = { ...((body as Record<string, any>).labels ?? {}), scenario_id: e.id };
    const res = await conn.request('POST', `/logs-jpcert.${e.source}-${NAMESPACE}/_doc`, body);
    expect({ id: e.id, status: res.status }).toEqual({ id: e.id, status: 201 });
  }
  for (const source of new Set(story.events.map((e) => e.source))) await conn.request('POST', `/logs-jpcert.${source}-${NAMESPACE}/_refresh`);
  const errors = (await conn.request('POST', `/logs-jpcert.*-${NAMESPACE}/_search`, { size: 100, query: { term: { 'event.kind': 'pipeline_error' } }, _source: ['labels.scenario_id', 'error.message'] })).body as any;
  expect(errors.hits.hits.map((h: any) => [h._source.labels.scenario_id, h._source.error.message])).toEqual([]);
});

afterAll(async () => {
  mkdirSync(path.join(ROOT, 'build'), { recursive: true });
  const rows = coverage.sort((a, b) => CHECK_IDS.indexOf(a.check as never) - CHECK_IDS.indexOf(b.check as never));
  const table = ['| check | target | fired on attack | silent on benign |', '|---|---|---|---|', ...rows.map((r) => `| ${r.check} | ${r.target} | ${r.fired ? 'yes' : 'NO'} | ${r.silent ? 'yes' : 'NO'} |`)].join('\n');
  writeFileSync(path.join(ROOT, 'build', 'coverage.md'), `${table}\n`);
  process.stderr.write(`\nscenario coverage (build/coverage.md):\n${table}\n${regularity.length ? `regularity scores: ${regularity.join('; ')}\n` : ''}`);
  await conn.close();
});

/** Replaces the targets' "now" (Watcher's `now`, Alerting's {{period_end}}) with the run time. */
function at(value: unknown, runAt: number): any {
  return JSON.parse(
    JSON.stringify(value)
      .replaceAll('{{period_end}}', String(runAt))
      .replace(/"now-(\d+s)"/g, `"${runAt}||-$1"`)
      .replaceAll('"now"', `"${runAt}"`),
  );
}

async function search(indices: string[], body: unknown): Promise<any> {
  const res = await conn.request('POST', `/${indices.map((i) => i.replace(/-\*$/, `-${NAMESPACE}`)).join(',')}/_search?allow_no_indices=true&ignore_unavailable=true`, body);
  expect(res.status).toBe(200);
  return res.body;
}

function idsOf(result: any): string[] {
  return result.hits.hits.map((h: any) => h._source?.labels?.scenario_id ?? h.fields?.['labels.scenario_id']?.[0]).sort();
}

function keyOf(key: unknown): string[] {
  if (Array.isArray(key)) return key.map(String);
  if (key && typeof key === 'object') return Object.keys(key).sort().map((k) => String((key as Record<string, unknown>)[k]));
  return [String(key)];
}

/** A target's Painless condition, evaluated by the engine on the given `ctx` (its source verbatim). */
async function condition(source: string, ctx: unknown): Promise<boolean> {
  const res = await conn.request('POST', '/_scripts/painless/_execute', { script: { source: `def ctx = params.ctx; ${source.includes('return') ? source : `return ${source};`}`, params: { ctx } } });
  expect(res.status).toBe(200);
  return (res.body as { result: string }).result === 'true';
}

/**
 * The watch's transform, its source verbatim, run by the engine's Painless (in an ingest
 * script, whose ctx is a map as Watcher's is) on a Watcher-shaped context: payload, metadata,
 * watch_id and execution_time (a ZonedDateTime, as Watcher gives it). An ingest script
 * returns nothing, so the transform's final `return <payload>;` is kept as ctx._payload.
 */
async function transformed(rule: CompiledRule, payload: unknown, runAt: number): Promise<{ _doc: any[]; total: number }> {
  const source = (rule.watch.body.transform as { script: { source: string } }).script.source;
  const body = source.replace(/return (\[[^;]*\]);\s*$/, 'ctx._payload = $1;');
  expect(body).not.toBe(source);
  const res = await conn.request('POST', '/_ingest/pipeline/_simulate', {
    pipeline: { processors: [{ script: { lang: 'painless', source: `ctx.execution_time = ZonedDateTime.parse(params.run_at); ${body}`, params: { run_at: new Date(runAt).toISOString() } } }] },
    docs: [{ _source: { payload, metadata: rule.watch.body.metadata, watch_id: rule.watch.id } }],
  });
  const doc = (res.body as { docs: Array<{ doc?: { _source: { _payload: { _doc: any[]; total: number } } }; error?: unknown }> }).docs[0]!;
  expect(doc.error).toBeUndefined();
  return doc.doc!._source._payload;
}

async function alertDocs(rule: CompiledRule, payload: unknown, runAt: number): Promise<any[]> {
  return (await transformed(rule, payload, runAt))._doc;
}

const byCheck = new Map<string, CompiledRule>(compiled.rules.map((r) => [r.resolved.rule.check, r]));

test('the story covers every check', () => {
  expect(CHECK_IDS.filter((c) => !story.expect[c])).toEqual([]);
});

describe.each(CHECK_IDS.filter((c) => story.expect[c]))('%s', (check) => {
  const exp = story.expect[check]!;
  const r = () => byCheck.get(check)!;
  const runAt = Date.parse(exp.run_at);
  const record = (target: string, ok: boolean) => {
    const fired = (exp.hits ?? exp.groups ?? []).length > 0;
    coverage.push({ check, target, fired: fired && ok, silent: ok });
  };

  test('saved search: the events in the window are exactly the expected ones', async () => {
    const rule = r();
    const window = rule.resolved.baseline ? rule.resolved.windowMs * (rule.resolved.baseline.history + 1) : rule.resolved.windowMs;
    const result = await search(rule.resolved.indices, { size: 500, query: { bool: { filter: [rule.resolved.query, { range: { '@timestamp': { gte: runAt - window, lte: runAt, format: 'epoch_millis' } } }] } } });
    if (exp.hits) {
      expect(idsOf(result)).toEqual([...exp.hits].sort());
      record('saved search', true);
    } else {
      expect(result.hits.hits.length).toBeGreaterThan(0);
    }
  });

  test('OpenSearch monitor: its input, with the trigger applied, finds exactly the expected events or groups', async () => {
    const rule = r();
    const input = at(rule.monitor.inputs[0]!.search, runAt);
    const trigger = rule.monitor.triggers[0] as any;
    let ok = false;
    if (trigger.bucket_level_trigger) {
      const cond = trigger.bucket_level_trigger.condition;
      input.query.aggregations[cond.parent_bucket_path].aggs.trigger = { bucket_selector: { buckets_path: cond.buckets_path, script: cond.script } };
      const result = await search(input.indices, input.query);
      const groups = result.aggregations[cond.parent_bucket_path].buckets.map((b: any) => keyOf(b.key));
      expect(groups.sort()).toEqual((exp.groups ?? []).map((g) => g.map(String)).sort());
      ok = true;
    } else {
      const result = await search(input.indices, { ...input.query, size: 500 });
      expect(idsOf(result)).toEqual([...(exp.hits ?? [])].sort());
      // the trigger's own condition, on the run's results as Alerting hands them over
      expect(trigger.query_level_trigger.condition.script.source).toBe(MONITOR_QUERY_CONDITION);
      expect(await condition(MONITOR_QUERY_CONDITION, { results: [result] })).toBe((exp.hits ?? []).length > 0);
      ok = true;
    }
    record('monitor', ok);
  });

  test('Watcher watch: its condition holds exactly when expected, and its alert documents name the rule, the offender and a link back', async () => {
    const rule = r();
    const request = at(rule.watch.body.input!.search!.request, runAt);
    const indices = request.indices.map((i: string) => i.replace(/-\*$/, `-${NAMESPACE}`)).join(',');
    const res = await conn.request('POST', `/${indices}/_search?allow_no_indices=true&ignore_unavailable=true&rest_total_hits_as_int=true`, request.body);
    expect(res.status).toBe(200);
    const result = res.body as any;
    const expected = (exp.hits ?? exp.groups ?? []).length > 0;
    if (rule.resolved.groupBy.length) {
      const groups = result.aggregations.groups.buckets.map((b: any) => keyOf(b.key));
      expect(groups.sort()).toEqual((exp.groups ?? []).map((g) => g.map(String)).sort());
      if (rule.resolved.regularity) {
        // the alert's regularity score, evaluated by the engine's Painless on each group's bucket
        for (const b of result.aggregations.groups.buckets) {
          const res = await conn.request('POST', '/_scripts/painless/_execute', { script: { source: `def b = params.b; return ${regularityScript('b')};`, params: { b } } });
          const score = Number((res.body as { result: string }).result);
          regularity.push(`${check} ${keyOf(b.key).join(' ')}: ${score}`);
          expect({ group: keyOf(b.key), score: score >= 50 && score <= 100 }).toEqual({ group: keyOf(b.key), score: true });
        }
      }
    } else {
      expect(idsOf(result)).toEqual([...(exp.hits ?? [])].sort());
    }
    // the watch's own condition, by the engine's Painless on this payload
    const condSource = (rule.watch.body.condition as any).script.source as string;
    expect(condSource).toBe(watchCondition(rule.resolved));
    expect(await condition(condSource, { payload: result })).toBe(expected);
    if (!expected) {
      record('watch', true);
      return;
    }

    // the transform's alert documents: one per group or hit, naming the rule and the offender
    const payload = await transformed(rule, result, runAt);
    expect(payload.total).toBe(result.hits.total);
    const docs = payload._doc;
    expect(docs.map((d) => d.rule.check)).toEqual(docs.map(() => check));
    if (rule.resolved.groupBy.length) {
      const named = docs.map((d) => rule.resolved.groupBy.map((f) => String(d.group[f])));
      expect(named.sort()).toEqual((exp.groups ?? []).map((g) => g.map(String)).sort());
    } else {
      expect(docs.map((d) => d.source.labels.scenario_id).sort()).toEqual([...(exp.hits ?? [])].sort());
      for (const d of docs) expect(Object.keys(d.fields).length).toBeGreaterThan(0);
    }
    // ...which the alerts index takes as Watcher's index action would send them
    // (its `_id` field becomes the document id); the next run, whose look-back overlaps this
    // one, gives the same ids, so it updates these alerts instead of adding duplicates
    const store = async (batch: any[]) => {
      const bulk = batch.map(({ _id, ...d }) => `${JSON.stringify({ index: { _id } })}\n${JSON.stringify(d)}\n`).join('');
      const indexed = (await conn.request('POST', `/${ALERTS_INDEX}-${NAMESPACE}/_bulk?refresh=true`, bulk)).body as any;
      expect(indexed.items.map((i: any) => i.index.error ?? 'ok')).toEqual(batch.map(() => 'ok'));
      return ((await conn.request('POST', `/${ALERTS_INDEX}-${NAMESPACE}/_search`, { size: 0, query: { term: { 'rule.check': check } } })).body as any).hits.total.value;
    };
    expect(await store(docs)).toBe(docs.length);
    const nextRun = await alertDocs(rule, result, runAt + 1000);
    expect(nextRun.map((d) => d._id).sort()).toEqual(docs.map((d) => d._id).sort());
    expect(await store(nextRun)).toBe(docs.length);
    // a whole look-back period later, an event is still the same alert; a group still firing
    // is a new one
    const nextPeriod = (await alertDocs(rule, result, runAt + lookbackMs(rule.resolved))).map((d) => d._id as string);
    const before = new Set(docs.map((d) => d._id as string));
    expect(nextPeriod.filter((id) => before.has(id)).length).toBe(rule.resolved.groupBy.length ? 0 : docs.length);
    // ...and whose link-back query, run as a real search, finds that group's (or that) event(s)
    for (const d of docs) {
      expect(d.link_back.saved_search_id).toBe(rule.resolved.rule.id);
      const back = await search(rule.resolved.indices, {
        size: 0,
        track_total_hits: true,
        query: { bool: { filter: [rule.resolved.query, { query_string: { query: d.link_back.query } }, { range: { '@timestamp': { gte: d.link_back.from, lte: d.link_back.to } } }] } },
      });
      expect({ query: d.link_back.query, found: back.hits.total.value }).toEqual({ query: d.link_back.query, found: d.count ?? 1 });
    }
    record('watch', true);
  });
});
