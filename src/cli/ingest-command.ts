import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { glob, isDynamicPattern } from 'tinyglobby';
import { connect, validateConnectionOptions } from '../cluster/connection.js';
import { loadProfile } from '../content/profile.js';
import { UsageError } from '../errors.js';
import { parseEncoding } from '../ingest/encoding.js';
import { FORMATS, SOURCES, type Format, type SourceName } from '../ingest/detect.js';
import { ingest, summarise } from '../ingest/ingest.js';
import { dryRun } from '../ingest/dry-run.js';
import { makeProgress } from '../ingest/progress.js';
import { STDIN } from '../ingest/bytes.js';
import { clusterUrl, connectionOptions, type ConnectionFlags } from './connection-flags.js';
import { parseInteger } from './run.js';
import { DEFAULT_BULK_BYTES, DEFAULT_CONCURRENCY } from '../ingest/bulk.js';

export interface IngestFlags extends ConnectionFlags {
  source?: SourceName;
  format: Format | 'auto';
  encoding: string;
  fileTime?: string;
  year?: number;
  timeZone?: string;
  namespace: string;
  profile?: string;
  bulkMb: number;
  concurrency: number;
  retryFor: number;
  dryRun?: boolean;
}

function parseNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new UsageError(`${name} must be a number, got "${value}"`);
    return n;
  };
}

export function addIngestFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--source <source>', 'the log source of every input (default: detected per file from its first lines)').choices([...SOURCES]))
    .addOption(new Option('--format <format>', 'input format').choices(['auto', ...FORMATS]).default('auto'))
    .option('--encoding <name>', 'character encoding: auto, utf-8, shift_jis (cp932), euc-jp', 'auto')
    .option('--file-time <iso>', 'the time the files count as read at (a syslog time stamp without a year takes its year from it); default: each file\'s modification time')
    .option('--year <yyyy>', 'the year of the logs (same as --file-time <yyyy>-12-31T23:59:59 in the profile zone)', parseInteger('--year'))
    .option('--time-zone <zone>', 'IANA zone of time stamps that carry none (default: the profile\'s)')
    .option('--namespace <name>', 'data stream namespace: <prefix>-jpcert.<source>-<namespace>', 'default')
    .option('--profile <file>', 'site profile (YAML): index prefix, time zone')
    .option('--bulk-mb <n>', 'bulk request size in MiB', parseNumber('--bulk-mb'), DEFAULT_BULK_BYTES / 1048576)
    .option('--concurrency <n>', 'bulk requests in flight', parseInteger('--concurrency'), DEFAULT_CONCURRENCY)
    .option('--retry-for <seconds>', 'keep retrying this long while the cluster takes nothing', parseInteger('--retry-for'), 600)
    .option('--dry-run', 'send a sample of each input through the pipeline (_simulate) and print the documents; index nothing');
}

/** FILE, DIR (recursively), GLOB or - (standard input), in the order given, each file once */
export async function expandInputs(args: string[]): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (f: string) => {
    const key = f === STDIN ? f : path.resolve(f);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(f);
    }
  };
  const walk = async (dir: string) => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && !e.name.endsWith('.rejected.ndjson')) add(p);
    }
  };
  for (const a of args) {
    if (a === STDIN) add(a);
    else if (existsSync(a)) {
      if (statSync(a).isDirectory()) await walk(a);
      else add(a);
    } else if (isDynamicPattern(a)) {
      const files = (await glob(a, { onlyFiles: true, absolute: false, expandDirectories: false })).sort();
      if (!files.length) throw new UsageError(`${a} matches no file`, 'check the pattern (quote it so that the shell does not expand it)');
      files.forEach(add);
    } else {
      throw new UsageError(`${a}: no such file or folder`, 'give files, folders, glob patterns or - for standard input');
    }
  }
  if (!out.length) throw new UsageError('no input given', 'name files, folders or glob patterns to load, or - to read standard input');
  return out;
}

function fileTimeOf(flags: IngestFlags, timezone: string): string | undefined {
  if (flags.fileTime && flags.year) throw new UsageError('--file-time and --year say the same thing twice', 'give one of them');
  if (flags.year !== undefined) {
    if (flags.year < 1990 || flags.year > 2100) throw new UsageError(`--year ${flags.year} is not a year of logs`);
    // the last second of that year in the zone of the logs, as an instant
    const local = new Date(Date.UTC(flags.year, 11, 31, 23, 59, 59));
    const offset = new Date(local.toLocaleString('en-US', { timeZone: timezone })).getTime() - new Date(local.toLocaleString('en-US', { timeZone: 'UTC' })).getTime();
    return new Date(local.getTime() - offset).toISOString();
  }
  if (flags.fileTime) {
    const t = new Date(flags.fileTime);
    if (Number.isNaN(t.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(flags.fileTime)) throw new UsageError(`--file-time ${flags.fileTime} is not an ISO 8601 time`, 'for example 2025-12-31T23:59:59+09:00');
    return t.toISOString();
  }
  return undefined;
}

export async function runIngest(flags: IngestFlags, args: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  // everything that can be checked offline is checked before the first network call
  const profile = loadProfile(flags.profile);
  const timezone = flags.timeZone ?? profile.timezone;
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new UsageError(`--time-zone ${timezone} is not an IANA time zone`, 'use a name such as Asia/Tokyo or UTC');
  }
  const encoding = parseEncoding(flags.encoding);
  const fileTime = fileTimeOf(flags, timezone);
  const inputs = await expandInputs(args);
  if (!(flags.bulkMb >= 0.1 && flags.bulkMb <= 100)) throw new UsageError('--bulk-mb must be between 0.1 and 100');
  if (flags.concurrency < 1 || flags.concurrency > 16) throw new UsageError('--concurrency must be between 1 and 16');
  if (!/^[a-z0-9][a-z0-9_.]*$/.test(flags.namespace)) throw new UsageError(`--namespace ${flags.namespace} is not a valid data stream namespace`, 'use lower-case letters, digits, "_" or "."');
  const url = await clusterUrl(flags);
  validateConnectionOptions(connectionOptions(flags, url));
  const conn = await connect(connectionOptions(flags, url));
  try {
    const common = {
      inputs,
      ...(flags.source ? { source: flags.source } : {}),
      ...(flags.format !== 'auto' ? { format: flags.format } : {}),
      encoding,
      ...(fileTime ? { fileTime } : {}),
      ...(flags.timeZone ? { timeZone: flags.timeZone } : {}),
      namespace: flags.namespace,
      profile,
      log: err,
    };
    if (flags.dryRun) {
      for (const line of await dryRun(conn, common)) out(line);
      return 0;
    }
    const report = await ingest(conn, { ...common, bulkBytes: Math.round(flags.bulkMb * 1024 * 1024), concurrency: flags.concurrency, retryForMs: flags.retryFor * 1000, progress: makeProgress() });
    const { lines, exitCode } = summarise(report);
    for (const l of lines) out(l);
    return exitCode;
  } finally {
    await conn.close();
  }
}
