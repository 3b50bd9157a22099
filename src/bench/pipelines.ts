import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../cluster/connection.js';

/**
 * Pipeline throughput, measured against two baselines in the same run and on the same
 * engine: indexing the same lines with no pipeline, and through one grok processor with the
 * engine's built-in legacy pattern for the source, where one exists.
 */

/** Built-in grok patterns of the engine (from logstash-patterns-core) per source. */
export const LEGACY_GROK: Record<string, string | undefined> = {
  squid: '%{SQUID3}',
  bind: '%{BIND9}',
  netscreen: '%{NETSCREENSESSIONLOG}',
};

export interface BenchRow {
  source: string;
  /** distinct lines, repeated to make up `docs` */
  corpus: number;
  docs: number;
  raw: number;
  grok?: number;
  pack: number;
}

export function fixtureLines(root: string, source: string): string[] {
  const dir = path.join(root, 'pipelines', source, '_dev', 'test');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^test-.*\.log$/.test(f) && !f.includes('bad-input'))
    .sort()
    .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => l.trim() !== ''));
}

/**
 * Bulk-indexes `lines` and returns docs/s. A plain index gets dynamic mappings (what a
 * bare grok pipeline would meet); a data stream gets the pack's templates, default and final
 * pipelines, as in production.
 */
export async function indexAll(conn: Connection, target: string, pipeline: string | undefined, lines: string[], batch: number, dataStream = false): Promise<number> {
  const reset = async () => conn.request('DELETE', dataStream ? `/_data_stream/${target}` : `/${target}`);
  await reset();
  if (!dataStream) await conn.request('PUT', `/${target}`, { settings: { index: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' } } });
  const action = dataStream ? '{"create":{}}' : '{"index":{}}';
  const query = pipeline ? `?pipeline=${pipeline}` : '';
  const started = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i += batch) {
    const body = lines
      .slice(i, i + batch)
      .map((message) => `${action}\n${JSON.stringify({ message })}\n`)
      .join('');
    const res = await conn.request('POST', `/${target}/_bulk${query}`, body);
    if ((res.body as { errors?: boolean }).errors) throw new Error(`bulk into ${target} reported errors`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await reset();
  return lines.length / seconds;
}

async function linesParsedBy(conn: Connection, pattern: string, lines: string[]): Promise<string[]> {
  const res = await conn.request('POST', '/_ingest/pipeline/_simulate', {
    pipeline: { processors: [{ grok: { field: 'message', patterns: [pattern] } }] },
    docs: lines.map((message) => ({ _source: { message } })),
  });
  const docs = (res.body as { docs: Array<{ error?: unknown }> }).docs;
  return lines.filter((_, i) => !docs[i]!.error);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchPipelines(conn: Connection, root: string, o: { docs: number; rounds: number; batch: number; sources?: string[]; log: (s: string) => void }): Promise<BenchRow[]> {
  const sources = (o.sources ?? readdirSync(path.join(root, 'pipelines'))).filter((s) => fixtureLines(root, s).length > 0);
  const rows: BenchRow[] = [];
  for (const source of sources) {
    const grok = LEGACY_GROK[source];
    // a fair race: only lines the legacy pattern really parses (a line it fails on costs it little)
    const base = grok ? await linesParsedBy(conn, grok, fixtureLines(root, source)) : fixtureLines(root, source);
    if (base.length === 0) {
      o.log(`${source}: the legacy pattern ${grok} parses none of the fixture lines; skipped`);
      continue;
    }
    const lines = Array.from({ length: o.docs }, (_, i) => base[i % base.length]!);
    if (grok) await conn.request('PUT', `/_ingest/pipeline/bench-legacy-${source}`, { description: `bench baseline: ${grok}`, processors: [{ grok: { field: 'message', patterns: [grok], ignore_failure: true } }] });
    const raw: number[] = [];
    const legacy: number[] = [];
    const pack: number[] = [];
    // interleave the three so that warm-up and machine noise fall on all of them alike
    for (let r = 0; r < o.rounds; r++) {
      raw.push(await indexAll(conn, `bench-${source}-raw`, '_none', lines, o.batch));
      if (grok) legacy.push(await indexAll(conn, `bench-${source}-legacy`, `bench-legacy-${source}`, lines, o.batch));
      // the pack as deployed: its data stream, templates, default and final pipelines
      pack.push(await indexAll(conn, `logs-jpcert.${source}-bench`, undefined, lines, o.batch, true));
      o.log(`${source}: round ${r + 1}/${o.rounds} done`);
    }
    if (grok) await conn.request('DELETE', `/_ingest/pipeline/bench-legacy-${source}`);
    rows.push({ source, corpus: base.length, docs: lines.length, raw: median(raw), ...(grok ? { grok: median(legacy) } : {}), pack: median(pack) });
  }
  return rows;
}

export function benchTable(rows: BenchRow[]): string {
  const header = ['source', 'lines', 'docs', 'no pipeline docs/s', 'legacy grok docs/s', 'pack docs/s', 'cost vs none', 'cost vs legacy grok'];
  const body = rows.map((r) => [
    r.source,
    String(r.corpus),
    String(r.docs),
    r.raw.toFixed(0),
    r.grok ? r.grok.toFixed(0) : '-',
    r.pack.toFixed(0),
    `${(r.raw / r.pack).toFixed(2)}x`,
    r.grok ? `${(r.grok / r.pack).toFixed(2)}x` : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [header, ...body].map((cells) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
