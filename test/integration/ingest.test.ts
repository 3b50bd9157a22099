import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { jest } from '@jest/globals';
import iconv from 'iconv-lite';
import { connect, type Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { down, up } from '../../src/engine/local-cluster.js';
import { stateRoot } from '../../src/paths.js';
import { adminConnection, adminEnv, ROOT, runCli, testCluster } from '../harness/cluster.js';

/**
 * `npm run ingest` as a user runs it, against the real engine: exact counts in the index for
 * mixed good and bad lines, a re-run and a killed run that leave no duplicate and no gap, a
 * cluster that goes away mid-run (a cut connection, and a real engine stopped and started
 * again), .gz and standard input, Shift_JIS, the year of old files,
 * and a folder of all five sources without --source.
 */

const conn: Connection = await adminConnection();
const cluster = testCluster();
const env = adminEnv(cluster);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ingest-test-'));
const namespaces: string[] = [];
// every loader run is a subprocess on a possibly busy 2-core machine
jest.setTimeout(300_000);

beforeAll(async () => {
  await installPack(conn, ROOT, DEFAULT_PROFILE);
});
afterAll(async () => {
  for (const ns of namespaces) await conn.request('DELETE', `/_data_stream/logs-jpcert.*-${ns}`);
  await conn.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** a namespace of this test's own, emptied first (a run killed before its clean-up may have left documents) */
async function namespace(name: string): Promise<string> {
  namespaces.push(name);
  await conn.request('DELETE', `/_data_stream/logs-jpcert.*-${name}`);
  return name;
}

function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

const corpus = (source: string, file: string) => readFileSync(path.join(ROOT, 'pipelines', source, '_dev', 'benchmark', file), 'utf8').trimEnd().split('\n');

async function count(index: string, query: Record<string, unknown> = { match_all: {} }): Promise<number> {
  await conn.request('POST', `/${index}/_refresh`);
  const res = await conn.request('POST', `/${index}/_count`, { query });
  return res.status === 404 ? 0 : (res.body as { count: number }).count;
}

function ingest(args: string[], input?: string) {
  if (input === undefined) return runCli('ingest.ts', ['--cluster', cluster.url, ...args], env);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'ingest.ts'), '--cluster', cluster.url, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** the figures of the summary's line for an input: read, indexed, present, pipeline errors, rejected */
function row(stdout: string, name: string): number[] {
  const line = stdout.split('\n').find((l) => {
    const first = l.trim().split(/\s+/)[0] ?? '';
    return (first === name || first.endsWith(`/${name}`)) && !l.includes('skipped');
  });
  if (!line) throw new Error(`no summary line for ${name} in:\n${stdout}`);
  return line.trim().split(/\s+/).slice(-5).map(Number);
}

/** n Squid native lines, each distinct */
function squidLines(n: number): string[] {
  const base = corpus('squid', 'access.log');
  return Array.from({ length: n }, (_, i) => base[i % base.length]!.replace(/^\d+/, (t) => String(Number(t) + i)));
}

test('a file of good and bad lines: every line indexed, the bad ones as pipeline errors, the counts exact', async () => {
  const ns = await namespace('mixed');
  const good = corpus('netscreen', 'traffic.log').slice(0, 20);
  const bad = ['this is not a firewall line', 'NetScreen device_id=fw1 [Root]system-notification-00257(traffic): start_time="garbage"', '\u0000\u0001binary'];
  const file = write('mixed/fw.log', `${[...good.slice(0, 10), bad[0], ...good.slice(10), bad[1], '', '   ', bad[2]].join('\n')}\n`);
  const r = await ingest(['--source', 'netscreen', '--namespace', ns, file]);
  expect(r.code).toBe(0);
  expect(row(r.stdout, 'fw.log')).toEqual([23, 23, 0, 3, 0]);
  const index = `logs-jpcert.netscreen-${ns}`;
  expect(await count(index)).toBe(23);
  expect(await count(index, { term: { 'event.kind': 'pipeline_error' } })).toBe(3);
  // event.original is stored, not indexed: read it back
  const kept = await conn.request('POST', `/${index}/_search`, { size: 100, _source: ['event.original'] });
  expect((kept.body as { hits: { hits: Array<{ _source: { event?: { original?: string } } }> } }).hits.hits.filter((h) => h._source.event?.original).length).toBe(23);
  // a second run adds nothing
  const again = await ingest(['--source', 'netscreen', '--namespace', ns, file]);
  expect(row(again.stdout, 'fw.log')).toEqual([23, 0, 23, 3, 0]);
  expect(await count(index)).toBe(23);
});

test('a run killed mid-file and run again ends with one document per line, no gap', async () => {
  const ns = await namespace('killed');
  const lines = squidLines(15_000);
  const file = write('killed/access.log', `${lines.join('\n')}\n`);
  const index = `logs-jpcert.squid-${ns}`;
  // one node process (tsx as an import), so that the signal reaches the loader itself
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'ingest.ts'), '--cluster', cluster.url, '--namespace', ns, '--bulk-mb', '0.1', '--concurrency', '1', file], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('close', resolve));
  let seen = 0;
  for (let i = 0; i < 600 && seen === 0; i++) {
    await new Promise((r) => setTimeout(r, 200));
    seen = await count(index);
  }
  child.kill('SIGKILL');
  await exited;
  const before = await count(index);
  expect(before).toBeGreaterThan(0);
  expect(before).toBeLessThan(lines.length);
  const r = await ingest(['--namespace', ns, file]);
  expect(r.code).toBe(0);
  const [read, created, present] = row(r.stdout, 'access.log');
  expect(read).toBe(lines.length);
  expect(created! + present!).toBe(lines.length);
  expect(present).toBeGreaterThanOrEqual(before);
  expect(await count(index)).toBe(lines.length);
  // as many documents as lines and no offset twice: no duplicate and no gap
  const twice = await conn.request('POST', `/${index}/_search`, { size: 0, aggs: { twice: { terms: { field: 'log.offset', min_doc_count: 2, size: 5 } } } });
  expect((twice.body as { aggregations: { twice: { buckets: unknown[] } } }).aggregations.twice.buckets).toEqual([]);
}, 600_000);

