import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { adminConnection, ROOT } from '../harness/cluster.js';

/**
 * The shipper's structured form (issue 9). Filebeat's syslog input, Elastic Agent, rsyslog's
 * JSON templates, Fluent Bit's syslog parser and journald take the syslog header off a line and
 * send the body (in `message`, `msg` or `MESSAGE`) with the time, program and host in fields.
 * Each source's `_dev/test/test-shipper-structured.ndjson` holds such documents (its expected
 * documents are checked by pipeline-fixtures.test.ts); the table here gives, document by
 * document, the full syslog line it was made from and the time the shipper read it. Both
 * must give the same document, but for what only the full line has: `event.original` (the
 * body alone in the structured form), `event.created` and `event.timezone` (from the line's
 * own year-less time stamp) and the `timestamp_year_assumed` tag; `@timestamp` is compared as
 * an instant.
 */

interface Pair {
  /** the time the shipper read the line (sent with the full line as its @timestamp) */
  at: string;
  line: string;
}

const TABLES: Record<string, Pair[]> = {
  postfix: [
    { at: '2026-03-02T23:59:58.000Z', line: "Mar  3 08:59:58 mail-server postfix/smtpd[2101]: connect from mx.example.net[198.51.100.7]" },
    { at: '2026-03-03T00:00:00.000Z', line: "Mar  3 09:00:00 mail-server postfix/smtpd[2101]: 3A1F00A001: client=mx.example.net[198.51.100.7]" },
    { at: '2026-03-03T09:00:01.000+09:00', line: "Mar  3 09:00:01 mail-server postfix/qmgr[1201]: 3A1F00A001: from=<bounce-1234@mailer.example.net>, size=48213, nrcpt=2 (queue active)" },
    { at: '2026-03-03T00:00:02.000Z', line: "<22>Mar  3 09:00:02 mail-server postfix/local[2201]: 3A1F00A001: to=<user@example.co.jp>, relay=local, delay=1.2, delays=0.9/0.01/0/0.29, dsn=2.0.0, status=sent (delivered to mailbox)" },
    { at: '2026-03-03T00:01:02.000Z', line: "Mar  3 09:01:02 mail-server postfix/smtp[2303]: 4B2E11C003: to=<someone@example.org>, relay=mx1.example.org[2001:db8::25]:25, delay=2.4, delays=0.1/0/1.2/1.1, dsn=5.7.1, status=bounced (host mx1.example.org[2001:db8::25] said: 550 5.7.1 Message rejected as spam (in reply to end of DATA command))" },
    { at: '2026-03-03T09:00:03+09:00', line: "Mar  3 09:00:03 mail-server postfix/cleanup[29597]: B1467845E2: warning: header From: \"sample@example.co.jp\" <attack@example.com> from unknown[203.0.113.9]; from=<root@example.com> to=<info@example.co.jp> proto=ESMTP helo=<[127.0.0.1]>" },
    { at: '2026-03-03T00:02:00.000Z', line: "Mar  3 09:02:00 mail-server postfix/smtpd[2401]: NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <user@example.co.jp>: Relay access denied; from=<attack@example.com> to=<user@example.co.jp> proto=ESMTP helo=<[127.0.0.1]>" },
  ],
  // ScreenOS: the program is the device's host name (observer.hostname), the host its address
  netscreen: [
    { at: "2015-02-16T00:40:02.000Z", line: "<134>Feb 16 09:40:02 192.0.2.1 ssg140-tokyo: NetScreen device_id=ssg140-tokyo [Root]system-notification-00257(traffic): start_time=\"2015-02-16 09:40:01\" duration=1 policy_id=12 service=https proto=6 src zone=Trust dst zone=Untrust action=Permit sent=1200 rcvd=5400 src=10.10.1.25 dst=203.0.113.80 src_port=51544 dst_port=443 session_id=77301 reason=Close - TCP FIN" },
    { at: "2015-02-16T00:40:06.000Z", line: "<129>Feb 16 09:40:06 192.0.2.1 ssg140-tokyo: NetScreen device_id=ssg140-tokyo  [Root]system-alert-00016: Port scan! From 203.0.113.45:55181 to 192.0.2.20:1358, proto TCP (zone Untrust, int ethernet0/0). Occurred 1 times. (2015-02-16 09:40:05)" },
    { at: "2015-02-16T00:40:07.000Z", line: "Feb 16 09:40:07 192.0.2.1 ssg140-tokyo: NetScreen device_id=ssg140-tokyo [Root]system-notification-00257(traffic): start_time=\"2015-02-16 09:40:07\" duration=0 policy_id=36 service=http proto=6 src zone=SHANAI dst zone=Untrust action=Deny sent=0 rcvd=0 src=10.10.1.31 dst=203.0.113.50 src_port=58461 dst_port=80 session_id=0" },
    { at: "2015-02-16T09:40:08+09:00", line: "<134>Feb 16 09:40:08 192.0.2.1 ssg140-tokyo: NetScreen device_id=ssg140-tokyo [Root]system-notification-00257(traffic): start_time=\"2015-02-16 09:40:01\" duration=1 policy_id=12 service=https proto=6 src zone=Trust dst zone=Untrust action=Permit sent=1200 rcvd=5400 src=10.10.1.25 dst=203.0.113.80 src_port=51544 dst_port=443 session_id=77301 reason=Close - TCP FIN" },
    { at: "2015-02-16T00:40:09.000Z", line: "<129>Feb 16 09:40:09 192.0.2.1 ssg140-tokyo: NetScreen device_id=ssg140-tokyo  [Root]system-alert-00016: Port scan! From 203.0.113.45:55181 to 192.0.2.20:1358, proto TCP (zone Untrust, int ethernet0/0). Occurred 1 times. (2015-02-16 09:40:05)" },
    { at: "2015-02-16T00:40:10.000Z", line: "Feb 16 09:40:10 192.0.2.1 ssg140-tokyo: NetScreen device_id=ssg140-tokyo [Root]system-notification-00257(traffic): start_time=\"2015-02-16 09:40:07\" duration=0 policy_id=36 service=http proto=6 src zone=SHANAI dst zone=Untrust action=Deny sent=0 rcvd=0 src=10.10.1.31 dst=203.0.113.50 src_port=58461 dst_port=80 session_id=0" },
    { at: "2015-02-16T00:40:11.000Z", line: "Feb 16 09:40:11 192.0.2.1 ssg140-tokyo: NetScreen device_id=ssg140-tokyo  [Root]system-warning-00515: Admin user netadmin has logged on via SSH from 10.10.1.5:53912 (2015-02-16 09:40:11)" },
  ],
  // Squid sent through syslog: `squid[pid]:` or Squid's own `(squid-1):` tag; the line's own time wins
  squid: [
    { at: "2015-02-18T01:01:39.000Z", line: "<30>Feb 18 10:01:39 proxy01 squid[2211]: 1424221299.090 452 192.0.2.10 TCP_MISS/200 74769 GET http://apt.example.com/a/b.zip alice HIER_DIRECT/198.51.100.7 application/zip" },
    { at: "2015-02-18T01:01:45.000Z", line: "Feb 18 10:01:45 proxy01 (squid-1): 1424221305 0 192.0.2.13 TCP_DENIED/403 3641 CONNECT 203.0.113.66:8089 - HIER_NONE/- text/html" },
    { at: "2015-02-18T10:01:45+09:00", line: "<30>Feb 18 10:01:45 proxy01 squid[2211]: 192.0.2.15 - - [18/Feb/2015:10:01:45 +0900] \"POST http://apt.example.com/control/apt.zip HTTP/1.1\" 200 851 \"-\" \"Wget/1.12 (linux-gnu)\" TCP_MISS:HIER_DIRECT" },
    { at: "2015-02-18T01:01:39.000Z", line: "<30>Feb 18 10:01:39 proxy01 squid[2211]: 1424221299.090 452 192.0.2.10 TCP_MISS/200 74769 GET http://apt.example.com/a/b.zip alice HIER_DIRECT/198.51.100.7 application/zip" },
    { at: "2015-02-18T01:01:45.000Z", line: "Feb 18 10:01:45 proxy01 (squid-1): 1424221305 0 192.0.2.13 TCP_DENIED/403 3641 CONNECT 203.0.113.66:8089 - HIER_NONE/- text/html" },
    { at: "2015-02-18T01:01:45.000Z", line: "Feb 18 10:01:45 proxy01 squid[2211]: 192.0.2.15 - - [18/Feb/2015:10:01:45 +0900] \"POST http://apt.example.com/control/apt.zip HTTP/1.1\" 200 851 \"-\" \"Wget/1.12 (linux-gnu)\" TCP_MISS:HIER_DIRECT" },
  ],
  // BIND: queries, responses, RPZ, query errors, resolver and validator messages, a message no reader knows
  bind: [
    { at: "2026-12-03T00:15:02.000Z", line: "<30>Dec  3 09:15:02 dns1 named[812]: client @0x7f12429fdbf7 10.1.7.141#28317 (time.example.com): query: time.example.com IN A +E(0)K (10.0.1.53)" },
    { at: "2026-12-03T00:15:03.000Z", line: "<30>Dec  3 09:15:03 dns1 named[812]: client @0x7f3a2c0d3b68 10.1.4.139#20260 (a1b2c3d4e5.beacon.example.xyz): rpz QNAME NXDOMAIN rewrite a1b2c3d4e5.beacon.example.xyz/A/IN via *.beacon.example.xyz.rpz.threat.local" },
    { at: "2026-12-03T00:15:04.000Z", line: "Dec  3 09:15:04 dns1 named[812]: client @0x7f3a2c0a9168 10.1.4.139#20259 (a1b2c3d4e5.beacon.example.xyz): response: a1b2c3d4e5.beacon.example.xyz IN A NXDOMAIN 0 1 1 +E(0)DK (10.0.1.53)" },
    { at: "2026-12-03T00:15:05.000Z", line: "Dec  3 09:15:05 dns1 named[812]: zone corp.example/IN: loaded serial 2026120301" },
    { at: "2026-12-03T09:15:06+09:00", line: "Dec  3 09:15:06 dns1 named[812]: client @0x7f3a2c0c2a68 10.1.13.90#58847 (broken.example.net): query failed (SERVFAIL) for broken.example.net/IN/A at query.c:7375" },
    { at: "2026-12-03T09:15:07+09:00", line: "Dec  3 09:15:07 dns1 named[812]: lame server resolving 'www.example-lame.net' (in 'example-lame.net'?): 198.51.100.53#53" },
    { at: "2026-12-03T00:15:08.000Z", line: "<30>Dec  3 09:15:08 dns1 named[812]: timed out resolving 'slow.example.org/AAAA/IN': 192.0.2.200#53" },
    { at: "2026-12-03T00:15:09.000Z", line: "<30>Dec  3 09:15:09 dns1 named[812]: client @0x7f3a2c0e4c68 203.0.113.77#61732 (corp.example): zone transfer 'corp.example/IN' denied" },
    { at: "2026-12-03T00:15:10.000Z", line: "Dec  3 09:15:10 dns1 named[812]: validating example-dnssec.net/A: no valid signature found" },
    { at: "2026-12-03T00:15:11.000Z", line: "Dec  3 09:15:11 dns1 named[812]: REFUSED unexpected RCODE resolving 'corp-partner.example/A/IN': 203.0.113.10#53" },
  ],
};

