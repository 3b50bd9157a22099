import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../cluster/connection.js';

/**
 * Pipeline throughput, measured against two baselines in the same run and on the same
 * engine: indexing the same lines with no pipeline, and through one grok processor with the
 * engine's built-in legacy pattern for the source, where one exists.
 *
 * Where the pack's cost goes, measured in the same run: its finished documents indexed into
 * a copy of its data stream with no pipeline (the cost of the richer typed document alone),
 * and the engine's own ingest time per pipeline (the cost of the pipelines alone).
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
  rounds: number;
  raw: number;
  grok?: number;
  pack: number;
  /** the pack's finished documents, indexed into a copy of its data stream without pipelines */
  packDocs: number;
  /**
   * the same finished documents through a pipeline of one `set` that changes nothing: what
   * any pipeline costs before it does any work (the engine turns the source into a map and
   * back to JSON around a pipeline)
   */
  packDocsPiped?: number;
  /** engine ingest time, summed over all rounds, per pipeline run by the legacy / pack variant */
  legacyIngest: IngestTotals;
  packIngest: IngestTotals;
  /** the pack's pipelines the data stream runs itself; their sub-pipelines are nested in them */
  packPipelines: string[];
  /** documents the engine times as one for a pipeline an index runs (see `ingestTotals`) */
  ingestTimedPer: number;
  /**
   * Each benchmark corpus file through the pack's data stream alone (every line of it, those
   * the legacy pattern cannot read too): engine ingest µs per document over the pack's pipelines.
   */
  files: Array<{ file: string; lines: number; ingestMicros: number }>;
}

/** Per pipeline: documents it ran on and the engine's time for them. */
export type IngestTotals = Record<string, { count: number; millis: number }>;

/**
 * Sums `GET /_nodes/stats/ingest` over nodes, per pipeline. How to read the times depends on
 * the engine. Elasticsearch times each document in nanoseconds. OpenSearch 2.19 runs a bulk
 * request's documents through a pipeline as one batch (bulk `batch_size` defaults to all),
 * takes the batch's time in whole milliseconds and credits it to every document of the
 * batch: time / count is the batch's time, and / documents per batch the time per document
 * (to ~1 µs for a thousand). A pipeline called by a `pipeline` processor is timed per
 * document, rounded down to whole milliseconds: on OpenSearch its figure is a lower bound.
 */
export function ingestTotals(body: unknown): IngestTotals {
  const totals: IngestTotals = {};
  const nodes = (body as { nodes?: Record<string, { ingest?: { pipelines?: Record<string, { count: number; time_in_millis: number }> } }> }).nodes ?? {};
  for (const node of Object.values(nodes)) {
    for (const [name, p] of Object.entries(node.ingest?.pipelines ?? {})) {
      const t = (totals[name] ??= { count: 0, millis: 0 });
      t.count += p.count;
      t.millis += p.time_in_millis;
    }
  }
  return totals;
}

/** `after - before`, added to `into`; pipelines that ran no document are left out. */
export function addIngestDiff(into: IngestTotals, before: IngestTotals, after: IngestTotals): IngestTotals {
  for (const [name, a] of Object.entries(after)) {
    const count = a.count - (before[name]?.count ?? 0);
    if (count <= 0) continue;
    const t = (into[name] ??= { count: 0, millis: 0 });
    t.count += count;
    t.millis += a.millis - (before[name]?.millis ?? 0);
  }
  return into;
}

/**
 * Engine ingest µs per indexed document over the named pipelines (pipelines the index runs,
 * not sub-pipelines), each document credited `timedPer` times (see `ingestTotals`).
 */
export function ingestMicrosPerDoc(totals: IngestTotals, docs: number, names: string[], timedPer: number): number {
  return (names.reduce((sum, n) => sum + (totals[n]?.millis ?? 0), 0) * 1000) / timedPer / docs;
}

