import { kindOfName, normalise } from './normalise.js';
import type { IndicatorKind, ParseResult } from './types.js';

/**
 * CSV (RFC 4180: quoted fields, "" for a quote, commas or tabs): either a `type` column
 * beside a `value` column, or columns whose header names the type (`ip`, `domain`, `url`,
 * `email`, `file`, `hash`, `subject`, ...: every cell below is of that type). Optional
 * columns: `confidence`, `expires` (or `valid_until`), `valid_from`, `description`. Without
 * a header row the first column is the value and its type is inferred; a second column that
 * names a type is used as the type. Bad rows are reported with their line number.
 */

interface Row {
  cells: string[];
  line: number;
}

/** Splits CSV text into rows, keeping each row's first line number (a quoted field may span lines). */
export function csvRows(text: string): Row[] {
  const src = text.replace(/^\uFEFF/, '');
  const firstLine = src.split(/\r?\n/, 1)[0] ?? '';
  const sep = !firstLine.includes(',') && firstLine.includes('\t') ? '\t' : ',';
  const rows: Row[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else { if (c === '\n') line++; cell += c; }
      continue;
    }
    if (c === '"' && cell.trim() === '') { quoted = true; cell = ''; any = true; }
    else if (c === sep) { cells.push(cell); cell = ''; any = true; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      cells.push(cell);
      if (any || cells.some((x) => x.trim() !== '')) rows.push({ cells: cells.map((x) => x.trim()), line: start });
      cells = []; cell = ''; any = false;
      line++; start = line;
    } else { cell += c; any = true; }
  }
  if (any || cell !== '' || cells.length) {
    cells.push(cell);
    if (cells.some((x) => x.trim() !== '')) rows.push({ cells: cells.map((x) => x.trim()), line: start });
  }
  return rows;
}

const EXTRA: Record<string, 'confidence' | 'validUntil' | 'validFrom' | 'description'> = {
  confidence: 'confidence', expires: 'validUntil', expiry: 'validUntil', valid_until: 'validUntil', 'valid-until': 'validUntil',
  valid_from: 'validFrom', 'valid-from': 'validFrom', first_seen: 'validFrom', description: 'description', comment: 'description', note: 'description',
};
const TYPE_COLUMN = new Set(['type', 'kind', 'indicator_type', 'ioc_type', 'attribute_type']);
const VALUE_COLUMN = new Set(['value', 'indicator', 'ioc', 'observable', 'attribute', 'data']);

export function parseCsv(text: string, file: string): ParseResult {
  const out: ParseResult = { indicators: [], bad: [] };
  const rows = csvRows(text).filter((r) => !r.cells[0]?.startsWith('#'));
  if (rows.length === 0) return out;
  const header = rows[0]!.cells.map((c) => c.toLowerCase().replace(/\s+/g, '_'));
  const typeCol = header.findIndex((h) => TYPE_COLUMN.has(h));
  const valueCol = header.findIndex((h) => VALUE_COLUMN.has(h));
  const typedCols = header.map((h, i) => ({ i, kind: EXTRA[h] || TYPE_COLUMN.has(h) || VALUE_COLUMN.has(h) ? undefined : kindOfName(h) })).filter((c) => c.kind !== undefined);
  const extras = header.map((h, i) => ({ i, key: EXTRA[h] })).filter((c) => c.key !== undefined);
  const hasHeader = (typeCol >= 0 && valueCol >= 0) || typedCols.length > 0;

  const add = (raw: string, kind: IndicatorKind | 'ip-or-cidr' | undefined, row: Row) => {
    if (raw === '') return;
    const where = `${file}:${row.line}`;
    const n = normalise(raw, kind);
    if ('error' in n) { out.bad.push({ where, value: raw, reason: n.error }); return; }
    const ind = { ...n, where } as ParseResult['indicators'][number];
    for (const e of extras) {
      const v = row.cells[e.i];
      if (v) (ind as unknown as Record<string, string>)[e.key!] = v;
    }
    out.indicators.push(ind);
  };

  if (!hasHeader) {
    for (const row of rows) {
      const [value = '', second] = row.cells;
      const kind = second ? kindOfName(second) : undefined;
      if (second && !kind) out.bad.push({ where: `${file}:${row.line}`, value: second, reason: `"${second}" is not a known type; the header row must name the columns (type,value or a type per column)` });
      else add(value, kind, row);
    }
    return out;
  }
  for (const row of rows.slice(1)) {
    if (typeCol >= 0 && valueCol >= 0) {
      const t = row.cells[typeCol] ?? '';
      const kind = kindOfName(t);
      const value = row.cells[valueCol] ?? '';
      if (value === '') continue;
      if (!kind) out.bad.push({ where: `${file}:${row.line}`, value, reason: t ? `unknown type "${t}" (known: ip, cidr, domain, url, email, file, hash, subject)` : 'no type in the type column' });
      else add(value, kind, row);
    }
    for (const c of typedCols) if (c.i !== typeCol && c.i !== valueCol) add(row.cells[c.i] ?? '', c.kind, row);
  }
  return out;
}
