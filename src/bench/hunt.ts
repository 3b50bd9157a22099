import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../cluster/connection.js';
import type { Profile } from '../content/profile.js';
import type { HuntResult } from '../hunt/findings.js';
import { indicesOf, runHunt, windowPlan } from '../hunt/hunt.js';
import { ingest } from '../ingest/ingest.js';
import type { SourceName } from '../ingest/detect.js';
import { compileRules, type CompiledRule } from '../rules/compile.js';
import { loadRules } from '../rules/load.js';
import { seededRandom as rng } from '../random.js';

/**
 * `npm run bench -- hunt`: the retro-hunt on a synthetic corpus loaded with the loader.
 *
 * Corpus: N events across the five sources over 30 days (squid 40 %, NetScreen 30 %, BIND
 * 20 %, Windows 7 %, Postfix 3 %), office hours heavier than nights, 400 PCs, 2000 web
 * sites, with a few planted attacks (a beacon to an indicator domain, a scanning PC, a
 * password spray, an upload) so that rules find something. Written as each device writes
 * its log and loaded through `ingest()` (the pipelines), into its own namespace per size.
 *
 * Measured per size: each rule's hunt on its own (one rule, the whole 30 days, windowed as the
 * monitor runs), the full hunt (every rule), and a naive baseline in the same run: the rule's
 * matching events pulled with point-in-time + search_after (only the fields needed), then
 * grouped and windowed client-side; its detections are compared with the hunt's.
 */

const DAY = 86_400_000;
const SHARES: Array<[SourceName, number]> = [
  ['squid', 0.4],
  ['netscreen', 0.3],
  ['bind', 0.2],
  ['windows', 0.07],
  ['postfix', 0.03],
];


const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');
/** the parts of a JST wall-clock time */
function jst(t: number) {
  const d = new Date(t + 9 * 3_600_000);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth(), d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds(), ms: d.getUTCMilliseconds() };
}

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36';
const EDGE = `${CHROME} Edg/132.0.0.0`;
const OLD_IE = 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)';

