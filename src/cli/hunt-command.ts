import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { connect, validateConnectionOptions } from '../cluster/connection.js';
import { loadProfile } from '../content/profile.js';
import { UsageError } from '../errors.js';
import { exitCodeOf, type HuntResult } from '../hunt/findings.js';
import { parseTime, runHunt, selectRules } from '../hunt/hunt.js';
import { renderReport } from '../hunt/report/index.js';
import { renderTable } from '../hunt/table.js';
import { PACK_ROOT } from '../paths.js';
import { compileRules } from '../rules/compile.js';
import { loadRules } from '../rules/load.js';
import { clusterUrl, connectionOptions, type ConnectionFlags } from './connection-flags.js';

export const HUNT_FORMATS = ['table', 'json', 'markdown', 'html'] as const;
export type HuntFormat = (typeof HUNT_FORMATS)[number];

export interface HuntFlags extends ConnectionFlags {
  from: string;
  to: string;
  rules?: string;
  ioc?: boolean;
  profile?: string;
  namespace?: string;
  format: HuntFormat;
  out?: string;
}

export function addHuntFlags(cmd: Command): Command {
  return cmd
    .option('--from <time>', 'start of the period: ISO 8601 date or time, or now-30d, now-12h, ...', 'now-365d')
    .option('--to <time>', 'end of the period (the last run of each rule\'s monitor)', 'now')
    .option('--rules <ids>', 'only these rules: check ids or uuids, comma-separated (e.g. PROXY-4,AD-3)')
    .option('--ioc', 'the indicator checks (PROXY-1, DNS-1, G4); with --rules, added to them')
    .option('--profile <file>', 'site profile (YAML): the same one deploy used')
    .option('--namespace <name>', 'only the data streams <prefix>-jpcert.<source>-<namespace> (default: every namespace)')
    .addOption(new Option('--format <format>', 'output format').choices([...HUNT_FORMATS]).default('table'))
    .option('--out <file>', 'write the output to this file instead of standard output');
}

export function renderHunt(result: HuntResult, format: HuntFormat): string {
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  if (format === 'table') return renderTable(result);
  return renderReport(result, format);
}

/** Runs the hunt and prints it; the exit code says 0 nothing found, 1 found, 2 a check failed. */
export async function runHuntCommand(flags: HuntFlags, out: (s: string) => void, err: (s: string) => void): Promise<0 | 1 | 2> {
  // everything that can be checked offline is checked before the first network call
  const now = new Date();
  const from = parseTime(flags.from, now, '--from');
  const to = parseTime(flags.to, now, '--to');
  if (from >= to) throw new UsageError(`--from ${flags.from} is not before --to ${flags.to}`);
  const profile = loadProfile(flags.profile);
  const rules = flags.rules?.split(',').map((s) => s.trim()).filter(Boolean);
  if (flags.rules !== undefined && !rules?.length) throw new UsageError('--rules names no rule', 'give check ids or uuids, comma-separated');
  if (flags.namespace !== undefined && !/^[a-z0-9][a-z0-9_.]*$/.test(flags.namespace)) throw new UsageError(`--namespace ${flags.namespace} is not a data stream namespace`);
  selectRules(compileRules(loadRules(PACK_ROOT), profile).rules, rules, flags.ioc);
  const url = await clusterUrl(flags);
  validateConnectionOptions(connectionOptions(flags, url));
  const conn = await connect(connectionOptions(flags, url));
  try {
    const result = await runHunt(conn, {
      from: flags.from,
      to: flags.to,
      now,
      profile,
      ...(rules ? { rules } : {}),
      ...(flags.ioc ? { ioc: true } : {}),
      ...(flags.namespace ? { namespace: flags.namespace } : {}),
    });
    const text = renderHunt(result, flags.format);
    if (flags.out) {
      writeFileSync(flags.out, text);
      err(`wrote ${flags.format} to ${flags.out}`);
    } else out(text);
    for (const c of result.checks) if (c.error) err(`${c.check}: error: ${c.error}`);
    return exitCodeOf(result);
  } finally {
    await conn.close();
  }
}
