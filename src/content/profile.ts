import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import YAML from 'yaml';
import { ContentError, UsageError } from '../errors.js';
import { PACK_ROOT } from '../paths.js';

/**
 * Site settings (`--profile FILE`): what differs from one organisation to the next, as the
 * JPCERT/CC guide lists it: time zone and business hours, internal networks and firewall
 * zones, the proxy, standard browsers, admin accounts, business domains, thresholds,
 * executable extensions and indicators. Every key is optional; DEFAULT_PROFILE fills the rest.
 */
export interface TimeRange {
  /** mon, tue, wed, thu, fri, sat, sun */
  days: string[];
  /** HH:MM, local time in the profile's zone; `end` is exclusive */
  start: string;
  end: string;
}

export interface Profile {
  /** Zone for timestamps that carry none (syslog, BIND, ScreenOS). */
  timezone: string;
  indices: {
    /** First part of every index / data stream name: `<prefix>-<source>-<namespace>`. */
    prefix: string;
    number_of_shards: number;
    /** Fixed replica count; when absent, replicas follow the node count (0-1). */
    number_of_replicas?: number;
  };
  business_hours?: TimeRange;
  /** YYYY-MM-DD dates that are not business days */
  holidays?: string[];
  /** planned work whose traffic is expected outside business hours */
  maintenance_windows?: TimeRange[];
  networks?: { internal: string[] };
  /** firewall zones; expected_denies: the denied direct connections the organisation knows
   *  about and accepts (a PC's app that ignores the proxy), which FW-1 leaves out */
  firewall?: { internal_zones: string[]; external_zones: string[]; expected_denies?: ExpectedDeny[] };
  /** the web proxy's own addresses: its traffic to the internet is allowed */
  proxy?: { addresses: string[] };
  /** User-Agent wildcard patterns (`*`, `?`) of the organisation's standard browsers */
  browsers?: { user_agents: string[] };
  accounts?: {
    /** admin accounts and the hosts they normally log on from: IP addresses or ranges, and
     *  workstation names (NTLM events 4776 name only the workstation) */
    admins: Array<{ name: string; hosts: string[] }>;
    /** accounts expected to receive special privileges (event 4672) */
    privileged: string[];
  };
  /** domains used for business, left out of the beacon check */
  business_domains?: string[];
  /** the organisation itself: its own mail and web domains (MAIL-1 weighs a header From
   *  claiming one of them), and its partners' and customers' mail domains that an attacker
   *  would borrow (MAIL-1 weighs a header From claiming one of them the same way) */
  organization?: { domains: string[]; partner_domains?: string[] };
  /** software that talks to the internet by itself (updates, PKI, telemetry, Office, AV):
   *  its User-Agent patterns, destination domains and the address ranges PCs reach directly by
   *  design (conferencing media relays; G2). Added to the pack's own list
   *  (profiles/pack-defaults.yml) unless `use_pack_defaults` is false */
  software?: { user_agents: string[]; domains: string[]; addresses?: string[]; use_pack_defaults?: boolean };
  /** hosts with a known role: servers (addresses or names that authenticate many users; AD-3
   *  and AD-4 leave them out) and hosts left on around the clock */
  hosts?: { servers: string[]; always_on: string[] };
  thresholds?: {
    /** bytes of one client to one destination in a window that count as "large" */
    large_bytes: number;
    /** authentication events from one host in a window that count as "many" */
    many_auth: number;
    /** latest window >= ratio x the host's own mean of earlier windows is a "sudden change" */
    sudden_change_ratio: number;
    /** ... and at least this many events */
    sudden_change_min: number;
    /** distinct days of access to one destination that make a beacon */
    beacon_days: number;
    /** distinct internal hosts or ports one internal source may touch in a window */
    scan_targets: number;
    /** a destination or User-Agent seen from at least this many distinct internal clients in
     *  the window is the organisation's normal, not one PC's beacon (prevalence) */
    common_clients: number;
  };
  /** attachment file name extensions treated as executable (lower case, no dot) */
  executable_extensions?: string[];
  /** where alerts go besides the alerts index: a webhook (with headers, "Name: value"), Slack,
   *  Microsoft Teams and Chime webhook URLs, mail (recipients, and on OpenSearch the SMTP server
   *  to send through), the id of a Notifications channel of your own (OpenSearch Alerting), and
   *  the OpenSearch Dashboards address for the link in each message. On OpenSearch deploy makes
   *  one Notifications channel per kind; on Elasticsearch they become Watcher actions */
  notify?: NotifySettings;
  /** indicators received from outside: deploy loads them into the indicator index as the source
   *  "profile" (src/ioc), where PROXY-1, DNS-1 and G4 read them; `npm run ioc` adds feeds */
  indicators?: { ips: string[]; domains: string[]; urls: string[]; senders: string[]; attachment_names: string[]; subjects: string[] };
  /** how long the data streams' backing indices are kept (ISM on OpenSearch, ILM on
   *  Elasticsearch); without it deploy installs no policy and nothing is ever deleted */
  retention?: Partial<RetentionSettings>;
}