test('a cluster that goes away mid-run: the loader waits, retries and finishes with exact counts', async () => {
  const ns = await namespace('outage');
  const lines = squidLines(12_000);
  const file = write('outage/access.log', `${lines.join('\n')}\n`);
  const index = `logs-jpcert.squid-${ns}`;
  // the loader talks to the cluster through this TCP relay, which the test cuts for a while:
  // every connection refused or reset, as when the engine is stopped and started again
  const target = new URL(cluster.url);
  const sockets = new Set<net.Socket>();
  const relay = () =>
    net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
  let server = relay();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const url = `${target.protocol}//127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'ingest.ts'), '--cluster', url, '--namespace', ns, '--bulk-mb', '0.1', '--concurrency', '1', file], { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let seen = 0;
  for (let i = 0; i < 600 && seen === 0; i++) {
    await new Promise((r) => setTimeout(r, 200));
    seen = await count(index);
  }
  // cut: nothing listens, open connections are reset
  await new Promise<void>((r) => {
    server.close(() => r());
    for (const s of sockets) s.destroy();
  });
  await new Promise((r) => setTimeout(r, 8000));
  server = relay();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const code = await exited;
  server.close();
  for (const s of sockets) s.destroy();
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  expect(stderr).toMatch(/retrying in/);
  const [read, created, present, , rejected] = row(stdout, 'access.log');
  expect(read).toBe(lines.length);
  expect(created! + present!).toBe(lines.length);
  expect(rejected).toBe(0);
  expect(await count(index)).toBe(lines.length);
}, 600_000);

// the engine of the restart test, stopped in afterAll too when the test ends early (a timeout)
let restartEngine: { engine: 'opensearch'; nodes: number; port: number; name: string; stateRoot: string } | undefined;
afterAll(async () => {
  if (restartEngine) await down(restartEngine);
});

test('the engine stopped mid-run and started again on the same data: the loader waits, retries and finishes, each line indexed once', async () => {
  // an engine of this test's own (plain HTTP), not the shared one the other tests use: it is
  // stopped and started again, as a restart after an upgrade or a crash would
  const port = Number(process.env.TEST_CLUSTER_PORT ?? 9700) + 20;
  const engine = (restartEngine = { engine: 'opensearch' as const, nodes: 1, port, name: 'ingest-restart', stateRoot: stateRoot() });
  const lines = squidLines(8_000);
  const ns = 'restart';
  const index = `logs-jpcert.squid-${ns}`;
  let own: Connection | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  const ownCount = async (): Promise<number> => {
    await own!.request('POST', `/${index}/_refresh`);
    const res = await own!.request('POST', `/${index}/_count`);
    return res.status === 404 ? 0 : (res.body as { count: number }).count;
  };
  try {
    const { state } = await up({ ...engine, clean: true });
    own = await connect({ url: state.url, engine: 'auto', insecure: false });
    await installPack(own, ROOT, DEFAULT_PROFILE);
    // the log comes through standard input (as from zcat), in two parts, so that the engine
    // stops in the middle of the load however fast the machine is: the first part is sent
    // before, the second is read while the engine is away
    child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'ingest.ts'), '--cluster', state.url, '--source', 'squid', '--namespace', ns, '--bulk-mb', '0.1', '--concurrency', '1', '-'], { cwd: ROOT, env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    let done = false;
    const exited = new Promise<number | null>((resolve) => child!.on('close', (code) => ((done = true), resolve(code))));
    const half = lines.length / 2;
    child.stdin!.write(`${lines.slice(0, half).join('\n')}\n`);
    let seen = 0;
    for (let i = 0; i < 1500 && seen === 0 && !done; i++) {
      await new Promise((r) => setTimeout(r, 200));
      seen = await ownCount();
    }
    expect(seen).toBeGreaterThan(0);
    // the engine stops (SIGTERM, as a service manager stops it) while the loader is at work
    await down(engine);
    const stoppedAt = Date.now();
    child.stdin!.end(`${lines.slice(half).join('\n')}\n`);
    for (let i = 0; i < 300 && !/retrying in/.test(stderr) && !done; i++) await new Promise((r) => setTimeout(r, 200));
    expect(stderr).toMatch(/cluster not taking documents \(.*\); retrying in/);
    await up(engine);
    const outage = (Date.now() - stoppedAt) / 1000;
    const code = await exited;
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    // the engine was away for as long as it takes to start (tens of seconds)
    expect(outage).toBeGreaterThan(5);
    // the summary: every line read and indexed by this run (a request whose answer was lost
    // with the engine, and that the engine had carried out, counts as this run's), none refused
    expect(row(stdout, '(stdin)')).toEqual([lines.length, lines.length, 0, 0, 0]);
    expect(stdout).toMatch(/bulk request\(s\), [1-9]\d* retried/);
    // in the index: one document per line, no offset twice
    expect(await ownCount()).toBe(lines.length);
    const twice = await own.request('POST', `/${index}/_search`, { size: 0, aggs: { twice: { terms: { field: 'log.offset', min_doc_count: 2, size: 5 } } } });
    expect((twice.body as { aggregations: { twice: { buckets: unknown[] } } }).aggregations.twice.buckets).toEqual([]);
  } finally {
    child?.kill('SIGKILL');
    await own?.close();
    await down(engine);
    restartEngine = undefined;
  }
}, 480_000);

test('.gz and standard input', async () => {
  const ns = await namespace('gzstdin');
  const lines = corpus('bind', 'queries.log').slice(0, 30);
  const gz = write('gz/queries.log.1.gz', gzipSync(`${lines.join('\n')}\n`));
  const r1 = await ingest(['--namespace', ns, gz]);
  expect(r1.code).toBe(0);
  expect(r1.stderr).toMatch(/queries\.log\.1\.gz: bind, lines \(gzip\)/);
  expect(row(r1.stdout, 'queries.log.1.gz')).toEqual([30, 30, 0, 0, 0]);
  const more = corpus('bind', 'queries.log').slice(30, 40);
  const r2 = await ingest(['--namespace', ns, '-'], `${more.join('\n')}\n`);
  expect(r2.code).toBe(0);
  expect(row(r2.stdout, '(stdin)')).toEqual([10, 10, 0, 0, 0]);
  expect(await count(`logs-jpcert.bind-${ns}`)).toBe(40);
});

test('Shift_JIS input is decoded before it is sent', async () => {
  const ns = await namespace('sjis');
  const line = 'Nov 26 09:00:01 mx1 postfix/cleanup[4242]: 4F2A1C03: warning: header Subject: 【至急】顧客情報の確認 from unknown[192.0.2.10]; from=<a@example.com> to=<b@example.jp> proto=ESMTP helo=<mx.example.com>';
  const file = write('sjis/maillog', Buffer.concat([iconv.encode(`${line}\n`, 'cp932')]));
  const r = await ingest(['--namespace', ns, file]);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/maillog: postfix, lines, shift_jis \(detected\)/);
  const res = await conn.request('POST', `/logs-jpcert.postfix-${ns}/_search`, { query: { match_all: {} } });
  const doc = (res.body as { hits: { hits: Array<{ _source: { event: { original: string } } }> } }).hits.hits[0]!._source;
  expect(doc.event.original).toBe(line);
});

test('an old file: a syslog time stamp takes its year from the file time, not from today', async () => {
  const ns = await namespace('oldyear');
  const file = write('old/maillog.2', 'Dec 31 23:59:00 mx1 postfix/qmgr[812]: 4F2A1C03: removed\nJan  1 00:01:00 mx1 postfix/qmgr[812]: 4F2A1C04: removed\n');
  // modified on 2 January 2025, 09:00 in Tokyo
  const mtime = new Date('2025-01-02T00:00:00Z');
  utimesSync(file, mtime, mtime);
  const r = await ingest(['--namespace', ns, file]);
  expect(r.code).toBe(0);
  const res = await conn.request('POST', `/logs-jpcert.postfix-${ns}/_search`, { sort: [{ '@timestamp': 'asc' }], query: { match_all: {} } });
  const times = (res.body as { hits: { hits: Array<{ _source: { '@timestamp': string } }> } }).hits.hits.map((h) => h._source['@timestamp']);
  expect(times).toEqual(['2024-12-31T23:59:00.000+09:00', '2025-01-01T00:01:00.000+09:00']);
  // --year says the same for a file whose time is lost
  const ns2 = await namespace('oldyear2');
  const copy = write('old/copy.log', readFileSync(file));
  const r2 = await ingest(['--namespace', ns2, '--year', '2024', copy]);
  expect(r2.code).toBe(0);
  const res2 = await conn.request('POST', `/logs-jpcert.postfix-${ns2}/_search`, { sort: [{ '@timestamp': 'asc' }], query: { match_all: {} } });
  expect((res2.body as { hits: { hits: Array<{ _source: { '@timestamp': string } }> } }).hits.hits.map((h) => h._source['@timestamp'])).toEqual(['2024-01-01T00:01:00.000+09:00', '2024-12-31T23:59:00.000+09:00']);
});

test('a folder of all five sources mixed, without --source: each file placed, an unknown one reported', async () => {
  const ns = await namespace('fivesources');
  const dir = path.join(tmp, 'five');
  write('five/proxy/access.log', `${corpus('squid', 'access.log').slice(0, 12).join('\n')}\n`);
  write('five/dns/queries.log.gz', gzipSync(`${corpus('bind', 'queries-syslog.log').slice(0, 11).join('\n')}\n`));
  write('five/fw/ssg.log', `${corpus('netscreen', 'traffic.log').slice(0, 13).join('\n')}\n`);
  write('five/mail/maillog', readFileSync(path.join(ROOT, 'pipelines', 'postfix', '_dev', 'test', 'test-jpcert-examples.log')));
  write('five/dc/security.ndjson', readFileSync(path.join(ROOT, 'pipelines', 'windows', '_dev', 'test', 'test-winlogbeat-events.ndjson')));
  write('five/other/notes.txt', 'nothing a log source writes\nat all\n');
  const postfixLines = readFileSync(path.join(dir, 'mail', 'maillog'), 'utf8').trimEnd().split('\n').length;
  const windowsDocs = readFileSync(path.join(dir, 'dc', 'security.ndjson'), 'utf8').trimEnd().split('\n').length;
  const r = await ingest(['--namespace', ns, dir]);
  expect(r.code).toBe(2);
  expect(r.stdout).toMatch(/notes\.txt +skipped: no source recognised/);
  expect(row(r.stdout, 'access.log')).toEqual([12, 12, 0, 0, 0]);
  expect(row(r.stdout, 'queries.log.gz')).toEqual([11, 11, 0, 0, 0]);
  expect(row(r.stdout, 'ssg.log')).toEqual([13, 13, 0, 0, 0]);
  expect(row(r.stdout, 'maillog')).toEqual([postfixLines, postfixLines, 0, 0, 0]);
  expect(row(r.stdout, 'security.ndjson')).toEqual([windowsDocs, windowsDocs, 0, 0, 0]);
  for (const [source, n] of [['squid', 12], ['bind', 11], ['netscreen', 13], ['postfix', postfixLines], ['windows', windowsDocs]] as const) {
    expect({ source, n: await count(`logs-jpcert.${source}-${ns}`) }).toEqual({ source, n });
  }
});

test('wrong input is refused with a clear message and exit 2, before anything is sent', async () => {
  const missing = await ingest([path.join(tmp, 'nope.log')]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/nope\.log: no such file or folder/);
  const badEncoding = await ingest(['--encoding', 'latin9', write('x.log', 'x\n')]);
  expect(badEncoding.code).toBe(2);
  expect(badEncoding.stderr).toMatch(/--encoding latin9 is not one this loader reads/);
  const badYear = await ingest(['--year', '20x5', write('y.log', 'x\n')]);
  expect(badYear.code).toBe(2);
  expect(existsSync(path.join(tmp, 'x.log.rejected.ndjson'))).toBe(false);
});

test('--dry-run prints what the pipeline makes of the first records and indexes nothing', async () => {
  const ns = await namespace('dryrun');
  const file = write('dry/access.log', `${corpus('squid', 'access.log').slice(0, 5).join('\n')}\n`);
  const r = await ingest(['--dry-run', '--namespace', ns, file]);
  expect(r.code).toBe(0);
  const out = r.stdout.trim().split('\n');
  expect(out[0]).toMatch(/^== .*access\.log: squid, lines, utf-8$/);
  const docs = out.slice(1).map((l) => JSON.parse(l) as { event: { dataset: string; kind: string }; url?: unknown });
  expect(docs).toHaveLength(3);
  for (const d of docs) expect(d.event).toMatchObject({ dataset: 'jpcert.squid', kind: 'event' });
  expect(await count(`logs-jpcert.squid-${ns}`)).toBe(0);
});

const EVTX = path.join(ROOT, '..', 'shared', 'samples', 'windows-evtx');

test('.evtx files, the damaged one included, and a Windows XML export: one document per event, none lost', async () => {
  const ns = await namespace('evtx');
  const expected: Record<string, number> = {};
  for (const f of readdirSync(EVTX).filter((n) => n.endsWith('.oracle.jsonl'))) expected[f.replace('.oracle.jsonl', '.evtx')] = readFileSync(path.join(EVTX, f), 'utf8').trimEnd().split('\n').length;
  const files = Object.keys(expected).sort().map((f) => path.join(EVTX, f));
  const r = await ingest(['--namespace', ns, ...files]);
  expect(r.code).toBe(0);
  // the damaged System log holds one record with an empty System part (no provider, no time:
  // EventID 0 in the reference reading too): indexed, as a pipeline error
  const pipelineErrors = (f: string) => (f === 'sample_with_a_bad_chunk_magic.evtx' ? 1 : 0);
  for (const [f, n] of Object.entries(expected)) expect({ f, row: row(r.stdout, f) }).toEqual({ f, row: [n, n, 0, pipelineErrors(f), 0] });
  expect(r.stdout).toMatch(/note: chunk \d+ \(byte \d+\): /);
  const total = Object.values(expected).reduce((a, b) => a + b, 0);
  expect(await count(`logs-jpcert.windows-${ns}`)).toBe(total);
  // the record ids the reference reading gives are the ones indexed
  const oracle = readFileSync(path.join(EVTX, 'new-user-security.oracle.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { Event: { System: { EventRecordID: number; EventID: number } } });
  const res = await conn.request('POST', `/logs-jpcert.windows-${ns}/_search`, { size: 10, query: { term: { 'log.file.path': path.join(EVTX, 'new-user-security.evtx') } }, sort: [{ 'winlog.record_id': 'asc' }] });
  const got = (res.body as { hits: { hits: Array<{ _source: { winlog: { record_id: string }; event: { code: string } } }> } }).hits.hits.map((h) => [Number(h._source.winlog.record_id), Number(h._source.event.code)]);
  expect(got).toEqual(oracle.map((o) => [o.Event.System.EventRecordID, o.Event.System.EventID]).sort((a, b) => a[0]! - b[0]!));

  // an export as wevtutil writes it: events over several lines, no wrapper
  const ns2 = await namespace('xmlexport');
  const xml = readFileSync(path.join(ROOT, 'test', 'unit', 'fixtures', 'windows-xml', 'wevtutil-qe.xml'));
  const file = write('xml/export.xml', xml);
  const events = (xml.toString('utf8').match(/<Event[\s>]/g) ?? []).length;
  const r2 = await ingest(['--namespace', ns2, file]);
  expect(r2.code).toBe(0);
  expect(r2.stderr).toMatch(/export\.xml: windows, xml/);
  expect(row(r2.stdout, 'export.xml')).toEqual([events, events, 0, 0, 0]);
});

test('NXLog JSON documents (om_json, flat fields) load as Windows events, the same as from a live NXLog', async () => {
  const ns = await namespace('nxlog');
  const text = readFileSync(path.join(ROOT, 'pipelines', 'windows', '_dev', 'test', 'test-forms-nxlog.ndjson'), 'utf8');
  const n = text.trimEnd().split('\n').length;
  const file = write('nxlog/security.json', text);
  const r = await ingest(['--namespace', ns, file]);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/security\.json: windows, ndjson/);
  expect(row(r.stdout, 'security.json')).toEqual([n, n, 0, 0, 0]);
  // each event's own time and code, as the pipeline's fixture says for the same documents
  const expected = (JSON.parse(readFileSync(path.join(ROOT, 'pipelines', 'windows', '_dev', 'test', 'test-forms-nxlog.ndjson-expected.json'), 'utf8')) as Array<{ '@timestamp': string; event: { code: string } }>).map((d) => [d['@timestamp'], d.event.code]);
  const res = await conn.request('POST', `/logs-jpcert.windows-${ns}/_search`, { size: 100, sort: [{ 'log.offset': 'asc' }] });
  const got = (res.body as { hits: { hits: Array<{ _source: { '@timestamp': string; event: { code: string } } }> } }).hits.hits.map((h) => [h._source['@timestamp'], h._source.event.code]);
  expect(got).toEqual(expected);
});
