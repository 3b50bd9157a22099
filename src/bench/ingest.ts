import { spawn } from 'node:child_process';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Client } from '@opensearch-project/opensearch';
import type { Connection, ConnectionOptions } from '../cluster/connection.js';
import { DEFAULT_BULK_BYTES, DEFAULT_CONCURRENCY } from '../ingest/bulk.js';
import { inputIdPrefix, recordId } from '../ingest/ingest.js';
import { benchLines, pipelineFreeStream } from './pipelines.js';

/**
 * The loader (`npm run ingest`) against two baselines on the same engine, in one run:
 *   (a) the loader itself, as a user runs it (a subprocess: its docs/s and its peak RSS);
 *   (b) the engine's ceiling: the same lines' finished documents (the pack's pipeline run
 *       beforehand with _simulate), serialised beforehand, sent with plain `_bulk` into a copy
 *       of the data stream with no pipeline, with the `_id`s the loader gives them (idempotent
 *       loading needs them, and the engine checks each is new); and (b0) the same without
 *       `_id`s (the engine's own ids, which it need not check);
 *   (c) a naive loader: the official client's bulk helper fed line by line (readline), each
 *       line as `{message}` through the pack's pipeline.
 * The input is synthetic: each source's benchmark corpus lines repeated to the size asked.
 */

export interface IngestBenchRow {
  source: string;
  lines: number;
  megabytes: number;
  loader: number;
  ceiling: number;
  ceilingNoIds: number;
  naive: number;
  loaderPeakRssMb: number;
  /** the loader's own processor time per line, µs (from its summary) */
  loaderCpuMicros: number;
}

export interface IngestBenchOptions {
  lines: number;
  sources: string[];
  dir: string;
  root: string;
  connection: ConnectionOptions;
  env: Record<string, string>;
  log: (s: string) => void;
}

/** a synthetic log of n lines: the corpus repeated; its size and each line's byte offset */
function writeCorpus(file: string, corpus: string[], n: number): { bytes: number; offsets: number[] } {
  const out: string[] = [];
  const offsets: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const line = corpus[i % corpus.length]!;
    out.push(line);
    offsets.push(bytes);
    bytes += Buffer.byteLength(line) + 1;
  }
  writeFileSync(file, `${out.join('\n')}\n`);
  return { bytes, offsets };
}

/** runs the loader CLI and returns its wall time and its peak resident memory (Linux /proc) */
function runLoader(o: IngestBenchOptions, file: string, source: string, namespace: string): Promise<{ seconds: number; peakRssMb: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(o.root, 'scripts', 'ingest.ts'), '--cluster', o.connection.url, '--source', source, '--namespace', namespace, ...(o.connection.insecure ? ['--insecure'] : []), file], {
      cwd: o.root,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let peak = 0;
    const timer = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch {
        // the process has ended
      }
    }, 100);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`the loader exited ${code}: ${stderr}`));
      else resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssMb: peak, stdout });
    });
  });
}

async function finishedDocs(conn: Connection, source: string, lines: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i += 500) {
    const res = await conn.request('POST', `/_ingest/pipeline/jpcert-${source}/_simulate`, { docs: lines.slice(i, i + 500).map((message) => ({ _source: { message, '@timestamp': new Date().toISOString() } })) });
    for (const d of (res.body as { docs: Array<{ doc: { _source: unknown } }> }).docs) out.push(JSON.stringify(d.doc._source));
  }
  return out;
}

