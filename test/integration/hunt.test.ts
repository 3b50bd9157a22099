import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Connection } from '../../src/cluster/connection.js';
import { loadProfile } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import type { CheckFinding, Detection, HuntResult } from '../../src/hunt/findings.js';
import { runHunt, windowPlan } from '../../src/hunt/hunt.js';
import { compileRules } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';
import { adminConnection, adminEnv, runCli, ROOT, testCluster } from '../harness/cluster.js';

/**
 * The retro-hunt on the real engine: the labelled story (test/scenarios/story.yml) loaded
 * through the pipelines into its own namespace, then hunted over its whole span; a threshold
 * rule's hunt against its monitor run at every run time of two days; the CLI's exit codes.
 */

interface StoryEvent {
  id: string;
  source: string;
  line?: string;
  doc?: Record<string, unknown>;
}
interface Story {
  events: StoryEvent[];
  expect: Record<string, { run_at: string; hits?: string[]; groups?: string[][]; near_misses?: string[] }>;
}

const DIR = path.join(ROOT, 'test', 'scenarios');
const PROFILE_FILE = path.join(DIR, 'profile.yml');
const story = YAML.parse(readFileSync(path.join(DIR, 'story.yml'), 'utf8')) as Story;
const profile = loadProfile(PROFILE_FILE);
const compiled = compileRules(loadRules(ROOT), profile);
const NS = 'hunt';
const WIN_NS = 'huntwin';
const SPAN = { from: '2026-02-01T00:00:00+09:00', to: '2026-02-28T00:00:00+09:00' };
const conn: Connection = await adminConnection();

async function load(namespace: string, events: Array<{ id: string; source: string; body: Record<string, unknown> }>): Promise<void> {
  for (const source of new Set(events.map((e) => e.source))) await conn.request('DELETE', `/_data_stream/logs-jpcert.${source}-${namespace}`);
  const bulk = events.map((e) => `${JSON.stringify({ create: { _index: `logs-jpcert.${e.source}-${namespace}` } })}\n${JSON.stringify({ ...e.body, labels: { scenario_id: e.id } })}\n`).join('');
  const res = (await conn.request('POST', '/_bulk?refresh=true', bulk)).body as any;
  expect(res.items.filter((i: any) => i.create.status !== 201)).toEqual([]);
  const errors = (await conn.request('POST', `/logs-jpcert.*-${namespace}/_search`, { size: 100, query: { term: { 'event.kind': 'pipeline_error' } }, _source: ['labels.scenario_id', 'error.message'] })).body as any;
  expect(errors.hits.hits.map((h: any) => [h._source.labels.scenario_id, h._source.error.message])).toEqual([]);
}

/** scenario id, @timestamp and flattened fields of the story's events, by scenario id */
async function storyDocs(ids: string[]): Promise<Map<string, any>> {
  const body = (await conn.request('POST', `/logs-jpcert.*-${NS}/_search`, { size: 1000, query: { terms: { 'labels.scenario_id': ids } }, fields: ['*'], _source: false })).body as any;
  return new Map(body.hits.hits.map((h: any) => [h.fields['labels.scenario_id'][0], h]));
}

async function scenarioIdsOf(f: CheckFinding): Promise<string[]> {
  const ids = f.samples.map((s) => s.id!);
  const body = (await conn.request('POST', `/logs-jpcert.*-${NS}/_search`, { size: 1000, query: { ids: { values: ids } }, _source: ['labels.scenario_id'] })).body as any;
  return body.hits.hits.map((h: any) => h._source.labels.scenario_id).sort();
}

const covers = (d: Detection, t: string) => Date.parse(d.windowStart) <= Date.parse(t) && Date.parse(t) < Date.parse(d.windowEnd);

let result: HuntResult;

beforeAll(async () => {
  await installPack(conn, ROOT, profile);
  await load(NS, story.events.map((e) => ({ id: e.id, source: e.source, body: e.doc ? structuredClone(e.doc) : { message: e.line } })));
  result = await runHunt(conn, { ...SPAN, profile, namespace: NS, sampleSize: 100 });
}, 300_000);

