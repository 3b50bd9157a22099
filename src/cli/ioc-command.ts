import { Command, Option } from 'commander';
import { connect, validateConnectionOptions, type Connection } from '../cluster/connection.js';
import { loadProfile } from '../content/profile.js';
import { UsageError } from '../errors.js';
import { durationMs } from '../rules/resolve.js';
import { confidenceOf, expireIndicators, importIndicators, listIndicators, readIndicatorFiles, removeIndicators, seedFromProfile, type Format, type ImportResult, type IndicatorRow } from '../ioc/index.js';
import { KINDS, type IndicatorKind } from '../ioc/types.js';
import { addConnectionFlags, connectionOptions, warnAboutSecretFlags, type ConnectionFlags } from './connection-flags.js';
import { clusterUrl } from './connection-flags.js';

/**
 * `npm run ioc -- import|list|remove|expire`: wires flags to src/ioc (which does the work),
 * checks everything it can before the first network call, prints results.
 */

type Out = (s: string) => void;

interface ImportFlags extends ConnectionFlags {
  source?: string;
  expires?: string;
  ttl?: string;
  confidence?: string;
  format?: Format;
  fromProfile?: boolean;
  profile?: string;
}

async function withConnection<T>(flags: ConnectionFlags, fn: (conn: Connection) => Promise<T>): Promise<T> {
  const url = await clusterUrl(flags);
  validateConnectionOptions(connectionOptions(flags, url));
  const conn = await connect(connectionOptions(flags, url));
  try {
    return await fn(conn);
  } finally {
    await conn.close();
  }
}

function importOptions(flags: ImportFlags) {
  if (flags.expires && flags.ttl) throw new UsageError('--expires and --ttl say the same thing twice', 'give one of them');
  let expires: Date | undefined;
  if (flags.expires) {
    expires = new Date(flags.expires);
    if (Number.isNaN(expires.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(flags.expires)) throw new UsageError(`--expires ${flags.expires} is not an ISO 8601 date`, 'for example 2027-03-31 or 2027-03-31T00:00:00+09:00');
  }
  let ttlMs: number | undefined;
  if (flags.ttl) {
    try {
      ttlMs = durationMs(flags.ttl);
    } catch {
      throw new UsageError(`--ttl ${flags.ttl} is not a duration`, 'for example 90d, 12h or 30m');
    }
  }
  if (flags.confidence !== undefined && 'error' in confidenceOf(flags.confidence)) throw new UsageError(`--confidence ${flags.confidence}: ${(confidenceOf(flags.confidence) as { error: string }).error}`);
  if (flags.source !== undefined && flags.source.trim() === '') throw new UsageError('--source is empty', 'name the feed or provider, for example --source jpcert-2026-12');
  return {
    ...(flags.source ? { source: flags.source.trim() } : {}),
    ...(expires ? { expires } : {}),
    ...(ttlMs !== undefined ? { ttlMs } : {}),
    ...(flags.confidence !== undefined ? { confidence: flags.confidence } : {}),
    ...(flags.format ? { format: flags.format } : {}),
  };
}

function listSizes(lists: ImportResult['lists']): string {
  return Object.entries(lists).map(([k, n]) => `${k} ${n}`).join(', ');
}

/** Prints the import report; returns the exit code: 0 when something was imported, 2 when nothing could be. */
export async function runImport(flags: ImportFlags, files: string[], out: Out, err: Out): Promise<number> {
  const opts = importOptions(flags);
  if (!flags.fromProfile) readIndicatorFiles(files, opts.format); // unreadable files fail before connecting
  else if (files.length) throw new UsageError('--from-profile takes no files', 'import the profile and the files in two runs');
  return withConnection(flags, async (conn) => {
    const res = flags.fromProfile ? await seedFromProfile(conn, loadProfile(flags.profile)) : await importIndicators(conn, files, opts);
    for (const f of res.files) out(`${f.file}: ${f.format}, ${f.indicators} indicator(s), ${f.bad.length} bad entr${f.bad.length === 1 ? 'y' : 'ies'}`);
    for (const b of res.bad) err(`${b.where}: ${b.value ? `"${b.value.length > 80 ? `${b.value.slice(0, 77)}...` : b.value}": ` : ''}${b.reason}`);
    out(`imported: ${res.created} new, ${res.updated} updated, ${res.bad.length} bad entr${res.bad.length === 1 ? 'y' : 'ies'} skipped`);
    out(`active indicators per match list: ${listSizes(res.lists)}`);
    if (res.created + res.updated === 0) {
      err(res.bad.length ? 'error: nothing could be imported (see the entries above)' : 'error: the files hold no indicators');
      return 2;
    }
    return 0;
  });
}

function table(rows: IndicatorRow[]): string {
  const head = ['kind', 'value', 'source', 'first seen', 'last seen', 'expires', 'confidence'];
  const cells = rows.map((r) => [r.kind, r.value, r.providers.join(','), r.firstSeen.slice(0, 19), r.lastSeen.slice(0, 19), r.expires ? `${r.expires.slice(0, 19)}${r.expired ? ' (expired)' : ''}` : '-', r.confidence ?? '-']);
  // East Asian wide characters take two columns in a terminal
  const width = (s: string) => [...s].reduce((n, c) => n + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(c) ? 2 : 1), 0);
  const widths = head.map((h, i) => Math.min(60, Math.max(width(h), ...cells.map((c) => width(c[i]!)))));
  const line = (c: string[]) => c.map((x, i) => x + ' '.repeat(Math.max(0, widths[i]! - width(x)))).join('  ').trimEnd();
  return [line(head), ...cells.map(line)].join('\n');
}

