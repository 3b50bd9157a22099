import { createHash } from 'node:crypto';
import { appendFileSync, constants, accessSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../cluster/connection.js';
import type { Profile } from '../content/profile.js';
import { ContentError, ExitCode } from '../errors.js';
import { BulkSender, type ItemOutcome } from './bulk.js';
import { openInput, STDIN } from './bytes.js';
import { decodeLine, detectEncoding, type Encoding } from './encoding.js';
import { detectFormat, placeSample, sourceOfDocument, sourceOfLine, type Format, type Placement, type SourceName } from './detect.js';
import { readRecordBatches, type ReadCounters, type ReadOptions } from './records.js';
import type { Progress } from './progress.js';

/**
 * Loads archived log files into the cluster through the pack's pipelines: each input's format,
 * encoding and source told (or given), its records sent raw to the source's data stream, whose
 * default pipeline parses them exactly as it parses a live shipper's. Idempotent: a document's
 * `_id` is made from the source, the input's content (its first 64 KiB) and the record's
 * offset, so a re-run or a resumed run adds nothing twice.
 */

const HEAD_BYTES = 64 * 1024;
const SAMPLE_RECORDS = 50;

export interface IngestOptions {
  inputs: string[];
  source?: SourceName;
  format?: Format;
  encoding: Encoding | 'auto';
  /** the time every input counts as read at (--file-time), else each file's modification time */
  fileTime?: string;
  /** sent as event.timezone: the zone of time stamps that carry none (as Filebeat's add_locale sends it) */
  timeZone?: string;
  namespace: string;
  profile: Profile;
  bulkBytes?: number;
  concurrency?: number;
  retryForMs?: number;
  progress: Progress;
  log: (line: string) => void;
}

export interface InputReport {
  path: string;
  format?: Format;
  encoding?: Encoding;
  gzip?: boolean;
  source?: SourceName;
  placement?: Placement;
  /** records read (non-empty lines, documents, events) */
  read: number;
  empty: number;
  created: number;
  present: number;
  rejected: number;
  /** documents of this input the pipeline could not read (still indexed, with error.message) */
  pipelineErrors?: number;
  deadLetter?: string;
  notes: string[];
  skipped?: string;
}

export interface IngestReport {
  inputs: InputReport[];
  seconds: number;
  /** the loader's own processor time over the load (user and system), seconds */
  cpuSeconds: number;
  requests: number;
  retries: number;
}

export function dataStreamOf(profile: Profile, source: SourceName, namespace: string): string {
  return `${profile.indices.prefix}-jpcert.${source}-${namespace}`;
}

/**
 * The `_id` of a record: a prefix for the input (its source and content fingerprint, 96 bits)
 * and the record's offset in fixed-width base 36, so that the ids of an input sort by offset.
 * Ids that share a prefix and grow let the engine check that a `create` is new (a lookup per
 * document) in fewer index blocks than random ids, and the prefix costs one hash per input,
 * not one per line.
 */
export function inputIdPrefix(source: SourceName, fingerprint: string): string {
  return createHash('sha256').update(`${source}\n${fingerprint}`).digest('base64url').slice(0, 16);
}

export function recordId(prefix: string, offset: number): string {
  return prefix + offset.toString(36).padStart(8, '0');
}

/** what the first records of an input say its source is */
export function placeInput(format: Format, head: Buffer, encoding: Encoding): Placement {
  if (format === 'evtx' || format === 'xml') return { source: 'windows', votes: { windows: 1 }, sampled: 1 };
  const lines: string[] = [];
  let start = 0;
  // the head may end inside a line: only whole lines count
  for (;;) {
    const nl = head.indexOf(0x0a, start);
    if (nl < 0 || lines.length >= SAMPLE_RECORDS) break;
    const text = decodeLine(head.subarray(start, nl), encoding).replace(/\r$/, '');
    if (text.trim()) lines.push(text);
    start = nl + 1;
  }
  if (!lines.length && start < head.length) lines.push(decodeLine(head.subarray(start), encoding));
  const claims = lines.map((l) => {
    if (format !== 'ndjson') return sourceOfLine(l);
    try {
      return sourceOfDocument(JSON.parse(l) as Record<string, unknown>);
    } catch {
      return sourceOfLine(l);
    }
  });
  return placeSample(claims);
}

/** an input opened, its first 64 KiB read, and its format, encoding and source (given, or told from them) */
export async function inspectInput(input: string, o: Pick<IngestOptions, 'format' | 'encoding' | 'source'>) {
  const { bytes, gzip } = await openInput(input);
  const head = await bytes.peek(HEAD_BYTES);
  const format = o.format ?? detectFormat(head);
  const encoding = o.encoding === 'auto' ? detectEncoding(head) : o.encoding;
  const placement = o.source || !head.length ? undefined : placeInput(format, head, encoding);
  return { bytes, gzip, head, format, encoding, placement, source: o.source ?? placement?.source };
}

/** what the record readers need to know of an input */
export function readOptionsOf(input: string, gzip: boolean, format: Format, encoding: Encoding, readTime: string, timeZone?: string): ReadOptions {
  return {
    format,
    encoding,
    readTime,
    path: input === STDIN ? 'stdin' : path.resolve(input),
    ...(input !== STDIN && !gzip ? { file: input } : {}),
    ...(timeZone ? { timeZone } : {}),
  };
}

function readTimeOf(input: string, fileTime?: string): string {
  if (fileTime) return fileTime;
  if (input === STDIN) return new Date().toISOString();
  return statSync(input).mtime.toISOString();
}

/** next to the input when its folder is writable, else in the working folder */
function deadLetterPath(input: string): string {
  const base = input === STDIN ? 'stdin' : path.basename(input);
  const dir = input === STDIN ? process.cwd() : path.dirname(path.resolve(input));
  try {
    accessSync(dir, constants.W_OK);
    return path.join(dir, `${base}.rejected.ndjson`);
  } catch {
    return path.join(process.cwd(), `${base}.rejected.ndjson`);
  }
}

async function pipelineExists(conn: Connection, source: SourceName): Promise<boolean> {
  return (await conn.request('GET', `/_ingest/pipeline/jpcert-${source}`)).status === 200;
}

export async function ingest(conn: Connection, o: IngestOptions): Promise<IngestReport> {
  const started = Date.now();
  const cpuStart = process.cpuUsage();
  const reports: InputReport[] = [];
  const checked = new Map<SourceName, boolean>();
  const streams = new Set<string>();

  const sender = new BulkSender(conn, {
    ...(o.bulkBytes ? { maxBytes: o.bulkBytes } : {}),
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.retryForMs !== undefined ? { retryForMs: o.retryForMs } : {}),
    onOutcome: (out: ItemOutcome) => {
      const { report, offset, text } = out.item.ref as { report: InputReport; offset: number; text: string };
      if (out.result === 'rejected') {
        report.rejected++;
        report.deadLetter ??= deadLetterPath(report.path);
        appendFileSync(report.deadLetter, `${JSON.stringify({ offset, status: out.status, reason: out.reason, text })}\n`);
      } else if (out.result === 'created') report.created++;
      else report.present++;
      o.progress.doc();
    },
    onRetry: (why, waitMs) => o.progress.note(`cluster not taking documents (${why}); retrying in ${(waitMs / 1000).toFixed(1)} s`),
  });

  for (const input of o.inputs) {
    const report: InputReport = { path: input, read: 0, empty: 0, created: 0, present: 0, rejected: 0, notes: [] };
    reports.push(report);
    const { bytes, gzip, head, format, encoding, placement, source } = await inspectInput(input, o);
    Object.assign(report, { format, encoding, gzip, ...(placement ? { placement } : {}) });
    if (!head.length) {
      report.skipped = 'empty';
      continue;
    }
    if (!source) {
      report.skipped = 'no source recognised in its first lines; give --source';
      o.log(`${input}: ${report.skipped} (${describeVotes(report.placement!)})`);
      continue;
    }
    report.source = source;
    if (!checked.has(source)) checked.set(source, await pipelineExists(conn, source));
    if (!checked.get(source)) throw new ContentError(`the cluster has no pipeline jpcert-${source}`, 'install the pack first: npm run deploy -- --cluster URL');
    o.log(`${input}: ${source}, ${format}${gzip ? ' (gzip)' : ''}, ${encoding}${o.source ? '' : ' (detected)'}`);

    const index = dataStreamOf(o.profile, source, o.namespace);
    streams.add(index);
    const prefix = inputIdPrefix(source, createHash('sha256').update(head.subarray(0, HEAD_BYTES)).digest('hex'));
    const counters: ReadCounters = { empty: 0, notes: [] };
    const readTime = readTimeOf(input, o.fileTime);
    o.progress.startInput(input, input === STDIN || gzip ? undefined : statSync(input).size);
    for await (const batch of readRecordBatches(bytes, readOptionsOf(input, gzip, format, encoding, readTime, o.timeZone), counters)) {
      for (const { doc, offset, text } of batch) {
        report.read++;
        o.progress.record(offset);
        // the document itself is not kept once sent: a refusal is reported with the text
        await sender.add({ index, id: recordId(prefix, offset), doc, ref: { report, offset, text } });
      }
    }
    report.empty = counters.empty;
    report.notes.push(...counters.notes);
  }
  await sender.flush();
  o.progress.stop();

  // pipeline failures are documents too: count them per input once they are searchable
  for (const s of streams) await conn.request('POST', `/${s}/_refresh`);
  for (const r of reports.filter((x) => x.source)) {
    const res = await conn.request('POST', `/${dataStreamOf(o.profile, r.source!, o.namespace)}/_count`, {
      query: { bool: { filter: [{ term: { 'log.file.path': r.path === STDIN ? 'stdin' : path.resolve(r.path) } }, { term: { 'event.kind': 'pipeline_error' } }] } },
    });
    r.pipelineErrors = (res.body as { count?: number }).count ?? 0;
  }
  const cpu = process.cpuUsage(cpuStart);
  return { inputs: reports, seconds: (Date.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, requests: sender.requests, retries: sender.retries };
}

function describeVotes(p: Placement): string {
  const votes = Object.entries(p.votes).map(([s, n]) => `${s} ${n}`).join(', ');
  return `${p.sampled} line(s) sampled${votes ? `; claimed: ${votes}` : ', none recognised'}`;
}

/** The summary table and the exit code: rejected documents or unplaced inputs are a failure. */
export function summarise(report: IngestReport): { lines: string[]; exitCode: number } {
  const lines: string[] = [];
  const w = (s: string | number, n: number) => String(s).padStart(n);
  lines.push(`${'input'.padEnd(40)} ${'source'.padEnd(9)} ${w('read', 9)} ${w('indexed', 9)} ${w('present', 9)} ${w('pipe.err', 9)} ${w('rejected', 9)}`);
  const total = { read: 0, created: 0, present: 0, pipelineErrors: 0, rejected: 0 };
  for (const r of report.inputs) {
    const shown = r.path === STDIN ? '(stdin)' : r.path;
    const name = shown.length > 40 ? `…${shown.slice(-39)}` : shown.padEnd(40);
    if (r.skipped) {
      lines.push(`${name} skipped: ${r.skipped}`);
      continue;
    }
    lines.push(`${name} ${(r.source ?? '').padEnd(9)} ${w(r.read, 9)} ${w(r.created, 9)} ${w(r.present, 9)} ${w(r.pipelineErrors ?? 0, 9)} ${w(r.rejected, 9)}`);
    for (const n of r.notes) lines.push(`  note: ${n}`);
    if (r.deadLetter) lines.push(`  rejected documents and the cluster's reasons: ${r.deadLetter}`);
    total.read += r.read;
    total.created += r.created;
    total.present += r.present;
    total.pipelineErrors += r.pipelineErrors ?? 0;
    total.rejected += r.rejected;
  }
  const rate = report.seconds > 0 ? Math.round((total.created + total.present) / report.seconds) : 0;
  lines.push(`${'total'.padEnd(40)} ${''.padEnd(9)} ${w(total.read, 9)} ${w(total.created, 9)} ${w(total.present, 9)} ${w(total.pipelineErrors, 9)} ${w(total.rejected, 9)}`);
  lines.push(`${report.seconds.toFixed(1)} s, ${rate} docs/s, ${report.requests} bulk request(s), ${report.retries} retried, ${report.cpuSeconds.toFixed(1)} s of the loader's own CPU`);
  lines.push('read: records read; indexed: new documents; present: already in the cluster (an earlier run); pipe.err: indexed with event.kind pipeline_error and error.message; rejected: refused by the cluster');
  const unplaced = report.inputs.some((r) => r.skipped && r.skipped !== 'empty');
  const exitCode = total.rejected > 0 ? ExitCode.rejected : unplaced ? ExitCode.usage : ExitCode.ok;
  return { lines, exitCode };
}