afterAll(async () => {
  await conn.close();
}, 60_000);

test('the hunt over the story runs every rule without error, in rule-file order', () => {
  expect(result.checks.map((c) => [c.check, c.error])).toEqual(compiled.rules.map((r) => [r.resolved.rule.check, undefined]));
});

describe.each(Object.keys(story.expect))('story %s', (check) => {
  const exp = story.expect[check]!;
  const finding = () => result.checks.find((c) => c.check === check)!;

  test('found, with first/last seen, per-day counts, top hosts and samples that keep event.original', () => {
    const f = finding();
    expect(f.hits).toBeGreaterThan(0);
    expect(f.detections.length).toBeGreaterThan(0);
    expect(f.perDay.reduce((n, b) => n + b.count, 0)).toBe(f.hits);
    expect(Date.parse(f.firstSeen!)).toBeLessThanOrEqual(Date.parse(f.lastSeen!));
    expect(f.topHosts.length).toBeGreaterThan(0);
    expect(f.samples.length).toBe(f.hits);
    for (const s of f.samples) expect(typeof s['event.original']).toBe('string');
  });

  if (exp.hits) {
    test('every expected event is among the hits, and no near-miss is', async () => {
      const ids = await scenarioIdsOf(finding());
      expect(exp.hits!.filter((id) => !ids.includes(id))).toEqual([]);
      expect((exp.near_misses ?? []).filter((id) => ids.includes(id))).toEqual([]);
    });
  } else {
    test('the expected group is detected around the story\'s run time, and no near-miss event lies in a detection of its own entity', async () => {
      const rule = compiled.rules.find((r) => r.resolved.rule.check === check)!.resolved;
      const f = finding();
      for (const g of exp.groups!) {
        const entity = Object.fromEntries(rule.groupBy.map((field, i) => [field, g[i]!]));
        // the alert the monitor raised at run_at is one of the hunt's (its run falls in a detection's runs)
        const runAt = Date.parse(exp.run_at);
        const hit = f.detections.find((d) => JSON.stringify(d.entity) === JSON.stringify(entity) && Date.parse(d.windowStart) < runAt && runAt - rule.windowMs < Date.parse(d.windowEnd));
        expect({ entity, found: hit !== undefined }).toEqual({ entity, found: true });
      }
      const docs = await storyDocs(exp.near_misses ?? []);
      for (const id of exp.near_misses ?? []) {
        const doc = docs.get(id);
        expect({ id, loaded: doc !== undefined }).toEqual({ id, loaded: true });
        const entity = Object.fromEntries(rule.groupBy.map((field) => [field, String(doc.fields[field]?.[0])]));
        const inside = f.detections.filter((d) => JSON.stringify(d.entity) === JSON.stringify(entity) && covers(d, doc.fields['@timestamp'][0]));
        expect({ id, inside }).toEqual({ id, inside: [] });
      }
    });
  }
});

/** a ScreenOS deny from an internal PC, at a JST time */
function deny(src: string, jst: string, n: number): string {
  return `${jst.replace(' ', 'T')}.000000+09:00 192.168.1.1 ssg140-hq: NetScreen device_id=ssg140-hq [Root]system-notification-00257(traffic): start_time="${jst}" duration=0 policy_id=38 service=tcp/port:445 proto=6 src zone=SHANAI dst zone=INTRA action=Deny sent=0 rcvd=0 src=${src} dst=192.168.200.${10 + (n % 40)} src_port=${49000 + n} dst_port=445 session_id=0`;
}

