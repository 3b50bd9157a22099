import { createHash } from 'node:crypto';
import type { Connection } from '../cluster/connection.js';
import { RejectedObjectError } from '../errors.js';
import { normalise, urlHost } from './normalise.js';
import { ecsType, type Indicator, type IndicatorKind } from './types.js';

/**
 * Where indicators live in the cluster (README "npm run ioc"):
 * - `jpcert-indicators`: one document per (kind, value), _id derived from both, so a
 *   re-import updates last_seen, providers, expiry and confidence instead of adding a copy;
 * - `jpcert-indicator-lists`: per match list one document `{ values: [...] }` with the values
 *   of the indicators active now, which the rules read with terms look-ups. It is rebuilt
 *   from the first index after every change (import, remove, expire, deploy's profile seed).
 * Both indices get their mappings from the index templates mappings/index/indicators.yml and
 * indicator-lists.yml, which deploy installs.
 */

export const INDICATOR_INDEX = 'jpcert-indicators';
export const LISTS_INDEX = 'jpcert-indicator-lists';
export const LISTS = ['ips', 'domains', 'urls', 'senders', 'attachment_names', 'subjects'] as const;
export type ListName = (typeof LISTS)[number];

/** The terms look-up of one list, as the rules write it. */
export function listLookup(list: ListName): { index: string; id: string; path: string } {
  return { index: LISTS_INDEX, id: list, path: 'values' };
}

export function indicatorId(kind: IndicatorKind, value: string): string {
  return createHash('sha256').update(`${kind}\u0000${value}`).digest('hex').slice(0, 40);
}

/** ECS confidence level and a 0-100 score from a number (STIX scale) or a level name. */
export function confidenceOf(c: string | number | undefined): { level?: string; score?: number } | { error: string } {
  if (c === undefined || c === '') return {};
  const n = typeof c === 'number' ? c : /^\d+$/.test(c.trim()) ? Number(c) : undefined;
  if (n !== undefined) {
    if (n < 0 || n > 100) return { error: `confidence ${n} is not between 0 and 100` };
    return { score: n, level: n === 0 ? 'None' : n < 30 ? 'Low' : n < 70 ? 'Medium' : 'High' };
  }
  const level = ['Not Specified', 'None', 'Low', 'Medium', 'High'].find((l) => l.toLowerCase() === String(c).trim().toLowerCase());
  return level ? { level } : { error: `confidence "${c}" is not a number 0-100 or one of None, Low, Medium, High` };
}

export interface StoredIndicator {
  indicator: Indicator;
  source: string;
  /** ISO time, or null for none */
  expires: string | null;
}

function document(s: StoredIndicator, now: string): Record<string, unknown> {
  const { kind, value } = s.indicator;
  const conf = confidenceOf(s.indicator.confidence);
  const ti: Record<string, unknown> = {
    name: value,
    first_seen: now,
    last_seen: now,
    provider: [s.source],
  };
  const type = ecsType(kind, value);
  if (type) ti.type = type;
  if (kind === 'ip') ti.ip = value;
  if (kind === 'url') ti.url = { original: value, domain: urlHost(value).replace(/^\[|\]$/g, '') };
  if (kind === 'domain') ti.url = { domain: value };
  if (kind === 'email') ti.email = { address: value };
  if (kind === 'file') ti.file = { name: value };
  if (kind === 'hash') ti.file = { hash: { [value.length === 32 ? 'md5' : value.length === 40 ? 'sha1' : 'sha256']: value } };
  if (s.indicator.description) ti.description = s.indicator.description;
  if ('level' in conf && conf.level) ti.confidence = conf.level;
  return {
    '@timestamp': now,
    threat: { indicator: ti, feed: { name: [s.source] } },
    jpcert: {
      indicator: {
        kind,
        value,
        key: `${kind}:${value}`,
        expires: s.expires,
        where: s.indicator.where,
        ...(s.indicator.validFrom ? { valid_from: s.indicator.validFrom } : {}),
        ...('score' in conf && conf.score !== undefined ? { confidence_score: conf.score } : {}),
      },
    },
  };
}

/** On re-import: last_seen, the provider, expiry and confidence follow the newest import; first_seen stays. */
const UPDATE = [
  'def ti = ctx._source.threat.indicator; def j = ctx._source.jpcert.indicator;',
  'ti.last_seen = params.now; ctx._source[\'@timestamp\'] = params.now;',
  'if (!(ti.provider instanceof List)) { ti.provider = ti.provider == null ? new ArrayList() : new ArrayList([ti.provider]); }',
  'if (!ti.provider.contains(params.source)) { ti.provider.add(params.source); }',
  'ctx._source.threat.feed = [\'name\': ti.provider];',
  'j.expires = params.expires; j.where = params.where;',
  'if (params.level != null) { ti.confidence = params.level; }',
  'if (params.score != null) { j.confidence_score = params.score; }',
  'if (params.valid_from != null) { j.valid_from = params.valid_from; }',
  'if (params.description != null) { ti.description = params.description; }',
].join(' ');

