import ipaddr from 'ipaddr.js';
import type { Connection } from '../cluster/connection.js';
import { withRuleDefaults, type Profile } from '../content/profile.js';
import { INDICATOR_INDEX } from '../ioc/store.js';
import { PACK_ROOT } from '../paths.js';
import { loadRules } from '../rules/load.js';
import { expandExtensions, outsideBusinessHours, resolveRule } from '../rules/resolve.js';
import { coveredBy, isProposable, overlaps, registeredDomain } from './domains.js';
import type { ProfileEdit } from './profile-edit.js';
import { groupUserAgents } from './user-agents.js';

/**
 * `npm run tune`: reads a baseline period of the organisation's own logs (the data streams
 * the pack fills) and proposes profile entries, each with its evidence. Only aggregations are
 * asked of the engine (composite aggregations paged by after_key, cardinality for distinct
 * counts), never the events themselves, so a year of logs costs a few dozen requests per
 * proposal kind, not a download.
 *
 * - business_domains / software.domains: registered domains (src/tune/domains.ts) reached
 *   through the proxy by at least `minClients` distinct clients on at least `share` of the
 *   business days that have proxy data; hosts already covered by business_domains or
 *   software.domains (the pack's defaults included) are left out before counting, and a
 *   domain that overlaps an indicator (the profile's or the indicator index's, expired ones
 *   included) is never proposed. A domain most of whose requests carry a User-Agent that is
 *   not a standard browser's goes to software.domains, the others to business_domains.
 * - software.user_agents: User-Agents that are not the standard browsers' (and not yet
 *   listed), grouped by shape and generalised where their versions differ
 *   (src/tune/user-agents.ts), seen from at least `minClients` distinct clients.
 * - hosts.servers: hosts (source.address: the client address, or the workstation name when
 *   the event has none) that authenticate at least `serverUsers` distinct users (machine
 *   accounts left out) a day on at least `share` of the business days with Windows data
 *   (4624, 4768, 4769, 4776).
 * - hosts.always_on: internal clients (networks.internal, the proxy left out) seen in the
 *   proxy, firewall or DNS logs outside business hours (the profile's hours, holidays,
 *   maintenance windows and zone, as G1 and PROXY-5 judge them) in at least `nightHours`
 *   distinct hours of a night, on at least `share` of the nights that have such data. A
 *   night runs from noon to noon, local time.
 * - organization.partner_domains (when the profile has the key): registered domains whose
 *   own mail (header From and envelope sender in the same registered domain) reaches the
 *   organisation on most business days (partnerProposals).
 * - software.addresses (when the profile has the key): external addresses internal clients
 *   reach directly through the firewall, from many clients on most business days
 *   (addressProposals).
 * - software.domains (hosts, from the night): host names (url.domain, not the registered
 *   domain: sharepoint.com and microsoft.com are shared by every tenant and service) that PCs
 *   reach through the proxy outside business hours from at least `nightClients` distinct
 *   clients (the rules' thresholds.common_clients) on at least `share` of the nights with off-hours proxy data: what the PCs left on
 *   call with nobody at them is software, whatever its User-Agent claims (Teams and Zoom send a
 *   browser's). PROXY-5 (and PROXY-3 with a known User-Agent) leave them out.
 * - firewall.expected_denies: (source, destination port, protocol) denied by FW-1's own
 *   selection on at least `denyShare` of the business days with firewall data, at a steady
 *   daily count (median >= 2, coefficient of variation <= `denySteadiness`): a program with a
 *   hard-coded destination retrying all day, every day. A pair whose destinations include an
 *   indicator is not proposed.
 * - thresholds.common_clients: lowered when the clients typically active at night are too few
 *   to ever make a destination "common" at night (fewer than twice the threshold); proposed
 *   as half of them, at least 2.
 * - thresholds.many_auth: raised when a server (listed or proposed) reaches it in AD-4's own
 *   selection and window in the baseline; one PC's burst never raises it.
 */

export interface TuneOptions {
  /** the baseline period, epoch milliseconds, `to` exclusive */
  from: number;
  to: number;
  profile: Profile;
  /** read `<prefix>-jpcert.<source>-<namespace>` instead of every namespace */
  namespace?: string;
  /** distinct clients that make a domain or User-Agent prevalent; default max(5, a tenth of the clients active in the period) */
  minClients?: number;
  /** the share of business days (domains, servers) or nights (always-on hosts) that is "most"; default 0.6 */
  share?: number;
  /** distinct users a day that make a host a server; default 10 */
  serverUsers?: number;
  /** distinct off-hours hours that make a host "on" during a night; default 3 */
  nightHours?: number;
  /** requests from non-browser User-Agents that make a domain software's rather than people's; default 0.5 */
  softwareShare?: number;
  /** distinct clients a night that make a host software's; default the profile's thresholds.common_clients (at least 2) */
  nightClients?: number;
  /** the share of business days a (source, port) must be denied on to be an expected deny; default 0.8 */
  denyShare?: number;
  /** the largest coefficient of variation of its daily deny counts that is still "steady"; default 0.5 */
  denySteadiness?: number;
  /** content root (rules/); default the pack's */
  root?: string;
}

export const TUNE_DEFAULTS = { share: 0.6, serverUsers: 10, nightHours: 3, softwareShare: 0.5, minClientsFloor: 5, minClientsRatio: 0.1, denyShare: 0.8, denySteadiness: 0.5, denyMinDays: 3 } as const;

export type ProposalKey = 'organization.partner_domains' | 'software.addresses' | 'business_domains' | 'software.domains' | 'software.user_agents' | 'hosts.servers' | 'hosts.always_on' | 'firewall.expected_denies' | 'thresholds.common_clients' | 'thresholds.many_auth';

export interface Proposal extends ProfileEdit {
  key: ProposalKey;
  /** the figures behind the evidence line */
  data: Record<string, unknown>;
}

export interface TuneResult {
  from: string;
  to: string;
  namespace?: string;
  /** distinct clients in the proxy log over the period */
  activeClients: number;
  /** business days with proxy data, nights with off-hours data */
  businessDays: string[];
  nights: string[];
  settings: { minClients: number; share: number; serverUsers: number; nightHours: number; softwareShare: number; nightClients: number; denyShare: number; denySteadiness: number };
  proposals: Proposal[];
  /** what was looked at and found nothing, or could not be looked at */
  notes: string[];
}

