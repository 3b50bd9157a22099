import { normalise } from './normalise.js';
import type { IndicatorKind, ParseResult } from './types.js';

/**
 * STIX 2.1 bundles: every `indicator` object whose pattern (pattern_type stix) compares
 * observables the logs carry, joined by OR: ipv4-addr:value, ipv6-addr:value (`=` or
 * ISSUBSET for ranges), domain-name:value, url:value, email-addr:value, file:name,
 * file:hashes.*, email-message:from_ref.value / sender_ref.value / subject. valid_from,
 * valid_until, confidence and name are kept. A pattern with AND, FOLLOWEDBY or another
 * operator cannot be matched one value at a time and is reported, as is a revoked
 * indicator. Places are given as the line of the indicator's "id" in the file.
 */

const PATHS: Record<string, IndicatorKind | 'ip-or-cidr'> = {
  'ipv4-addr:value': 'ip-or-cidr',
  'ipv6-addr:value': 'ip-or-cidr',
  'domain-name:value': 'domain',
  'url:value': 'url',
  'email-addr:value': 'email',
  'email-message:from_ref.value': 'email',
  'email-message:sender_ref.value': 'email',
  'email-message:subject': 'subject',
  'file:name': 'file',
};

const COMPARISON = /^([a-z0-9-]+:[a-z0-9_.'-]+)\s+(=|ISSUBSET)\s+'((?:[^'\\]|\\.)*)'$/i;

/** The comparisons of a pattern as (path, value) pairs, or the reason it cannot be used. */
export function patternTerms(pattern: string): Array<{ path: string; value: string }> | { error: string } {
  if (/\b(AND|FOLLOWEDBY|WITHIN|REPEATS|START|STOP)\b/.test(pattern.replace(/'(?:[^'\\]|\\.)*'/g, "''"))) return { error: 'the pattern combines observations (AND, FOLLOWEDBY, WITHIN, ...), which single log events cannot be matched against' };
  const parts = pattern.replace(/'(?:[^'\\]|\\.)*'/g, (s) => s.replace(/ OR /g, '\u0000')).split(/\s+OR\s+/);
  const out: Array<{ path: string; value: string }> = [];
  for (const part of parts) {
    const c = part.replace(/\u0000/g, ' OR ').trim().replace(/^\[+|\]+$/g, '').trim();
    const m = COMPARISON.exec(c);
    if (!m) return { error: `"${c}" is not a comparison "<object>:<property> = '<value>'"` };
    out.push({ path: m[1]!.toLowerCase().startsWith('file:hashes') ? 'file:hashes' : m[1]!.toLowerCase(), value: m[3]!.replace(/\\(.)/g, '$1') });
  }
  return out;
}

/** The line (1-based) where `needle` first stands in `text`, or 1. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}

export function parseStix(text: string, file: string): ParseResult {
  const out: ParseResult = { indicators: [], bad: [] };
  let bundle: unknown;
  try {
    bundle = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    out.bad.push({ where: `${file}:1`, value: '', reason: `not valid JSON: ${(err as Error).message}` });
    return out;
  }
  const b = bundle as { type?: unknown; objects?: unknown };
  const objects = b.type === 'bundle' && Array.isArray(b.objects) ? b.objects : b.type === 'indicator' ? [b] : undefined;
  if (!objects) {
    out.bad.push({ where: `${file}:1`, value: '', reason: 'not a STIX 2.1 bundle (an object with "type": "bundle" and "objects")' });
    return out;
  }
  for (const o of objects as Array<Record<string, unknown>>) {
    if (o?.type !== 'indicator') continue;
    const id = typeof o.id === 'string' ? o.id : '';
    const where = `${file}:${id ? lineOf(text, `"${id}"`) : 1}`;
    const pattern = typeof o.pattern === 'string' ? o.pattern : '';
    if (o.pattern_type !== undefined && o.pattern_type !== 'stix') { out.bad.push({ where, value: pattern, reason: `pattern_type ${String(o.pattern_type)} is not supported (only stix)` }); continue; }
    if (o.revoked === true) { out.bad.push({ where, value: pattern, reason: 'the indicator is revoked' }); continue; }
    const terms = patternTerms(pattern);
    if ('error' in terms) { out.bad.push({ where, value: pattern, reason: terms.error }); continue; }
    for (const t of terms) {
      const kind = t.path === 'file:hashes' ? 'hash' : PATHS[t.path];
      if (!kind) { out.bad.push({ where, value: `${t.path} = '${t.value}'`, reason: `${t.path} is not an observable the logs carry (ipv4-addr, ipv6-addr, domain-name, url, email-addr, file:name, file:hashes, email-message)` }); continue; }
      const n = normalise(t.value, kind);
      if ('error' in n) { out.bad.push({ where, value: t.value, reason: n.error }); continue; }
      out.indicators.push({
        ...n,
        where,
        ...(typeof o.valid_from === 'string' ? { validFrom: o.valid_from } : {}),
        ...(typeof o.valid_until === 'string' ? { validUntil: o.valid_until } : {}),
        ...(typeof o.confidence === 'number' ? { confidence: o.confidence } : {}),
        ...(typeof o.name === 'string' ? { description: o.name } : {}),
      });
    }
  }
  return out;
}