function kindsOf(list?: string[]): IndicatorKind[] | undefined {
  if (!list?.length) return undefined;
  for (const k of list) if (!(KINDS as readonly string[]).includes(k)) throw new UsageError(`--type ${k} is not a kind of indicator`, `use ${KINDS.join(', ')}`);
  return list as IndicatorKind[];
}

export function iocProgram(out: Out, err: Out, setExit: (code: number) => void): Command {
  const program = new Command('ioc').description('Indicators received from outside (IP addresses, CIDRs, domains, URLs, senders, attachment names, subjects, hashes) in the cluster, for PROXY-1, DNS-1 and G4.');
  // subcommands copy these when they are made: runCli's handling must reach them
  program.exitOverride().configureOutput({ writeErr: () => {} });
  const sub = (name: string, description: string) => addConnectionFlags(program.command(name).description(description));

  const imp = sub('import', 'import indicator files: CSV (a type column, or a header naming the type), plain text (one per line, type inferred) or STIX 2.1 bundles')
    .argument('[files...]', 'indicator files')
    .option('--source <name>', 'provider / feed name stored with each indicator (default: the file name)')
    .option('--expires <date>', 'when these indicators stop matching (ISO 8601); a STIX valid_until or a CSV expires column wins')
    .option('--ttl <duration>', 'or how long from now they match, e.g. 90d')
    .option('--confidence <level>', '0-100 or None/Low/Medium/High, for entries that carry none')
    .addOption(new Option('--format <format>', 'the format of every file (default: from the name and content)').choices(['csv', 'text', 'stix']))
    .option('--from-profile', "load the profile's indicators: lists as the source \"profile\" (deploy does this too)")
    .option('--profile <file>', 'site profile for --from-profile');
  imp.action(async (files: string[], flags: ImportFlags) => {
    warnAboutSecretFlags(imp, err);
    setExit(await runImport(flags, files, out, err));
  });

  const list = sub('list', 'list the indicators (expired ones marked)')
    .addOption(new Option('--output <format>', 'table or json').choices(['table', 'json']).default('table'))
    .option('--type <kind...>', `only these kinds (${KINDS.join(', ')})`)
    .option('--source <name...>', 'only from these sources')
    .option('--active', 'leave out expired indicators');
  list.action(async (flags: ConnectionFlags & { output: string; type?: string[]; source?: string[]; active?: boolean }) => {
    warnAboutSecretFlags(list, err);
    const kinds = kindsOf(flags.type);
    const rows = await withConnection(flags, (conn) => listIndicators(conn, { ...(kinds ? { kinds } : {}), ...(flags.source ? { sources: flags.source } : {}), ...(flags.active ? { expired: false } : {}) }));
    if (flags.output === 'json') out(JSON.stringify(rows, null, 2));
    else out(rows.length ? `${table(rows)}\n${rows.length} indicator(s), ${rows.filter((r) => r.expired).length} expired` : 'no indicators');
  });

  const remove = sub('remove', 'remove indicators by value (defanged forms accepted) and/or all of one source')
    .argument('[values...]', 'indicator values')
    .option('--source <name>', "remove this source's indicators (with values: only its claim on them)");
  remove.action(async (values: string[], flags: ConnectionFlags & { source?: string }) => {
    warnAboutSecretFlags(remove, err);
    if (!values.length && !flags.source) throw new UsageError('nothing to remove', 'name values, or --source NAME');
    const res = await withConnection(flags, (conn) => removeIndicators(conn, { values, ...(flags.source ? { source: flags.source } : {}) }));
    for (const v of res.notFound) err(`not found: ${v}`);
    out(`removed: ${res.deleted} deleted${res.kept ? `, ${res.kept} kept for their other sources` : ''}`);
  });

  const expire = sub('expire', 'drop expired indicators from matching (run daily); they stay listed as expired');
  expire.action(async (flags: ConnectionFlags) => {
    warnAboutSecretFlags(expire, err);
    const res = await withConnection(flags, (conn) => expireIndicators(conn));
    out(`${res.dropped} value(s) dropped from matching now; ${res.expired} indicator(s) expired in all (still listed); active per match list: ${listSizes(res.lists)}`);
  });
  return program;
}
