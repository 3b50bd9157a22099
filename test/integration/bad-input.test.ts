import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { compileRules } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';
import { sourceNames } from '../../src/content/sources.js';
import { adminConnection, ROOT } from '../harness/cluster.js';

/**
 * Bad input is indexed, never lost: every source's data stream takes an empty line, binary
 * garbage, a 1 MB line, Shift_JIS bytes read as if they were UTF-8, and a line cut in half;
 * each document keeps its input as event.original and says what failed.
 */

const conn: Connection = await adminConnection();
afterAll(async () => conn.close());

beforeAll(async () => {
  await installPack(conn, ROOT, DEFAULT_PROFILE);
});

const sources = sourceNames(path.join(ROOT, 'pipelines'));

function firstFixtureLine(source: string): string {
  const dir = path.join(ROOT, 'pipelines', source, '_dev', 'test');
  const file = readdirSync(dir).filter((f) => /^test-.*\.log$/.test(f) && !f.includes('bad-input')).sort()[0];
  return file ? (readFileSync(path.join(dir, file), 'utf8').split('\n')[0] ?? '') : 'no fixture';
}

/** 「顧客情報」 in Shift_JIS, then decoded as UTF-8 the way a reader that guessed wrong would. */
const SHIFT_JIS_AS_UTF8 = Buffer.from([0x8c, 0xda, 0x8b, 0x71, 0x8f, 0xee, 0x95, 0xf1, 0x20, 0x61, 0x62, 0x63]).toString('utf8');

function badLines(source: string): Record<string, string> {
  const good = firstFixtureLine(source);
  return {
    empty: '',
    binary: String.fromCharCode(0, 1, 2, 0x1b, 0x7f, 0xfe, 0xff, 0x80, 0x9f) + '\uFFFD\uD7FF',
    megabyte: 'A'.repeat(1024 * 1024),
    shift_jis: SHIFT_JIS_AS_UTF8,
    truncated: good.slice(0, Math.floor(good.length / 2)),
  };
}

test('there are sources with data streams', () => {
  expect(sources.length).toBeGreaterThan(0);
});

describe.each(sources)('%s', (source) => {
  const index = `logs-jpcert.${source}-badinput`;
  afterAll(async () => conn.request('DELETE', `/_data_stream/${index}`));

  test('every bad line is indexed with event.original and an error', async () => {
    const lines = badLines(source);
    for (const [id, message] of Object.entries(lines)) {
      const res = await conn.request('PUT', `/${index}/_create/${id}`, { message });
      expect({ id, status: res.status }).toEqual({ id, status: 201 });
    }
    await conn.request('POST', `/${index}/_refresh`);
    for (const [id, message] of Object.entries(lines)) {
      const found = (await conn.request('POST', `/${index}/_search`, { query: { ids: { values: [id] } } })).body as { hits: { hits: Array<{ _source: Record<string, any> }> } };
      const doc = found.hits.hits[0]?._source;
      expect({ id, found: doc !== undefined }).toEqual({ id, found: true });
      expect({ id, same: doc!.event?.original === message }).toEqual({ id, same: true });
      // a line cut short may still be a valid record of a source that logs cut-off values
      // itself (Postfix truncates headers at 200 bytes): then it must say it is truncated
      if (id === 'truncated' && doc!.event?.kind !== 'pipeline_error') {
        expect({ id, flagged: JSON.stringify(doc).includes('"truncated":true') }).toEqual({ id, flagged: true });
        continue;
      }
      expect({ id, kind: doc!.event?.kind }).toEqual({ id, kind: 'pipeline_error' });
      expect(doc!.error?.message).toEqual(expect.arrayContaining([expect.stringMatching(/^Processor '.+' with tag '.+' in pipeline 'jpcert-.+' failed with message/)]));
    }
  });
});

test('the "Pipeline failures" saved search lists exactly the lines that failed, not the parsed one', async () => {
  const compiled = compileRules(loadRules(ROOT), DEFAULT_PROFILE);
  const search = compiled.savedObjects.dashboards.find((o) => o.type === 'search' && String(o.attributes.title).includes('Pipeline failures'))!;
  const pattern = compiled.savedObjects.dashboards.find((o) => o.id === search.references[0]!.id)!;
  const source = JSON.parse(String((search.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON));
  const index = 'logs-jpcert.windows-failures';
  await conn.request('DELETE', `/_data_stream/${index}`);
  let ids: string[];
  try {
    for (const [id, message] of Object.entries({ good: firstFixtureLine('windows'), ...badLines('windows') })) await conn.request('PUT', `/${index}/_create/${id}?refresh=true`, { message });
    const res = await conn.request('POST', `/${String(pattern.attributes.title)}/_search`, { size: 100, query: { bool: { filter: [source.filter[0].query, { prefix: { _index: `.ds-${index}-` } }] } } });
    ids = (res.body as { hits: { hits: Array<{ _id: string }> } }).hits.hits.map((h) => h._id).sort();
  } finally {
    await conn.request('DELETE', `/_data_stream/${index}`);
  }
  expect(ids).toEqual(['binary', 'empty', 'megabyte', 'shift_jis', 'truncated']);
});