/**
 * One denied direct connection FW-1 leaves out: the internal source (an address or a range), the
 * denied destination port and, optionally, the protocol (network.transport: tcp, udp, ...), with
 * the reason the site accepts it (en and/or ja). Another port or protocol from the same source
 * still fires.
 */
export interface ExpectedDeny {
  source: string;
  port: number;
  protocol?: string;
  reason: { en?: string; ja?: string };
}

export interface RetentionSettings {
  /** days after rollover an index stays writable-and-hot; then it is made read-only */
  hot_days: number;
  /** days after rollover an index is deleted; at least 365 (the guide: keep a year) */
  delete_after_days: number;
  /** roll the write index over at the first of these (`30d`, `50gb`) */
  rollover: { max_age?: string; max_primary_shard_size?: string };
  /** a registered snapshot repository: each index is snapshotted when it leaves hot */
  snapshot_repository?: string;
}

/** The JPCERT/CC guide: keep logs at least a year, about three months of it at hand. */
export const RETENTION_DEFAULTS: RetentionSettings = { hot_days: 90, delete_after_days: 365, rollover: { max_age: '30d', max_primary_shard_size: '50gb' } };
export const MIN_DELETE_AFTER_DAYS = 365;

/** The profile's retention with its defaults, or undefined when the profile has none. */
export function retentionOf(p: Profile): RetentionSettings | undefined {
  if (!p.retention) return undefined;
  const r = p.retention;
  return { ...RETENTION_DEFAULTS, ...r, rollover: r.rollover ? { ...r.rollover } : { ...RETENTION_DEFAULTS.rollover } };
}

export interface NotifySettings {
  webhook?: string;
  webhook_headers?: string[];
  /** a Slack incoming-webhook URL */
  slack?: string;
  /** a Microsoft Teams incoming-webhook URL */
  teams?: string;
  /** an Amazon Chime webhook URL */
  chime?: string;
  /** mail recipients */
  email?: string[];
  /** the SMTP server OpenSearch Notifications sends the mail through (credentials: the keystore) */
  smtp?: SmtpSettings;
  channel_id?: string;
  dashboards_url?: string;
}

export type SmtpMethod = 'none' | 'ssl' | 'start_tls';

export interface SmtpSettings {
  host: string;
  /** default: 25 for none, 465 for ssl, 587 for start_tls */
  port?: number;
  /** default: start_tls */
  method?: SmtpMethod;
  /** the sender address */
  from: string;
}

const SMTP_METHODS: readonly SmtpMethod[] = ['none', 'ssl', 'start_tls'];
const SMTP_PORTS: Record<SmtpMethod, number> = { none: 25, ssl: 465, start_tls: 587 };

