import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { connect, validateConnectionOptions } from '../cluster/connection.js';
import { loadProfile } from '../content/profile.js';
import { UsageError } from '../errors.js';
import { parseTime } from '../hunt/hunt.js';
import { unifiedDiff } from '../tune/diff.js';
import { applyEdits } from '../tune/profile-edit.js';
import { TUNE_DEFAULTS, tune, type TuneResult } from '../tune/tune.js';
import { clusterUrl, connectionOptions, type ConnectionFlags } from './connection-flags.js';

export interface TuneFlags extends ConnectionFlags {
  from: string;
  to: string;
  profile?: string;
  namespace?: string;
  out?: string;
  json?: boolean;
  minClients?: number;
  share?: number;
  serverUsers?: number;
  nightHours?: number;
  softwareShare?: number;
  nightClients?: number;
  denyShare?: number;
}

function wholeNumber(flag: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number >= ${min}, got "${v}"`);
    return n;
  };
}

function fraction(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) throw new UsageError(`${flag} must be a number above 0 and at most 1 (a share, e.g. 0.6), got "${v}"`);
    return n;
  };
}

export function addTuneFlags(cmd: Command): Command {
  return cmd
    .option('--from <time>', 'start of the baseline period: ISO 8601 date or time, or now-30d, ...', 'now-30d')
    .option('--to <time>', 'end of the baseline period (exclusive)', 'now')
    .option('--profile <file>', 'the site profile to propose entries for (the one deploy uses); the diff is against it')
    .option('--namespace <name>', 'only the data streams <prefix>-jpcert.<source>-<namespace> (default: every namespace)')
    .option('--out <file>', 'also write the proposed full profile to this file, for review and --profile')
    .option('--json', 'print the proposals and their figures as JSON instead of the diff')
    .option('--min-clients <n>', `distinct clients that make a domain or User-Agent the organisation's normal (default: ${TUNE_DEFAULTS.minClientsFloor}, or a tenth of the clients active in the period if more)`, wholeNumber('--min-clients', 1))
    .option('--share <x>', `the share of business days (domains, servers) or nights (always-on hosts) that counts as "most" (default ${TUNE_DEFAULTS.share})`, fraction('--share'))
    .option('--server-users <n>', `distinct users a day that make a host a server (default ${TUNE_DEFAULTS.serverUsers})`, wholeNumber('--server-users', 1))
    .option('--night-hours <n>', `off-hours hours with activity that make a host "on" during a night (default ${TUNE_DEFAULTS.nightHours})`, wholeNumber('--night-hours', 1))
    .option('--night-clients <n>', 'distinct clients a night outside business hours that make a host software\'s (software.domains) (default: the profile\'s thresholds.common_clients)', wholeNumber('--night-clients', 1))
    .option('--deny-share <x>', `the share of business days a source and port must be denied on (at a steady count) to be proposed as an expected deny (default ${TUNE_DEFAULTS.denyShare})`, fraction('--deny-share'))
    .option('--software-share <x>', `share of a domain's requests by non-browser User-Agents that makes it software's (software.domains) rather than people's (business_domains) (default ${TUNE_DEFAULTS.softwareShare})`, fraction('--software-share'));
}

const KEY_TITLES: Record<string, string> = {
  'organization.partner_domains': 'organization.partner_domains (取引先のメールドメイン / partners\' mail domains)',
  business_domains: 'business_domains (業務で利用するドメイン / domains used for business)',
  'software.domains': 'software.domains (ソフトウエアの通信先 / domains software calls by itself)',
  'software.addresses': 'software.addresses (直接通信する宛先 / destinations reached directly, not through the proxy)',
  'software.user_agents': 'software.user_agents (ソフトウエアのUser-Agent / non-browser User-Agents)',
  'hosts.servers': 'hosts.servers (多数の利用者を認証するサーバ / hosts that authenticate many users)',
  'hosts.always_on': 'hosts.always_on (夜間も稼働する端末 / hosts left on overnight)',
  'firewall.expected_denies': 'firewall.expected_denies (毎日定常的に拒否される直接通信 / direct connections denied steadily every day)',
};