export interface WriteCounts {
  created: number;
  updated: number;
}

async function bulk(conn: Connection, lines: string[]): Promise<Array<Record<string, { status: number; error?: { reason?: string; type?: string } }>>> {
  const items: Array<Record<string, { status: number; error?: { reason?: string; type?: string } }>> = [];
  for (let i = 0; i < lines.length; i += 2000) {
    const res = await conn.bulk(`${lines.slice(i, i + 2000).join('\n')}\n`);
    const body = res.body as { items?: typeof items; error?: { reason?: string } };
    if (res.status >= 300 || !body.items) throw new RejectedObjectError(`the cluster refused the indicators (HTTP ${res.status}): ${body.error?.reason ?? JSON.stringify(res.body).slice(0, 300)}`, 'run `npm run deploy` first so that the indicator indices and their mappings exist');
    items.push(...body.items);
  }
  const failed = items.map((it) => Object.values(it)[0]!).filter((r) => r.status >= 300 && r.status !== 404);
  if (failed.length) throw new RejectedObjectError(`the cluster refused ${failed.length} indicator document(s): ${failed[0]!.error?.type}: ${failed[0]!.error?.reason}`, 'run `npm run deploy` first so that the indicator indices and their mappings exist');
  return items;
}

/** Writes indicators (one bulk request per 1000): new ones are created, known ones updated. */
export async function upsertIndicators(conn: Connection, list: StoredIndicator[], now: string): Promise<WriteCounts> {
  const lines: string[] = [];
  for (const s of list) {
    const conf = confidenceOf(s.indicator.confidence);
    const params = {
      now,
      source: s.source,
      expires: s.expires,
      where: s.indicator.where,
      level: 'level' in conf ? (conf.level ?? null) : null,
      score: 'score' in conf ? (conf.score ?? null) : null,
      valid_from: s.indicator.validFrom ?? null,
      description: s.indicator.description ?? null,
    };
    lines.push(JSON.stringify({ update: { _index: INDICATOR_INDEX, _id: indicatorId(s.indicator.kind, s.indicator.value), retry_on_conflict: 3 } }));
    lines.push(JSON.stringify({ script: { lang: 'painless', source: UPDATE, params }, upsert: document(s, now) }));
  }
  const items = await bulk(conn, lines);
  // 201 when the upsert created the document, 200 when the script updated it (the connection
  // cuts bulk answers down to status and error)
  const created = items.filter((it) => Object.values(it)[0]!.status === 201).length;
  await conn.request('POST', `/${INDICATOR_INDEX}/_refresh`);
  return { created, updated: items.length - created };
}

export interface IndicatorRow {
  id: string;
  kind: IndicatorKind;
  value: string;
  type?: string;
  providers: string[];
  firstSeen: string;
  lastSeen: string;
  expires: string | null;
  expired: boolean;
  confidence?: string;
  description?: string;
}

export interface ListFilter {
  kinds?: IndicatorKind[];
  sources?: string[];
  values?: string[];
  /** include expired indicators (default true) */
  expired?: boolean;
}

function filterQuery(f: ListFilter, now: string): Record<string, unknown> {
  const filter: unknown[] = [];
  if (f.kinds?.length) filter.push({ terms: { 'jpcert.indicator.kind': f.kinds } });
  if (f.sources?.length) filter.push({ terms: { 'threat.indicator.provider': f.sources } });
  if (f.values?.length) filter.push({ terms: { 'jpcert.indicator.value': f.values } });
  const mustNot = f.expired === false ? [{ range: { 'jpcert.indicator.expires': { lte: now } } }] : [];
  return { bool: { filter, must_not: mustNot } };
}

/** Every indicator the filter selects, sorted by kind and value (read in pages with search_after). */
export async function readIndicators(conn: Connection, f: ListFilter, now: string): Promise<IndicatorRow[]> {
  const exists = await conn.request('GET', `/${INDICATOR_INDEX}/_count`);
  if (exists.status === 404) return [];
  const rows: IndicatorRow[] = [];
  let after: unknown[] | undefined;
  for (;;) {
    const res = await conn.request('POST', `/${INDICATOR_INDEX}/_search`, { size: 5000, query: filterQuery(f, now), sort: [{ 'jpcert.indicator.key': 'asc' }], ...(after ? { search_after: after } : {}) });
    const hits = (res.body as { hits: { hits: Array<{ _id: string; _source: any; sort: unknown[] }> } }).hits.hits;
    for (const h of hits) {
      const ti = h._source.threat.indicator;
      const j = h._source.jpcert.indicator;
      const providers = ([] as string[]).concat(ti.provider ?? []);
      rows.push({
        id: h._id,
        kind: j.kind,
        value: j.value,
        ...(ti.type ? { type: ti.type } : {}),
        providers,
        firstSeen: ti.first_seen,
        lastSeen: ti.last_seen,
        expires: j.expires ?? null,
        expired: j.expires != null && Date.parse(j.expires) <= Date.parse(now),
        ...(ti.confidence ? { confidence: ti.confidence } : {}),
        ...(ti.description ? { description: ti.description } : {}),
      });
    }
    if (hits.length < 5000) return rows;
    after = hits[hits.length - 1]!.sort;
  }
}

