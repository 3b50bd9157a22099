import { normalise } from './normalise.js';
import type { ParseResult } from './types.js';

/**
 * Plain text: one indicator per line, its kind inferred (IP address, CIDR, domain, URL,
 * email address, file name, hash). Blank lines and lines starting with `#` are skipped;
 * a line that is none of these is reported with its number.
 */
export function parseText(text: string, file: string): ParseResult {
  const out: ParseResult = { indicators: [], bad: [] };
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, i) => {
    const v = line.trim();
    if (v === '' || v.startsWith('#')) return;
    const where = `${file}:${i + 1}`;
    const n = normalise(v);
    if ('error' in n) out.bad.push({ where, value: v, reason: n.error });
    else out.indicators.push({ ...n, where });
  });
  return out;
}