describe('a threshold rule over two days: the hunt finds exactly the alerts its monitor would have raised', () => {
  const rule = compiled.rules.find((r) => r.resolved.rule.check === 'G3')!;
  const from = '2026-03-02T00:00:00+09:00';
  const to = '2026-03-04T00:00:00+09:00';
  const at = (day: number, h: number, m: number, s: number) => `2026-03-0${day} ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  const events: Array<{ id: string; source: string; body: Record<string, unknown> }> = [];
  const add = (src: string, times: string[]) => times.forEach((t) => events.push({ id: `g3-${src}-${events.length}`, source: 'netscreen', body: { message: deny(src, t, events.length) } }));
  // A: 12 denies in 20 minutes (fires), later 6 + 6 fifty minutes apart (fires only where one hour holds all 12)
  add('192.168.100.50', Array.from({ length: 12 }, (_, i) => at(2, 10, i, 7 + i)));
  add('192.168.100.50', [...Array.from({ length: 6 }, (_, i) => at(2, 14, 2 + i, 13)), ...Array.from({ length: 6 }, (_, i) => at(2, 14, 52 + i, 41))]);
  // A on day 2: 9 in a burst (silent), then 10 spread one every 5 minutes (fires in the runs whose hour holds all 10)
  add('192.168.100.50', Array.from({ length: 9 }, (_, i) => at(3, 9, i, 3)));
  add('192.168.100.50', Array.from({ length: 10 }, (_, i) => at(3, 11, 5 * i + 1, 29)));
  // B: 10 at the day's change (fires across midnight), C: 9 (silent)
  add('192.168.100.51', Array.from({ length: 10 }, (_, i) => at(2, 23, 50 + i, 17)));
  add('192.168.100.52', Array.from({ length: 9 }, (_, i) => at(2, 16, i * 3, 51)));

  test('every run of the monitor, by _msearch at each run time, merged per entity over consecutive runs', async () => {
    await load(WIN_NS, events);
    const hunt = await runHunt(conn, { from, to, profile, namespace: WIN_NS, rules: ['G3'] });
    const g3 = hunt.checks[0]!;
    expect(g3.error).toBeUndefined();

    const plan = windowPlan(rule.resolved, Date.parse(from), Date.parse(to));
    expect(plan.runs).toBe(2 * 24 * 4);
    const expected = await monitorDetections('G3', WIN_NS, from, to);
    const found = g3.detections.map((d) => ({ entity: d.entity!['source.ip']!, from: d.windowStart, to: d.windowEnd }));
    expect(found.sort(byEntityAndTime)).toEqual(expected.sort(byEntityAndTime));
    // and the hand-made expectation: A three times (the burst, the hour with 6 + 6, the spread ten), B once, C never
    expect(found.map((d) => d.entity)).toEqual(['192.168.100.50', '192.168.100.50', '192.168.100.50', '192.168.100.51']);
    expect(g3.hits).toBe(12 + 12 + 10 + 10);
  });
});

/** a Squid combined line from a PC at a JST time */
function proxyLine(client: string, jst: string, url: string, ua: string): string {
  const [date, time] = jst.split(' ');
  const [y, mo, d] = date!.split('-');
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(mo) - 1];
  return `${client} - - [${d}/${mon}/${y}:${time} +0900] "GET ${url} HTTP/1.1" 200 512 "-" "${ua}" TCP_MISS:HIER_DIRECT`;
}

/** the detections the rule's monitor raises at every run time of the period: its own search and trigger, by _msearch, merged per group over consecutive runs */
async function monitorDetections(check: string, namespace: string, from: string, to: string): Promise<Array<{ entity: string; from: string; to: string }>> {
  const rule = compiled.rules.find((r) => r.resolved.rule.check === check)!;
  const plan = windowPlan(rule.resolved, Date.parse(from), Date.parse(to));
  const runs = Array.from({ length: plan.runs }, (_, k) => plan.firstEnd + k * plan.step);
  const trigger = (rule.monitor.triggers[0] as any).bucket_level_trigger.condition;
  const input = rule.monitor.inputs[0]!.search;
  const fired = new Map<string, number[]>();
  // in small batches: each search reads the rule's whole look-back (a week with prevalence)
  for (let i = 0; i < runs.length; i += 32) {
    const batch = runs.slice(i, i + 32);
    const lines = batch.flatMap((runAt) => {
      const body = JSON.parse(JSON.stringify(input.query).replaceAll('{{period_end}}', String(runAt)));
      body.aggregations.composite_agg.aggs.trigger = { bucket_selector: { buckets_path: trigger.buckets_path, script: trigger.script } };
      return [JSON.stringify({ index: input.indices.map((x) => x.replace(/-\*$/, `-${namespace}`)).join(',') }), JSON.stringify(body)];
    });
    const answers = ((await conn.request('POST', '/_msearch', `${lines.join('\n')}\n`)).body as any).responses;
    answers.forEach((a: any, k: number) => {
      expect(a.error).toBeUndefined();
      expect(a.aggregations.composite_agg.after_key === undefined || a.aggregations.composite_agg.buckets.length < 1000).toBe(true);
      for (const b of a.aggregations.composite_agg.buckets) fired.set(String(b.key.g0), [...(fired.get(String(b.key.g0)) ?? []), batch[k]!]);
    });
  }
  const expected: Array<{ entity: string; from: string; to: string }> = [];
  for (const [entity, ends] of fired) {
    let start = ends[0]!;
    for (let i = 1; i <= ends.length; i++) {
      if (i === ends.length || ends[i]! - ends[i - 1]! !== plan.step) {
        expected.push({ entity, from: new Date(start - plan.window).toISOString(), to: new Date(ends[i - 1]!).toISOString() });
        start = ends[i]!;
      }
    }
  }
  return expected;
}

const byEntityAndTime = (a: { entity: string; from: string }, b: { entity: string; from: string }) => a.entity.localeCompare(b.entity) || a.from.localeCompare(b.from);

describe('the prevalence rules over eight days: the hunt finds exactly the alerts their monitors would have raised', () => {
  const PREV_NS = 'huntprev';
  const from = '2026-02-26T00:00:00+09:00';
  const to = '2026-03-06T00:00:00+09:00';
  const pc = (n: number) => `192.168.100.${n}`;
  const lines: Array<[string, string]> = [];
  // an implant on one PC: its own User-Agent, its own site, at night, on several days; one
  // request at a run time's very instant (03-03 10:00:00), one at the start of a run's window
  // (23:00:00, read by the run at 00:00:00)
  for (const t of ['2026-02-27 02:10:05', '2026-02-28 02:10:05', '2026-03-01 02:10:05', '2026-03-03 10:00:00', '2026-03-04 23:00:00', '2026-03-05 21:30:00']) {
    lines.push([`implant-${t}`, proxyLine(pc(60), t, 'http://rare.example.net/p', 'EvilBot/1.0')]);
  }
  // a browser on another PC to the same site at night: a second client, still rare
  lines.push(['browser-rare', proxyLine(pc(65), '2026-03-02 03:00:00', 'http://rare.example.net/', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36')]);
  // an updater four PCs ran exactly seven days before a run (Tue 22:00:00, still read by the
  // run at 03-03 22:00:00: five clients, silent) and one PC then: rare from the next run on
  for (let c = 61; c <= 64; c++) lines.push([`fading-${c}`, proxyLine(pc(c), '2026-02-24 22:00:00', 'http://fading.example.org/u', 'Updater/2.0')]);
  lines.push(['fading-60', proxyLine(pc(60), '2026-03-03 22:00:00', 'http://fading.example.org/u', 'Updater/2.0')]);
  // the organisation's tool: six PCs every night, never rare
  for (let d = 0; d < 15; d++) {
    const day = new Date(Date.parse('2026-02-19T12:00:00Z') + d * 86_400_000).toISOString().slice(0, 10);
    for (let c = 61; c <= 66; c++) lines.push([`common-${d}-${c}`, proxyLine(pc(c), `${day} 23:${String(10 + c - 61).padStart(2, '0')}:00`, 'http://common.example.com/sync', 'CorpTool/3.1')]);
  }

  beforeAll(async () => {
    await load(PREV_NS, lines.map(([id, line]) => ({ id, source: 'squid', body: { message: line } })));
  }, 120_000);

  // the monitor is asked at every run: three days for the 15 and 30 minute schedules, eight for the daily one
  const three = '2026-03-03T00:00:00+09:00';
  test.each([
    // the implant's 3 requests of the three days and the updater's last one
    ['PROXY-3', three, ['EvilBot/1.0', 'Updater/2.0'], 'Updater/2.0', 4],
    // the night requests to the two sites (the implant's at 10:00 is in business hours)
    ['PROXY-5', three, ['fading.example.org', 'rare.example.net'], 'fading.example.org', 3],
    // from the run of 03-02 00:00 on, three local days of the site in the week
    ['PROXY-4', from, ['rare.example.net'], undefined, 7],
  ])('%s', async (check, from, entities, fading, hits) => {
    const hunt = await runHunt(conn, { from, to, profile, namespace: PREV_NS, rules: [check] });
    const f = hunt.checks[0]!;
    expect(f.error).toBeUndefined();
    const expected = await monitorDetections(check, PREV_NS, from, to);
    const field = compiled.rules.find((r) => r.resolved.rule.check === check)!.resolved.groupBy[0]!;
    const found = f.detections.map((d) => ({ entity: d.entity![field]!, from: d.windowStart, to: d.windowEnd }));
    expect(found.sort(byEntityAndTime)).toEqual(expected.sort(byEntityAndTime));
    // and by hand: the implant's and the updater's groups, never the organisation's tool
    expect([...new Set(found.map((d) => d.entity))].sort()).toEqual(entities);
    if (fading) {
      // the updater's detection starts with the run after 03-03 22:00:00 JST
      const rule = compiled.rules.find((r) => r.resolved.rule.check === check)!.resolved;
      const first = found.find((d) => d.entity === fading)!;
      expect(Date.parse(first.from) + rule.windowMs).toBe(Date.parse('2026-03-03T22:00:00+09:00') + rule.scheduleMs);
    }
    expect(f.hits).toBe(hits);
  }, 600_000);
});

describe('npm run hunt', () => {
  const c = testCluster();
  const base = ['--cluster', c.url, '--profile', PROFILE_FILE, '--namespace', NS, ...(c.insecure ? ['--insecure'] : [])];

  test('exit code 1 when something is found; the table shows the Japanese titles aligned', async () => {
    const r = await runCli('hunt.ts', [...base, '--from', SPAN.from, '--to', SPAN.to, '--rules', 'MAIL-2,PROXY-4'], adminEnv());
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: '' });
    const lines = r.stdout.split('\n');
    const head = lines.find((l) => l.startsWith('check '))!;
    const mail = lines.find((l) => l.startsWith('MAIL-2 '))!;
    expect(mail).toContain('実行形式ファイルが添付された');
    // the English title column starts at the same display column on every row
    const { displayWidth } = await import('../../src/hunt/table.js');
    const col = (l: string, s: string) => displayWidth(l.slice(0, l.indexOf(s)));
    expect(col(mail, 'Mail with')).toBe(col(head, 'title'));
  });

  test('exit code 0 when nothing is found; json output', async () => {
    const r = await runCli('hunt.ts', [...base, '--from', '2025-01-01', '--to', '2025-01-02', '--format', 'json'], adminEnv());
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as HuntResult;
    expect(out.checks.length).toBe(compiled.rules.length);
    expect(out.checks.every((x) => x.hits === 0 && !x.error)).toBe(true);
  });

  test('exit code 2 on a bad flag, an unreachable cluster or credentials in the URL, with a clear message and no secret', async () => {
    const bad = await runCli('hunt.ts', [...base, '--from', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from "yesterday" is not a time');
    const unknown = await runCli('hunt.ts', [...base, '--rules', 'NOPE-1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no rule "NOPE-1"');
    const down = await runCli('hunt.ts', ['--cluster', 'http://127.0.0.1:1', '--from', 'now-1d']);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot reach');
    const creds = await runCli('hunt.ts', ['--cluster', 'http://admin:s3cret-pw@127.0.0.1:9200']);
    expect(creds.code).toBe(2);
    expect(creds.stderr).toContain('must not contain credentials');
    expect(creds.stderr + creds.stdout).not.toContain('s3cret-pw');
  });
});