/** notify.smtp with its defaults, or undefined. */
export function smtpOf(n: NotifySettings): Required<SmtpSettings> | undefined {
  if (!n.smtp) return undefined;
  const method = n.smtp.method ?? 'start_tls';
  return { host: n.smtp.host, port: n.smtp.port ?? SMTP_PORTS[method], method, from: n.smtp.from };
}

/** The notify keys that name a webhook-style URL. */
export const NOTIFY_URLS = ['webhook', 'slack', 'teams', 'chime', 'dashboards_url'] as const;

function isHttpUrl(s: string): boolean {
  if (/\s/.test(s)) return false;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** A mail address as Notifications takes it: local part @ a dotted domain (no display name). */
function isMailAddress(s: string): boolean {
  return /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(s);
}

function validateNotify(n: NotifySettings | undefined, file: string): void {
  if (!n) return;
  for (const key of NOTIFY_URLS) {
    const v = n[key];
    if (v !== undefined && !isHttpUrl(v)) throw new ContentError(`${file}: notify.${key} "${v}" is not an http(s) URL`, key === 'dashboards_url' ? undefined : 'the webhook address your service gave you, starting with https://');
  }
  // OpenSearch Notifications (2.19) takes a Teams channel only with such a URL; Microsoft's incoming webhooks are there
  if (n.teams !== undefined && !/^https:\/\/[^/?#]*\.webhook\.office\.com(?::\d+)?(?:[/?#]|$)/.test(n.teams)) {
    throw new ContentError(`${file}: notify.teams "${n.teams}" is not a Teams incoming-webhook URL (https://<name>.webhook.office.com/...)`, 'OpenSearch Notifications takes no other address for Teams; for another receiver (a Teams Workflows URL, say) use notify.webhook');
  }
  parseHeaders(n.webhook_headers, file);
  if (n.webhook_headers?.length && !n.webhook) throw new ContentError(`${file}: notify.webhook_headers without notify.webhook`);
  for (const to of n.email ?? []) if (!isMailAddress(to)) throw new ContentError(`${file}: notify.email: "${to}" is not a mail address`, 'a plain address such as soc@example.co.jp (no display name)');
  if (n.smtp) {
    const s = n.smtp;
    if (!n.email?.length) throw new ContentError(`${file}: notify.smtp without notify.email`, 'list the recipients in notify.email');
    if (typeof s.host !== 'string' || !/^[A-Za-z0-9._:[\]-]+$/.test(s.host)) throw new ContentError(`${file}: notify.smtp.host ${JSON.stringify(s.host)} is not a host name or address`, 'for example mail.example.co.jp');
    if (s.method !== undefined && !SMTP_METHODS.includes(s.method)) throw new ContentError(`${file}: notify.smtp.method "${s.method}" is not one of ${SMTP_METHODS.join(', ')}`);
    if (s.port !== undefined && (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535)) throw new ContentError(`${file}: notify.smtp.port must be a whole number from 1 to 65535, got ${JSON.stringify(s.port)}`);
    if (typeof s.from !== 'string' || !isMailAddress(s.from)) throw new ContentError(`${file}: notify.smtp.from ${JSON.stringify(s.from)} is not a mail address`, 'the sender address, such as jpcert-alerts@example.co.jp');
  }
}

/** "Name: value" header lines as a map; throws on a line that is not one. */
export function parseHeaders(lines: string[] | undefined, file = 'profile'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines ?? []) {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/.exec(line);
    if (!m) throw new ContentError(`${file}: notify.webhook_headers: "${line}" is not a header line "Name: value"`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** The rules' settings with their defaults, for a profile that leaves them out. */
export const RULE_DEFAULTS: Required<Omit<Profile, 'timezone' | 'indices' | 'retention'>> = {
  business_hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '20:00' },
  holidays: [],
  maintenance_windows: [],
  networks: { internal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] },
  firewall: { internal_zones: ['Trust', 'SHANAI', 'INTRA'], external_zones: ['Untrust'], expected_denies: [] },
  proxy: { addresses: [] },
  browsers: { user_agents: ['Mozilla/5.0 (Windows NT *) AppleWebKit/* (KHTML, like Gecko) Chrome/* Safari/*', 'Mozilla/5.0 (Windows NT *) AppleWebKit/* (KHTML, like Gecko) Chrome/* Safari/* Edg/*', 'Mozilla/5.0 (Windows NT *; rv:*) Gecko/* Firefox/*'] },
  accounts: { admins: [], privileged: [] },
  business_domains: [],
  organization: { domains: [], partner_domains: [] },
  software: { user_agents: [], domains: [], addresses: [], use_pack_defaults: true },
  hosts: { servers: [], always_on: [] },
  thresholds: { large_bytes: 100 * 1024 * 1024, many_auth: 40, sudden_change_ratio: 5, sudden_change_min: 50, beacon_days: 3, scan_targets: 20, common_clients: 5 },
  executable_extensions: ['exe', 'scr', 'com', 'pif', 'bat', 'cmd', 'vbs', 'vbe', 'js', 'jse', 'wsf', 'wsh', 'hta', 'lnk', 'ps1', 'jar', 'msi', 'dll', 'cpl', 'iso', 'img'],
  indicators: { ips: [], domains: [], urls: [], senders: [], attachment_names: [], subjects: [] },
  notify: {},
};

/** One entry of the pack's default lists, with the reason it is there (both languages). */
export interface PackDefaultEntry {
  value: string;
  reason: { en: string; ja: string };
}

/** The lists the pack ships (profiles/pack-defaults.yml): well-known infrastructure every Windows network talks to. */
export interface PackDefaults {
  software: { user_agents: PackDefaultEntry[]; domains: PackDefaultEntry[]; addresses: PackDefaultEntry[] };
}

export const PACK_DEFAULTS_FILE = path.join(PACK_ROOT, 'profiles', 'pack-defaults.yml');
let packDefaultsCache: PackDefaults | undefined;

/** Reads profiles/pack-defaults.yml once; every entry must carry a value and a reason in both languages. */
export function packDefaults(file = PACK_DEFAULTS_FILE): PackDefaults {
  if (file === PACK_DEFAULTS_FILE && packDefaultsCache) return packDefaultsCache;
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new ContentError(`${file} cannot be read as YAML: ${(err as Error).message}`, undefined, { cause: err });
  }
  const out: PackDefaults = { software: { user_agents: [], domains: [], addresses: [] } };
  const sw = (raw as { software?: Record<string, unknown> }).software ?? {};
  for (const key of ['user_agents', 'domains', 'addresses'] as const) {
    const list = sw[key] ?? [];
    if (!Array.isArray(list)) throw new ContentError(`${file}: software.${key} must be a list`);
    list.forEach((e: unknown, i) => {
      const entry = e as Partial<PackDefaultEntry> | null;
      if (!entry || typeof entry.value !== 'string' || !entry.value || typeof entry.reason?.en !== 'string' || typeof entry.reason?.ja !== 'string' || !entry.reason.en || !entry.reason.ja) {
        throw new ContentError(`${file}: software.${key}[${i}] must be { value, reason: { en, ja } } with every part filled in`);
      }
      out.software[key].push({ value: entry.value, reason: { en: entry.reason.en, ja: entry.reason.ja } });
    });
  }
  if (file === PACK_DEFAULTS_FILE) packDefaultsCache = out;
  return out;
}

/** The profile's software lists with the pack's own defaults in front (unless it turns them off). */
function softwareWithDefaults(p: Profile): Required<NonNullable<Profile['software']>> {
  const own = { ...RULE_DEFAULTS.software, ...p.software };
  const usePack = own.use_pack_defaults !== false;
  const pack = usePack ? packDefaults().software : { user_agents: [], domains: [], addresses: [] };
  const merge = (a: PackDefaultEntry[], b: string[]) => [...new Set([...a.map((e) => e.value), ...b])];
  return { user_agents: merge(pack.user_agents, own.user_agents), domains: merge(pack.domains, own.domains), addresses: merge(pack.addresses, own.addresses ?? []), use_pack_defaults: usePack };
}

/** A profile with every rule setting filled in from RULE_DEFAULTS (and the pack's default lists). */
export function withRuleDefaults(p: Profile): Required<Profile> {
  const d = RULE_DEFAULTS;
  return {
    ...p,
    business_hours: p.business_hours ?? d.business_hours,
    holidays: p.holidays ?? d.holidays,
    maintenance_windows: p.maintenance_windows ?? d.maintenance_windows,
    networks: { ...d.networks, ...p.networks },
    firewall: { ...d.firewall, ...p.firewall },
    proxy: { ...d.proxy, ...p.proxy },
    browsers: { ...d.browsers, ...p.browsers },
    accounts: { ...d.accounts, ...p.accounts },
    business_domains: p.business_domains ?? d.business_domains,
    organization: { ...d.organization, ...p.organization },
    software: softwareWithDefaults(p),
    hosts: { ...d.hosts, ...p.hosts },
    thresholds: { ...d.thresholds, ...p.thresholds },
    executable_extensions: p.executable_extensions ?? d.executable_extensions,
    indicators: { ...d.indicators, ...p.indicators },
    notify: { ...d.notify, ...p.notify },
  } as Required<Profile>;
}

export const DEFAULT_PROFILE: Profile = {
  timezone: 'Asia/Tokyo',
  indices: { prefix: 'logs', number_of_shards: 1 },
};

type Leaf = 'string' | 'number' | 'boolean' | 'string[]';
type Shape = { [key: string]: Leaf | Shape | [Shape] };
const RANGE: Shape = { days: 'string[]', start: 'string', end: 'string' };
const SHAPE: Shape = {
  timezone: 'string',
  indices: { prefix: 'string', number_of_shards: 'number', number_of_replicas: 'number' },
  business_hours: RANGE,
  holidays: 'string[]',
  maintenance_windows: [RANGE],
  networks: { internal: 'string[]' },
  firewall: { internal_zones: 'string[]', external_zones: 'string[]', expected_denies: [{ source: 'string', port: 'number', protocol: 'string', reason: { en: 'string', ja: 'string' } }] },
  proxy: { addresses: 'string[]' },
  browsers: { user_agents: 'string[]' },
  accounts: { admins: [{ name: 'string', hosts: 'string[]' }], privileged: 'string[]' },
  business_domains: 'string[]',
  organization: { domains: 'string[]', partner_domains: 'string[]' },
  software: { user_agents: 'string[]', domains: 'string[]', addresses: 'string[]', use_pack_defaults: 'boolean' },
  hosts: { servers: 'string[]', always_on: 'string[]' },
  thresholds: { large_bytes: 'number', many_auth: 'number', sudden_change_ratio: 'number', sudden_change_min: 'number', beacon_days: 'number', scan_targets: 'number', common_clients: 'number' },
  executable_extensions: 'string[]',
  indicators: { ips: 'string[]', domains: 'string[]', urls: 'string[]', senders: 'string[]', attachment_names: 'string[]', subjects: 'string[]' },
  notify: { webhook: 'string', webhook_headers: 'string[]', slack: 'string', teams: 'string', chime: 'string', email: 'string[]', smtp: { host: 'string', port: 'number', method: 'string', from: 'string' }, channel_id: 'string', dashboards_url: 'string' },
  retention: { hot_days: 'number', delete_after_days: 'number', rollover: { max_age: 'string', max_primary_shard_size: 'string' }, snapshot_repository: 'string' },
};

function checkShape(value: unknown, shape: Shape, where: string, file: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ContentError(`${file}: ${where || 'the profile'} must be a mapping`);
  for (const [key, v] of Object.entries(value)) {
    const expected = shape[key];
    const at = where ? `${where}.${key}` : key;
    if (!expected) throw new ContentError(`${file}: unknown setting "${at}"`, `known settings: ${Object.keys(shape).map((k) => (where ? `${where}.${k}` : k)).join(', ')}`);
    if (Array.isArray(expected)) {
      if (!Array.isArray(v)) throw new ContentError(`${file}: "${at}" must be a list, got ${JSON.stringify(v)}`);
      v.forEach((item, i) => checkShape(item, expected[0]!, `${at}[${i}]`, file));
    } else if (typeof expected === 'object') checkShape(v, expected, at, file);
    else if (expected === 'string[]') {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ContentError(`${file}: "${at}" must be a list of strings, got ${JSON.stringify(v)}`);
    } else if (typeof v !== expected) throw new ContentError(`${file}: "${at}" must be a ${expected}, got ${JSON.stringify(v)}`);
  }
}

export function validateProfile(p: Profile, file: string): Profile {
  try {
    new Intl.DateTimeFormat('en', { timeZone: p.timezone });
  } catch {
    throw new ContentError(`${file}: timezone "${p.timezone}" is not an IANA time zone`, 'use a name such as Asia/Tokyo or UTC');
  }
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(p.indices.prefix)) throw new ContentError(`${file}: indices.prefix "${p.indices.prefix}" is not a valid index name part`, 'use lower-case letters, digits, "-", "_" or "."');
  if (!Number.isInteger(p.indices.number_of_shards) || p.indices.number_of_shards < 1) throw new ContentError(`${file}: indices.number_of_shards must be a whole number >= 1`);
  const r = p.indices.number_of_replicas;
  if (r !== undefined && (!Number.isInteger(r) || r < 0)) throw new ContentError(`${file}: indices.number_of_replicas must be a whole number >= 0`);
  const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const ranges: Array<[string, TimeRange]> = [
    ...(p.business_hours ? [['business_hours', p.business_hours] as [string, TimeRange]] : []),
    ...(p.maintenance_windows ?? []).map((w, i) => [`maintenance_windows[${i}]`, w] as [string, TimeRange]),
  ];
  for (const [at, range] of ranges) {
    for (const d of range.days) if (!DAYS.includes(d)) throw new ContentError(`${file}: ${at}.days: "${d}" is not one of ${DAYS.join(', ')}`);
    for (const t of [range.start, range.end]) if (!/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/.test(t)) throw new ContentError(`${file}: ${at}: "${t}" is not a time HH:MM`);
    if (range.start >= range.end) throw new ContentError(`${file}: ${at}: start ${range.start} must come before end ${range.end}`);
  }
  for (const h of p.holidays ?? []) if (!/^\d{4}-\d{2}-\d{2}$/.test(h) || Number.isNaN(Date.parse(h))) throw new ContentError(`${file}: holidays: "${h}" is not a date YYYY-MM-DD`);
  validateNotify(p.notify, file);
  for (const cidr of p.networks?.internal ?? []) if (!isCidr(cidr)) throw new ContentError(`${file}: networks.internal: "${cidr}" is not an address range such as 10.0.0.0/8`);
  validateExpectedDenies(p.firewall?.expected_denies, file);
  for (const a of p.software?.addresses ?? []) if (!isCidr(a) && !ipaddr.isValid(a)) throw new ContentError(`${file}: software.addresses: "${a}" is not an address or an address range such as 170.114.0.0/16`);
  validateRetention(p, file);
  return p;
}

