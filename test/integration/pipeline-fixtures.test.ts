import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { adminConnection, ROOT } from '../harness/cluster.js';

/**
 * Every `pipelines/<source>/_dev/test/test-<case>.log` goes line by line through the
 * source's pipeline on the real engine (`_simulate`), each line as `{ message: line }`, and
 * the documents must equal `test-<case>.log-expected.json`. A `test-<case>.ndjson` holds one
 * JSON document per line, sent as it is (for shippers that send structured documents, such
 * as Winlogbeat), against `test-<case>.ndjson-expected.json`. Regenerate the expected files
 * with `npm run test:pipelines:update` and review the diff.
 */

const UPDATE = process.env.PACK_UPDATE_EXPECTED === '1';
const SAMPLES = path.join(ROOT, '..', 'shared', 'samples');

const conn: Connection = await adminConnection();

interface Case {
  source: string;
  name: string;
  file: string;
}

const cases: Case[] = readdirSync(path.join(ROOT, 'pipelines')).flatMap((source) => {
  const dir = path.join(ROOT, 'pipelines', source, '_dev', 'test');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^test-.*\.(log|ndjson)$/.test(f))
    .sort()
    .map((f) => ({ source, name: f, file: path.join(dir, f) }));
});

function linesOf(file: string): string[] {
  return readFileSync(file, 'utf8').replace(/\n$/, '').split('\n');
}

/**
 * `test-<case>.log-config.yml` may name `fields` that every document of the case carries in
 * besides `message`, as a shipper would send them (e.g. the `@timestamp` it read the line
 * at, from which a year-less syslog time stamp takes its year).
 */
function fieldsOf(file: string): Record<string, unknown> {
  const config = `${file}-config.yml`;
  if (!existsSync(config)) return {};
  return (YAML.parse(readFileSync(config, 'utf8')) as { fields?: Record<string, unknown> }).fields ?? {};
}

/** the documents a fixture file sends: `{ message: line }` per line (plus the case's fields), or per line the JSON document of a .ndjson file */
function docsOf(file: string): Array<Record<string, unknown>> {
  const lines = linesOf(file);
  return file.endsWith('.ndjson') ? lines.map((l) => JSON.parse(l) as Record<string, unknown>) : lines.map((message) => ({ ...fieldsOf(file), message }));
}

async function simulate(source: string, lines: string[]): Promise<unknown[]> {
  return simulateDocs(source, lines.map((message) => ({ message })));
}

/** Runs documents through the source's router, or through `pipeline` (an inline definition) when given. */
async function simulateDocs(source: string, sources: Array<Record<string, unknown>>, pipeline?: unknown): Promise<unknown[]> {
  const docs = sources.map((_source) => ({ _source }));
  const res = pipeline ? await conn.request('POST', '/_ingest/pipeline/_simulate', { pipeline, docs }) : await conn.request('POST', `/_ingest/pipeline/jpcert-${source}/_simulate`, { docs });
  expect(res.status).toBe(200);
  return (res.body as { docs: Array<{ doc?: { _source: Record<string, any>; _ingest?: { timestamp?: string } }; error?: unknown }> }).docs.map((d) => {
    if (!d.doc) return { simulate_error: d.error };
    const doc = d.doc._source;
    // a line that failed, or that carries no time at all, is stamped with the ingest time,
    // which differs from run to run
    if (typeof doc['@timestamp'] === 'string' && (doc.event?.kind === 'pipeline_error' || Date.parse(doc['@timestamp']) === Date.parse(d.doc._ingest?.timestamp ?? ''))) doc['@timestamp'] = '<ingest time>';
    if (typeof doc.event?.ingested === 'string') doc.event.ingested = '<ingest time>';
    // a syslog timestamp has no year: the pipeline takes the current one and tags the document
    if (Array.isArray(doc.tags) && doc.tags.includes('timestamp_year_assumed') && typeof doc['@timestamp'] === 'string') doc['@timestamp'] = doc['@timestamp'].replace(/^\d{4}/, '<year>');
    return doc;
  });
}

beforeAll(async () => {
  await installPack(conn, ROOT, DEFAULT_PROFILE);
});
afterAll(async () => conn.close());

test('there are fixtures', () => {
  expect(cases.length).toBeGreaterThan(0);
});

describe.each(cases)('$source/$name', ({ source, file }) => {
  test('each line gives the expected document', async () => {
    const actual = await simulateDocs(source, docsOf(file));
    const expectedFile = `${file}-expected.json`;
    if (UPDATE) writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
    expect(existsSync(expectedFile)).toBe(true);
    expect(actual).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')));
  });
});

/**
 * A router whose script has `params.fast_path` reads common lines in one script and sends the
 * others through its format pipelines processor by processor; both ways must give the same
 * documents. With fast_path false every fixture line goes the general way.
 */
const fastPathSources = [...new Set(cases.map((c) => c.source))].filter((source) =>
  readFileSync(path.join(ROOT, 'pipelines', source, 'default.yml'), 'utf8').includes('fast_path: true'),
);

