import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { readMonitors } from '../../src/deploy/monitors.js';
import { PACK_WEBHOOK_CHANNEL } from '../../src/rules/render/monitor.js';
import { scheduleEveryMinute, webhookReceiver, type WebhookReceiver } from '../harness/alerting.js';
import { adminConnection, adminEnv, clusterPlugins, ROOT, runCli, testCluster } from '../harness/cluster.js';
import { createPackUser } from '../harness/users.js';

/**
 * The live path with real parts (issue 13): Debian's rsyslog with omelasticsearch, run as a
 * child process with the pack's configuration (shippers/rsyslog/jpcert.conf, unchanged; only
 * the work directory and the environment are the test's), pointed at the test cluster over
 * TLS through a TCP relay the test can cut. Each source's lines go in as devices send them:
 * over UDP and TCP on the source's own port, on the shared port (routed by the host table and
 * by program), and Squid's through its access.log. Each must arrive in its data stream,
 * parsed, the line kept whole, and be the document the pipeline makes of that line. Lines
 * sent while the cluster is unreachable arrive once it is back. Then an attack line goes
 * through rsyslog and Alerting's own scheduler (a 1-minute schedule) fires and delivers the
 * webhook: the measured time from send to webhook is printed.
 *
 * rsyslog is a system package: `.ci/run` installs it (`rsyslog rsyslog-elasticsearch`) and sets
 * TEST_REQUIRE_RSYSLOG=1, so that in CI this test cannot skip. Elsewhere it skips, saying so,
 * when rsyslogd or its omelasticsearch module is missing.
 */

const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => existsSync(p));
const OMES = ['/usr/lib/x86_64-linux-gnu/rsyslog/omelasticsearch.so', '/usr/lib/aarch64-linux-gnu/rsyslog/omelasticsearch.so', '/usr/lib/rsyslog/omelasticsearch.so'].find((p) => existsSync(p));
const haveRsyslog = RSYSLOGD !== undefined && OMES !== undefined;
if (!haveRsyslog) {
  if (process.env.TEST_REQUIRE_RSYSLOG === '1') throw new Error('rsyslogd with omelasticsearch is required (TEST_REQUIRE_RSYSLOG=1): apt-get install rsyslog rsyslog-elasticsearch');
  process.stderr.write('[rsyslog-live-path] skipped: rsyslogd or its omelasticsearch module is not installed (apt-get install rsyslog rsyslog-elasticsearch)\n');
}

const CONF = path.join(ROOT, 'shippers', 'rsyslog', 'jpcert.conf');
const NAMESPACE = 'rsyslogtest';
const SOURCES = ['postfix', 'bind', 'netscreen', 'squid'] as const;
type Source = (typeof SOURCES)[number];
const stream = (source: Source) => `logs-jpcert.${source}-${NAMESPACE}`;

const cluster = testCluster();
const conn: Connection = await adminConnection();
const plugins = await clusterPlugins(conn);
const alerting = plugins.includes('opensearch-alerting') && plugins.includes('opensearch-notifications');

let dir = '';
let rsyslog: ChildProcess | undefined;
let rsyslogOutput = '';
let relay: Relay | undefined;
let receiver: WebhookReceiver | undefined;
const ports = { syslog: 0, netscreen: 0, bind: 0, postfix: 0 };

// ---------------------------------------------------------------------------------------
// the lines, as each device sends them

