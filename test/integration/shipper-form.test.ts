import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { adminConnection, ROOT } from '../harness/cluster.js';

/**
 * The shipper's structured form: Filebeat's syslog input, Elastic Agent, rsyslog JSON
 * templates, Fluent Bit's syslog parser and journald take the syslog header off and send the
 * message body with the time, program and host in fields. Each syslog-borne source must give
 * the same document from that form as from the full line.
 *
 * One table per source: `pipelines/<source>/_dev/test/test-shipper-structured.ndjson` (the
 * documents as the shippers send them; the fixture test checks each against its expected
 * file) and, line by line, `test-shipper-structured.ndjson-full.txt`: the full syslog line
 * each document stands for. The full line is sent as the same shipper would send it had it
 * not parsed the header: the document without the keys shipperHeader
 * (pipelines/common/painless/syslog.painless) reads and removes, with the full line as
 * `message` and the read time as `@timestamp`.
 *
 * The two documents must be equal except for what only a full line has: `event.original`
 * (the whole line, not the body), `event.created` (the shipper's time, when the line's own
 * replaces it), `event.timezone` and `tags` (the year a syslog time stamp lacks is assumed);
 * `@timestamp` must be the same instant (the shipper writes it in its own form).
 */

const conn: Connection = await adminConnection();

beforeAll(async () => {
  await installPack(conn, ROOT, DEFAULT_PROFILE);
});
afterAll(async () => conn.close());

const tables = readdirSync(path.join(ROOT, 'pipelines')).flatMap((source) => {
  const file = path.join(ROOT, 'pipelines', source, '_dev', 'test', 'test-shipper-structured.ndjson');
  return existsSync(file) && existsSync(`${file}-full.txt`) ? [{ source, file }] : [];
});

function linesOf(file: string): string[] {
  return readFileSync(file, 'utf8').replace(/\n$/, '').split('\n');
}

/** top-level keys of the shipper's header that are not ECS (shipperHeader takes them off the document) */
const SHIPPER_KEYS = ['programname', 'app-name', 'appname', 'ident', 'SYSLOG_IDENTIFIER', 'syslogtag', 'tag', 'hostname', '_HOSTNAME', 'HOSTNAME', 'procid', 'pid', 'SYSLOG_PID', '_PID', 'pri', 'syslog', 'msg', 'MESSAGE', 'timestamp', '__REALTIME_TIMESTAMP'];

/** The document a shipper would send with the full line: the structured one without the header it parsed. */
function fullLineDocument(structured: Record<string, unknown>, line: string): Record<string, unknown> {
  const doc = structuredClone(structured);
  let readAt = doc['@timestamp'] ?? doc.timestamp;
  if (readAt === undefined && typeof doc.__REALTIME_TIMESTAMP === 'string') readAt = new Date(Number(doc.__REALTIME_TIMESTAMP) / 1000).toISOString();
  for (const k of SHIPPER_KEYS) delete doc[k];
  if (typeof doc.host === 'string') delete doc.host;
  if (typeof doc.log === 'string') delete doc.log;
  return { ...doc, '@timestamp': readAt, message: line };
}

async function simulate(source: string, docs: Array<Record<string, unknown>>): Promise<Array<Record<string, any>>> {
  const res = await conn.request('POST', `/_ingest/pipeline/jpcert-${source}/_simulate`, { docs: docs.map((_source) => ({ _source })) });
  expect(res.status).toBe(200);
  return (res.body as { docs: Array<{ doc?: { _source: Record<string, any> }; error?: unknown }> }).docs.map((d) => d.doc?._source ?? { simulate_error: d.error });
}

/** the document without what only a full line has; @timestamp as an instant */
function comparable(doc: Record<string, any>): Record<string, any> {
  const d = structuredClone(doc);
  if (d.event) {
    for (const k of ['original', 'created', 'timezone', 'ingested']) delete d.event[k];
  }
  delete d.tags;
  if (typeof d['@timestamp'] === 'string') d['@timestamp'] = new Date(Date.parse(d['@timestamp'])).toISOString();
  return d;
}

test('there are sources with a structured-form table', () => {
  expect(tables.map((t) => t.source)).toContain('bind');
});

describe.each(tables)('$source', ({ source, file }) => {
  test('each structured document gives the document of its full line', async () => {
    const structured = linesOf(file).map((l) => JSON.parse(l) as Record<string, unknown>);
    const full = linesOf(`${file}-full.txt`);
    expect(full.length).toBe(structured.length);
    const fromStructured = await simulate(source, structured);
    const fromFull = await simulate(source, structured.map((d, i) => fullLineDocument(d, full[i]!)));
    fromStructured.forEach((doc, i) => {
      // both parse, the full line with its header read from the line
      expect({ line: full[i], kind: doc.event?.kind, error: doc.error }).toEqual({ line: full[i], kind: 'event', error: undefined });
      expect({ line: full[i], kind: fromFull[i]!.event?.kind }).toEqual({ line: full[i], kind: 'event' });
      expect({ line: full[i], doc: comparable(doc) }).toEqual({ line: full[i], doc: comparable(fromFull[i]!) });
      // the shipper's time is the event's: no year assumed, nothing kept as event.created
      expect({ line: full[i], created: doc.event?.created, tags: doc.tags }).toEqual({ line: full[i], created: undefined, tags: undefined });
    });
  });
});