function squid(t: number, ip: string, method: string, url: string, status: number, bytes: number, ua: string): string {
  const j = jst(t);
  return `${ip} - - [${p2(j.d)}/${MON[j.mo]}/${j.y}:${p2(j.h)}:${p2(j.mi)}:${p2(j.s)} +0900] "${method} ${url} HTTP/1.1" ${status} ${bytes} "-" "${ua}" TCP_MISS:HIER_DIRECT`;
}
function bind(t: number, ip: string, name: string): string {
  const j = jst(t);
  return `${p2(j.d)}-${MON[j.mo]}-${j.y} ${p2(j.h)}:${p2(j.mi)}:${p2(j.s)}.${String(j.ms).padStart(3, '0')} queries: info: client @0x7f3a1c00d2a0 ${ip}#${40000 + (t % 20000)} (${name}): query: ${name} IN A + (192.168.200.53)`;
}
function netscreen(t: number, src: string, dst: string, port: number, deny: boolean, sent: number, zones: [string, string], n: number): string {
  const j = jst(t);
  const local = `${j.y}-${p2(j.mo + 1)}-${p2(j.d)} ${p2(j.h)}:${p2(j.mi)}:${p2(j.s)}`;
  return `${local.replace(' ', 'T')}.000000+09:00 192.168.1.1 ssg140-hq: NetScreen device_id=ssg140-hq [Root]system-notification-00257(traffic): start_time="${local}" duration=${deny ? 0 : 3} policy_id=12 service=tcp/port:${port} proto=6 src zone=${zones[0]} dst zone=${zones[1]} action=${deny ? 'Deny' : 'Permit'} sent=${sent} rcvd=${deny ? 0 : sent * 4} src=${src} dst=${dst} src_port=${49152 + (n % 16000)} dst_port=${port} session_id=${deny ? 0 : n}${deny ? '' : ' reason=Close - TCP FIN'}`;
}
function postfix(t: number, from: string, to: string, header: string, n: number): string {
  const j = jst(t);
  return `${MON[j.mo]} ${String(j.d).padStart(2, ' ')} ${p2(j.h)}:${p2(j.mi)}:${p2(j.s)} mail-gw postfix/cleanup[4410]: ${(0x10000000 + n).toString(16).toUpperCase()}: warning: header ${header} from mx.partner.example.ne.jp[198.51.100.8]; from=<${from}> to=<${to}> proto=ESMTP helo=<mx.partner.example.ne.jp>`;
}
function windows(t: number, code: 4624 | 4625 | 4768, user: string, ip: string, ws: string, n: number): string {
  const time = new Date(t).toISOString().replace('Z', '0000Z');
  const head = `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/><EventID>${code}</EventID><Version>0</Version><Level>0</Level><Task>12544</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime='${time}'/><EventRecordID>${n}</EventRecordID><Correlation/><Execution ProcessID='684' ThreadID='3120'/><Channel>Security</Channel><Computer>DC01.corp.example.co.jp</Computer><Security/></System><EventData>`;
  if (code === 4768) {
    return `${head}<Data Name='TargetUserName'>${user}</Data><Data Name='TargetDomainName'>CORP.EXAMPLE.CO.JP</Data><Data Name='TargetSid'>S-1-5-21-1-2-3-${1000 + (n % 500)}</Data><Data Name='ServiceName'>krbtgt</Data><Data Name='ServiceSid'>S-1-5-21-1-2-3-502</Data><Data Name='TicketOptions'>0x40810010</Data><Data Name='Status'>0x0</Data><Data Name='TicketEncryptionType'>0x12</Data><Data Name='PreAuthType'>2</Data><Data Name='IpAddress'>::ffff:${ip}</Data><Data Name='IpPort'>51519</Data></EventData></Event>`;
  }
  const fail = code === 4625 ? `<Data Name='Status'>0xc000006d</Data><Data Name='FailureReason'>%%2313</Data><Data Name='SubStatus'>0xc000006a</Data>` : '';
  return `${head}<Data Name='SubjectUserSid'>S-1-0-0</Data><Data Name='SubjectUserName'>-</Data><Data Name='SubjectDomainName'>-</Data><Data Name='SubjectLogonId'>0x0</Data><Data Name='TargetUserSid'>S-1-5-21-1-2-3-${1000 + (n % 500)}</Data><Data Name='TargetUserName'>${user}</Data><Data Name='TargetDomainName'>CORP</Data>${code === 4624 ? `<Data Name='TargetLogonId'>0x${(0x8ad000 + n).toString(16)}</Data>` : ''}${fail}<Data Name='LogonType'>3</Data><Data Name='LogonProcessName'>Kerberos</Data><Data Name='AuthenticationPackageName'>Kerberos</Data><Data Name='WorkstationName'>${ws}</Data><Data Name='IpAddress'>${ip}</Data><Data Name='IpPort'>50123</Data></EventData></Event>`;
}

export interface Corpus {
  files: Array<{ source: SourceName; file: string; lines: number }>;
  from: number;
  to: number;
}

