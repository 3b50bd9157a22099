import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { benchFiles, benchLines } from '../../src/bench/pipelines.js';
import { installPack } from '../../src/deploy/deploy.js';
import { adminConnection, ROOT } from '../harness/cluster.js';
import { mutations } from '../harness/mutate.js';

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
 * at, from which a year-less syslog time stamp takes its year), and say which lines the
 * router's fast path must read (`fast_path: every` or `none`; see the fast path tests).
 */
interface CaseConfig {
  fields?: Record<string, unknown>;
  fast_path?: 'every' | 'none';
}

function configOf(file: string): CaseConfig {
  const config = `${file}-config.yml`;
  if (!existsSync(config)) return {};
  return (YAML.parse(readFileSync(config, 'utf8')) as CaseConfig | null) ?? {};
}

function fieldsOf(file: string): Record<string, unknown> {
  return configOf(file).fields ?? {};
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
    // a syslog timestamp has no year: the pipeline takes that of the shipper's time (kept as
    // event.created), else of the ingest time, which differs from run to run, and tags the document
    if (Array.isArray(doc.tags) && doc.tags.includes('timestamp_year_assumed') && doc.event?.created === undefined && typeof doc['@timestamp'] === 'string') doc['@timestamp'] = doc['@timestamp'].replace(/^\d{4}/, '<year>');
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
 * documents. With fast_path false every line goes the general way. The lines are every
 * fixture, public sample and benchmark corpus line of the source.
 */
const fastPathSources = [...new Set(cases.map((c) => c.source))].filter((source) =>
  readFileSync(path.join(ROOT, 'pipelines', source, 'default.yml'), 'utf8').includes('fast_path: true'),
);

type Processor = Record<string, { tag?: string; if?: string; params?: Record<string, unknown> }>;

async function deployedRouter(source: string): Promise<{ processors: Processor[] }> {
  return ((await conn.request('GET', `/_ingest/pipeline/jpcert-${source}`)).body as Record<string, { processors: Processor[] }>)[`jpcert-${source}`]!;
}

interface Conformance {
  samples: string;
  key_fields: string[];
  /** `every`: the router's fast path must read every sample line */
  fast_path?: 'every';
}

function conformanceOf(source: string): Conformance | undefined {
  const file = path.join(ROOT, 'pipelines', source, '_dev', 'conformance.yml');
  return existsSync(file) ? (YAML.parse(readFileSync(file, 'utf8')) as Conformance) : undefined;
}

/** the source's public sample lines (../shared/samples), when the folder is there */
function sampleLines(source: string): string[] {
  const c = conformanceOf(source);
  if (!c) return [];
  const dir = path.join(SAMPLES, c.samples);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .sort()
    .flatMap((f) => linesOf(path.join(dir, f)).filter((l) => l.trim() !== ''));
}

/**
 * For each document: did it take the general way? The general processors are those the
 * router guards with `_tmp?.slow`; `_simulate?verbose` shows which of them ran.
 */
async function tookGeneralWay(source: string, sources: Array<Record<string, unknown>>): Promise<boolean[]> {
  const general = new Set(
    (await deployedRouter(source)).processors.map((p) => Object.values(p)[0]!).filter((p) => p.if?.includes('_tmp?.slow')).map((p) => p.tag),
  );
  expect(general.size).toBeGreaterThan(0);
  const res = await conn.request('POST', `/_ingest/pipeline/jpcert-${source}/_simulate?verbose=true`, { docs: sources.map((_source) => ({ _source })) });
  return (res.body as { docs: Array<{ processor_results: Array<{ tag?: string; status: string }> }> }).docs.map((d) =>
    d.processor_results.some((r) => r.tag !== undefined && general.has(r.tag) && r.status !== 'skipped'),
  );
}

/** JSON with object keys sorted, so that two documents compare whatever order their fields were written in */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** The deployed router with its fast path switched off (`fast_path: false`): every line the general way. */
async function generalRouter(source: string): Promise<{ processors: Processor[] }> {
  const general = structuredClone(await deployedRouter(source));
  let switched = 0;
  for (const p of general.processors) {
    if (p.script?.params?.fast_path === true) {
      p.script.params.fast_path = false;
      switched++;
    }
  }
  expect(switched).toBeGreaterThan(0);
  return general;
}

describe.each(fastPathSources)('fast path: %s', (source) => {
  test('every fixture, sample and corpus line gives the same document the general way', async () => {
    const general = await generalRouter(source);
    const docs = [...cases.filter((c) => c.source === source).flatMap((c) => docsOf(c.file)), ...[...sampleLines(source), ...benchLines(ROOT, source)].map((message) => ({ message }))];
    expect(await simulateDocs(source, docs, general)).toEqual(await simulateDocs(source, docs));
  });

  // The hand-written reader must take exactly what the processors take, and read it alike: lines
  // one edit (a character deleted, inserted, replaced or swapped, a cut, a doubled space) away
  // from the fixture and corpus lines probe the edges of what it takes. Seeded: a failure replays.
  test('lines one edit away from the fixtures give the same document both ways', async () => {
    const general = await generalRouter(source);
    const base = [...cases.filter((c) => c.source === source && c.name.endsWith('.log')).flatMap((c) => linesOf(c.file)), ...benchLines(ROOT, source)].filter((l) => l.trim() !== '');
    const lines = mutations(base, 600, [...source].reduce((h, c) => h * 31 + c.charCodeAt(0), 7));
    const docs = lines.map((message) => ({ message }));
    const [fast, slow] = [await simulateDocs(source, docs), await simulateDocs(source, docs, general)];
    const differ = lines.flatMap((line, i) => (canonical(fast[i]) === canonical(slow[i]) ? [] : [{ line, fast: fast[i], general: slow[i] }]));
    expect(differ.slice(0, 3)).toEqual([]);
    // both ways must really be exercised by these lines
    const tookGeneral = await tookGeneralWay(source, docs);
    expect(tookGeneral.filter((g) => !g).length).toBeGreaterThan(lines.length / 10);
    expect(tookGeneral.filter((g) => g).length).toBeGreaterThan(lines.length / 10);
  });

  // the fast path must really be taken (else the test above compares the general way with itself)
  test('it reads the lines its cases say it reads, and no bad input', async () => {
    const claims = cases
      .filter((c) => c.source === source && configOf(c.file).fast_path)
      .map((c) => ({ name: c.name, lines: linesOf(c.file), docs: docsOf(c.file), fast: configOf(c.file).fast_path === 'every' }));
    const samples = sampleLines(source);
    if (samples.length > 0 && conformanceOf(source)?.fast_path === 'every') claims.push({ name: 'samples', lines: samples, docs: samples.map((message) => ({ message })), fast: true });
    // the benchmark corpus is the everyday shape of the log: the fast path is there for it
    const corpus = benchFiles(ROOT, source).flatMap((f) => f.lines);
    claims.push({ name: 'benchmark corpus', lines: corpus, docs: corpus.map((message) => ({ message })), fast: true });
    expect(claims.some((c) => c.fast)).toBe(true);
    for (const c of claims) {
      const general = await tookGeneralWay(source, c.docs);
      expect(c.lines.filter((_, i) => general[i] === c.fast).map((line) => `${c.name}: ${line}`)).toEqual([]);
    }
  });
});

/** `npm run bench` measures these lines: each must parse without a pipeline error. */
const benchSources = [...new Set(cases.map((c) => c.source))].filter((source) => existsSync(path.join(ROOT, 'pipelines', source, '_dev', 'benchmark')));

describe.each(benchSources)('benchmark corpus: %s', (source) => {
  test('every line parses without a pipeline error', async () => {
    const lines = benchLines(ROOT, source);
    expect(lines.length).toBeGreaterThanOrEqual(20);
    const docs = (await simulate(source, lines)) as Array<Record<string, any>>;
    expect(docs.map((d, i) => ({ line: lines[i], kind: d.event?.kind, error: d.error }))).toEqual(lines.map((line) => ({ line, kind: 'event', error: undefined })));
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
  const c = conformanceOf(source);
  return c && existsSync(path.join(SAMPLES, c.samples)) ? [{ source, ...c }] : [];
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