function validateExpectedDenies(list: ExpectedDeny[] | undefined, file: string): void {
  (list ?? []).forEach((e, i) => {
    const at = `${file}: firewall.expected_denies[${i}]`;
    if (typeof e.source !== 'string' || (!isCidr(e.source) && !ipaddr.isValid(e.source))) throw new ContentError(`${at}.source ${JSON.stringify(e.source)} is not an address or an address range`, 'the internal PC or range whose denied connections are expected, such as 10.20.10.18 or 10.20.30.0/24');
    if (!Number.isInteger(e.port) || e.port < 0 || e.port > 65535) throw new ContentError(`${at}.port must be a port number from 0 to 65535, got ${JSON.stringify(e.port)}`, 'the denied destination port (destination.port), such as 443');
    if (e.protocol !== undefined && !/^[a-z][a-z0-9-]*$/.test(e.protocol)) throw new ContentError(`${at}.protocol "${e.protocol}" is not a protocol name as network.transport spells it`, 'tcp, udp, icmp (lower case), or leave it out for any');
    const reason = e.reason as { en?: unknown; ja?: unknown } | undefined;
    const filled = (v: unknown) => typeof v === 'string' && v.trim() !== '';
    if (!reason || !(filled(reason.en) || filled(reason.ja))) throw new ContentError(`${at} has no reason`, 'say why the deny is expected, in reason.en and/or reason.ja (which app, who accepted it): the SOC reads it when the entry is reviewed');
  });
}

