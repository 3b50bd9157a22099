import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../cluster/connection.js';
import { withRuleDefaults, type Profile } from '../content/profile.js';
import { UsageError } from '../errors.js';
import { normalise } from './normalise.js';
import { parseCsv } from './parse-csv.js';
import { parseStix } from './parse-stix.js';
import { parseText } from './parse-text.js';
import { confidenceOf, deleteIndicators, ensureIndicatorIndices, readIndicators, rebuildLists, upsertIndicators, type IndicatorRow, type ListFilter, type ListName, type StoredIndicator } from './store.js';
import type { BadEntry, Indicator, IndicatorKind, ParseResult } from './types.js';

/**
 * The in-process API of `npm run ioc` (the CLI in src/cli/ioc-command.ts only wires flags to
 * it; the hunt and `npm start --ioc` call it directly).
 */

export { INDICATOR_INDEX, LISTS, LISTS_INDEX, listLookup, type IndicatorRow, type ListName } from './store.js';
export type { BadEntry, Indicator, IndicatorKind } from './types.js';

export type Format = 'csv' | 'text' | 'stix';

export interface ImportOptions {
  /** provider / feed name; default: each file's base name */
  source?: string;
  /** when the imported indicators stop matching (a STIX valid_until or a CSV expires column wins) */
  expires?: Date;
  /** ... or how long from now, in ms */
  ttlMs?: number;
  /** 0-100 or None/Low/Medium/High, for entries that carry none */
  confidence?: string | number;
  /** the format of every file; default: from the name (.csv, .json) and the first character */
  format?: Format;
  /** the time of the import (tests); default: now */
  now?: Date;
}

export interface FileReport {
  file: string;
  format: Format;
  indicators: number;
  bad: BadEntry[];
}

export interface ImportResult {
  files: FileReport[];
  created: number;
  updated: number;
  /** entries that could not be read, with file:line and reason */
  bad: BadEntry[];
  /** active values per match list after the import */
  lists: Record<ListName, number>;
}

/** The format of a file: .json/.stix (or a first `{`) is STIX, .csv/.tsv (or a header with a comma) CSV, else text. */
export function detectFormat(file: string, text: string): Format {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json' || ext === '.stix') return 'stix';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  const first = text.replace(/^\uFEFF/, '').trimStart();
  if (first.startsWith('{')) return 'stix';
  return 'text';
}

export function parseIndicators(text: string, file: string, format: Format): ParseResult {
  return format === 'stix' ? parseStix(text, file) : format === 'csv' ? parseCsv(text, file) : parseText(text, file);
}

/** Reads and parses every file before anything is sent; an unreadable file is a usage error. */
export function readIndicatorFiles(files: string[], format?: Format): Array<FileReport & { indicators_: Indicator[] }> {
  if (files.length === 0) throw new UsageError('no indicator file given', 'name one or more files: CSV, plain text (one per line) or a STIX 2.1 bundle (.json)');
  return files.map((file) => {
    let text: string;
    try {
      if (statSync(file).isDirectory()) throw new UsageError(`${file} is a folder, not an indicator file`, 'name the files inside it');
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 'check the path; nothing was imported', { cause: err });
    }
    const f = format ?? detectFormat(file, text);
    const parsed = parseIndicators(text, file, f);
    return { file, format: f, indicators: parsed.indicators.length, bad: parsed.bad, indicators_: parsed.indicators };
  });
}

function isoOrThrow(v: string, what: string): string {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`${what} "${v}" is not a date`);
  return new Date(t).toISOString();
}

/** Merges, checks per-entry dates and confidence, and writes; bad values become bad entries. */
async function store(conn: Connection, entries: Array<{ indicator: Indicator; source: string }>, opts: ImportOptions, bad: BadEntry[]): Promise<{ created: number; updated: number; lists: Record<ListName, number> }> {
  const now = (opts.now ?? new Date()).toISOString();
  const defaultExpiry = opts.expires ? opts.expires.toISOString() : opts.ttlMs !== undefined ? new Date(Date.parse(now) + opts.ttlMs).toISOString() : null;
  const merged = new Map<string, StoredIndicator>();
  for (const { indicator, source } of entries) {
    let expires = defaultExpiry;
    const ind: Indicator = { ...indicator };
    try {
      if (ind.validUntil) expires = isoOrThrow(ind.validUntil, 'expiry');
      if (ind.validFrom) ind.validFrom = isoOrThrow(ind.validFrom, 'valid_from');
    } catch (err) {
      bad.push({ where: ind.where, value: ind.value, reason: (err as Error).message });
      continue;
    }
    if (ind.confidence === undefined && opts.confidence !== undefined) ind.confidence = opts.confidence;
    const c = confidenceOf(ind.confidence);
    if ('error' in c) {
      bad.push({ where: ind.where, value: ind.value, reason: c.error });
      continue;
    }
    merged.set(`${ind.kind}\u0000${ind.value}\u0000${source}`, { indicator: ind, source, expires });
  }
  await ensureIndicatorIndices(conn);
  const counts = merged.size ? await upsertIndicators(conn, [...merged.values()], now) : { created: 0, updated: 0 };
  const { sizes } = await rebuildLists(conn, now);
  return { ...counts, lists: sizes };
}