const conn: Connection = await adminConnection();
beforeAll(async () => {
  await installPack(conn, ROOT, DEFAULT_PROFILE);
});
afterAll(async () => conn.close());

async function simulate(source: string, docs: Array<Record<string, unknown>>): Promise<Array<Record<string, any>>> {
  const res = await conn.request('POST', `/_ingest/pipeline/jpcert-${source}/_simulate`, { docs: docs.map((_source) => ({ _source })) });
  expect(res.status).toBe(200);
  return (res.body as { docs: Array<{ doc: { _source: Record<string, any> } }> }).docs.map((d) => d.doc._source);
}

/** top-level keys of the shipper's header that are not ECS: shipperHeader takes them off the document */
const SHIPPER_KEYS = ['programname', 'app-name', 'appname', 'ident', 'SYSLOG_IDENTIFIER', 'syslogtag', 'tag', 'hostname', '_HOSTNAME', 'HOSTNAME', 'procid', 'pid', 'SYSLOG_PID', '_PID', 'pri', 'syslog', 'msg', 'MESSAGE', 'timestamp', '__REALTIME_TIMESTAMP'];

const WITH_SHIPPER_FIELDS = new Set(['bind']);

function withoutShipperKeys(doc: Record<string, unknown>): Record<string, unknown> {
  const d = structuredClone(doc);
  for (const k of SHIPPER_KEYS) delete d[k];
  if (typeof d.host === 'string') delete d.host;
  if (typeof d.log === 'string') delete d.log;
  return d;
}

