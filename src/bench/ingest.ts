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

/** `5g`, `500m`, `1.5g`, `200k` or a number of bytes: binary units (g = GiB) */
export function parseByteSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!m) throw new Error(`not a size: "${value}" (give bytes, or a number with k, m, g or t)`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * unit);
}

export interface StreamBenchOptions {
  /** how much log to generate (whole lines, at most this many bytes) */
  bytes: number;
  source: string;
  root: string;
  connection: ConnectionOptions;
  env: Record<string, string>;
  log: (s: string) => void;
  /** how often the loader's memory is read, ms (default 500) */
  sampleMs?: number;
  /** how often a progress line is logged, ms (default 60 s) */
  logMs?: number;
  /** stop generating after this long (the loader then finishes what it was given): on a busy machine, the size that fits */
  timeLimitMs?: number;
}

export interface RssSample {
  /** bytes handed to the loader so far */
  bytes: number;
  seconds: number;
  rssMb: number;
}

export interface StreamBenchResult {
  source: string;
  bytes: number;
  lines: number;
  seconds: number;
  /** the loader's peak resident memory over the whole run (VmHWM, Linux) */
  peakRssMb: number;
  /** its resident memory when 10%, 50% and 90% of the input had been handed to it */
  rssAt: Record<'p10' | 'p50' | 'p90', number>;
  samples: RssSample[];
  /** the time limit cut the input short of the size asked */
  cut: boolean;
}

/**
 * The loader's memory on a large input, without the input on disk: the source's benchmark
 * lines repeated to `bytes` are generated here and piped into `npm run ingest -- -` (standard
 * input, as `zcat big.gz | npm run ingest -- -` would), whose resident memory is read from
 * /proc while it runs. Checks that every line was indexed once; deletes the data stream after.
 */
export async function benchIngestBytes(conn: Connection, o: StreamBenchOptions): Promise<StreamBenchResult> {
  const corpus = benchLines(o.root, o.source);
  // a block of whole lines (about 1 MiB) written again and again; the last write is cut at a line end
  const blockLines: string[] = [];
  let blockBytes = 0;
  for (let i = 0; blockBytes < 1024 * 1024 || i % corpus.length !== 0; i++) {
    const line = `${corpus[i % corpus.length]!}\n`;
    blockLines.push(line);
    blockBytes += Buffer.byteLength(line);
  }
  const block = Buffer.from(blockLines.join(''));
  const stream = `logs-jpcert.${o.source}-benchbytes`;
  await conn.request('DELETE', `/_data_stream/${stream}`);

  const sampleMs = o.sampleMs ?? 500;
  const logMs = o.logMs ?? 60_000;
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(o.root, 'scripts', 'ingest.ts'), '--cluster', o.connection.url, '--source', o.source, '--namespace', 'benchbytes', ...(o.connection.insecure ? ['--insecure'] : []), '-'], {
    cwd: o.root,
    env: { ...process.env, ...o.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderrTail = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-20_000)));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  let exited = false;
  void closed.then(() => (exited = true), () => (exited = true));

  let written = 0;
  let lines = 0;
  let peak = 0;
  const samples: RssSample[] = [];
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const rss = /VmRSS:\s+(\d+) kB/.exec(status);
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
      if (rss) samples.push({ bytes: written, seconds: elapsed(), rssMb: Number(rss[1]) / 1024 });
    } catch {
      // the process has ended
    }
  };
  const sampler = setInterval(sample, sampleMs);
  const logger = setInterval(() => {
    const last = samples[samples.length - 1];
    o.log(`  ${((100 * written) / o.bytes).toFixed(1)}% ${(written / 1048576).toFixed(0)} MB, ${lines} lines handed over in ${elapsed().toFixed(0)} s (${Math.round(lines / elapsed())} lines/s); loader RSS ${last ? Math.round(last.rssMb) : '?'} MB, peak ${Math.round(peak)} MB`);
  }, logMs);

  child.stdin.on('error', () => {
    // the loader ended early (its exit code says why)
  });
  const write = (buf: Buffer) => new Promise<void>((resolve) => (child.stdin.write(buf) ? resolve() : child.stdin.once('drain', resolve)));
  try {
    while (written < o.bytes && !exited) {
      if (o.timeLimitMs !== undefined && elapsed() * 1000 > o.timeLimitMs) {
        o.log(`  time limit reached after ${written} bytes (${lines} lines): the input ends there`);
        break;
      }
      let buf = block;
      let n = blockLines.length;
      if (written + block.length > o.bytes) {
        // the lines of the block that still fit
        let size = 0;
        n = 0;
        while (n < blockLines.length && size + Buffer.byteLength(blockLines[n]!) <= o.bytes - written) size += Buffer.byteLength(blockLines[n++]!);
        if (!n) break;
        buf = block.subarray(0, size);
      }
      await write(buf);
      written += buf.length;
      lines += n;
    }
    child.stdin.end();
    const code = await closed;
    sample();
    if (code !== 0) throw new Error(`the loader exited ${code}:\n${stderrTail}`);
  } finally {
    clearInterval(sampler);
    clearInterval(logger);
  }
  const seconds = elapsed();
  if (!new RegExp(`total\\s+${lines}\\s+${lines}\\s+0\\s`).test(stdout)) throw new Error(`the loader did not index each of the ${lines} lines once:\n${stdout}`);
  await conn.request('POST', `/${stream}/_refresh`);
  const count = ((await conn.request('GET', `/${stream}/_count`)).body as { count?: number }).count;
  if (count !== lines) throw new Error(`${stream} holds ${count} documents, not ${lines}`);
  const at = (f: number) => samples.find((s) => s.bytes >= f * written)?.rssMb ?? NaN;
  await conn.request('DELETE', `/_data_stream/${stream}`);
  return { source: o.source, bytes: written, lines, seconds, peakRssMb: peak, rssAt: { p10: at(0.1), p50: at(0.5), p90: at(0.9) }, samples, cut: written < o.bytes - block.length };
}

export function streamTable(r: StreamBenchResult): string {
  return [
    '| source | bytes | lines | wall s | lines/s | loader peak RSS MB | RSS at 10% | at 50% | at 90% |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${r.source} | ${r.bytes} (${(r.bytes / 1024 ** 3).toFixed(2)} GiB) | ${r.lines} | ${r.seconds.toFixed(0)} | ${Math.round(r.lines / r.seconds)} | ${Math.round(r.peakRssMb)} | ${Math.round(r.rssAt.p10)} | ${Math.round(r.rssAt.p50)} | ${Math.round(r.rssAt.p90)} |`,
  ].join('\n');
}