const PAGE = 2000;
const BUCKET_BUDGET = 20_000;

interface Ctx {
  conn: Connection;
  profile: Required<Profile>;
  prefix: string;
  ns: string;
  from: number;
  to: number;
}

function indices(ctx: Ctx, sources: string[]): string {
  return sources.map((s) => `${ctx.prefix}-jpcert.${s}-${ctx.ns}`).join(',');
}

async function search(ctx: Ctx, index: string, body: unknown): Promise<any> {
  const res = await ctx.conn.request('POST', `/${index}/_search?allow_no_indices=true&ignore_unavailable=true`, body);
  if (res.status !== 200) throw new Error(`search of ${index} answered HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 400)}`);
  return res.body;
}

function range(ctx: Ctx): Record<string, unknown> {
  return { range: { '@timestamp': { gte: ctx.from, lt: ctx.to, format: 'epoch_millis' } } };
}

/** Every bucket of a composite aggregation, page by page. */
async function composite(ctx: Ctx, index: string, query: unknown, sources: Array<Record<string, unknown>>, aggs?: Record<string, unknown>): Promise<any[]> {
  const out: any[] = [];
  let after: unknown;
  for (;;) {
    const body = await search(ctx, index, { size: 0, query, aggregations: { c: { composite: { size: PAGE, sources, ...(after ? { after } : {}) }, ...(aggs ? { aggs } : {}) } } });
    const agg = body.aggregations?.c;
    out.push(...(agg?.buckets ?? []));
    if (!agg?.after_key || (agg.buckets ?? []).length < PAGE) return out;
    after = agg.after_key;
  }
}

function day(ctx: Ctx): Record<string, unknown> {
  return { date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: ctx.profile.timezone, format: 'yyyy-MM-dd', min_doc_count: 1 } };
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** A local date YYYY-MM-DD that is a business day of the profile (its weekdays, not a holiday). */
export function isBusinessDay(date: string, profile: Required<Profile>): boolean {
  const dow = DAY_NAMES[new Date(`${date}T00:00:00Z`).getUTCDay()]!;
  return profile.business_hours.days.includes(dow) && !profile.holidays.includes(date);
}

/** The local date of an instant in a time zone. */
export function localDate(ms: number, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
}

