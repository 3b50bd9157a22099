import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { adminConnection, ROOT } from '../harness/cluster.js';

/**
 * The shipper's structured form: Filebeat's syslog input, Elastic Agent, rsyslog's JSON
 * templates, Fluent Bit's syslog parser and journald take the syslog header off and send the
 * body with the time, program and host in fields. For each syslog-borne source,
 * `pipelines/<source>/_dev/test/test-shipper-structured.ndjson` holds such documents and its
 * `-config.yml` names, under `same_as`, the full line each came from (one table per source).
 * Each document must give the document of its full line, except for what only the line or
 * only the shipper can say: event.original (the body alone), event.created, event.timezone
 * and the year-assumed tag. @timestamp is compared as an instant (a shipper writes it in UTC).
 */

const conn: Connection = await adminConnection();

interface Pair {
  source: string;
  index: number;
  doc: Record<string, unknown>;
  line: string;
}

const pairs: Pair[] = readdirSync(path.join(ROOT, 'pipelines')).flatMap((source) => {
  const file = path.join(ROOT, 'pipelines', source, '_dev', 'test', 'test-shipper-structured.ndjson');
  if (!existsSync(file) || !existsSync(`${file}-config.yml`)) return [];
  const docs = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const lines = (YAML.parse(readFileSync(`${file}-config.yml`, 'utf8')) as { same_as?: string[] }).same_as ?? [];
  if (lines.length !== docs.length) throw new Error(`${file}-config.yml: same_as has ${lines.length} lines for ${docs.length} documents`);
  return docs.map((doc, index) => ({ source, index, doc, line: lines[index]! }));
});

beforeAll(async () => {
  await installPack(conn, ROOT, DEFAULT_PROFILE);
});
afterAll(async () => conn.close());

async function simulate(source: string, sources: Array<Record<string, unknown>>): Promise<Array<Record<string, any>>> {
  const res = await conn.request('POST', `/_ingest/pipeline/jpcert-${source}/_simulate`, { docs: sources.map((_source) => ({ _source })) });
  expect(res.status).toBe(200);
  return (res.body as { docs: Array<{ doc?: { _source: Record<string, any> }; error?: unknown }> }).docs.map((d) => d.doc?._source ?? { simulate_error: d.error });
}

/** the document without what only one of the two forms can say */
function comparable(doc: Record<string, any>): Record<string, any> {
  const d = structuredClone(doc);
  if (d.event) {
    for (const k of ['original', 'created', 'timezone', 'ingested']) delete d.event[k];
  }
  if (Array.isArray(d.tags)) {
    d.tags = d.tags.filter((t: unknown) => t !== 'timestamp_year_assumed');
    if (d.tags.length === 0) delete d.tags;
  }
  if (typeof d['@timestamp'] === 'string') d['@timestamp'] = new Date(Date.parse(d['@timestamp'])).toISOString();
  return d;
}

test('there are structured fixtures', () => {
  expect(pairs.length).toBeGreaterThan(0);
});

describe.each([...new Set(pairs.map((p) => p.source))])('%s', (source) => {
  const mine = pairs.filter((p) => p.source === source);

  test('each shipped document gives the document of its full line', async () => {
    const shipped = await simulate(source, mine.map((p) => p.doc));
    const full = await simulate(source, mine.map((p) => ({ message: p.line })));
    for (const [i, p] of mine.entries()) {
      // the full line itself must parse, or the comparison proves nothing
      expect({ line: p.line, error: full[i]!.error }).toEqual({ line: p.line, error: undefined });
      expect({ doc: p.index, result: comparable(shipped[i]!) }).toEqual({ doc: p.index, result: comparable(full[i]!) });
    }
  });
});