/** Writes the corpus of `events` events over the 30 days before `end` into `dir`, one file per source. */
export function writeCorpus(dir: string, events: number, end: number): Corpus {
  mkdirSync(dir, { recursive: true });
  const from = end - 30 * DAY;
  const pcs = Array.from({ length: 400 }, (_, i) => `192.168.${100 + (i >> 8)}.${(i % 250) + 2}`);
  const users = Array.from({ length: 400 }, (_, i) => `user${String(i).padStart(3, '0')}`);
  const sites = Array.from({ length: 2000 }, (_, i) => `site${i}.example${i % 7}.com`);
  const files: Corpus['files'] = [];
  for (const [source, share] of SHARES) {
    const r = rng(source.length * 7919);
    const n = Math.max(1, Math.round(events * share));
    // office hours (JST 08-20 on weekdays) get 85 % of the events
    const times = Array.from({ length: n }, () => {
      const day = Math.floor(r() * 30);
      const office = r() < 0.85;
      const hour = office ? 8 + r() * 12 : r() < 0.5 ? r() * 8 : 20 + r() * 4;
      return Math.floor(from + day * DAY + (hour - 9) * 3_600_000);
    }).sort((a, b) => a - b);
    const lines: string[] = [];
    times.forEach((t, k) => {
      const i = Math.floor(r() ** 2 * pcs.length); // some PCs far busier than others
      const ip = pcs[i]!;
      if (source === 'squid') {
        const site = sites[Math.floor(r() ** 3 * sites.length)]!;
        if (r() < 0.3) lines.push(squid(t, ip, 'CONNECT', `${site}:443`, 200, Math.floor(r() * 200_000), i % 50 === 0 ? EDGE : CHROME));
        else lines.push(squid(t, ip, r() < 0.9 ? 'GET' : 'POST', `http://${site}/p/${k % 977}`, 200, Math.floor(r() * 50_000), i % 50 === 0 ? EDGE : CHROME));
      } else if (source === 'bind') lines.push(bind(t, ip, sites[Math.floor(r() ** 3 * sites.length)]!));
      else if (source === 'netscreen') {
        const outbound = r() < 0.7;
        const deny = r() < 0.05;
        if (outbound) lines.push(netscreen(t, r() < 0.6 ? '192.168.1.10' : ip, `198.51.${100 + (k % 3)}.${(k * 7) % 250}`, 443, deny, Math.floor(r() * 40_000), ['SHANAI', 'Untrust'], k));
        else lines.push(netscreen(t, ip, `192.168.200.${10 + (k % 20)}`, 445, deny, Math.floor(r() * 20_000), ['SHANAI', 'INTRA'], k));
      } else if (source === 'windows') {
        const user = users[i]!;
        const code = r() < 0.5 ? 4768 : r() < 0.97 ? 4624 : 4625;
        lines.push(windows(t, code, user, ip, `PC-${String(i).padStart(4, '0')}`, k));
      } else {
        const sender = `staff${k % 300}@partner.example.ne.jp`;
        lines.push(postfix(t, sender, `${users[i]}@example.co.jp`, k % 2 ? `From: "Partner" <${sender}>` : `Subject: =?UTF-8?B?${Buffer.from(`ご連絡 ${k % 50}`).toString('base64')}?=`, k));
      }
    });
    // the planted attacks, a few dozen events: beacon, upload, scan, spray
    const victim = '192.168.100.23';
    if (source === 'squid') {
      for (let d = 20; d < 26; d++) lines.push(squid(from + d * DAY + 3_600_000 * 1.5, victim, 'POST', 'http://apt.example.com/blog/', 200, 230, OLD_IE));
      lines.push(squid(from + 27 * DAY + 3_600_000, victim, 'POST', 'http://sync-office.example.net/u', 200, 4000, CHROME));
      lines.push(squid(from + 27 * DAY + 3_600_000 + 60_000, victim, 'CONNECT', 'sync-office.example.net:443', 200, 3_400_000, CHROME));
    }
    if (source === 'netscreen') for (let h = 0; h < 12; h++) lines.push(netscreen(from + 21 * DAY + 5 * 3_600_000 + h * 60_000, victim, `192.168.200.${60 + h}`, 445, true, 0, ['SHANAI', 'INTRA'], 900_000 + h));
    if (source === 'bind') lines.push(bind(from + 20 * DAY + 3_600_000, victim, 'apt.example.com'));
    const out = lines;
    if (source === 'windows') for (let k = 0; k < 30; k++) out.push(windows(from + 22 * DAY - 8 * 3_600_000 + k * 15_000, 4625, `user${String(k).padStart(3, '0')}`, victim, 'PC-0123', 800_000 + k));
    const file = path.join(dir, `${source}.${source === 'windows' ? 'xml' : 'log'}`);
    writeFileSync(file, source === 'windows' ? `<Events>\n${out.join('\n')}\n</Events>\n` : `${out.join('\n')}\n`);
    files.push({ source, file, lines: out.length });
  }
  return { files, from, to: end };
}

