import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { adminConnection, ROOT } from '../harness/cluster.js';

/**
 * The same Security events in every form the Windows pipeline takes must give the same ECS
 * fields: `pipelines/windows/_dev/test/test-forms-*` hold them line for line as raw event XML,
 * Winlogbeat / Elastic Agent documents, NXLog om_json documents and NXLog JSON lines (each
 * form's expected documents are checked by pipeline-fixtures.test.ts). Compared here: the
 * fields the AD rules search, report and join on, and the rest of the ECS fields the pipeline
 * writes from the event. Not compared: what differs by the shipper by nature (host.name is the
 * shipper's host, message its rendering, winlog.* system fields its own).
 */

const DIR = path.join(ROOT, 'pipelines', 'windows', '_dev', 'test');
const FORMS = ['test-forms-xml.log', 'test-forms-winlogbeat.ndjson', 'test-forms-nxlog.ndjson', 'test-forms-nxlog-lines.log'];
const FIELDS = [
  '@timestamp',
  'event.code',
  'event.action',
  'event.category',
  'event.type',
  'event.outcome',
  'event.provider',
  'user.name',
  'user.domain',
  'user.id',
  'user.target',
  'user.effective',
  'group',
  'windows.subject',
  'windows.privileges',
  'source.ip',
  'source.address',
  'source.port',
  'source.domain',
  'process',
  'winlog.event_id',
  'winlog.computer_name',
  'winlog.channel',
  'winlog.record_id',
  'winlog.keywords',
  'winlog.logon',
  'winlog.event_data.TargetLogonId',
  'winlog.event_data.Status',
  'related.user',
  'related.ip',
];

const conn: Connection = await adminConnection();
beforeAll(async () => installPack(conn, ROOT, DEFAULT_PROFILE));
afterAll(async () => conn.close());

function fieldOf(doc: Record<string, unknown>, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined), doc);
}

async function keyFields(file: string): Promise<Array<Record<string, unknown>>> {
  const lines = readFileSync(path.join(DIR, file), 'utf8').replace(/\n$/, '').split('\n');
  const docs = lines.map((l) => ({ _source: file.endsWith('.ndjson') ? (JSON.parse(l) as Record<string, unknown>) : { message: l } }));
  const res = await conn.request('POST', '/_ingest/pipeline/jpcert-windows/_simulate', { docs });
  expect(res.status).toBe(200);
  return (res.body as { docs: Array<{ doc: { _source: Record<string, unknown> } }> }).docs.map(({ doc }) => {
    const s = doc._source;
    expect({ file, kind: fieldOf(s, 'event.kind'), error: s.error }).toEqual({ file, kind: 'event', error: undefined });
    return Object.fromEntries(FIELDS.map((f) => [f, f === '@timestamp' ? Date.parse(String(s[f])) : fieldOf(s, f)]));
  });
}

test('raw XML, Winlogbeat, NXLog documents and NXLog lines give the same ECS fields, event by event', async () => {
  const [xml, ...others] = await Promise.all(FORMS.map(keyFields));
  expect(xml!.length).toBeGreaterThanOrEqual(20);
  for (const [i, form] of others.entries()) {
    expect({ form: FORMS[i + 1], docs: form }).toEqual({ form: FORMS[i + 1], docs: xml });
  }
});

test('the forms cover the events the AD rules and the group-change fields read', async () => {
  const xml = await keyFields(FORMS[0]!);
  const codes = new Set(xml.map((d) => d['event.code']));
  for (const code of ['4624', '4625', '4634', '4768', '4769', '4771', '4776', '4672', '4673', '4688', '4662', '4728', '4732', '4756', '4729', '4733', '4757', '4719', '1102']) {
    expect({ code, present: codes.has(code) }).toEqual({ code, present: true });
  }
  // every event has its time, action and categorisation from the event
  for (const d of xml) {
    expect({ code: d['event.code'], time: Number.isFinite(d['@timestamp']), action: typeof d['event.action'], category: Array.isArray(d['event.category']) }).toEqual({
      code: d['event.code'],
      time: true,
      action: 'string',
      category: true,
    });
  }
});