/** The summary printed above the diff: the period, what was counted, the proposals per key. */
export function renderSummary(r: TuneResult, profileName: string): string {
  const s = r.settings;
  const count = (k: string) => r.proposals.filter((p) => p.key === k).length;
  const lines = [
    `tune ${r.from} - ${r.to}${r.namespace ? ` (namespace ${r.namespace})` : ''}: ${r.activeClients} clients in the proxy log, ${r.businessDays.length} business days with proxy data, ${r.nights.length} nights with off-hours data`,
    `  prevalent = >= ${s.minClients} distinct clients; most = ${Math.round(s.share * 100)}%; server = >= ${s.serverUsers} users a day; on at night = >= ${s.nightHours} off-hours hours; software at night = >= ${s.nightClients} clients; expected deny = >= ${Math.round(s.denyShare * 100)}% of business days, steady`,
    ...Object.entries(KEY_TITLES).map(([k, t]) => `  ${String(count(k)).padStart(4)}  ${t}`),
    ...r.proposals.filter((p) => p.key.startsWith('thresholds.')).map((p) => `  ${p.key}: ${String(p.value)} (${p.evidence})`),
    ...r.notes.map((n) => `  note: ${n}`),
    r.proposals.length ? `proposed changes to ${profileName} (nothing is applied; review, then deploy with the edited profile):` : `no changes proposed for ${profileName}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Reads the baseline and prints the proposals as a diff against the profile; exit 0 on success. */
export async function runTuneCommand(flags: TuneFlags, out: (s: string) => void, err: (s: string) => void): Promise<0> {
  const now = new Date();
  const from = parseTime(flags.from, now, '--from');
  const to = parseTime(flags.to, now, '--to');
  if (from >= to) throw new UsageError(`--from ${flags.from} is not before --to ${flags.to}`);
  if (flags.namespace !== undefined && !/^[a-z0-9][a-z0-9_.]*$/.test(flags.namespace)) throw new UsageError(`--namespace ${flags.namespace} is not a data stream namespace`);
  const profile = loadProfile(flags.profile);
  const text = flags.profile ? readFileSync(flags.profile, 'utf8') : '';
  if (flags.out && flags.profile && path.resolve(flags.out) === path.resolve(flags.profile)) {
    throw new UsageError(`--out ${flags.out} is the profile itself`, 'write the proposal to a new file and review it before using it');
  }
  const url = await clusterUrl(flags);
  validateConnectionOptions(connectionOptions(flags, url));
  const conn = await connect(connectionOptions(flags, url));
  try {
    const result = await tune(conn, {
      from,
      to,
      profile,
      ...(flags.namespace ? { namespace: flags.namespace } : {}),
      ...(flags.minClients !== undefined ? { minClients: flags.minClients } : {}),
      ...(flags.share !== undefined ? { share: flags.share } : {}),
      ...(flags.serverUsers !== undefined ? { serverUsers: flags.serverUsers } : {}),
      ...(flags.nightHours !== undefined ? { nightHours: flags.nightHours } : {}),
      ...(flags.softwareShare !== undefined ? { softwareShare: flags.softwareShare } : {}),
      ...(flags.nightClients !== undefined ? { nightClients: flags.nightClients } : {}),
      ...(flags.denyShare !== undefined ? { denyShare: flags.denyShare } : {}),
    });
    const proposed = applyEdits(text, result.proposals);
    const name = flags.profile ?? '(no profile: the defaults)';
    if (flags.json) out(`${JSON.stringify(result, null, 2)}\n`);
    else {
      out(renderSummary(result, name));
      out(unifiedDiff(text, proposed, flags.profile ?? '/dev/null', flags.out ?? 'proposed'));
    }
    if (flags.out) {
      writeFileSync(flags.out, proposed);
      err(`wrote the proposed profile to ${flags.out}: review it, then pass it with --profile`);
    }
    return 0;
  } finally {
    await conn.close();
  }
}
