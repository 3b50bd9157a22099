import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { adminConnection, ROOT } from '../harness/cluster.js';

/**
 * Real indexing of the Postfix fixtures into their data stream: the mapping takes every
 * document the pipelines make (no line lost, pipeline errors only for the bad input), and
 * the fields the JPCERT MAIL checks need answer plain term queries.
 */

const conn: Connection = await adminConnection();
const INDEX = 'logs-jpcert.postfix-fixtures';
const TEST = path.join(ROOT, 'pipelines', 'postfix', '_dev', 'test');

function linesOf(name: string): string[] {
  return readFileSync(path.join(TEST, name), 'utf8').replace(/\n$/, '').split('\n');
}

async function count(query: Record<string, unknown>): Promise<number> {
  return ((await conn.request('POST', `/${INDEX}/_count`, { query })).body as { count: number }).count;
}

const good = ['test-jpcert-examples.log', 'test-header-checks.log', 'test-attachment-names.log', 'test-other-programs.log', 'test-timestamps.log'].flatMap(linesOf);
const bad = linesOf('test-bad-input.log');

beforeAll(async () => {
  await installPack(conn, ROOT, DEFAULT_PROFILE);
  await conn.request('DELETE', `/_data_stream/${INDEX}`);
  const body = [...good, ...bad].map((message) => `{"create":{}}\n${JSON.stringify({ message })}\n`).join('');
  const res = await conn.request('POST', `/${INDEX}/_bulk?refresh=true`, body);
  const items = (res.body as { items: Array<{ create: { status: number; error?: unknown } }> }).items;
  expect(items.filter((i) => i.create.status !== 201).map((i) => i.create.error)).toEqual([]);
});
afterAll(async () => {
  await conn.request('DELETE', `/_data_stream/${INDEX}`);
  await conn.close();
});

test('every line is indexed, and only the bad input is a pipeline error', async () => {
  expect(await count({ match_all: {} })).toBe(good.length + bad.length);
  expect(await count({ term: { 'event.kind': 'pipeline_error' } })).toBe(bad.length);
});

test('MAIL-1: a From display name that is another address, and a From that is not the envelope sender', async () => {
  expect(await count({ bool: { filter: [{ term: { 'postfix.display_name_spoof': true } }, { term: { 'email.from.address': 'attack@example.com' } }] } })).toBe(4);
  expect(await count({ bool: { filter: [{ term: { 'postfix.from_mismatch': true } }, { term: { 'email.sender.address': 'root@example.com' } }] } })).toBe(1);
});

test('MAIL-2: executable attachments by their decoded extension', async () => {
  const res = await conn.request('POST', `/${INDEX}/_search`, {
    size: 0,
    query: { term: { 'email.attachments.file.name': '【マル秘】顧客情報！.exe' } },
    aggs: { ext: { terms: { field: 'email.attachments.file.extension' } } },
  });
  expect((res.body as { aggregations: { ext: { buckets: unknown[] } } }).aggregations.ext.buckets).toEqual([{ key: 'exe', doc_count: 1 }]);
  expect(await count({ terms: { 'email.attachments.file.extension': ['exe', 'scr', 'bat', 'js', 'vbs', 'hta', 'lnk'] } })).toBeGreaterThan(10);
  expect(await count({ wildcard: { 'postfix.header.decoded_value': '*顧客情報*' } })).toBe(1);
});