/** The non-blank lines of each `.log` file in `dir` that `keep` takes, by file name order. */
function logFiles(dir: string, keep: (file: string) => boolean): Array<{ file: string; lines: string[] }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log') && keep(f))
    .sort()
    .map((file) => ({ file, lines: readFileSync(path.join(dir, file), 'utf8').split('\n').filter((l) => l.trim() !== '') }));
}

function logLines(dir: string, keep: (file: string) => boolean): string[] {
  return logFiles(dir, keep).flatMap((f) => f.lines);
}

/** The benchmark corpus file by file (`pipelines/<source>/_dev/benchmark/*.log`), each one shape of the log. */
export function benchFiles(root: string, source: string): Array<{ file: string; lines: string[] }> {
  return logFiles(path.join(root, 'pipelines', source, '_dev', 'benchmark'), () => true);
}

/**
 * The lines a source is measured on: its benchmark corpus (`pipelines/<source>/_dev/benchmark/*.log`,
 * lines in the shape a log shows day to day), or else its fixture lines without bad input.
 */
export function benchLines(root: string, source: string): string[] {
  const corpus = logLines(path.join(root, 'pipelines', source, '_dev', 'benchmark'), () => true);
  if (corpus.length > 0) return corpus;
  return logLines(path.join(root, 'pipelines', source, '_dev', 'test'), (f) => /^test-.*\.log$/.test(f) && !f.includes('bad-input'));
}

/**
 * Bulk-indexes `sources` (JSON documents, serialised beforehand so that the client's work is
 * not in the time) and returns docs/s. A plain index gets dynamic mappings (what a bare grok
 * pipeline would meet); a data stream gets its template's mappings and pipelines.
 */