/** The night an off-hours instant belongs to: nights run noon to noon, named by the evening's date. */
export function nightOf(ms: number, tz: string): string {
  return localDate(ms - 12 * 3_600_000, tz);
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function listed(value: string, entries: string[]): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6 | undefined;
  try {
    ip = ipaddr.parse(value);
  } catch {
    ip = undefined;
  }
  return entries.some((e) => {
    if (e.toLowerCase() === value.toLowerCase()) return true;
    if (!ip || !e.includes('/')) return false;
    try {
      const [net, bits] = ipaddr.parseCIDR(e);
      return net.kind() === ip.kind() && ip.match([net, bits] as any);
    } catch {
      return false;
    }
  });
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

// ------------------------------------------------------------------ the proxy: clients and days

async function proxyBasics(ctx: Ctx): Promise<{ clients: number; days: string[] }> {
  const body = await search(ctx, indices(ctx, ['squid']), {
    size: 0,
    query: { bool: { filter: [range(ctx), { exists: { field: 'source.ip' } }] } },
    aggregations: { clients: { cardinality: { field: 'source.ip' } }, days: day(ctx) },
  });
  return { clients: body.aggregations?.clients?.value ?? 0, days: (body.aggregations?.days?.buckets ?? []).map((b: any) => String(b.key_as_string)) };
}

/** Which candidate registered domains overlap an indicator: the profile's and the indicator index's. */
async function indicatorOverlaps(ctx: Ctx, candidates: string[], notes: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const own = [...ctx.profile.indicators.domains, ...ctx.profile.indicators.urls.map((u) => /^[a-z][a-z0-9+.-]*:\/\/([^/:?#]+)/i.exec(u)?.[1] ?? '')].filter(Boolean).map((d) => d.toLowerCase());
  for (const c of candidates) {
    const hit = own.find((d) => overlaps(c, d));
    if (hit) found.set(c, hit);
  }
  const rest = candidates.filter((c) => !found.has(c));
  for (let i = 0; i < rest.length; i += 300) {
    const batch = rest.slice(i, i + 300);
    const res = await ctx.conn.request('POST', `/${INDICATOR_INDEX}/_search?allow_no_indices=true&ignore_unavailable=true`, {
      size: 0,
      query: { bool: { should: [{ terms: { 'threat.indicator.url.domain': batch } }, ...batch.map((d) => ({ wildcard: { 'threat.indicator.url.domain': { value: `*.${d}`, case_insensitive: true } } }))], minimum_should_match: 1 } },
      aggregations: { d: { terms: { field: 'threat.indicator.url.domain', size: 10_000 } } },
    });
    if (res.status !== 200) {
      // a missing index is answered 200 (ignore_unavailable); a refusal (a role without read on it) is said, not hidden
      notes.push(`the indicator index ${INDICATOR_INDEX} could not be read (HTTP ${res.status}): proposals were checked against the profile's indicators only`);
      break;
    }
    for (const b of (res.body as any).aggregations?.d?.buckets ?? []) {
      const ind = String(b.key).toLowerCase();
      for (const c of batch) if (!found.has(c) && overlaps(c, ind)) found.set(c, ind);
    }
  }
  return found;
}

async function domainProposals(ctx: Ctx, o: Settings, businessDays: string[], notes: string[]): Promise<Proposal[]> {
  const p = ctx.profile;
  const covered = [...p.business_domains, ...p.software.domains];
  const base = {
    bool: {
      filter: [range(ctx), { exists: { field: 'source.ip' } }, { exists: { field: 'squid.domain_suffixes' } }],
      must_not: [expandExtensions({ domain_any: { field: 'url.domain', domains: covered } }, p, 'tune')],
    },
  };
  // stage 1: every parent domain with its distinct clients over the whole period
  const suffixes = await composite(ctx, indices(ctx, ['squid']), base, [{ s: { terms: { field: 'squid.domain_suffixes' } } }], { clients: { cardinality: { field: 'source.ip' } } });
  let candidates = suffixes.filter((b) => b.clients.value >= o.minClients && isProposable(String(b.key.s))).map((b) => String(b.key.s));
  candidates = candidates.filter((c) => !covered.some((d) => coveredBy(c, d)));
  const bad = await indicatorOverlaps(ctx, candidates, notes);
  for (const [c, ind] of bad) notes.push(`${c}: reached by many clients but overlaps the indicator ${ind}; not proposed`);
  candidates = candidates.filter((c) => !bad.has(c));
  if (!candidates.length || !businessDays.length) return [];
  // stage 2: per candidate, distinct clients per day, sample hosts, and who calls it (browser or software)
  const spanDays = Math.max(1, Math.ceil((ctx.to - ctx.from) / 86_400_000) + 1);
  const batchSize = Math.max(1, Math.min(200, Math.floor(BUCKET_BUDGET / spanDays)));
  const browsers = expandExtensions({ wildcard_any: { field: 'user_agent.original', patterns: p.browsers.user_agents } }, p, 'tune');
  const out: Proposal[] = [];
  const business = new Set(businessDays);
  for (let i = 0; i < candidates.length; i += batchSize) {
    const batch = candidates.slice(i, i + batchSize);
    const body = await search(ctx, indices(ctx, ['squid']), {
      size: 0,
      query: { bool: { ...base.bool, filter: [...base.bool.filter, { terms: { 'squid.domain_suffixes': batch } }] } },
      aggregations: {
        d: {
          terms: { field: 'squid.domain_suffixes', include: batch, size: batch.length },
          aggs: {
            clients: { cardinality: { field: 'source.ip' } },
            days: { ...day(ctx), aggs: { clients: { cardinality: { field: 'source.ip' } } } },
            hosts: { terms: { field: 'url.domain', size: 3 } },
            with_ua: { filter: { exists: { field: 'user_agent.original' } }, aggs: { browser: { filter: browsers } } },
          },
        },
      },
    });
    for (const b of body.aggregations?.d?.buckets ?? []) {
      const domain = String(b.key);
      const perDay = (b.days.buckets as any[]).filter((d) => business.has(String(d.key_as_string)));
      const good = perDay.filter((d) => d.clients.value >= o.minClients).length;
      if (good < o.share * businessDays.length) continue;
      const withUa = b.with_ua.doc_count as number;
      const software = withUa > 0 ? (withUa - b.with_ua.browser.doc_count) / withUa : 0;
      const key: ProposalKey = withUa > 0 && software >= o.softwareShare ? 'software.domains' : 'business_domains';
      const hosts = (b.hosts.buckets as any[]).map((h) => String(h.key));
      const dailyClients = median(perDay.map((d) => d.clients.value));
      out.push({
        key,
        value: domain,
        evidence: `${b.clients.value} clients; ${good} of ${businessDays.length} business days with >= ${o.minClients} (median ${dailyClients} a day); ${withUa ? `${pct(software)} of requests by software; ` : ''}e.g. ${hosts.join(', ')}`,
        data: { clients: b.clients.value, businessDays: good, ofBusinessDays: businessDays.length, medianDailyClients: dailyClients, softwareShare: withUa ? software : null, sampleHosts: hosts, requests: b.doc_count },
      });
    }
  }
  return out.sort((a, b) => (b.data.clients as number) - (a.data.clients as number) || String(a.value).localeCompare(String(b.value)));
}

// ------------------------------------------------------------------ User-Agents

async function userAgentProposals(ctx: Ctx, o: Settings): Promise<Proposal[]> {
  const p = ctx.profile;
  const query = {
    bool: {
      filter: [range(ctx), { exists: { field: 'source.ip' } }, { exists: { field: 'user_agent.original' } }],
      must_not: [
        expandExtensions({ wildcard_any: { field: 'user_agent.original', patterns: p.browsers.user_agents } }, p, 'tune'),
        expandExtensions({ wildcard_any: { field: 'user_agent.original', patterns: p.software.user_agents } }, p, 'tune'),
        { term: { 'user_agent.original': '-' } },
      ],
    },
  };
  const uas = await composite(ctx, indices(ctx, ['squid']), query, [{ u: { terms: { field: 'user_agent.original' } } }], { clients: { cardinality: { field: 'source.ip' } } });
  const clientsOf = new Map(uas.map((b) => [String(b.key.u), b.clients.value as number]));
  // a group can only reach minClients if the sum of its members' clients does
  const groups = [...groupUserAgents(clientsOf.keys()).values()].filter((g) => g.uas.reduce((a, u) => a + clientsOf.get(u)!, 0) >= o.minClients);
  const out: Proposal[] = [];
  const spanDays = Math.max(1, Math.ceil((ctx.to - ctx.from) / 86_400_000) + 1);
  const batchSize = Math.max(1, Math.min(100, Math.floor(BUCKET_BUDGET / spanDays)));
  for (let i = 0; i < groups.length; i += batchSize) {
    const batch = groups.slice(i, i + batchSize);
    const body = await search(ctx, indices(ctx, ['squid']), {
      size: 0,
      query,
      aggregations: {
        g: {
          filters: { filters: Object.fromEntries(batch.map((g, j) => [`g${j}`, { terms: { 'user_agent.original': g.uas } }])) },
          aggs: { clients: { cardinality: { field: 'source.ip' } }, days: day(ctx) },
        },
      },
    });
    batch.forEach((g, j) => {
      const b = body.aggregations.g.buckets[`g${j}`];
      const clients = b.clients.value as number;
      if (clients < o.minClients) return;
      const days = (b.days.buckets as any[]).length;
      const sample = [...g.uas].sort((a, c) => clientsOf.get(c)! - clientsOf.get(a)!)[0]!;
      out.push({
        key: 'software.user_agents',
        value: g.pattern,
        evidence: `${clients} client${clients === 1 ? '' : 's'}, ${days} day${days === 1 ? '' : 's'}, ${g.uas.length} User-Agent${g.uas.length > 1 ? 's' : ''}${g.uas.length > 1 || sample !== g.pattern ? `, e.g. "${sample}"` : ''}`,
        data: { clients, days, userAgents: g.uas.length, sample, requests: b.doc_count },
      });
    });
  }
  return out.sort((a, b) => (b.data.clients as number) - (a.data.clients as number) || String(a.value).localeCompare(String(b.value)));
}

// ------------------------------------------------------------------ servers

const AUTH_EVENTS = ['4624', '4768', '4769', '4776'];

async function serverProposals(ctx: Ctx, o: Settings, notes: string[]): Promise<Proposal[]> {
  const p = ctx.profile;
  const query = {
    bool: {
      filter: [range(ctx), { terms: { 'event.code': AUTH_EVENTS } }, { exists: { field: 'source.address' } }, { exists: { field: 'user.name' } }],
      must_not: [{ terms: { 'source.address': ['127.0.0.1', '::1', '-'] } }, { wildcard: { 'user.name': { value: '*$' } } }],
    },
  };
  const index = indices(ctx, ['windows']);
  const buckets = await composite(ctx, index, query, [{ h: { terms: { field: 'source.address' } } }, { d: { date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: p.timezone, format: 'yyyy-MM-dd' } } }], { users: { cardinality: { field: 'user.name' } } });
  const winDays = [...new Set(buckets.map((b) => String(b.key.d)))].filter((d) => isBusinessDay(d, p)).sort();
  if (!winDays.length) {
    notes.push('no authentication events (4624, 4768, 4769, 4776) in the period: no server proposals');
    return [];
  }
  const perHost = new Map<string, Map<string, number>>();
  for (const b of buckets) {
    const h = String(b.key.h);
    const m = perHost.get(h) ?? new Map<string, number>();
    m.set(String(b.key.d), b.users.value);
    perHost.set(h, m);
  }
  const candidates: Array<{ host: string; good: number; maxDay: number; medianDay: number }> = [];
  for (const [host, days] of perHost) {
    if (listed(host, p.hosts.servers)) continue;
    const business = winDays.map((d) => days.get(d) ?? 0);
    const good = business.filter((u) => u >= o.serverUsers).length;
    if (good >= o.share * winDays.length) candidates.push({ host, good, maxDay: Math.max(...days.values()), medianDay: median(business) });
  }
  const out: Proposal[] = [];
  const hours = Math.max(1, Math.ceil((ctx.to - ctx.from) / 3_600_000));
  const batchSize = Math.max(1, Math.floor(BUCKET_BUDGET / hours));
  for (let i = 0; i < candidates.length; i += batchSize) {
    const batch = candidates.slice(i, i + batchSize);
    const body = await search(ctx, index, {
      size: 0,
      query: { bool: { ...query.bool, filter: [...query.bool.filter, { terms: { 'source.address': batch.map((c) => c.host) } }] } },
      aggregations: {
        h: {
          terms: { field: 'source.address', size: batch.length },
          aggs: { users: { cardinality: { field: 'user.name' } }, hours: { date_histogram: { field: '@timestamp', fixed_interval: '1h', min_doc_count: 1 }, aggs: { users: { cardinality: { field: 'user.name' } } } }, max_hour: { max_bucket: { buckets_path: 'hours>users' } } },
        },
      },
    });
    const byHost = new Map((body.aggregations?.h?.buckets ?? []).map((b: any) => [String(b.key), b]));
    for (const c of batch) {
      const b: any = byHost.get(c.host);
      const maxHour = b?.max_hour?.value ?? 0;
      out.push({
        key: 'hosts.servers',
        value: c.host,
        evidence: `${b?.users?.value ?? c.maxDay} distinct users in the period; up to ${c.maxDay} a day (median ${c.medianDay} on business days), up to ${maxHour} in one hour; ${c.good} of ${winDays.length} business days with >= ${o.serverUsers}`,
        data: { users: b?.users?.value ?? null, maxDailyUsers: c.maxDay, medianDailyUsers: c.medianDay, maxHourlyUsers: maxHour, businessDays: c.good, ofBusinessDays: winDays.length },
      });
    }
  }
  return out.sort((a, b) => (b.data.maxDailyUsers as number) - (a.data.maxDailyUsers as number));
}

// ------------------------------------------------------------------ hosts left on

interface NightData {
  proposals: Proposal[];
  nights: string[];
  /** per night, the internal clients with any off-hours activity */
  activePerNight: number[];
}

async function alwaysOnProposals(ctx: Ctx, o: Settings): Promise<NightData> {
  const p = ctx.profile;
  const query = {
    bool: {
      filter: [range(ctx), { terms: { 'source.ip': p.networks.internal } }, outsideBusinessHours(p)],
      ...(p.proxy.addresses.length ? { must_not: [{ terms: { 'source.ip': p.proxy.addresses } }] } : {}),
    },
  };
  const buckets = await composite(ctx, indices(ctx, ['squid', 'netscreen', 'bind']), query, [{ h: { terms: { field: 'source.ip' } } }, { t: { date_histogram: { field: '@timestamp', fixed_interval: '1h' } } }]);
  const perHost = new Map<string, Map<string, number>>();
  const nights = new Set<string>();
  const activeByNight = new Map<string, Set<string>>();
  for (const b of buckets) {
    const h = String(b.key.h);
    const night = nightOf(Number(b.key.t), p.timezone);
    nights.add(night);
    const m = perHost.get(h) ?? new Map<string, number>();
    m.set(night, (m.get(night) ?? 0) + 1);
    perHost.set(h, m);
    const a = activeByNight.get(night) ?? new Set<string>();
    a.add(h);
    activeByNight.set(night, a);
  }
  const all = [...nights].sort();
  const out: Proposal[] = [];
  for (const [host, m] of perHost) {
    if (listed(host, p.hosts.always_on)) continue;
    const on = [...m.entries()].filter(([, hours]) => hours >= o.nightHours);
    if (!all.length || on.length < o.share * all.length) continue;
    const avg = on.reduce((a, [, h]) => a + h, 0) / on.length;
    out.push({
      key: 'hosts.always_on',
      value: host,
      evidence: `on ${on.length} of ${all.length} nights (>= ${o.nightHours} off-hours hours each, ${avg.toFixed(1)} on average)`,
      data: { nights: on.length, ofNights: all.length, meanHours: Number(avg.toFixed(1)) },
    });
  }
  out.sort((a, b) => (b.data.nights as number) - (a.data.nights as number) || ipOrder(String(a.value), String(b.value)));
  return { proposals: out, nights: all, activePerNight: all.map((n) => activeByNight.get(n)?.size ?? 0) };
}

function ipOrder(a: string, b: string): number {
  try {
    const x = ipaddr.parse(a).toByteArray();
    const y = ipaddr.parse(b).toByteArray();
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  } catch {
    return a.localeCompare(b);
  }
}

// ------------------------------------------------------------------ partners' mail domains

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/**
 * organization.partner_domains: registered domains whose mail reaches the organisation with
 * the header From and the envelope sender in that same registered domain (the partner's own
 * mail, not a mail service's) on at least `share` of the business days with mail, to at
 * least two distinct recipients. A domain of the organisation, one already listed, or one
 * overlapping an indicator (domains, senders) is not proposed.
 */
async function partnerProposals(ctx: Ctx, o: Settings, notes: string[]): Promise<Proposal[]> {
  const p = ctx.profile;
  const org = p.organization as { domains: string[]; partner_domains?: string[] };
  const known = [...org.domains, ...(org.partner_domains ?? [])];
  const index = indices(ctx, ['postfix']);
  const query = { bool: { filter: [range(ctx), { exists: { field: 'email.from.address' } }, { exists: { field: 'email.sender.address' } }] } };
  const pairs = await composite(ctx, index, query, [{ f: { terms: { field: 'email.from.address' } } }, { s: { terms: { field: 'email.sender.address' } } }]);
  const aligned = new Map<string, number>();
  for (const b of pairs) {
    const d = registeredDomain(domainOf(String(b.key.f)));
    if (!d || !isProposable(d) || registeredDomain(domainOf(String(b.key.s))) !== d) continue;
    aligned.set(d, (aligned.get(d) ?? 0) + b.doc_count);
  }
  const days = (await search(ctx, index, { size: 0, query, aggregations: { d: day(ctx) } })).aggregations?.d?.buckets ?? [];
  const mailDays = (days as any[]).map((b) => String(b.key_as_string)).filter((d) => isBusinessDay(d, p));
  if (!mailDays.length) return [];
  const indicatorDomains = [...p.indicators.domains, ...p.indicators.senders.map(domainOf)].map((d) => d.toLowerCase());
  let candidates = [...aligned].filter(([d, n]) => n >= o.share * mailDays.length && !known.some((k) => overlaps(d, k))).map(([d]) => d);
  const fromIndex = await indicatorOverlaps(ctx, candidates, notes);
  for (const c of candidates) {
    const ind = fromIndex.get(c) ?? indicatorDomains.find((i) => overlaps(c, i));
    if (ind) notes.push(`${c}: sends the organisation mail every day but overlaps the indicator ${ind}; not proposed as a partner`);
  }
  candidates = candidates.filter((c) => !fromIndex.has(c) && !indicatorDomains.some((i) => overlaps(c, i)));
  const out: Proposal[] = [];
  const spanDays = Math.max(1, Math.ceil((ctx.to - ctx.from) / 86_400_000) + 1);
  const batchSize = Math.max(1, Math.min(50, Math.floor(BUCKET_BUDGET / spanDays)));
  const under = (field: string, d: string) => ({ bool: { should: [{ wildcard: { [field]: { value: `*@${d}`, case_insensitive: true } } }, { wildcard: { [field]: { value: `*.${d}`, case_insensitive: true } } }], minimum_should_match: 1 } });
  for (let i = 0; i < candidates.length; i += batchSize) {
    const batch = candidates.slice(i, i + batchSize);
    const body = await search(ctx, index, {
      size: 0,
      query,
      aggregations: {
        g: {
          filters: { filters: Object.fromEntries(batch.map((d, j) => [`g${j}`, { bool: { filter: [under('email.from.address', d), under('email.sender.address', d)] } }])) },
          aggs: { days: day(ctx), recipients: { cardinality: { field: 'email.to.address' } }, senders: { cardinality: { field: 'email.from.address' } }, sample: { terms: { field: 'email.from.address', size: 2 } } },
        },
      },
    });
    batch.forEach((d, j) => {
      const b = body.aggregations.g.buckets[`g${j}`];
      const good = (b.days.buckets as any[]).filter((x) => mailDays.includes(String(x.key_as_string))).length;
      if (good < o.share * mailDays.length || b.recipients.value < 2) return;
      const sample = (b.sample.buckets as any[]).map((x) => String(x.key));
      out.push({
        key: 'organization.partner_domains',
        value: d,
        evidence: `${b.doc_count} mails from ${b.senders.value} addresses to ${b.recipients.value} recipients on ${good} of ${mailDays.length} business days, From and envelope sender both in ${d}; e.g. ${sample.join(', ')}`,
        data: { mails: b.doc_count, senders: b.senders.value, recipients: b.recipients.value, businessDays: good, ofBusinessDays: mailDays.length, sample },
      });
    });
  }
  return out.sort((a, b) => (b.data.mails as number) - (a.data.mails as number));
}

// ------------------------------------------------------------------ direct destinations

/**
 * software.addresses: external addresses that internal clients reach directly through the
 * firewall (sessions allowed from an internal to an external zone, the proxy's own left out)
 * from at least `minClients` distinct clients on at least `share` of the business days with
 * such sessions: conferencing media relays and the like. An address already covered (the
 * profile's and the pack's ranges), internal, or listed as an indicator is not proposed.
 */
async function addressProposals(ctx: Ctx, o: Settings, notes: string[]): Promise<Proposal[]> {
  const p = ctx.profile;
  const covered = ((p.software as Record<string, unknown>).addresses as string[] | undefined) ?? [];
  const query = {
    bool: {
      filter: [
        range(ctx),
        { term: { 'event.dataset': 'jpcert.netscreen' } },
        { term: { 'event.type': 'allowed' } },
        { terms: { 'observer.ingress.zone': p.firewall.internal_zones } },
        { terms: { 'observer.egress.zone': p.firewall.external_zones } },
        { terms: { 'source.ip': p.networks.internal } },
        { exists: { field: 'destination.ip' } },
      ],
      must_not: [{ terms: { 'destination.ip': p.networks.internal } }, ...(p.proxy.addresses.length ? [{ terms: { 'source.ip': p.proxy.addresses } }] : [])],
    },
  };
  const buckets = await composite(ctx, indices(ctx, ['netscreen']), query, [{ a: { terms: { field: 'destination.ip' } } }, { d: { date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: p.timezone, format: 'yyyy-MM-dd' } } }], { clients: { cardinality: { field: 'source.ip' } } });
  const days = [...new Set(buckets.map((b) => String(b.key.d)))].filter((d) => isBusinessDay(d, p)).sort();
  if (!days.length) return [];
  const per = new Map<string, Map<string, number>>();
  for (const b of buckets) {
    const a = String(b.key.a);
    const m = per.get(a) ?? new Map<string, number>();
    m.set(String(b.key.d), b.clients.value);
    per.set(a, m);
  }
  const out: Proposal[] = [];
  for (const [address, m] of per) {
    if (listed(address, covered)) continue;
    const good = days.filter((d) => (m.get(d) ?? 0) >= o.minClients).length;
    if (good < o.share * days.length) continue;
    if (listed(address, p.indicators.ips)) {
      notes.push(`${address}: reached directly by many clients but listed as an indicator; not proposed`);
      continue;
    }
    const daily = median(days.map((d) => m.get(d) ?? 0));
    out.push({
      key: 'software.addresses',
      value: address,
      evidence: `reached directly (allowed through the firewall) on ${good} of ${days.length} business days by >= ${o.minClients} clients (median ${daily} a day)`,
      data: { businessDays: good, ofBusinessDays: days.length, medianDailyClients: daily },
    });
  }
  return out.sort((a, b) => ipOrder(String(a.value), String(b.value)));
}

// ------------------------------------------------------------------ software hosts, from the night

/**
 * software.domains from the nights: host names PCs reach through the proxy outside business
 * hours from at least `nightClients` distinct clients on at least `share` of the nights with
 * off-hours proxy data. Hosts (url.domain), not registered domains: the registered domains of
 * cloud services (sharepoint.com, microsoft.com) are every tenant's and every service's, and
 * an attacker's tenant on them must still be seen. A host already covered by software.domains
 * (or by a registered domain proposed for it) or overlapping an indicator is not proposed.
 */
async function nightSoftwareProposals(ctx: Ctx, o: Settings, proposed: string[], notes: string[]): Promise<Proposal[]> {
  const p = ctx.profile;
  const covered = [...p.software.domains, ...proposed];
  const query = {
    bool: {
      filter: [range(ctx), { terms: { 'source.ip': p.networks.internal } }, { exists: { field: 'url.domain' } }, outsideBusinessHours(p)],
      must_not: [expandExtensions({ domain_any: { field: 'url.domain', domains: covered } }, p, 'tune'), ...(p.proxy.addresses.length ? [{ terms: { 'source.ip': p.proxy.addresses } }] : [])],
    },
  };
  const buckets = await composite(ctx, indices(ctx, ['squid']), query, [{ h: { terms: { field: 'url.domain' } } }, { c: { terms: { field: 'source.ip' } } }, { t: { date_histogram: { field: '@timestamp', fixed_interval: '1h' } } }]);
  const perHost = new Map<string, Map<string, Set<string>>>();
  const nights = new Set<string>();
  for (const b of buckets) {
    const host = String(b.key.h).toLowerCase();
    const night = nightOf(Number(b.key.t), p.timezone);
    nights.add(night);
    const m = perHost.get(host) ?? new Map<string, Set<string>>();
    const set = m.get(night) ?? new Set<string>();
    set.add(String(b.key.c));
    m.set(night, set);
    perHost.set(host, m);
  }
  const all = [...nights].sort();
  if (!all.length) return [];
  let candidates: Array<{ host: string; good: number; median: number; clients: number }> = [];
  for (const [host, m] of perHost) {
    if (covered.some((d) => coveredBy(host, d))) continue;
    const good = all.filter((n) => (m.get(n)?.size ?? 0) >= o.nightClients).length;
    if (good < o.share * all.length) continue;
    const clients = new Set([...m.values()].flatMap((x) => [...x])).size;
    candidates.push({ host, good, median: median(all.map((n) => m.get(n)?.size ?? 0)), clients });
  }
  const bad = await indicatorOverlaps(ctx, candidates.map((c) => c.host), notes);
  for (const [c, ind] of bad) notes.push(`${c}: reached at night by many clients but overlaps the indicator ${ind}; not proposed`);
  candidates = candidates.filter((c) => !bad.has(c.host));
  if (!candidates.length) return [];
  // who calls it: the commonest User-Agents of its off-hours requests, for the reviewer
  const body = await search(ctx, indices(ctx, ['squid']), {
    size: 0,
    query: { bool: { ...query.bool, filter: [...query.bool.filter, { terms: { 'url.domain': candidates.map((c) => c.host) } }] } },
    aggregations: { h: { terms: { field: 'url.domain', size: candidates.length }, aggs: { ua: { terms: { field: 'user_agent.original', size: 1 } } } } },
  });
  const uaOf = new Map<string, string>(((body.aggregations?.h?.buckets ?? []) as any[]).map((b) => [String(b.key).toLowerCase(), String(b.ua?.buckets?.[0]?.key ?? '')]));
  return candidates
    .map((c): Proposal => {
      const ua = uaOf.get(c.host);
      return {
        key: 'software.domains',
        value: c.host,
        evidence: `reached outside business hours on ${c.good} of ${all.length} nights by >= ${o.nightClients} clients (median ${c.median} a night, ${c.clients} in all)${ua ? `; e.g. "${ua.length > 80 ? `${ua.slice(0, 77)}...` : ua}"` : ''}`,
        data: { nights: c.good, ofNights: all.length, medianNightClients: c.median, clients: c.clients, sampleUserAgent: ua ?? null, from: 'night' },
      };
    })
    .sort((a, b) => (b.data.nights as number) - (a.data.nights as number) || String(a.value).localeCompare(String(b.value)));
}

// ------------------------------------------------------------------ expected denies (FW-1)

/** Which of the addresses are indicators: the profile's (addresses and ranges) and the indicator index's. */
async function indicatorAddresses(ctx: Ctx, addresses: string[], notes: string[]): Promise<Set<string>> {
  const found = new Set(addresses.filter((a) => listed(a, ctx.profile.indicators.ips)));
  const rest = addresses.filter((a) => !found.has(a));
  for (let i = 0; i < rest.length; i += 500) {
    const batch = rest.slice(i, i + 500);
    const res = await ctx.conn.request('POST', `/${INDICATOR_INDEX}/_search?allow_no_indices=true&ignore_unavailable=true`, {
      size: 0,
      query: { bool: { should: batch.map((a) => ({ term: { 'threat.indicator.ip': a } })), minimum_should_match: 1 } },
      aggregations: { ip: { terms: { field: 'threat.indicator.ip', size: 10_000 } } },
    });
    if (res.status !== 200) {
      notes.push(`the indicator index ${INDICATOR_INDEX} could not be read (HTTP ${res.status}): denied destinations were checked against the profile's indicators only`);
      break;
    }
    const hits = ((res.body as any).aggregations?.ip?.buckets ?? []).map((b: any) => String(b.key_as_string ?? b.key));
    for (const a of batch) if (hits.some((h: string) => listed(a, [h]))) found.add(a);
  }
  return found;
}

/**
 * firewall.expected_denies: what FW-1 itself selects (denied from an internal to an external
 * zone, the proxy and the entries already listed left out), per (source.ip, destination.port,
 * network.transport) and local day; a pair denied on at least `denyShare` of the business days
 * with firewall data, at least TUNE_DEFAULTS.denyMinDays of them, with a median of >= 2 denies
 * a day that varies little from day to day (coefficient of variation <= `denySteadiness`), is a
 * program retrying on its own schedule. The first callbacks of an implant are denied on the day
 * it arrives, from a PC without such denies before: they are not in a baseline, and a pair
 * whose destinations include an indicator is never proposed.
 */
async function expectedDenyProposals(ctx: Ctx, o: Settings, root: string, notes: string[]): Promise<Proposal[]> {
  const loaded = loadRules(root).find((r) => r.rule.check === 'FW-1');
  if (!loaded) return [];
  const r = resolveRule(loaded.rule, ctx.profile, loaded.file);
  const index = r.indices.map((i) => i.replace(/-\*$/, `-${ctx.ns}`)).join(',');
  const fwDays = await search(ctx, index, { size: 0, query: range(ctx), aggregations: { d: day(ctx) } });
  const days = ((fwDays.aggregations?.d?.buckets ?? []) as any[]).map((b) => String(b.key_as_string)).filter((d) => isBusinessDay(d, ctx.profile));
  if (!days.length) return [];
  if (days.length < TUNE_DEFAULTS.denyMinDays) {
    notes.push(`only ${days.length} business day(s) with firewall data: at least ${TUNE_DEFAULTS.denyMinDays} are needed to call a deny steady; no expected-deny proposals`);
    return [];
  }
  const query = { bool: { filter: [r.query, range(ctx)] } };
  const buckets = await composite(ctx, index, query, [
    { s: { terms: { field: 'source.ip' } } },
    { p: { terms: { field: 'destination.port' } } },
    { t: { terms: { field: 'network.transport', missing_bucket: true } } },
    { d: { date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: ctx.profile.timezone, format: 'yyyy-MM-dd' } } },
  ]);
  const pairs = new Map<string, { source: string; port: number; protocol?: string; perDay: Map<string, number> }>();
  for (const b of buckets) {
    const id = `${b.key.s}|${b.key.p}|${b.key.t ?? ''}`;
    const e = pairs.get(id) ?? { source: String(b.key.s), port: Number(b.key.p), ...(b.key.t ? { protocol: String(b.key.t) } : {}), perDay: new Map<string, number>() };
    e.perDay.set(String(b.key.d), b.doc_count);
    pairs.set(id, e);
  }
  const candidates: Array<{ source: string; port: number; protocol?: string; good: number; median: number; min: number; max: number; cv: number }> = [];
  for (const e of pairs.values()) {
    const counts = days.map((d) => e.perDay.get(d) ?? 0).filter((n) => n > 0);
    const good = counts.length;
    if (good < o.denyShare * days.length) continue;
    const mean = counts.reduce((a, x) => a + x, 0) / good;
    const cv = Math.sqrt(counts.reduce((a, x) => a + (x - mean) ** 2, 0) / good) / mean;
    const med = median(counts);
    if (med < 2 || cv > o.denySteadiness) continue;
    candidates.push({ source: e.source, port: e.port, ...(e.protocol ? { protocol: e.protocol } : {}), good, median: med, min: Math.min(...counts), max: Math.max(...counts), cv });
  }
  if (!candidates.length) return [];
  // the destinations of each candidate: how many, a sample, and none of them an indicator
  const out: Proposal[] = [];
  for (let i = 0; i < candidates.length; i += 100) {
    const batch = candidates.slice(i, i + 100);
    const clause = (c: (typeof batch)[number]) => ({ bool: { filter: [{ term: { 'source.ip': c.source } }, { term: { 'destination.port': c.port } }, ...(c.protocol ? [{ term: { 'network.transport': c.protocol } }] : [])] } });
    const body = await search(ctx, index, {
      size: 0,
      query,
      aggregations: { g: { filters: { filters: Object.fromEntries(batch.map((c, j) => [`g${j}`, clause(c)])) }, aggs: { n: { cardinality: { field: 'destination.ip' } }, dest: { terms: { field: 'destination.ip', size: 50 } } } } },
    });
    const dests = batch.map((_c, j) => {
      const b = body.aggregations.g.buckets[`g${j}`];
      return { n: b.n.value as number, list: ((b.dest.buckets ?? []) as any[]).map((x) => String(x.key_as_string ?? x.key)) };
    });
    const bad = await indicatorAddresses(ctx, [...new Set(dests.flatMap((d) => d.list))], notes);
    batch.forEach((c, j) => {
      const d = dests[j]!;
      const hit = d.list.find((a) => bad.has(a));
      const what = `${c.source} -> ${c.port}${c.protocol ? `/${c.protocol}` : ''}`;
      if (hit) {
        notes.push(`${what}: denied every day, but to the indicator ${hit}; not proposed as an expected deny`);
        return;
      }
      const sample = d.list.slice(0, 3).join(', ');
      const figures = `denied on ${c.good} of ${days.length} business days, ${c.median} a day (median; ${c.min}-${c.max}), to ${d.n} destination${d.n === 1 ? '' : 's'} (${sample}${d.n > 3 ? ', ...' : ''})`;
      out.push({
        key: 'firewall.expected_denies',
        value: {
          source: c.source,
          port: c.port,
          ...(c.protocol ? { protocol: c.protocol } : {}),
          reason: {
            en: `proposed by npm run tune (${localDate(ctx.to - 1, ctx.profile.timezone)}): ${figures}; name the program and who accepted it`,
            ja: `npm run tune による提案（${localDate(ctx.to - 1, ctx.profile.timezone)}）: ${days.length}営業日中${c.good}日、1日あたり${c.median}件（中央値、${c.min}-${c.max}件）拒否、宛先${d.n}件（${sample}${d.n > 3 ? '、…' : ''}）。プログラム名と許容した人を記入してください`,
          },
        },
        evidence: figures,
        data: { source: c.source, port: c.port, protocol: c.protocol ?? null, businessDays: c.good, ofBusinessDays: days.length, medianDaily: c.median, minDaily: c.min, maxDaily: c.max, cv: Number(c.cv.toFixed(2)), destinations: d.n, sampleDestinations: d.list.slice(0, 3) },
      });
    });
  }
  return out.sort((a, b) => ipOrder(String(a.data.source), String(b.data.source)) || (a.data.port as number) - (b.data.port as number));
}

// ------------------------------------------------------------------ thresholds

function commonClientsProposal(ctx: Ctx, night: NightData): Proposal | undefined {
  const current = ctx.profile.thresholds.common_clients;
  if (!night.nights.length) return undefined;
  const typical = median(night.activePerNight);
  if (typical >= current * 2) return undefined;
  const proposed = Math.max(2, Math.floor(typical / 2));
  if (proposed >= current) return undefined;
  return {
    key: 'thresholds.common_clients',
    value: proposed,
    evidence: `a median of ${typical} internal clients are active on a night (${night.nights.length} nights): with ${current}, no destination can count as common at night`,
    data: { medianNightClients: typical, nights: night.nights.length, current },
  };
}

async function manyAuthProposal(ctx: Ctx, root: string, servers: string[]): Promise<Proposal | undefined> {
  const loaded = loadRules(root).find((r) => r.rule.check === 'AD-4');
  if (!loaded || !servers.length) return undefined;
  const r = resolveRule(loaded.rule, ctx.profile, loaded.file);
  const current = ctx.profile.thresholds.many_auth;
  const fields = r.groupBy.length ? r.groupBy : ['source.address'];
  const buckets = await composite(
    ctx,
    r.indices.map((i) => i.replace(/-\*$/, `-${ctx.ns}`)).join(','),
    { bool: { filter: [r.query, range(ctx)] } },
    [...fields.map((f, i) => ({ [`g${i}`]: { terms: { field: f } } })), { t: { date_histogram: { field: '@timestamp', fixed_interval: `${r.windowMs / 1000}s` } } }],
  );
  let worst: { host: string; count: number; at: number } | undefined;
  for (const b of buckets) {
    const host = String(b.key.g0);
    if (!listed(host, servers)) continue;
    if (!worst || b.doc_count > worst.count) worst = { host, count: b.doc_count, at: Number(b.key.t) };
  }
  if (!worst || worst.count < current) return undefined;
  const proposed = Math.ceil(worst.count * 1.25);
  return {
    key: 'thresholds.many_auth',
    value: proposed,
    evidence: `the server ${worst.host} had ${worst.count} failed authentications in ${r.windowMs / 60_000} minutes (${new Date(worst.at).toISOString()}); proposed with a quarter of headroom`,
    data: { host: worst.host, count: worst.count, at: new Date(worst.at).toISOString(), current },
  };
}

// ------------------------------------------------------------------ all together

interface Settings {
  minClients: number;
  share: number;
  serverUsers: number;
  nightHours: number;
  softwareShare: number;
  nightClients: number;
  denyShare: number;
  denySteadiness: number;
}

/** Reads the period and proposes profile entries; changes nothing. */
export async function tune(conn: Connection, opts: TuneOptions): Promise<TuneResult> {
  const profile = withRuleDefaults(opts.profile);
  const ctx: Ctx = { conn, profile, prefix: profile.indices.prefix, ns: opts.namespace ?? '*', from: opts.from, to: opts.to };
  const notes: string[] = [];
  const basics = await proxyBasics(ctx);
  const settings: Settings = {
    minClients: opts.minClients ?? Math.max(TUNE_DEFAULTS.minClientsFloor, Math.ceil(basics.clients * TUNE_DEFAULTS.minClientsRatio)),
    share: opts.share ?? TUNE_DEFAULTS.share,
    serverUsers: opts.serverUsers ?? TUNE_DEFAULTS.serverUsers,
    nightHours: opts.nightHours ?? TUNE_DEFAULTS.nightHours,
    softwareShare: opts.softwareShare ?? TUNE_DEFAULTS.softwareShare,
    // the rules' own prevalence threshold: a host that many PCs call on each of most nights
    nightClients: opts.nightClients ?? Math.max(2, profile.thresholds.common_clients),
    denyShare: opts.denyShare ?? TUNE_DEFAULTS.denyShare,
    denySteadiness: opts.denySteadiness ?? TUNE_DEFAULTS.denySteadiness,
  };
  const businessDays = basics.days.filter((d) => isBusinessDay(d, profile));
  if (!basics.days.length) notes.push('no proxy events in the period: no domain or User-Agent proposals');
  else if (!businessDays.length) notes.push('the proxy events of the period fall on no business day: no domain proposals');
  const domains = basics.days.length ? await domainProposals(ctx, settings, businessDays, notes) : [];
  const uas = basics.days.length ? await userAgentProposals(ctx, settings) : [];
  const partners = await partnerProposals(ctx, settings, notes);
  const addresses = await addressProposals(ctx, settings, notes);
  const servers = await serverProposals(ctx, settings, notes);
  const night = await alwaysOnProposals(ctx, settings);
  if (!night.nights.length) notes.push('no internal client active outside business hours in the proxy, firewall or DNS logs: no always-on proposals');
  const proposedSoftware = domains.filter((d) => d.key === 'software.domains').map((d) => String(d.value));
  const nightHosts = basics.days.length ? await nightSoftwareProposals(ctx, settings, proposedSoftware, notes) : [];
  const denies = await expectedDenyProposals(ctx, settings, opts.root ?? PACK_ROOT, notes);
  const thresholds = [commonClientsProposal(ctx, night), await manyAuthProposal(ctx, opts.root ?? PACK_ROOT, [...profile.hosts.servers, ...servers.map((s) => String(s.value))])].filter((x): x is Proposal => !!x);
  return {
    from: new Date(opts.from).toISOString(),
    to: new Date(opts.to).toISOString(),
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    activeClients: basics.clients,
    businessDays,
    nights: night.nights,
    settings,
    proposals: [...partners, ...domains.filter((d) => d.key === 'business_domains'), ...domains.filter((d) => d.key === 'software.domains'), ...nightHosts, ...uas, ...addresses, ...servers, ...night.proposals, ...denies, ...thresholds],
    notes,
  };
}