/** the document without what only one of the two forms can have */
function comparable(doc: Record<string, any>): Record<string, any> {
  const c = structuredClone(doc);
  delete c.event.original;
  delete c.event.created;
  delete c.event.timezone;
  delete c.event.ingested;
  if (Array.isArray(c.tags)) c.tags = c.tags.filter((t: string) => t !== 'timestamp_year_assumed');
  if (Array.isArray(c.tags) && c.tags.length === 0) delete c.tags;
  // an instant: a shipper may write it in UTC, the line's header in the profile's zone
  if (typeof c['@timestamp'] === 'string') c['@timestamp'] = new Date(Date.parse(c['@timestamp'])).toISOString();
  return c;
}

describe.each(Object.entries(TABLES))('%s', (source, pairs) => {
  const file = path.join(ROOT, 'pipelines', source, '_dev', 'test', 'test-shipper-structured.ndjson');
  const shipped = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  test('the table names the full line of every structured document', () => {
    expect(pairs.length).toBe(shipped.length);
  });

  test('each structured document gives the document of its full line', async () => {
    const fromFields = await simulate(source, shipped);
    // BIND's structured documents carry the shippers' other fields too (agent.*, data_stream.*,
    // log.syslog.facility, process.*, host.*): its full line is sent as the same shipper would
    // send it had it not parsed the header, those fields alike, without the keys shipperHeader
    // reads and removes (common/painless/syslog.painless)
    const fromLines = await simulate(source, pairs.map((p, i) => ({ ...(WITH_SHIPPER_FIELDS.has(source) ? withoutShipperKeys(shipped[i]!) : {}), '@timestamp': p.at, message: p.line })));
    fromFields.forEach((doc, i) => {
      // parsed (an event, or an alert such as a firewall's attack alarm)
      expect({ i, failed: doc.event?.kind === 'pipeline_error', error: doc.error }).toEqual({ i, failed: false, error: undefined });
      // the shipper's time is the event's time: not a receive time
      expect({ i, created: doc.event?.created }).toEqual({ i, created: undefined });
      expect({ i, doc: comparable(doc) }).toEqual({ i, doc: comparable(fromLines[i]!) });
    });
  });
});