/** Imports indicator files: parses all of them first (an unreadable file stops before anything is sent), then writes what is valid. */
export async function importIndicators(conn: Connection, files: string[], opts: ImportOptions = {}): Promise<ImportResult> {
  const read = readIndicatorFiles(files, opts.format);
  const bad = read.flatMap((r) => r.bad);
  const entries = read.flatMap((r) => r.indicators_.map((indicator) => ({ indicator, source: opts.source ?? path.basename(r.file) })));
  const res = await store(conn, entries, opts, bad);
  return { files: read.map(({ indicators_: _i, ...r }) => r), bad, ...res };
}

export const PROFILE_SOURCE = 'profile';

const PROFILE_KINDS: Record<string, IndicatorKind | 'ip-or-cidr'> = { ips: 'ip-or-cidr', domains: 'domain', urls: 'url', senders: 'email', attachment_names: 'file', subjects: 'subject' };

/**
 * Loads the profile's `indicators:` lists as the source "profile" (what deploy does, and
 * `ioc import --from-profile`): they are added or refreshed, and indicators the profile
 * brought earlier and no longer lists lose that source.
 */
export async function seedFromProfile(conn: Connection, profile: Profile, now = new Date()): Promise<ImportResult & { removed: number }> {
  const lists = withRuleDefaults(profile).indicators;
  const bad: BadEntry[] = [];
  const entries: Array<{ indicator: Indicator; source: string }> = [];
  for (const [key, kind] of Object.entries(PROFILE_KINDS)) {
    (lists[key as keyof typeof lists] ?? []).forEach((raw, i) => {
      const where = `profile indicators.${key}[${i}]`;
      const n = normalise(raw, kind);
      if ('error' in n) bad.push({ where, value: raw, reason: n.error });
      else entries.push({ indicator: { ...n, where }, source: PROFILE_SOURCE });
    });
  }
  await ensureIndicatorIndices(conn);
  const keep = new Set(entries.map((e) => `${e.indicator.kind}:${e.indicator.value}`));
  const stale = (await readIndicators(conn, { sources: [PROFILE_SOURCE] }, now.toISOString())).filter((r) => !keep.has(`${r.kind}:${r.value}`));
  const { deleted } = await deleteIndicators(conn, stale, PROFILE_SOURCE);
  const res = await store(conn, entries, { now }, bad);
  return { files: [], bad, ...res, removed: deleted };
}

export interface ListOptions extends ListFilter {
  now?: Date;
}

/** The indicators (expired ones included unless `expired: false`), sorted by kind and value. */
export async function listIndicators(conn: Connection, opts: ListOptions = {}): Promise<IndicatorRow[]> {
  return readIndicators(conn, opts, (opts.now ?? new Date()).toISOString());
}

/**
 * Removes indicators by value (normalised as on import, so a defanged value works) and/or
 * by source, then rebuilds the match lists. With both, only that source's claim on those
 * values goes.
 */
export async function removeIndicators(conn: Connection, opts: { values?: string[]; source?: string; now?: Date }): Promise<{ deleted: number; kept: number; notFound: string[] }> {
  const now = (opts.now ?? new Date()).toISOString();
  const wanted = new Map<string, string>();
  for (const v of opts.values ?? []) {
    const n = normalise(v);
    wanted.set(v, 'error' in n ? v.trim() : n.value);
  }
  const rows = await readIndicators(conn, { ...(wanted.size ? { values: [...new Set([...wanted.values(), ...[...wanted.keys()].map((k) => k.trim())])] } : {}), ...(opts.source ? { sources: [opts.source] } : {}) }, now);
  const found = new Set(rows.map((r) => r.value));
  const notFound = [...wanted.entries()].filter(([k, v]) => !found.has(v) && !found.has(k.trim())).map(([k]) => k);
  const res = await deleteIndicators(conn, rows, opts.source);
  await rebuildLists(conn, now);
  return { ...res, notFound };
}

/**
 * Drops expired indicators from matching (they stay listed as expired); returns how many
 * indicators are expired, how many match-list values this run dropped, and the list sizes.
 */
export async function expireIndicators(conn: Connection, opts: { now?: Date } = {}): Promise<{ expired: number; dropped: number; lists: Record<ListName, number> }> {
  await ensureIndicatorIndices(conn);
  const { sizes, expired, dropped } = await rebuildLists(conn, (opts.now ?? new Date()).toISOString());
  return { expired, dropped, lists: sizes };
}

export { confidenceOf };