export async function loadCorpus(conn: Connection, corpus: Corpus, profile: Profile, namespace: string, log: (s: string) => void): Promise<number> {
  const started = Date.now();
  for (const f of corpus.files) {
    await conn.request('DELETE', `/_data_stream/${profile.indices.prefix}-jpcert.${f.source}-${namespace}`);
    const report = await ingest(conn, {
      inputs: [f.file],
      source: f.source,
      format: f.source === 'windows' ? 'xml' : 'lines',
      encoding: 'utf-8',
      fileTime: new Date(corpus.to).toISOString(),
      namespace,
      profile,
      concurrency: 2,
      progress: { startInput: () => {}, record: () => {}, doc: () => {}, note: () => {}, stop: () => {} },
      log: () => {},
    });
    const i = report.inputs[0]!;
    log(`  loaded ${f.source}: ${i.created} created, ${i.rejected} rejected, ${i.pipelineErrors ?? 0} pipeline errors`);
  }
  await conn.request('POST', `/${profile.indices.prefix}-jpcert.*-${namespace}/_refresh`);
  await conn.request('POST', `/${profile.indices.prefix}-jpcert.*-${namespace}/_forcemerge?max_num_segments=1`);
  return (Date.now() - started) / 1000;
}

type PulledEvent = { t: number; f: Record<string, unknown> };

/** Every event of the query in [start, end) pulled with point-in-time + search_after, oldest first, with only these fields. */
async function pullEvents(conn: Connection, indices: string[], query: Record<string, unknown>, fields: string[], start: number, end: number): Promise<PulledEvent[]> {
  const pit = (await conn.request('POST', `/${indices.join(',')}/_search/point_in_time?keep_alive=2m&allow_no_indices=true&ignore_unavailable=true`)).body as { pit_id: string };
  const events: PulledEvent[] = [];
  try {
    let after: unknown[] | undefined;
    for (;;) {
      const body = (
        await conn.request('POST', '/_search', {
          size: 10_000,
          pit: { id: pit.pit_id, keep_alive: '2m' },
          query: { bool: { filter: [query, { range: { '@timestamp': { gte: start, lt: end, format: 'epoch_millis' } } }] } },
          _source: false,
          docvalue_fields: fields.map((f) => (f === '@timestamp' ? { field: f, format: 'epoch_millis' } : { field: f })),
          // OpenSearch has no _shard_doc: the point in time keeps _doc stable as the tie-breaker
          sort: [{ '@timestamp': 'asc' }, { _doc: 'asc' }],
          ...(after ? { search_after: after } : {}),
        })
      ).body as any;
      const hits = body.hits.hits as any[];
      for (const h of hits) events.push({ t: Number(h.fields['@timestamp'][0]), f: h.fields });
      if (hits.length < 10_000) break;
      after = hits[hits.length - 1].sort;
    }
  } finally {
    await conn.request('DELETE', '/_search/point_in_time', { pit_id: [pit.pit_id] });
  }
  return events;
}

/** One entity's figures in a run's window: its events, and per condition a sum or a set of distinct values. */
interface GroupFigures {
  count: number;
  total: number;
  sums: number[];
  sets: Array<Set<string>>;
}

function newGroup(r: CompiledRule['resolved']): GroupFigures {
  return { count: 0, total: 0, sums: r.conditions.map(() => 0), sets: r.conditions.map(() => new Set<string>()) };
}

/** Adds one event of the window to its entity's figures. */
function addToGroup(r: CompiledRule['resolved'], g: GroupFigures, e: PulledEvent, dayOf: Intl.DateTimeFormat): void {
  g.count++;
  r.conditions.forEach((c, j) => {
    if (c.metric === 'sum') g.sums[j]! += Number((e.f[c.field!] as unknown[] | undefined)?.[0] ?? 0);
    if (c.metric === 'cardinality') for (const v of (e.f[c.field!] as unknown[] | undefined) ?? []) g.sets[j]!.add(String(v));
    if (c.metric === 'distinct_days') g.sets[j]!.add(dayOf.format(e.t));
  });
}

