import ipaddr from 'ipaddr.js';
import { interpolate } from '../content/load.js';
import { withRuleDefaults, type NotifySettings, type Profile, type TimeRange } from '../content/profile.js';
import { ContentError } from '../errors.js';
import { checkQuerySubset } from './query-subset.js';
import type { Condition, Rule } from './schema.js';

/**
 * The layer between a rule and its targets: fills profile placeholders, expands the pack's
 * DSL extensions into plain query DSL that both engines accept, and adds the business-hours
 * clause. Every target renders from this, never from the raw rule.
 */

export interface ResolvedRule {
  rule: Rule;
  /** data stream patterns the rule reads */
  indices: string[];
  /** the whole selection (filter, exclusions, business hours), without the time range */
  query: Record<string, unknown>;
  groupBy: string[];
  conditions: Array<Condition & { gte: number }>;
  baseline?: { history: number; ratio: number; minCount: number };
  windowMs: number;
  scheduleMs: number;
  timezone: string;
  regularity: boolean;
  notify: NotifySettings;
  /**
   * prevalence (rules/README.md): the search reads `windowMs` back with `query` (the rule's
   * filter and exclude, without the business-hours clause); a group alerts while fewer than
   * `lt` distinct values of `field` have events in it, and its conditions are judged on its
   * events that match the rule's whole selection in the rule's own window
   */
  prevalence?: { field: string; windowMs: number; lt: number; query: Record<string, unknown> };
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationMs(d: string): number {
  const m = /^(\d+)([smhd])$/.exec(d);
  if (!m) throw new ContentError(`"${d}" is not a duration such as 15m, 1h or 7d`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

function toNumber(v: unknown, what: string, file: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new ContentError(`${file}: ${what} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

/** Matches no document: what an extension over an empty profile list becomes. */
export const NOTHING = { match_none: {} };

/** The host of a URL (or the value itself when it is a bare host), lower-cased, as rules/README.md says. */
export function hostOf(value: string): string {
  let rest = value.trim();
  const scheme = rest.indexOf('://');
  if (scheme >= 0) rest = rest.slice(scheme + 3);
  rest = rest.split(/[/?#]/)[0] ?? '';
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = rest.slice(at + 1);
  if (rest.startsWith('[')) rest = rest.slice(1, rest.indexOf(']') > 0 ? rest.indexOf(']') : undefined);
  else if (rest.includes(':') && rest.indexOf(':') === rest.lastIndexOf(':')) rest = rest.slice(0, rest.indexOf(':'));
  return rest.toLowerCase().replace(/\.$/, '');
}

function escapeWildcard(s: string): string {
  return s.replace(/[\\*?]/g, (c) => `\\${c}`);
}

function isIpOrCidr(s: string): boolean {
  try {
    if (s.includes('/')) ipaddr.parseCIDR(s);
    else ipaddr.parse(s);
    return true;
  } catch {
    return false;
  }
}

function stringList(v: unknown, what: string, file: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ContentError(`${file}: ${what} must be a list of strings`);
  return v as string[];
}

/** Expands the pack's DSL extensions (see rules/README.md) wherever they stand in a clause. */
export function expandExtensions(clause: unknown, profile: Required<Profile>, file: string): unknown {
  if (Array.isArray(clause)) return clause.map((c) => expandExtensions(c, profile, file));
  if (clause === null || typeof clause !== 'object') return clause;
  const entries = Object.entries(clause as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, value] = entries[0]!;
    if (key === 'wildcard_any') {
      const { field, patterns } = value as { field: string; patterns: unknown };
      const list = stringList(patterns, 'wildcard_any.patterns', file);
      if (list.length === 0) return NOTHING;
      return { bool: { should: list.map((p) => ({ wildcard: { [field]: { value: p } } })), minimum_should_match: 1 } };
    }
    if (key === 'domain_any') {
      const { field, domains, urls } = value as { field: string; domains?: unknown; urls?: unknown };
      const hosts = [...stringList(domains, 'domain_any.domains', file), ...stringList(urls, 'domain_any.urls', file)].map(hostOf).filter((h) => h !== '');
      const unique = [...new Set(hosts)];
      if (unique.length === 0) return NOTHING;
      return {
        bool: {
          should: unique.flatMap((d) => [
            { term: { [field]: { value: d, case_insensitive: true } } },
            { wildcard: { [field]: { value: `*.${escapeWildcard(d)}`, case_insensitive: true } } },
          ]),
          minimum_should_match: 1,
        },
      };
    }
    if (key === 'expected_denies') {
      const list = profile.firewall.expected_denies ?? [];
      if (list.length === 0) return NOTHING;
      return {
        bool: {
          should: list.map((e) => ({
            bool: {
              filter: [
                { terms: { 'source.ip': [e.source] } },
                { term: { 'destination.port': e.port } },
                ...(e.protocol ? [{ term: { 'network.transport': e.protocol.toLowerCase() } }] : []),
              ],
            },
          })),
          minimum_should_match: 1,
        },
      };
    }
    if (key === 'not_from_admin_hosts') {
      const admins = profile.accounts.admins;
      if (admins.length === 0) return NOTHING;
      return {
        bool: {
          should: admins.map((a) => {
            const addresses = a.hosts.filter(isIpOrCidr);
            const names = a.hosts.filter((h) => !isIpOrCidr(h));
            const mustNot = [
              ...(addresses.length ? [{ terms: { 'source.ip': addresses } }] : []),
              ...names.map((n) => ({ term: { 'source.domain': { value: n, case_insensitive: true } } })),
            ];
            return { bool: { filter: [{ term: { 'user.name': { value: a.name, case_insensitive: true } } }], ...(mustNot.length ? { must_not: mustNot } : {}) } };
          }),
          minimum_should_match: 1,
        },
      };
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, expandExtensions(v, profile, file)]));
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

function rangeParams(r: TimeRange): { days: number[]; start: number; end: number } {
  return { days: r.days.map((d) => DAY_NAMES.indexOf(d) + 1), start: minutes(r.start), end: minutes(r.end) };
}

/**
 * A script query, evaluated at query time so that it follows the profile: true when the
 * event's local time is outside business hours (a weekend, a holiday, or before/after the
 * hours) and inside no maintenance window. Painless on both engines.
 */
export function outsideBusinessHours(profile: Required<Profile>): Record<string, unknown> {
  return {
    script: {
      script: {
        lang: 'painless',
        source: [
          "ZonedDateTime t = doc['@timestamp'].value.withZoneSameInstant(ZoneId.of(params.tz));",
          'int day = t.getDayOfWeek().getValue();',
          'int minute = t.getHour() * 60 + t.getMinute();',
          'for (def w : params.maintenance) { if (w.days.contains(day) && minute >= w.start && minute < w.end) { return false; } }',
          'if (params.holidays.contains(t.toLocalDate().toString())) { return true; }',
          'return !(params.hours.days.contains(day) && minute >= params.hours.start && minute < params.hours.end);',
        ].join(' '),
        params: {
          tz: profile.timezone,
          hours: rangeParams(profile.business_hours),
          holidays: profile.holidays,
          maintenance: profile.maintenance_windows.map(rangeParams),
        },
      },
    },
  };
}

export function resolveRule(rule: Rule, profileIn: Profile, file = `rule ${rule.check}`): ResolvedRule {
  const profile = withRuleDefaults(profileIn);
  const logic = interpolate(rule.logic, profile, file) as Rule['logic'];
  checkQuerySubset(logic.filter, 'logic.filter', file);
  (logic.exclude ?? []).forEach((c, i) => checkQuerySubset(c, `logic.exclude[${i}]`, file));
  const filter: unknown[] = [expandExtensions(logic.filter, profile, file)];
  if (logic.outside_business_hours) filter.push(outsideBusinessHours(profile));
  const mustNot = (logic.exclude ?? []).map((c) => expandExtensions(c, profile, file));
  const query = { bool: { filter, ...(mustNot.length ? { must_not: mustNot } : {}) } };
  const baseQuery = { bool: { filter: filter.slice(0, 1), ...(mustNot.length ? { must_not: mustNot } : {}) } };
  const resolved: ResolvedRule = {
    rule,
    indices: logic.sources.map((s) => `${profile.indices.prefix}-jpcert.${s}-*`),
    query,
    groupBy: logic.group_by ?? [],
    conditions: (logic.conditions ?? []).map((c) => ({ ...c, gte: toNumber(c.gte, `conditions ${c.metric}.gte`, file) })),
    windowMs: durationMs(logic.window),
    scheduleMs: durationMs(logic.schedule),
    timezone: profile.timezone,
    regularity: logic.regularity ?? false,
    notify: profile.notify,
  };
  if (logic.prevalence) {
    const windowMs = durationMs(logic.prevalence.window);
    if (windowMs < resolved.windowMs) throw new ContentError(`${file}: prevalence.window (${logic.prevalence.window}) must be at least the rule's window (${logic.window})`);
    resolved.prevalence = { field: logic.prevalence.field, windowMs, lt: toNumber(logic.prevalence.lt, 'prevalence.lt', file), query: baseQuery };
  }
  if (logic.baseline) {
    resolved.baseline = {
      history: logic.baseline.history,
      ratio: toNumber(logic.baseline.ratio, 'baseline.ratio', file),
      minCount: toNumber(logic.baseline.min_count, 'baseline.min_count', file),
    };
  }
  return resolved;
}