describe.each(fastPathSources)('fast path: %s', (source) => {
  test('every fixture line gives the same document the general way', async () => {
    const deployed = ((await conn.request('GET', `/_ingest/pipeline/jpcert-${source}`)).body as Record<string, { processors: Array<Record<string, { params?: Record<string, unknown> }>> }>)[`jpcert-${source}`]!;
    const general = structuredClone(deployed);
    for (const p of general.processors) if (p.script?.params?.fast_path === true) p.script.params.fast_path = false;
    const docs = cases.filter((c) => c.source === source).flatMap((c) => docsOf(c.file));
    expect(await simulateDocs(source, docs, general)).toEqual(await simulateDocs(source, docs));
  });
});

test('a line that does not parse is kept with event.original and an error naming the processor', async () => {
  const [doc] = (await simulate('squid', ['\u0000\u00ff binary garbage'])) as Array<{ event: { original: string; kind: string }; error: { message: string[] } }>;
  expect(doc!.event.original).toBe('\u0000\u00ff binary garbage');
  expect(doc!.event.kind).toBe('pipeline_error');
  expect(doc!.error.message[0]).toMatch(/^Processor 'grok' with tag 'grok_(native|combined)' in pipeline 'jpcert-squid-(native|combined)' failed/);
});

/** Sources whose fixtures are raw lines (not JSON documents), for the real-indexing test. */
const lineSources = [...new Set(cases.filter((c) => c.name.endsWith('.log')).map((c) => c.source))];

describe.each(lineSources)('real indexing: %s', (source) => {
  const index = `logs-jpcert.${source}-fixtures`;
  afterAll(async () => conn.request('DELETE', `/_data_stream/${index}`));

  test('every fixture line lands in the data stream, none lost; only bad input is a pipeline error', async () => {
    const fixtures = cases.filter((c) => c.source === source && c.name.endsWith('.log'));
    const bad = fixtures.filter((c) => c.name.includes('bad-input')).flatMap((c) => linesOf(c.file));
    const all = fixtures.flatMap((c) => linesOf(c.file));
    for (const message of all) {
      const res = await conn.request('POST', `/${index}/_doc`, { message });
      expect(res.status).toBe(201);
    }
    await conn.request('POST', `/${index}/_refresh`);
    const count = (await conn.request('GET', `/${index}/_count`)).body as { count: number };
    expect(count.count).toBe(all.length);
    const errors = (await conn.request('POST', `/${index}/_count`, { query: { term: { 'event.kind': 'pipeline_error' } } })).body as { count: number };
    expect(errors.count).toBe(bad.length);
  });
});

test('squid: the JPCERT beacon example is searchable by destination and method', async () => {
  const index = 'logs-jpcert.squid-beacon';
  for (const message of linesOf(path.join(ROOT, 'pipelines', 'squid', '_dev', 'test', 'test-jpcert-examples.log'))) {
    expect((await conn.request('POST', `/${index}/_doc`, { message })).status).toBe(201);
  }
  await conn.request('POST', `/${index}/_refresh`);
  const beacon = (await conn.request('POST', `/${index}/_search`, { size: 0, query: { term: { 'url.domain': 'apt.example.com' } }, aggs: { m: { terms: { field: 'http.request.method' } } } })).body as {
    aggregations: { m: { buckets: Array<{ key: string; doc_count: number }> } };
  };
  expect(beacon.aggregations.m.buckets).toEqual([
    { key: 'POST', doc_count: 5 },
    { key: 'GET', doc_count: 1 },
  ]);
  await conn.request('DELETE', `/_data_stream/${index}`);
});

/** `pipelines/<source>/_dev/conformance.yml` names the sample folder and the fields to expect. */
const conformance = readdirSync(path.join(ROOT, 'pipelines')).flatMap((source) => {
  const file = path.join(ROOT, 'pipelines', source, '_dev', 'conformance.yml');
  if (!existsSync(file)) return [];
  const c = YAML.parse(readFileSync(file, 'utf8')) as { samples: string; key_fields: string[] };
  return existsSync(path.join(SAMPLES, c.samples)) ? [{ source, ...c }] : [];
});

function fieldOf(doc: Record<string, unknown>, dotted: string): unknown {
  if (dotted in doc) return doc[dotted];
  return dotted.split('.').reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined), doc);
}

(conformance.length ? describe.each(conformance) : describe.skip.each([{ source: '(no ../shared/samples)', samples: '', key_fields: [] as string[] }]))(
  'conformance: $source on ../shared/samples/$samples',
  ({ source, samples, key_fields }) => {
    test('every line parses without a pipeline error, with its key fields', async () => {
      for (const f of readdirSync(path.join(SAMPLES, samples)).filter((n) => n.endsWith('.log'))) {
        const lines = linesOf(path.join(SAMPLES, samples, f)).filter((l) => l.trim() !== '');
        const docs = (await simulate(source, lines)) as Array<Record<string, any>>;
        docs.forEach((d, i) => {
          expect({ line: lines[i], kind: d.event?.kind, error: d.error }).toEqual({ line: lines[i], kind: 'event', error: undefined });
          const missing = key_fields.filter((k) => fieldOf(d, k) === undefined);
          expect({ line: lines[i], missing }).toEqual({ line: lines[i], missing: [] });
        });
      }
    });
  },
);