/** Whether the entity's figures pass every condition of the rule. */
function passesConditions(r: CompiledRule['resolved'], g: GroupFigures): boolean {
  return r.conditions.every((c, j) => (c.metric === 'count' ? g.count : c.metric === 'sum' ? g.sums[j]! : g.sets[j]!.size) >= c.gte);
}

/** The naive way: every matching event pulled (PIT + search_after), then grouped and windowed in the client. */
export async function naiveRule(conn: Connection, rule: CompiledRule, from: number, to: number, namespace: string): Promise<{ events: number; detections: number }> {
  const r = rule.resolved;
  if (r.prevalence) return naivePrevalence(conn, rule, from, to, namespace);
  const fields = ['@timestamp', ...r.groupBy, ...r.conditions.flatMap((c) => (c.field ? [c.field] : []))];
  const plan = r.groupBy.length ? windowPlan(r, from, to) : undefined;
  const start = plan ? plan.firstEnd - plan.lookback : from;
  const events = await pullEvents(conn, indicesOf(r, namespace), r.query, fields, start, plan ? to : to + 1);
  if (!plan) return { events: events.length, detections: events.length ? 1 : 0 };
  // every run: the events of its window grouped by entity, the monitor's condition per group
  const firing = new Map<string, number>();
  let detections = 0;
  let lo = 0;
  let loBack = 0;
  const tz = r.timezone;
  const dayOf = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
  for (let k = 0; k < plan.runs; k++) {
    const end = plan.firstEnd + k * plan.step;
    while (lo < events.length && events[lo]!.t < end - plan.window) lo++;
    while (loBack < events.length && events[loBack]!.t < end - plan.lookback) loBack++;
    const groups = new Map<string, { count: number; total: number; sums: number[]; sets: Array<Set<string>> }>();
    for (let i = loBack; i < events.length && events[i]!.t < end; i++) {
      const e = events[i]!;
      const keys = r.groupBy.map((g) => (e.f[g] as unknown[] | undefined)?.[0]);
      if (keys.some((v) => v === undefined)) continue;
      const id = JSON.stringify(keys);
      let g = groups.get(id);
      if (!g) groups.set(id, (g = newGroup(r)));
      g.total++;
      if (i < lo) continue;
      addToGroup(r, g, e, dayOf);
    }
    for (const [id, g] of groups) {
      let fires = g.count > 0 && passesConditions(r, g);
      if (fires && r.baseline) fires = g.count >= r.baseline.minCount && g.count * r.baseline.history >= r.baseline.ratio * (g.total - g.count);
      if (fires) {
        if (firing.get(id) !== end - plan.step) detections++;
        firing.set(id, end);
      }
    }
  }
  return { events: events.length, detections };
}

/**
 * The naive way for a rule with prevalence: the rule's selected events (for its conditions in
 * its window) and every event its prevalence counts (filter and exclude only, over the longer
 * prevalence window) pulled; the distinct clients per entity are kept as a sliding multiset,
 * and at each run an entity fires when it has a recent event, passes the conditions and has
 * fewer distinct clients than the rule's limit.
 */