function validateRetention(p: Profile, file: string): void {
  const r = retentionOf(p);
  if (!r) return;
  const days = (key: 'hot_days' | 'delete_after_days', min: number, why: string) => {
    if (!Number.isInteger(r[key]) || r[key] < min) throw new ContentError(`${file}: retention.${key} must be a whole number of days >= ${min}, got ${JSON.stringify(r[key])}`, why);
  };
  days('hot_days', 1, 'the days an index stays hot (searchable and fast) after it rolls over; the guide suggests about 90');
  days('delete_after_days', MIN_DELETE_AFTER_DAYS, 'JPCERT/CC\'s guide asks to keep logs at least a year: 365 or more');
  if (r.hot_days >= r.delete_after_days) throw new ContentError(`${file}: retention.hot_days (${r.hot_days}) must be less than retention.delete_after_days (${r.delete_after_days})`);
  const { max_age, max_primary_shard_size } = r.rollover;
  if (max_age === undefined && max_primary_shard_size === undefined) throw new ContentError(`${file}: retention.rollover needs max_age or max_primary_shard_size`, 'for example rollover: { max_age: 30d, max_primary_shard_size: 50gb }');
  if (max_age !== undefined && !/^[1-9]\d*(d|h|m|s)$/.test(max_age)) throw new ContentError(`${file}: retention.rollover.max_age "${max_age}" is not a duration`, 'a whole number and a unit: d, h, m or s (30d, 12h)');
  if (max_primary_shard_size !== undefined && !/^[1-9]\d*(b|kb|mb|gb|tb)$/.test(max_primary_shard_size)) throw new ContentError(`${file}: retention.rollover.max_primary_shard_size "${max_primary_shard_size}" is not a size`, 'a whole number and a unit: b, kb, mb, gb or tb (50gb)');
  if (r.snapshot_repository !== undefined && !/^[a-z0-9][a-z0-9_.-]*$/.test(r.snapshot_repository)) throw new ContentError(`${file}: retention.snapshot_repository "${r.snapshot_repository}" is not a repository name`, 'the name of a repository registered with PUT _snapshot/<name> (lower case)');
}

function isCidr(s: string): boolean {
  try {
    ipaddr.parseCIDR(s);
    return true;
  } catch {
    return false;
  }
}

export function loadProfile(file?: string): Profile {
  if (!file) return DEFAULT_PROFILE;
  if (!existsSync(file)) throw new UsageError(`profile file ${file} does not exist`, 'pass --profile with the path of a YAML file; see profiles/example.yml');
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new ContentError(`${file} is not valid YAML: ${(err as Error).message}`, undefined, { cause: err });
  }
  checkShape(raw, SHAPE, '', file);
  const r = raw as Partial<Profile>;
  return validateProfile({ ...DEFAULT_PROFILE, ...r, indices: { ...DEFAULT_PROFILE.indices, ...r.indices } }, file);
}

/** Looks up a dotted path such as `indices.prefix` in the profile. */
export function profileValue(p: Profile, dotted: string): unknown {
  let cur: unknown = p;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