/** The match lists of the active indicators. */
export function matchLists(rows: IndicatorRow[]): Record<ListName, string[]> {
  const lists = Object.fromEntries(LISTS.map((l) => [l, new Set<string>()])) as Record<ListName, Set<string>>;
  for (const r of rows) {
    if (r.expired) continue;
    switch (r.kind) {
      case 'ip':
      case 'cidr':
        lists.ips.add(r.value);
        break;
      case 'domain':
        lists.domains.add(r.value);
        break;
      case 'url': {
        lists.urls.add(r.value);
        // the URL's host is matched too: as a domain (with its subdomains) or as an address
        const host = urlHost(r.value).replace(/^\[|\]$/g, '');
        const n = normalise(host, 'ip');
        if ('error' in n) lists.domains.add(host);
        else lists.ips.add(n.value);
        break;
      }
      case 'email':
        lists.senders.add(r.value);
        break;
      case 'file':
        lists.attachment_names.add(r.value);
        break;
      case 'subject':
        lists.subjects.add(r.value);
        break;
      case 'hash':
        // no source of this pack logs file hashes: kept and listed, not matched
        break;
    }
  }
  return Object.fromEntries(LISTS.map((l) => [l, [...lists[l]].sort()])) as Record<ListName, string[]>;
}

/** Rebuilds the match lists from the indicators active now; returns their sizes and the number of expired indicators. */
export async function rebuildLists(conn: Connection, now: string): Promise<{ sizes: Record<ListName, number>; expired: number; dropped: number }> {
  const rows = await readIndicators(conn, {}, now);
  const lists = matchLists(rows);
  // what the lists held before, to say how many values this rebuild took out of matching
  const before = (await conn.request('POST', `/${LISTS_INDEX}/_mget`, { ids: [...LISTS] })).body as { docs?: Array<{ _id: string; found?: boolean; _source?: { values?: string[] } }> };
  let dropped = 0;
  for (const d of before.docs ?? []) {
    const now_ = new Set(lists[d._id as ListName] ?? []);
    dropped += (d._source?.values ?? []).filter((v) => !now_.has(v)).length;
  }
  const lines: string[] = [];
  for (const l of LISTS) {
    lines.push(JSON.stringify({ index: { _index: LISTS_INDEX, _id: l } }));
    lines.push(JSON.stringify({ values: lists[l], count: lists[l].length, updated: now }));
  }
  await bulk(conn, lines);
  await conn.request('POST', `/${LISTS_INDEX}/_refresh`);
  return { sizes: Object.fromEntries(LISTS.map((l) => [l, lists[l].length])) as Record<ListName, number>, expired: rows.filter((r) => r.expired).length, dropped };
}

/**
 * Removes indicators: the rows given are deleted, or, with `source`, only lose that
 * provider (and are deleted when it was their last). Returns how many were deleted and how
 * many kept for other providers.
 */
export async function deleteIndicators(conn: Connection, rows: IndicatorRow[], source?: string): Promise<{ deleted: number; kept: number }> {
  const lines: string[] = [];
  let deleted = 0;
  let kept = 0;
  for (const r of rows) {
    const rest = source === undefined ? [] : r.providers.filter((p) => p !== source);
    if (rest.length === 0) {
      lines.push(JSON.stringify({ delete: { _index: INDICATOR_INDEX, _id: r.id } }));
      deleted++;
    } else {
      lines.push(JSON.stringify({ update: { _index: INDICATOR_INDEX, _id: r.id } }));
      lines.push(JSON.stringify({ doc: { threat: { indicator: { provider: rest }, feed: { name: rest } } } }));
      kept++;
    }
  }
  if (lines.length) await bulk(conn, lines);
  await conn.request('POST', `/${INDICATOR_INDEX}/_refresh`);
  return { deleted, kept };
}

/** Creates the two indices when they are missing (their mappings come from the pack's index templates). */
export async function ensureIndicatorIndices(conn: Connection): Promise<string[]> {
  const created: string[] = [];
  for (const index of [INDICATOR_INDEX, LISTS_INDEX]) {
    const res = await conn.request('GET', `/${index}/_mapping`);
    if (res.status !== 404) continue;
    try {
      await conn.request('PUT', `/${index}`);
      created.push(index);
    } catch (err) {
      // made by someone else in between
      if (!(err instanceof RejectedObjectError && /already_exists/.test(err.message))) throw err;
    }
  }
  return created;
}
