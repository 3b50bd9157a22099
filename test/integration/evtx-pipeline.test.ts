import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { readEvtx, type EvtxRecord } from '../../src/ingest/windows/evtx-reader.js';
import { readEventXml } from '../../src/ingest/windows/event-xml-splitter.js';
import { adminConnection, ROOT } from '../harness/cluster.js';

/**
 * The XML of every record of the four `.evtx` samples (../shared/samples/windows-evtx), as
 * the pack's reader renders it, goes through the real `jpcert-windows` pipeline
 * (`_simulate`, each as `{ message: xml }`, what the loader sends): no pipeline error, and
 * event.code, @timestamp, winlog.record_id and every EventData value agree with the
 * reference reading of each file (evtx_dump 0.15.1). So do the events of the XML export
 * fixtures split by the export reader.
 */

const SAMPLES = path.join(ROOT, '..', 'shared', 'samples', 'windows-evtx');
const XML_FIXTURES = path.join(ROOT, 'test', 'unit', 'fixtures', 'windows-xml');

const conn: Connection = await adminConnection();

beforeAll(async () => {
  await installPack(conn, ROOT, DEFAULT_PROFILE);
});
afterAll(async () => conn.close());

type Doc = Record<string, any>;

/** the documents the pipeline makes of these messages (in batches) */
async function simulate(messages: string[]): Promise<Doc[]> {
  const out: Doc[] = [];
  for (let i = 0; i < messages.length; i += 250) {
    const docs = messages.slice(i, i + 250).map((message) => ({ _source: { message } }));
    const res = await conn.request('POST', '/_ingest/pipeline/jpcert-windows/_simulate', { docs });
    expect(res.status).toBe(200);
    for (const d of (res.body as { docs: Array<{ doc?: { _source: Doc }; error?: unknown }> }).docs) out.push(d.doc ? d.doc._source : { simulate_error: d.error });
  }
  return out;
}

interface Reference {
  EventID: string;
  SystemTime?: string;
  EventRecordID?: string;
  EventData: Record<string, string>;
}

function reference(name: string): Reference[] {
  return readFileSync(path.join(SAMPLES, `${name}.oracle.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const e = (JSON.parse(l) as { Event: Record<string, any> }).Event;
      const s = e.System;
      const id = s.EventID && typeof s.EventID === 'object' ? s.EventID['#text'] : s.EventID;
      return {
        EventID: String(id),
        ...(s.TimeCreated?.['#attributes']?.SystemTime ? { SystemTime: s.TimeCreated['#attributes'].SystemTime as string } : {}),
        ...(s.EventRecordID !== undefined ? { EventRecordID: String(s.EventRecordID) } : {}),
        EventData: Object.fromEntries(Object.entries((e.EventData ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v ?? '')])),
      };
    });
}

/** an object's JSON with its keys sorted (the engine does not keep their order) */
const sorted = (o: Record<string, unknown>): string => JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

/** SystemTime (7 fraction digits) as the pipeline writes @timestamp: milliseconds */
const millis = (t: string): string => `${t.slice(0, 23)}Z`;

const CASES: Array<[string, number]> = [
  ['new-user-security', 4],
  ['Security_short_selected', 7],
  ['security', 2261],
  ['sample_with_a_bad_chunk_magic', 301],
];

describe.each(CASES)('%s.evtx through jpcert-windows', (name, count) => {
  test('every record: no pipeline error; code, time, record id and data as in the reference reading', async () => {
    const records: EvtxRecord[] = [...readEvtx(path.join(SAMPLES, `${name}.evtx`))];
    const ref = reference(name);
    expect(records).toHaveLength(count);
    expect(ref).toHaveLength(count);
    const docs = await simulate(records.map((r) => r.xml));
    const problems: string[] = [];
    docs.forEach((doc, i) => {
      const r = records[i] as EvtxRecord;
      const want = ref[i] as Reference;
      const where = `record ${r.recordId}`;
      if (doc.simulate_error) return problems.push(`${where}: ${JSON.stringify(doc.simulate_error)}`);
      if (doc.event?.original !== r.xml) problems.push(`${where}: event.original is not the XML sent`);
      // the one record whose second half is zeros (no TimeCreated, no EventRecordID): the
      // pipeline keeps it, marked as failed (bad input is not lost)
      if (r.damaged && want.SystemTime === undefined) {
        if (doc.event?.kind !== 'pipeline_error' || !String(doc.error?.message).includes('no <TimeCreated SystemTime>')) problems.push(`${where}: expected a pipeline error for the damaged record, got ${JSON.stringify(doc.error)}`);
        return;
      }
      if (doc.event?.kind === 'pipeline_error') return problems.push(`${where}: ${JSON.stringify(doc.error?.message)}`);
      const got = { code: doc.event?.code, timestamp: doc['@timestamp'], record_id: doc.winlog?.record_id };
      const expected = { code: want.EventID, timestamp: millis(want.SystemTime as string), record_id: want.EventRecordID };
      if (JSON.stringify(got) !== JSON.stringify(expected)) problems.push(`${where}: ${JSON.stringify(got)} != ${JSON.stringify(expected)}`);
      // the pipeline keeps the non-empty data values
      const data = Object.fromEntries(Object.entries(want.EventData).filter(([, v]) => v !== ''));
      const gotData = doc.winlog?.event_data ?? {};
      if (sorted(gotData) !== sorted(data)) problems.push(`${where}: event_data ${JSON.stringify(gotData)} != ${JSON.stringify(data)}`);
    });
    expect(problems.slice(0, 5)).toEqual([]);
    // the damaged file's one record that cannot be read as an event is the only failure
    const failed = docs.filter((d) => d.event?.kind === 'pipeline_error').length;
    expect(failed).toBe(name === 'sample_with_a_bad_chunk_magic' ? 1 : 0);
  });
});

describe('XML exports through jpcert-windows', () => {
  test.each(['wevtutil-qe.xml', 'event-viewer-saved-utf16.xml', 'powershell-toxml.xml', 'pretty-printed.xml'])('%s: each event a document, no pipeline error', async (file) => {
    const events: string[] = [];
    for await (const e of readEventXml(path.join(XML_FIXTURES, file))) events.push(e.xml);
    const docs = await simulate(events);
    expect(docs.map((d) => [d.event?.kind, d.event?.code, d.winlog?.record_id, d.error?.message])).toEqual(
      events.map((x) => ['event', /<EventID>(\d+)</.exec(x)?.[1], /<EventRecordID>(\d+)</.exec(x)?.[1], undefined]),
    );
    const privileges = docs.find((d) => d.event?.code === '4672')?.winlog?.event_data?.PrivilegeList;
    if (privileges !== undefined) expect(privileges).toBe('SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege');
  });
});