/** a mail server's own rsyslog forwarding Postfix (traditional forward format: <PRI>, BSD time, host, tag) */
const POSTFIX = [
  '<22>Dec  2 10:12:01 mx01 postfix/smtpd[3301]: connect from relay.example.net[198.51.100.21]',
  '<22>Dec  2 10:12:02 mx01 postfix/smtpd[3301]: 5C2D10B0F1: client=relay.example.net[198.51.100.21]',
  '<22>Dec  2 10:12:02 mx01 postfix/cleanup[3302]: 5C2D10B0F1: warning: header From: "keiri@example.co.jp" <billing@example.net> from relay.example.net[198.51.100.21]; from=<bounce@example.net> to=<sato@example.co.jp> proto=ESMTP helo=<relay.example.net>',
  '<22>Dec  2 10:12:03 mx01 postfix/qmgr[1190]: 5C2D10B0F1: from=<bounce@example.net>, size=20480, nrcpt=1 (queue active)',
  '<22>Dec  2 10:12:04 mx01 postfix/local[3303]: 5C2D10B0F1: to=<sato@example.co.jp>, relay=local, delay=2.1, delays=1.5/0.01/0/0.59, dsn=2.0.0, status=sent (delivered to mailbox)',
  '<22>Dec  2 10:12:09 mx01 postfix/smtpd[3301]: disconnect from relay.example.net[198.51.100.21] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5',
];
/** BIND's syslog channel, forwarded the same way (rsyslog's precise time in one line) */
const BIND = [
  '<30>Dec  2 10:20:11 ns01 named[901]: client @0x7f3a2c0d1a10 10.2.3.44#50123 (www.example.org): query: www.example.org IN A +E(0)K (10.2.0.53)',
  '<30>Dec  2 10:20:12 ns01 named[901]: client @0x7f3a2c0d1a10 10.2.3.45#50124 (c2.example.xyz): query: c2.example.xyz IN TXT +E(0)K (10.2.0.53)',
  '<30>2026-12-02T10:20:13.250+09:00 ns01 named[901]: client @0x7f3a2c0d1a10 10.2.3.46#50125 (mail.example.co.jp): query: mail.example.co.jp IN MX + (10.2.0.53)',
  '<29>Dec  2 10:20:14 ns01 named[901]: client @0x7f3a2c0e2b20 203.0.113.70#40001 (example.co.jp): zone transfer \'example.co.jp/IN\' denied',
];
/** ScreenOS: `<PRI>device-name: NetScreen device_id=...`, no time stamp and no host of its own */
const NETSCREEN = [
  '<134>ssg-osaka: NetScreen device_id=ssg-osaka [Root]system-notification-00257(traffic): start_time="2026-12-02 10:30:01" duration=4 policy_id=5 service=https proto=6 src zone=Trust dst zone=Untrust action=Permit sent=2100 rcvd=8800 src=10.3.1.20 dst=198.51.100.90 src_port=52001 dst_port=443 src-xlated ip=192.0.2.10 port=31001 dst-xlated ip=198.51.100.90 port=443 session_id=4101 reason=Close - TCP FIN',
  '<134>ssg-osaka: NetScreen device_id=ssg-osaka [Root]system-notification-00257(traffic): start_time="2026-12-02 10:30:05" duration=0 policy_id=9 service=tcp/port:8080 proto=6 src zone=Trust dst zone=Untrust action=Deny sent=0 rcvd=0 src=10.3.1.21 dst=203.0.113.40 src_port=52002 dst_port=8080 session_id=0',
  '<129>ssg-osaka: NetScreen device_id=ssg-osaka  [Root]system-alert-00016: Port scan! From 203.0.113.41:40100 to 192.0.2.10:445, proto TCP (zone Untrust, int ethernet0/0). Occurred 1 times. (2026-12-02 10:30:07)',
  '<132>ssg-osaka: NetScreen device_id=ssg-osaka  [Root]system-warning-00515: Admin user netadmin has logged on via SSH from 10.3.1.5:53000 (2026-12-02 10:30:09)',
];
/** Squid's access.log: native lines and the `combined` logformat */
const SQUID = [
  '1796174401.120    310 10.4.1.30 TCP_MISS/200 5120 GET http://www.example.org/index.html - HIER_DIRECT/198.51.100.80 text/html',
  '1796174402.500      0 10.4.1.31 TCP_DENIED/403 3641 CONNECT 203.0.113.60:8443 - HIER_NONE/- text/html',
  '10.4.1.32 - - [02/Dec/2026:10:40:03 +0900] "GET http://files.example.net/update.zip HTTP/1.1" 200 40960 "-" "Wget/1.21.3" TCP_MISS:HIER_DIRECT',
];

// ---------------------------------------------------------------------------------------
// sending

function sendUdp(port: number, lines: string[], from = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('error', reject);
    s.bind({ address: from, port: 0 }, async () => {
      for (const line of lines) {
        await new Promise<void>((r, j) => s.send(Buffer.from(line, 'utf8'), port, '127.0.0.1', (e) => (e ? j(e) : r())));
        await new Promise((r) => setTimeout(r, 20));
      }
      s.close();
      resolve();
    });
  });
}