/** (b): pre-built NDJSON bodies cut and sent as the loader sends them (its default size and requests in flight); ids as the loader's, or none (b0) */
async function ceiling(conn: Connection, target: string, docs: string[], offsets: number[], n: number, withIds: boolean): Promise<number> {
  const prefix = inputIdPrefix('squid', `bench-${target}-${withIds}`);
  const bodies: string[] = [];
  let body = '';
  for (let i = 0; i < n; i++) {
    body += `${withIds ? `{"create":{"_id":"${recordId(prefix, offsets[i]!)}"}}` : '{"create":{}}'}\n${docs[i % docs.length]}\n`;
    if (body.length > DEFAULT_BULK_BYTES) {
      bodies.push(body);
      body = '';
    }
  }
  if (body) bodies.push(body);
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const b = bodies[next++]!;
      const res = await conn.request('POST', `/${target}/_bulk?filter_path=errors`, b);
      if ((res.body as { errors?: boolean }).errors) throw new Error(`bulk into ${target} reported errors`);
    }
  };
  await Promise.all(Array.from({ length: DEFAULT_CONCURRENCY }, worker));
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** (c): the client's bulk helper with its defaults, fed by readline */
async function naive(o: IngestBenchOptions, file: string, index: string, n: number): Promise<number> {
  const c = o.connection;
  const client = new Client({
    node: c.url,
    ...(c.username && c.password ? { auth: { username: c.username, password: c.password } } : {}),
    ssl: { ...(c.caCert ? { ca: readFileSync(c.caCert, 'utf8') } : {}), rejectUnauthorized: !c.insecure },
  });
  const started = process.hrtime.bigint();
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  const result = await client.helpers.bulk({
    datasource: (async function* () {
      for await (const message of lines) if (message.trim()) yield { message };
    })(),
    onDocument: () => ({ create: { _index: index } }),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await client.close();
  if (result.failed) throw new Error(`the naive loader lost ${result.failed} documents`);
  if (result.successful !== n) throw new Error(`the naive loader indexed ${result.successful} of ${n}`);
  return n / seconds;
}

export async function benchIngest(conn: Connection, o: IngestBenchOptions): Promise<IngestBenchRow[]> {
  const rows: IngestBenchRow[] = [];
  for (const source of o.sources) {
    const corpus = benchLines(o.root, source);
    const file = path.join(o.dir, `${source}.log`);
    const { bytes, offsets } = writeCorpus(file, corpus, o.lines);
    const stream = `logs-jpcert.${source}-bench`;
    o.log(`${source}: ${o.lines} lines, ${(bytes / 1048576).toFixed(1)} MB`);
    const clean = async () => {
      for (const s of [`${stream}`, `${stream}naive`, `${stream}docs`]) await conn.request('DELETE', `/_data_stream/${s}`);
    };
    await clean();
    // a first load warms the engine (its compiled scripts, the JIT): measured cold, the first
    // of the three would pay for all of them (the loader ran at 2,425 docs/s cold, 4,344 next)
    await runLoader(o, file, source, 'benchwarm');
    await conn.request('DELETE', `/_data_stream/${stream}warm`);
    const a = await runLoader(o, file, source, 'bench');
    if (!new RegExp(`total\\s+${o.lines}\\s+${o.lines}\\s`).test(a.stdout)) throw new Error(`the loader did not index every line:\n${a.stdout}`);
    const loader = o.lines / a.seconds;
    const cpu = /([\d.]+) s of the loader's own CPU/.exec(a.stdout);
    const loaderCpuMicros = cpu ? (Number(cpu[1]) * 1e6) / o.lines : NaN;
    o.log(`  (a) loader: ${Math.round(loader)} docs/s, ${loaderCpuMicros.toFixed(1)} µs of its own CPU per line, peak RSS ${Math.round(a.peakRssMb)} MB`);
    const { target } = await pipelineFreeStream(conn, source, stream);
    const docs = await finishedDocs(conn, source, corpus);
    const ceil = await ceiling(conn, target, docs, offsets, o.lines, true);
    o.log(`  (b) ceiling, pre-parsed documents with the loader's ids, no pipeline: ${Math.round(ceil)} docs/s`);
    await conn.request('DELETE', `/_data_stream/${target}`);
    await pipelineFreeStream(conn, source, stream);
    const ceilNoIds = await ceiling(conn, target, docs, offsets, o.lines, false);
    o.log(`  (b0) the same without ids: ${Math.round(ceilNoIds)} docs/s`);
    const nv = await naive(o, file, `${stream}naive`, o.lines);
    o.log(`  (c) naive client helper: ${Math.round(nv)} docs/s`);
    await clean();
    await conn.request('DELETE', `/_index_template/bench-docs-${source}`);
    rows.push({ source, lines: o.lines, megabytes: bytes / 1048576, loader, ceiling: ceil, ceilingNoIds: ceilNoIds, naive: nv, loaderPeakRssMb: a.peakRssMb, loaderCpuMicros });
  }
  return rows;
}

export function ingestTable(rows: IngestBenchRow[]): string {
  const head = '| source | lines | MB | (a) loader docs/s | (b) ceiling docs/s | (b0) ceiling, no ids | (c) naive docs/s | a/b | a/b0 | a/c | loader CPU µs/line | loader peak RSS MB |';
  const sep = '|---|---|---|---|---|---|---|---|---|---|---|---|';
  const body = rows.map(
    (r) =>
      `| ${r.source} | ${r.lines} | ${r.megabytes.toFixed(1)} | ${Math.round(r.loader)} | ${Math.round(r.ceiling)} | ${Math.round(r.ceilingNoIds)} | ${Math.round(r.naive)} | ${(r.loader / r.ceiling).toFixed(2)} | ${(r.loader / r.ceilingNoIds).toFixed(2)} | ${(r.loader / r.naive).toFixed(2)} | ${r.loaderCpuMicros.toFixed(1)} | ${Math.round(r.loaderPeakRssMb)} |`,
  );
  return [head, sep, ...body].join('\n');
}