async function naivePrevalence(conn: Connection, rule: CompiledRule, from: number, to: number, namespace: string): Promise<{ events: number; detections: number }> {
  const r = rule.resolved;
  const prev = r.prevalence!;
  const plan = windowPlan(r, from, to);
  const indices = indicesOf(r, namespace);
  const recentEvents = await pullEvents(conn, indices, r.query, ['@timestamp', ...r.groupBy, ...r.conditions.flatMap((c) => (c.field ? [c.field] : []))], plan.firstEnd - plan.window, to + 1);
  const seen = await pullEvents(conn, indices, prev.query, ['@timestamp', ...r.groupBy, prev.field], plan.firstEnd - plan.lookback, to + 1);
  const keyOf = (e: PulledEvent) => {
    const keys = r.groupBy.map((g) => (e.f[g] as unknown[] | undefined)?.[0]);
    return keys.some((v) => v === undefined) ? undefined : JSON.stringify(keys);
  };
  const clients = new Map<string, Map<string, number>>();
  const change = (e: PulledEvent, by: number) => {
    const id = keyOf(e);
    const client = (e.f[prev.field] as unknown[] | undefined)?.[0];
    if (id === undefined || client === undefined) return;
    let m = clients.get(id);
    if (!m) clients.set(id, (m = new Map()));
    const n = (m.get(String(client)) ?? 0) + by;
    if (n > 0) m.set(String(client), n);
    else m.delete(String(client));
  };
  const dayOf = new Intl.DateTimeFormat('en-CA', { timeZone: r.timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const firing = new Map<string, number>();
  let detections = 0;
  let [inS, outS, lo] = [0, 0, 0];
  for (let k = 0; k < plan.runs; k++) {
    const end = plan.firstEnd + k * plan.step;
    // the monitor's range is gte end - look-back, lte end
    while (inS < seen.length && seen[inS]!.t <= end) change(seen[inS++]!, 1);
    while (outS < inS && seen[outS]!.t < end - plan.lookback) change(seen[outS++]!, -1);
    while (lo < recentEvents.length && recentEvents[lo]!.t < end - plan.window) lo++;
    const groups = new Map<string, GroupFigures>();
    for (let i = lo; i < recentEvents.length && recentEvents[i]!.t <= end; i++) {
      const e = recentEvents[i]!;
      const id = keyOf(e);
      if (id === undefined) continue;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = newGroup(r)));
      addToGroup(r, g, e, dayOf);
    }
    for (const [id, g] of groups) {
      const fires = passesConditions(r, g) && (clients.get(id)?.size ?? 0) < prev.lt;
      if (fires) {
        if (firing.get(id) !== end - plan.step) detections++;
        firing.set(id, end);
      }
    }
  }
  return { events: recentEvents.length + seen.length, detections };
}

export interface HuntBenchRow {
  check: string;
  type: string;
  huntMs: number;
  naiveMs: number;
  events: number;
  huntDetections: number;
  naiveDetections: number;
}

export interface HuntBenchSize {
  events: number;
  loadSeconds: number;
  rows: HuntBenchRow[];
  fullHuntMs: number;
  naiveTotalMs: number;
  result: HuntResult;
}

/** the events a namespace holds already (0 when it has none) */
async function loadedEvents(conn: Connection, profile: Profile, namespace: string): Promise<number> {
  const res = await conn.request('GET', `/${profile.indices.prefix}-jpcert.*-${namespace}/_count?allow_no_indices=true&ignore_unavailable=true`);
  return res.status === 200 ? ((res.body as { count?: number }).count ?? 0) : 0;
}