/** one TCP connection, one line per LF (non-transparent framing, as rsyslog's and syslog-ng's forwarders send) */
function sendTcp(port: number, lines: string[], from = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host: '127.0.0.1', port, localAddress: from }, () => c.end(lines.map((l) => `${l}\n`).join('')));
    c.on('error', reject);
    c.on('close', () => resolve());
  });
}

// ---------------------------------------------------------------------------------------
// the cluster behind a TCP relay the test can cut (the cluster "down") and restore

interface Relay {
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

async function tcpRelay(target: URL): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  };
  const down = async () => {
    const s = server;
    server = undefined;
    for (const x of sockets) x.destroy();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  await listen();
  return { port, down, up: listen, close: down };
}

// ---------------------------------------------------------------------------------------
// rsyslog

async function freePort(): Promise<number> {
  for (;;) {
    const tcp = net.createServer();
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const port = (tcp.address() as net.AddressInfo).port;
    await new Promise<void>((r) => tcp.close(() => r()));
    const udp = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((r) => { udp.once('error', () => r(false)); udp.bind(port, '127.0.0.1', () => r(true)); });
    await new Promise<void>((r) => { try { udp.close(() => r()); } catch { r(); } });
    if (ok && !Object.values(ports).includes(port)) return port;
  }
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); r(true); });
      c.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline || rsyslog?.exitCode != null) throw new Error(`rsyslogd does not listen on ${port}:\n${rsyslogOutput}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startRsyslog(): Promise<void> {
  const c = testCluster();
  if (!c.caCert || !c.username || !c.password) throw new Error('the rsyslog test needs the secured test cluster (TLS, CA and user)');
  // rsyslog ships as the pack's least-privilege shipper user (security/roles.yml), as a site's would
  const admin = await adminConnection();
  const shipper = await createPackUser(admin, 'shipper');
  await admin.close();
  dir = await mkdtemp(path.join(tmpdir(), 'pack-rsyslog-'));
  await mkdir(path.join(dir, 'work'));
  relay = await tcpRelay(new URL(c.url));
  for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort();
  // the host table: 127.0.0.2 is a firewall whose lines come to the shared port
  await writeFile(path.join(dir, 'hosts.json'), JSON.stringify({ version: 1, nomatch: '', type: 'string', table: [{ index: '127.0.0.2', value: 'netscreen' }] }));
  await writeFile(path.join(dir, 'access.log'), '');
  const conf = path.join(dir, 'rsyslog.conf');
  // what a distribution's /etc/rsyslog.conf gives before it includes /etc/rsyslog.d/
  await writeFile(conf, `global(workDirectory="${path.join(dir, 'work')}" maxMessageSize="64k")\ninclude(file="${CONF}")\n`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    JPCERT_ES_SERVER: `https://127.0.0.1:${relay.port}`,
    JPCERT_ES_USER: shipper.username,
    JPCERT_ES_PASSWORD: shipper.password,
    JPCERT_ES_CA: c.caCert,
    JPCERT_PORT_SYSLOG: String(ports.syslog),
    JPCERT_PORT_NETSCREEN: String(ports.netscreen),
    JPCERT_PORT_BIND: String(ports.bind),
    JPCERT_PORT_POSTFIX: String(ports.postfix),
    JPCERT_SQUID_LOG: path.join(dir, 'access.log'),
    JPCERT_HOSTS_TABLE: path.join(dir, 'hosts.json'),
    JPCERT_QUEUE_DISK: '100m',
    JPCERT_REJECTED_FILE: path.join(dir, 'rejected.ndjson'),
    JPCERT_UNROUTED_FILE: path.join(dir, 'unrouted.log'),
    JPCERT_NAMESPACE: NAMESPACE,
  };
  const check = spawnSync(RSYSLOGD!, ['-N1', '-f', conf], { env, encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`rsyslogd -N1 refused the configuration:\n${check.stdout}${check.stderr}`);
  rsyslog = spawn(RSYSLOGD!, ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const s of [rsyslog.stdout!, rsyslog.stderr!]) s.on('data', (d: Buffer) => (rsyslogOutput += d.toString()));
  for (const p of [ports.syslog, ports.netscreen, ports.bind, ports.postfix]) await waitForPort(p, 30_000);
}