export async function indexAll(conn: Connection, target: string, pipeline: string | undefined, sources: string[], batch: number, dataStream = false): Promise<number> {
  const reset = async () => conn.request('DELETE', dataStream ? `/_data_stream/${target}` : `/${target}`);
  await reset();
  // the engine's default refresh (1 s) for every variant, as the pack's data streams have it:
  // a baseline that never refreshes writes fewer, larger segments and would win on that alone
  if (!dataStream) await conn.request('PUT', `/${target}`, { settings: { index: { number_of_shards: 1, number_of_replicas: 0 } } });
  const action = dataStream ? '{"create":{}}' : '{"index":{}}';
  const query = pipeline ? `?pipeline=${pipeline}` : '';
  const started = process.hrtime.bigint();
  for (let i = 0; i < sources.length; i += batch) {
    const body = sources
      .slice(i, i + batch)
      .map((source) => `${action}\n${source}\n`)
      .join('');
    const res = await conn.request('POST', `/${target}/_bulk${query}`, body);
    if ((res.body as { errors?: boolean }).errors) throw new Error(`bulk into ${target} reported errors`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await reset();
  return sources.length / seconds;
}

async function linesParsedBy(conn: Connection, pattern: string, lines: string[]): Promise<string[]> {
  const res = await conn.request('POST', '/_ingest/pipeline/_simulate', {
    pipeline: { processors: [{ grok: { field: 'message', patterns: [pattern] } }] },
    docs: lines.map((message) => ({ _source: { message } })),
  });
  const docs = (res.body as { docs: Array<{ error?: unknown }> }).docs;
  return lines.filter((_, i) => !docs[i]!.error);
}

/** One pipeline over `sources` by `_simulate`: the documents it would hand on. */
async function simulate(conn: Connection, pipeline: string, index: string, sources: Array<Record<string, unknown>>): Promise<Array<Record<string, unknown>>> {
  const res = await conn.request('POST', `/_ingest/pipeline/${pipeline}/_simulate`, { docs: sources.map((_source) => ({ _index: index, _source })) });
  return (res.body as { docs: Array<{ doc?: { _source: Record<string, unknown> }; error?: unknown }> }).docs.map((d, i) => {
    if (!d.doc) throw new Error(`simulating ${pipeline} on document ${i}: ${JSON.stringify(d.error)}`);
    return d.doc._source;
  });
}

/**
 * A copy of the pack's data stream for `source` that runs no pipeline: the source's index
 * template (same component templates, same mappings) for the `-benchdocs` stream, at a higher
 * priority, with both pipeline settings `_none`. `?pipeline=_none` on the bulk request would
 * skip only the default pipeline, never the final one. Returns the stream's name and the
 * pipelines the real stream runs.
 */
export async function pipelineFreeStream(conn: Connection, source: string, stream: string): Promise<{ target: string; pipelines: string[] }> {
  const res = await conn.request('GET', `/_index_template/jpcert-${source}`);
  const template = (res.body as { index_templates: Array<{ index_template: { composed_of?: string[]; template?: { settings?: { index?: Record<string, unknown> } }; _meta?: unknown } }> }).index_templates[0]?.index_template;
  if (!template) throw new Error(`the pack has no index template jpcert-${source}`);
  const index = template.template?.settings?.index ?? {};
  const pipelines = [index.default_pipeline, index.final_pipeline].filter((p): p is string => typeof p === 'string' && p !== '_none');
  const target = `${stream}docs`;
  await conn.request('PUT', `/_index_template/bench-docs-${source}`, {
    index_patterns: [target],
    data_stream: {},
    priority: 1000,
    composed_of: template.composed_of ?? [],
    template: { ...template.template, settings: { ...template.template?.settings, index: { ...index, default_pipeline: '_none', final_pipeline: '_none' } } },
  });
  return { target, pipelines };
}

/** Reads the engine's ingest stats around `run` and adds what it ran to `into`. */
async function withIngestStats<T>(conn: Connection, into: IngestTotals, run: () => Promise<T>): Promise<T> {
  const read = async () => ingestTotals((await conn.request('GET', '/_nodes/stats/ingest')).body);
  const before = await read();
  const result = await run();
  addIngestDiff(into, before, await read());
  return result;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The empty pipeline of the `packDocsPiped` variant: one `set` of a scratch field, removed again. */
export const EMPTY_PIPELINE = {
  description: 'bench baseline: a pipeline that changes nothing',
  processors: [{ set: { field: '_bench', value: true } }, { remove: { field: '_bench' } }],
};

export async function benchPipelines(conn: Connection, root: string, o: { docs: number; rounds: number; batch: number; sources?: string[]; files?: boolean; log: (s: string) => void }): Promise<BenchRow[]> {
  await conn.request('PUT', '/_ingest/pipeline/bench-empty', EMPTY_PIPELINE);
  const sources = (o.sources ?? readdirSync(path.join(root, 'pipelines'))).filter((s) => benchLines(root, s).length > 0);
  const rows: BenchRow[] = [];
  for (const source of sources) {
    const grok = LEGACY_GROK[source];
    // a fair race: only lines the legacy pattern really parses (a line it fails on costs it little)
    const base = grok ? await linesParsedBy(conn, grok, benchLines(root, source)) : benchLines(root, source);
    if (base.length === 0) {
      o.log(`${source}: the legacy pattern ${grok} parses none of the benchmark lines; skipped`);
      continue;
    }
    const lines = Array.from({ length: o.docs }, (_, i) => JSON.stringify({ message: base[i % base.length]! }));
    if (grok) await conn.request('PUT', `/_ingest/pipeline/bench-legacy-${source}`, { description: `bench baseline: ${grok}`, processors: [{ grok: { field: 'message', patterns: [grok], ignore_failure: true } }] });
    const stream = `logs-jpcert.${source}-bench`;
    // the pack's finished documents for the same lines, once: what its pipelines hand to indexing
    const bare = await pipelineFreeStream(conn, source, stream);
    let finished = base.map((message) => ({ message }) as Record<string, unknown>);
    for (const p of bare.pipelines) finished = await simulate(conn, p, stream, finished);
    const packDocLines = Array.from({ length: o.docs }, (_, i) => JSON.stringify(finished[i % finished.length]));
    const raw: number[] = [];
    const legacy: number[] = [];
    const pack: number[] = [];
    const packDocs: number[] = [];
    const packDocsPiped: number[] = [];
    const legacyIngest: IngestTotals = {};
    const packIngest: IngestTotals = {};
    // one untimed round first: on a fresh engine the first source's first round runs before
    // the JIT has compiled the indexing path, and would count against whichever variant ran first
    const warm = Math.min(lines.length, 5 * o.batch);
    await indexAll(conn, `bench-${source}-raw`, '_none', lines.slice(0, warm), o.batch);
    if (grok) await indexAll(conn, `bench-${source}-legacy`, `bench-legacy-${source}`, lines.slice(0, warm), o.batch);
    await indexAll(conn, stream, undefined, lines.slice(0, warm), o.batch, true);
    await indexAll(conn, bare.target, undefined, packDocLines.slice(0, warm), o.batch, true);
    // interleave the variants so that machine noise falls on all of them alike
    for (let r = 0; r < o.rounds; r++) {
      raw.push(await indexAll(conn, `bench-${source}-raw`, '_none', lines, o.batch));
      if (grok) legacy.push(await withIngestStats(conn, legacyIngest, () => indexAll(conn, `bench-${source}-legacy`, `bench-legacy-${source}`, lines, o.batch)));
      // the pack as deployed: its data stream, templates, default and final pipelines
      pack.push(await withIngestStats(conn, packIngest, () => indexAll(conn, stream, undefined, lines, o.batch, true)));
      // the pack's documents alone: same mappings, no pipeline
      packDocs.push(await indexAll(conn, bare.target, undefined, packDocLines, o.batch, true));
      // the same documents through a pipeline that does nothing
      packDocsPiped.push(await indexAll(conn, bare.target, 'bench-empty', packDocLines, o.batch, true));
      o.log(`${source}: round ${r + 1}/${o.rounds} done`);
    }
    // each shape of the log on its own, through the pack alone (one round: only the engine's
    // ingest time is read, which the indexing around it does not move much)
    const files: BenchRow['files'] = [];
    for (const f of o.files === false ? [] : benchFiles(root, source)) {
      const docs = Array.from({ length: o.docs }, (_, i) => JSON.stringify({ message: f.lines[i % f.lines.length]! }));
      const ingest: IngestTotals = {};
      await indexAll(conn, stream, undefined, docs.slice(0, warm), o.batch, true);
      await withIngestStats(conn, ingest, () => indexAll(conn, stream, undefined, docs, o.batch, true));
      files.push({ file: f.file, lines: f.lines.length, ingestMicros: ingestMicrosPerDoc(ingest, docs.length, bare.pipelines, conn.info.engine === 'opensearch' ? o.batch : 1) });
    }
    if (grok) await conn.request('DELETE', `/_ingest/pipeline/bench-legacy-${source}`);
    await conn.request('DELETE', `/_index_template/bench-docs-${source}`);
    rows.push({
      source,
      corpus: base.length,
      docs: lines.length,
      rounds: o.rounds,
      raw: median(raw),
      ...(grok ? { grok: median(legacy) } : {}),
      pack: median(pack),
      packDocs: median(packDocs),
      packDocsPiped: median(packDocsPiped),
      legacyIngest,
      packIngest,
      packPipelines: bare.pipelines,
      files,
      // each bulk request is one batch on OpenSearch, so only whole batches divide evenly
      ingestTimedPer: conn.info.engine === 'opensearch' ? o.batch : 1,
    });
  }
  await conn.request('DELETE', '/_ingest/pipeline/bench-empty');
  return rows;
}

/** Columns padded to their widest cell, two spaces apart. */
export function formatTable(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [header, ...body].map((cells) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

const ratio = (x: number) => `${x.toFixed(2)}x`;

export function benchTable(rows: BenchRow[]): string {
  const header = ['source', 'lines', 'docs', 'no pipeline docs/s', 'floor docs/s', 'legacy grok docs/s', 'pack docs/s', 'cost vs floor', 'empty pipeline vs floor', 'cost vs legacy grok', 'cost vs none'];
  const body = rows.map((r) => [
    r.source,
    String(r.corpus),
    String(r.docs),
    r.raw.toFixed(0),
    r.packDocs.toFixed(0),
    r.grok ? r.grok.toFixed(0) : '-',
    r.pack.toFixed(0),
    ratio(r.packDocs / r.pack),
    r.packDocsPiped ? ratio(r.packDocs / r.packDocsPiped) : '-',
    r.grok ? ratio(r.grok / r.pack) : '-',
    ratio(r.raw / r.pack),
  ]);
  return formatTable(header, body);
}

/**
 * Where the pack's cost goes. Wall µs/doc is 1e6 / docs/s of the pack variant; the engine's
 * ingest µs/doc is the part of it spent in the pipelines the stream runs (default and final;
 * sub-pipelines are inside the default's time). "pack docs, no pipeline" is the rest: indexing
 * the pack's richer document.
 */
export function splitTable(rows: BenchRow[]): string {
  const header = ['source', 'pack µs/doc', 'pack ingest µs/doc', 'ingest share', 'legacy grok ingest µs/doc', 'pack docs, no pipeline docs/s', 'its cost vs none', 'its cost vs legacy grok'];
  const body = rows.map((r) => {
    const packIngest = ingestMicrosPerDoc(r.packIngest, r.docs * r.rounds, r.packPipelines, r.ingestTimedPer);
    return [
      r.source,
      (1e6 / r.pack).toFixed(1),
      packIngest.toFixed(1),
      `${((packIngest * r.pack) / 1e4).toFixed(0)}%`,
      r.grok ? ingestMicrosPerDoc(r.legacyIngest, r.docs * r.rounds, Object.keys(r.legacyIngest), r.ingestTimedPer).toFixed(1) : '-',
      r.packDocs.toFixed(0),
      ratio(r.raw / r.packDocs),
      r.grok ? ratio(r.grok / r.packDocs) : '-',
    ];
  });
  return formatTable(header, body);
}

/**
 * Every pipeline the legacy and pack variants ran, µs per run. A sub-pipeline's time is
 * already inside its caller's (see `ingestTotals` for why it is a lower bound on OpenSearch).
 */
export function pipelineTable(rows: BenchRow[]): string {
  const body = rows.flatMap((r) =>
    Object.entries({ ...r.legacyIngest, ...r.packIngest })
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, t]) => {
        const nested = r.packIngest[name] !== undefined && !r.packPipelines.includes(name);
        const note = !nested ? '' : r.ingestTimedPer > 1 ? 'sub-pipeline, inside its caller; whole ms per run: a lower bound' : 'sub-pipeline, inside its caller';
        return [r.source, name, String(t.count), ((t.millis * 1000) / t.count / (nested ? 1 : r.ingestTimedPer)).toFixed(1), note];
      }),
  );
  return formatTable(['source', 'pipeline', 'runs', 'µs/run', 'note'], body);
}

/** The pack's pipelines per benchmark corpus file, against the legacy pattern's ingest time in the same run. */
export function fileTable(rows: BenchRow[]): string {
  const body = rows.flatMap((r) => {
    const legacy = r.grok ? ingestMicrosPerDoc(r.legacyIngest, r.docs * r.rounds, Object.keys(r.legacyIngest), r.ingestTimedPer) : undefined;
    return r.files.map((f) => [r.source, f.file, String(f.lines), f.ingestMicros.toFixed(1), legacy !== undefined ? legacy.toFixed(1) : '-', legacy ? ratio(f.ingestMicros / legacy) : '-']);
  });
  return formatTable(['source', 'corpus file', 'lines', 'pack ingest µs/doc', 'legacy grok ingest µs/doc', 'ratio'], body);
}
