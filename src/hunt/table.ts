import type { CheckFinding, HuntResult } from './findings.js';

/**
 * The hunt's terminal table: one row per check, then the details of every check that found
 * something. Columns are padded by display width, so Japanese titles (two columns per
 * character in a terminal) line up.
 */

/** East Asian Wide (W) and Fullwidth (F) ranges (Unicode's EastAsianWidth.txt, abridged to whole blocks) */
const WIDE: Array<[number, number]> = [
  [0x1100, 0x115f], // Hangul Jamo initials
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e], // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
  [0x3041, 0x33ff], // Hiragana, Katakana, Bopomofo, Hangul compatibility, Kanbun, CJK strokes, enclosed, compatibility
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xa000, 0xa4cf], // Yi
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f], // CJK compatibility forms, small forms
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff], // kana supplement and extensions
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f], // pictographs and emoticons (most are wide; the rest are rare in logs)
  [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd], // CJK extensions B and later
];

function isWide(cp: number): boolean {
  if (cp < 0x1100) return false;
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = WIDE[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) || // combining diacritics
    (cp >= 0x200b && cp <= 0x200f) || // zero-width space, joiners, marks
    (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
    cp === 0x3099 ||
    cp === 0x309a || // combining (semi-)voiced sound marks
    (cp >= 0xe0100 && cp <= 0xe01ef) ||
    cp < 0x20 ||
    (cp >= 0x7f && cp < 0xa0)
  );
}

/** Columns a string takes in a terminal: wide and fullwidth characters two, combining marks and controls none. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (isZeroWidth(cp)) continue;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

/** Cuts a string to at most `width` columns, marking the cut with "…". */
export function truncate(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = displayWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

export function pad(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return align === 'left' ? s + fill : fill + s;
}

/** Lays out rows under headers; columns listed in `right` are right-aligned. */
export function layout(headers: string[], rows: string[][], right: Set<number> = new Set()): string[] {
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!, right.has(i) ? 'right' : 'left')).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

const day = (iso?: string) => (iso ? iso.replace('T', ' ').replace(/:\d{2}(\.\d+)?Z$/, 'Z') : '-');

function summaryRow(c: CheckFinding): string[] {
  return [
    c.check,
    c.severity,
    c.error ? 'ERROR' : String(c.hits),
    c.type === 'match' ? '-' : String(c.detections.length),
    day(c.firstSeen),
    day(c.lastSeen),
    truncate(c.title.ja, 30),
    truncate(c.title.en, 50),
  ];
}

function details(c: CheckFinding): string[] {
  const out = [``, `== ${c.check} ${c.title.ja} / ${c.title.en} (${c.severity}, ${c.hits} event(s))`];
  if (c.error) return [...out, `  error: ${c.error}`];
  const top = (b: { key: string; count: number }[]) => (b.length ? b.slice(0, 5).map((x) => `${x.key} (${x.count})`).join(', ') : '-');
  out.push(`  first / last seen: ${day(c.firstSeen)} / ${day(c.lastSeen)}`);
  out.push(`  top hosts: ${top(c.topHosts)}`);
  out.push(`  top users: ${top(c.topUsers)}`);
  if (c.type !== 'match') {
    const rows = c.detections.slice(0, 20).map((d) => [Object.values(d.entity ?? {}).map((v) => truncate(v, 60)).join(' '), day(d.windowStart), day(d.windowEnd), String(d.count)]);
    out.push(`  detections (${c.detections.length}, as the monitor would have alerted):`);
    out.push(...layout(['entity', 'from', 'to', 'events'], rows, new Set([3])).map((l) => `    ${l}`));
    if (c.detections.length > rows.length) out.push(`    ... and ${c.detections.length - rows.length} more (--format json lists all)`);
  }
  if (c.samples.length) {
    out.push(`  sample events (oldest first):`);
    for (const s of c.samples) {
      const fields = Object.entries(s.fields).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
      out.push(`    ${day(s['@timestamp'])}  ${truncate(fields.join(' ').replace(/\s+/g, ' '), 160)}`);
    }
  }
  return out;
}

export function renderTable(result: HuntResult): string {
  const found = result.checks.filter((c) => c.hits > 0 || c.error);
  const lines = [
    `hunt ${result.from} .. ${result.to} on ${result.cluster}: ${result.checks.length} check(s), ${result.checks.filter((c) => c.hits > 0).length} with findings, ${result.checks.filter((c) => c.error).length} error(s), ${(result.tookMs / 1000).toFixed(1)} s`,
    '',
    ...layout(['check', 'severity', 'hits', 'alerts', 'first seen', 'last seen', 'タイトル', 'title'], result.checks.map(summaryRow), new Set([2, 3])),
    ...found.flatMap(details),
  ];
  return `${lines.join('\n')}\n`;
}