export async function benchHunt(conn: Connection, o: { root: string; profile: Profile; dir: string; sizes: number[]; end: number; reuse?: boolean; huntOnly?: boolean; log: (s: string) => void }): Promise<HuntBenchSize[]> {
  const compiled = compileRules(loadRules(o.root), o.profile);
  const out: HuntBenchSize[] = [];
  for (const size of o.sizes) {
    const namespace = `bench${size}`;
    // --reuse: the corpus an earlier run loaded into this namespace (same size and --end)
    const loaded = o.reuse ? await loadedEvents(conn, o.profile, namespace) : 0;
    let corpus: Pick<Corpus, 'from' | 'to'> = { from: o.end - 30 * DAY, to: o.end };
    let loadSeconds = Number.NaN;
    if (loaded > 0) o.log(`corpus of ${size} events: reusing the ${loaded} events namespace ${namespace} holds`);
    else {
      o.log(`corpus of ${size} events over 30 days ...`);
      const written = writeCorpus(path.join(o.dir, namespace), size, o.end);
      corpus = written;
      loadSeconds = await loadCorpus(conn, written, o.profile, namespace, o.log);
    }
    const range = { from: new Date(corpus.from).toISOString(), to: new Date(corpus.to).toISOString() };
    // warm-up: the first search of each rule compiles its scripts and loads its fields
    await runHunt(conn, { ...range, profile: o.profile, root: o.root, namespace, concurrency: 2 });
    const t0 = Date.now();
    const result = await runHunt(conn, { ...range, profile: o.profile, root: o.root, namespace, concurrency: 2 });
    const fullHuntMs = Date.now() - t0;
    const rows: HuntBenchRow[] = [];
    // --hunt-only: the full hunt alone (the per-rule rows and the naive way measured by an earlier run)
    for (const rule of o.huntOnly ? [] : compiled.rules) {
      const check = rule.resolved.rule.check;
      const h0 = Date.now();
      const one = (await runHunt(conn, { ...range, profile: o.profile, root: o.root, namespace, rules: [check], concurrency: 1 })).checks[0]!;
      const huntMs = Date.now() - h0;
      if (one.error) o.log(`  ${check}: ${one.error}`);
      const n0 = Date.now();
      const naive = await naiveRule(conn, rule, corpus.from, corpus.to, namespace);
      const naiveMs = Date.now() - n0;
      rows.push({ check, type: rule.resolved.rule.logic.type, huntMs, naiveMs, events: naive.events, huntDetections: one.detections.length, naiveDetections: naive.detections });
      o.log(`  ${check}: hunt ${huntMs} ms, naive ${naiveMs} ms (${naive.events} events pulled)`);
    }
    out.push({ events: size, loadSeconds, rows, fullHuntMs, naiveTotalMs: rows.reduce((n, r) => n + r.naiveMs, 0), result });
  }
  return out;
}

export function huntBenchTable(sizes: HuntBenchSize[]): string {
  const lines: string[] = [];
  for (const s of sizes) {
    if (!s.rows.length) {
      lines.push(`\n${s.events} events: full hunt, 21 rules, 30 days: ${(s.fullHuntMs / 1000).toFixed(2)} s (--hunt-only: no per-rule rows, no naive way)`);
      continue;
    }
    lines.push(`\n${s.events} events (${Number.isNaN(s.loadSeconds) ? 'loaded by an earlier run' : `loaded in ${s.loadSeconds.toFixed(0)} s`}): full hunt, 21 rules, 30 days: ${(s.fullHuntMs / 1000).toFixed(2)} s; naive, rule by rule: ${(s.naiveTotalMs / 1000).toFixed(2)} s; naive / hunt ${(s.naiveTotalMs / s.fullHuntMs).toFixed(1)}x`);
    lines.push('| check | type | hunt ms | naive ms | naive/hunt | events pulled by naive | detections hunt / naive |');
    lines.push('|---|---|---:|---:|---:|---:|---|');
    for (const r of s.rows) lines.push(`| ${r.check} | ${r.type} | ${r.huntMs} | ${r.naiveMs} | ${(r.naiveMs / Math.max(1, r.huntMs)).toFixed(1)}x | ${r.events} | ${r.huntDetections} / ${r.naiveDetections}${r.huntDetections === r.naiveDetections ? '' : ' (differ)'} |`);
  }
  if (sizes.length > 1) {
    const [a, b] = [sizes[0]!, sizes[sizes.length - 1]!];
    const size = b.events / a.events;
    lines.push(`\ngrowth ${a.events} -> ${b.events} events (${size.toFixed(1)}x): full hunt ${(b.fullHuntMs / a.fullHuntMs).toFixed(2)}x${a.rows.length && b.rows.length ? `, naive ${(b.naiveTotalMs / a.naiveTotalMs).toFixed(2)}x` : ''}`);
  }
  return lines.join('\n');
}