async function stopRsyslog(): Promise<void> {
  const p = rsyslog;
  if (!p || p.exitCode != null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------
// reading what arrived

type Doc = Record<string, any>;

async function documents(source: Source): Promise<Doc[]> {
  await conn.request('POST', `/${stream(source)}/_refresh`);
  const res = await conn.request('POST', `/${stream(source)}/_search`, { size: 500, query: { match_all: {} } });
  if (res.status === 404) return [];
  expect(res.status).toBe(200);
  return (res.body as { hits: { hits: Array<{ _source: Doc }> } }).hits.hits.map((h) => h._source);
}

/** waits until every line has arrived `times` times in the source's data stream (by event.original); the documents by line */
async function arrived(source: Source, lines: string[], times = 1, ms = 60_000): Promise<Map<string, Doc[]>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const byLine = new Map<string, Doc[]>();
    for (const d of await documents(source)) {
      const o = d.event?.original as string;
      byLine.set(o, [...(byLine.get(o) ?? []), d]);
    }
    const missing = lines.filter((l) => (byLine.get(l)?.length ?? 0) < times);
    if (missing.length === 0) return byLine;
    if (Date.now() > deadline) throw new Error(`${missing.length} line(s) did not arrive in ${stream(source)} within ${ms / 1000}s: ${JSON.stringify(missing)}\nrsyslogd said:\n${rsyslogOutput}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** the document the source's pipeline makes of the line, sent as this rsyslog sends it */
async function simulated(source: Source, doc: Doc): Promise<Doc> {
  const sent = {
    '@timestamp': doc.event?.created ?? doc['@timestamp'],
    message: doc.event.original,
    agent: doc.agent,
    ...(doc.log?.source || doc.log?.file ? { log: { ...(doc.log.source ? { source: doc.log.source } : {}), ...(doc.log.file ? { file: doc.log.file } : {}) } } : {}),
  };
  const res = await conn.request('POST', `/_ingest/pipeline/jpcert-${source}/_simulate`, { docs: [{ _source: sent }] });
  expect(res.status).toBe(200);
  return (res.body as { docs: Array<{ doc: { _source: Doc } }> }).docs[0]!.doc._source;
}

function withoutIngestTime(d: Doc): Doc {
  const c = structuredClone(d);
  delete c.event?.ingested;
  return c;
}

/** every line arrived exactly `times` times, parsed, whole, and as the pipeline makes it */
async function expectParsed(source: Source, lines: string[], times: number, sentAt: number): Promise<void> {
  const byLine = await arrived(source, lines, times);
  for (const line of lines) {
    const docs = byLine.get(line)!;
    expect({ line, copies: docs.length }).toEqual({ line, copies: times });
    for (const doc of docs) {
      expect({ line, kind: doc.event?.kind, error: doc.error }).toEqual({ line, kind: doc.event?.kind === 'alert' ? 'alert' : 'event', error: undefined });
      expect(doc.event.dataset).toBe(`jpcert.${source}`);
      expect(doc.agent).toEqual({ type: 'rsyslog', name: expect.any(String) });
      // the receive time, where the pipeline keeps it (a line with its own time): when rsyslog
      // took the line in, which is after the test sent it
      if (doc.event?.created) expect(Date.parse(doc.event.created)).toBeGreaterThanOrEqual(sentAt - 1000);
      expect(withoutIngestTime(doc)).toEqual(withoutIngestTime(await simulated(source, doc)));
    }
  }
}

// ---------------------------------------------------------------------------------------

beforeAll(async () => {
  if (!haveRsyslog) return;
  for (const s of SOURCES) await conn.request('DELETE', `/_data_stream/${stream(s)}`);
}, 60_000);

afterAll(async () => {
  await stopRsyslog();
  await relay?.close();
  await receiver?.close();
  if (haveRsyslog) {
    for (const s of SOURCES) await conn.request('DELETE', `/_data_stream/${stream(s)}`);
    if (alerting) {
      for (const m of (await readMonitors(conn)).ours) await conn.request('DELETE', `/_plugins/_alerting/monitors/${m.id}`);
      await conn.request('DELETE', `/_plugins/_notifications/configs/${PACK_WEBHOOK_CHANNEL}`);
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  await conn.close();
}, 60_000);

const live = haveRsyslog ? test : test.skip;

live('deploy the pack (with a webhook for the alerts) and start rsyslogd with the pack configuration', async () => {
  receiver = await webhookReceiver();
  await mkdir(path.join(ROOT, 'build'), { recursive: true });
  const profileDir = await mkdtemp(path.join(tmpdir(), 'pack-rsyslog-profile-'));
  const profile = path.join(profileDir, 'profile.yml');
  await writeFile(profile, `notify:\n  webhook: http://127.0.0.1:${receiver.port}/jpcert\n`);
  const r = await runCli('deploy.ts', ['--cluster', cluster.url, ...(cluster.insecure ? ['--insecure'] : []), '--profile', profile], adminEnv());
  await rm(profileDir, { recursive: true, force: true });
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  await startRsyslog();
}, 180_000);

live('each source over UDP and TCP on its own port arrives parsed in its data stream, the line kept whole', async () => {
  const at = Date.now();
  await sendUdp(ports.postfix, POSTFIX);
  await sendTcp(ports.postfix, POSTFIX);
  await sendUdp(ports.bind, BIND);
  await sendTcp(ports.bind, BIND);
  await sendUdp(ports.netscreen, NETSCREEN);
  await sendTcp(ports.netscreen, NETSCREEN);
  await expectParsed('postfix', POSTFIX, 2, at);
  await expectParsed('bind', BIND, 2, at);
  await expectParsed('netscreen', NETSCREEN, 2, at);
}, 120_000);

live("Squid's access.log arrives through imfile with its path", async () => {
  const at = Date.now();
  await appendFile(path.join(dir, 'access.log'), SQUID.map((l) => `${l}\n`).join(''));
  await expectParsed('squid', SQUID, 1, at);
  for (const d of (await arrived('squid', SQUID)).values()) expect(d[0]!.log.file.path).toBe(path.join(dir, 'access.log'));
}, 120_000);

live('the shared port routes by host table, then by program and by ScreenOS body; what no source claims stays out of the data streams', async () => {
  const at = Date.now();
  // a firewall listed in the host table (sending from 127.0.0.2), a relay's header in front
  const fromTable = NETSCREEN.slice(0, 2).map((l) => l.replace(/^<(\d+)>/, '<$1>Dec  2 10:31:00 192.0.2.254 ').replace('start_time="2026-12-02 10:30:0', 'start_time="2026-12-02 10:31:0'));
  await sendUdp(ports.syslog, fromTable.slice(0, 1), '127.0.0.2');
  await sendTcp(ports.syslog, fromTable.slice(1), '127.0.0.2');
  // by program (postfix/*, named, squid) and by the ScreenOS body, from a host not in the table
  const postfix = ['<22>Dec  2 10:50:01 mx02 postfix/smtpd[4401]: connect from unknown[203.0.113.99]'];
  const bind = ['<30>Dec  2 10:50:02 ns02 named[902]: client @0x7f3a2c0d1a11 10.2.3.47#50126 (update.example.com): query: update.example.com IN A +E(0)K (10.2.0.53)'];
  const squid = [
    '<30>Dec  2 10:50:03 proxy02 squid[2212]: 1796176203.000      0 10.4.1.33 TCP_DENIED/403 3641 CONNECT 203.0.113.61:8089 - HIER_NONE/- text/html',
    // the proxy host's own rsyslog reading access.log (imfile, tag `squid:`) and forwarding it
    // (RSYSLOG_ForwardFormat), as docs/devices/squid.md sets it up
    '<133>2026-12-02T10:50:06.125+09:00 proxy02 squid: 1796176206.125    120 10.4.1.34 TCP_MISS/200 1830 GET http://www.example.com/ - HIER_DIRECT/198.51.100.81 text/html',
  ];
  const screenos = [NETSCREEN[2]!.replace('10:30:07', '10:50:04')];
  const unrelated = '<86>Dec  2 10:50:05 mx02 sshd[5001]: Accepted publickey for admin from 10.9.9.9 port 50000 ssh2';
  await sendUdp(ports.syslog, [...postfix, ...squid]);
  await sendTcp(ports.syslog, [...bind, ...screenos, unrelated]);
  await expectParsed('netscreen', [...fromTable, ...screenos], 1, at);
  await expectParsed('postfix', postfix, 1, at);
  await expectParsed('bind', bind, 1, at);
  await expectParsed('squid', squid, 1, at);
  for (const s of SOURCES) expect((await documents(s)).filter((d) => /sshd/.test(d.event?.original ?? ''))).toEqual([]);
  expect(await readFile(path.join(dir, 'unrouted.log'), 'utf8')).toMatch(/ mx02 sshd\[5001\]: Accepted publickey for admin/);
}, 120_000);

live('lines sent while the cluster is unreachable wait in the queue and arrive, once each, when it is back', async () => {
  const at = Date.now();
  await relay!.down();
  const lines = [
    '<22>Dec  2 11:00:01 mx01 postfix/smtpd[3401]: connect from backup.example.net[198.51.100.22]',
    '<22>Dec  2 11:00:02 mx01 postfix/smtpd[3401]: disconnect from backup.example.net[198.51.100.22] ehlo=1 quit=1 commands=2',
  ];
  await sendTcp(ports.postfix, lines);
  await sendUdp(ports.bind, [BIND[0]!.replace('10:20:11', '11:00:03')]);
  await new Promise((r) => setTimeout(r, 8000));
  const early = (await documents('postfix')).filter((d) => lines.includes(d.event?.original));
  expect(early).toEqual([]);
  await relay!.up();
  await expectParsed('postfix', lines, 1, at);
  await expectParsed('bind', [BIND[0]!.replace('10:20:11', '11:00:03')], 1, at);
  expect(existsSync(path.join(dir, 'rejected.ndjson'))).toBe(false);
}, 180_000);

live('a record the cluster refuses for good is written to the rejected file with the cluster\'s answer, not lost', async () => {
  // a write block on BIND's stream: the bulk request goes through, its item is answered 403
  const block = (on: boolean) => conn.request('PUT', `/${stream('bind')}/_settings`, { 'index.blocks.write': on });
  expect((await block(true)).status).toBe(200);
  const line = BIND[1]!.replace('10:20:12', '11:10:12');
  try {
    await sendTcp(ports.bind, [line]);
    const file = path.join(dir, 'rejected.ndjson');
    const deadline = Date.now() + 60_000;
    while (!existsSync(file) || !(await readFile(file, 'utf8')).includes('11:10:12')) {
      if (Date.now() > deadline) throw new Error(`nothing in ${file} within 60s\nrsyslogd said:\n${rsyslogOutput}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const rejected = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { answer: Record<string, any>; document: Record<string, any> });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.answer).toMatchObject({ status: 403, writeoperation: 'create', _index: stream('bind') });
    expect(rejected[0]!.document).toMatchObject({ message: line, agent: { type: 'rsyslog' } });
  } finally {
    expect((await block(false)).status).toBe(200);
  }
}, 120_000);

(haveRsyslog && alerting ? test : test.skip)(
  'an attack line sent through rsyslog makes the scheduled monitor (1-minute schedule) fire, and the webhook names the entity',
  async () => {
    expect(await scheduleEveryMinute(conn, /^\[jpcert\] FW-1 /)).toBe(1);
    // a PC in an internal zone denied a direct connection out, as the firewall logs it now
    const tokyo = new Date(Date.now() + 9 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
    const line = `<134>ssg-osaka: NetScreen device_id=ssg-osaka [Root]system-notification-00257(traffic): start_time="${tokyo}" duration=0 policy_id=9 service=http proto=6 src zone=Trust dst zone=Untrust action=Deny sent=0 rcvd=0 src=10.3.1.66 dst=203.0.113.45 src_port=52066 dst_port=80 session_id=0`;
    const sentAt = Date.now();
    await sendUdp(ports.netscreen, [line]);
    await receiver!.waitFor('webhook for FW-1', () => receiver!.messagesOf('FW-1').some((m) => m.body.includes('source.ip=10.3.1.66')), 240_000);
    const message = receiver!.messagesOf('FW-1').find((m) => m.body.includes('source.ip=10.3.1.66'))!;
    expect(message.body).toMatch(/^\[jpcert\] FW-1 medium: /m);
    expect(message.body).toMatch(/^- \S+ source\.ip=10\.3\.1\.66 destination\.ip=203\.0\.113\.45 destination\.port=80 .*observer\.name=ssg-osaka\s*$/m);
    const indexed = (await arrived('netscreen', [line])).get(line)![0]!;
    const latency = (message.at - sentAt) / 1000;
    process.stderr.write(`[rsyslog-live-path] send to webhook: ${latency.toFixed(1)} s (indexed after ${((Date.parse(indexed.event.ingested) - sentAt) / 1000).toFixed(2)} s; monitor every 1 minute)\n`);
  },
  300_000,
);
