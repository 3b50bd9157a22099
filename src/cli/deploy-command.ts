import type { Command } from 'commander';
import { connect, validateConnectionOptions } from '../cluster/connection.js';
import { loadDesiredObjects } from '../content/load.js';
import { loadProfile } from '../content/profile.js';
import { UsageError } from '../errors.js';
import { applyPlan, planDeploy, type DeployResult } from '../deploy/deploy.js';
import { listPlugins } from '../deploy/monitors.js';
import { planRetention } from '../deploy/retention.js';
import { loadRoles, planRoles } from '../deploy/roles.js';
import { applyRules, planRules } from '../deploy/rules.js';
import { targetSummary, type TargetEntry } from '../deploy/target.js';
import { compileRules } from '../rules/compile.js';
import { loadRules } from '../rules/load.js';
import { planSummary, planTable } from '../deploy/report.js';
import { PACK_ROOT } from '../paths.js';
import { seedFromProfile } from '../ioc/index.js';
import { connectUi, validateUiOptions, type UiClient } from '../ui/saved-objects-api.js';
import { deploySavedObjects, engineMismatchNote, uiBanner, type UiDeployment } from '../ui/deploy.js';
import { connectionOptions, type ConnectionFlags } from './connection-flags.js';
import { addUiFlags, uiOptions, type UiFlags } from './ui-flags.js';

export interface DeployFlags extends ConnectionFlags, UiFlags {
  profile?: string;
  dryRun?: boolean;
  prune?: boolean;
  yes?: boolean;
  /** true: --roles, false: --no-roles, undefined: when the cluster has the security plugin */
  roles?: boolean;
}

export function addDeployFlags(cmd: Command): Command {
  return addUiFlags(cmd)
    .option('--profile <file>', 'site profile (YAML); see profiles/example.yml')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--prune', 'also delete objects this pack installed before and no longer has')
    .option('--yes', 'confirm --prune')
    .option('--roles', 'install the shipper, analyst and deployer roles (default: when the cluster has the security plugin)')
    .option('--no-roles', 'do not install the roles');
}

/** Prints a target's plan lines and summary, applies its changes (unless a dry run), prints its notes. */
async function planAndApply(label: string, entries: TargetEntry[], notes: string[], dryRun: boolean, out: (s: string) => void, err: (s: string) => void): Promise<void> {
  const shown = entries.filter((e) => e.action !== 'unchanged' || entries.length <= 8);
  if (shown.length) out(shown.map((e) => `  ${e.action.padEnd(9)}  ${e.kind}  ${e.name}${e.detail ? `  ${e.detail}` : ''}`).join('\n'));
  if (entries.length) out(`${dryRun ? 'dry run, nothing changed: ' : ''}${targetSummary(label, entries)}`);
  if (!dryRun) {
    for (const e of entries.filter((x) => x.action !== 'unchanged')) {
      await e.apply();
      err(`${e.action}d ${e.kind} ${e.name}`);
    }
  }
  for (const note of notes) err(`note: ${note}`);
}

/** Connects, plans and applies; prints the plan table and what changed. */
export async function runDeploy(flags: DeployFlags, url: string, out: (s: string) => void, err: (s: string) => void): Promise<DeployResult & { savedObjects: UiDeployment[]; engine: string; plugins: string[]; rules: number }> {
  // everything that can be checked offline is checked before the first network call
  const profile = loadProfile(flags.profile);
  if (flags.prune && !flags.yes && !flags.dryRun) throw new UsageError('--prune deletes objects from the cluster and needs --yes', 'look at the plan with --prune --dry-run first, then run again with --prune --yes');
  loadDesiredObjects(PACK_ROOT, profile);
  if (flags.roles !== false) loadRoles(PACK_ROOT, profile);
  const compiled = compileRules(loadRules(PACK_ROOT), profile);
  validateConnectionOptions(connectionOptions(flags, url));
  const uiTargets = uiOptions(flags);
  for (const o of uiTargets) validateUiOptions(o);
  const conn = await connect(connectionOptions(flags, url));
  try {
    out(`cluster: ${conn.info.engine} ${conn.info.version} "${conn.info.clusterName}" at ${conn.url}`);
    // a wrong --kibana / --dashboards fails here, before the cluster is changed
    const uis: UiClient[] = [];
    for (const o of uiTargets) {
      const ui = await connectUi(o);
      out(uiBanner(ui));
      const note = engineMismatchNote(ui.target.flavor, conn.info.engine);
      if (note) err(`note: ${note}`);
      uis.push(ui);
    }
    const { plan, orphans } = await planDeploy(conn, { root: PACK_ROOT, profile, prune: flags.prune ?? false });
    out(planTable(plan));
    out(`${flags.dryRun ? 'dry run, nothing changed: ' : ''}${planSummary(plan)}`);
    if (orphans.length) err(`note: ${orphans.length} object(s) installed by an earlier version are no longer in the pack (${orphans.map((o) => o.name).join(', ')}); remove them with --prune --yes`);
    const applied = flags.dryRun ? [] : await applyPlan(conn, plan, err);
    if (!flags.dryRun) out(`applied ${applied.length} change(s)`);
    if (!flags.dryRun) {
      // the indicator indices the IOC rules' terms look-ups read, and the profile's indicators in them
      const seed = await seedFromProfile(conn, profile);
      for (const b of seed.bad) err(`note: ${b.where}: "${b.value}": ${b.reason}`);
      out(`indicators: ${seed.created} new and ${seed.updated} refreshed from the profile${seed.removed ? `, ${seed.removed} no longer in it removed` : ''}; active per match list: ${Object.entries(seed.lists).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    }

    // retention before the rules: the data streams deploy creates for them must find the policy
    const plugins = await listPlugins(conn);
    const retention = await planRetention(conn, profile, plugins, flags.prune ?? false);
    await planAndApply('retention', retention.entries, retention.notes, flags.dryRun ?? false, out, err);
    const roles = await planRoles(conn, PACK_ROOT, profile, plugins, flags.roles);
    await planAndApply('roles', roles.entries, roles.notes, flags.dryRun ?? false, out, err);

    const rules = await planRules(conn, compiled, PACK_ROOT, flags.prune ?? false, flags.dryRun ?? false, uis.map((u) => u.target.flavor));
    out(`rules: ${rules.compiled.rules.length} compiled into ${rules.buildDir}`);
    const shown = [...rules.dataStreams.filter((e) => e.action !== 'unchanged'), ...rules.channels, ...rules.plan];
    if (shown.length) out(shown.map((e) => `  ${e.action.padEnd(9)}  ${e.kind}  ${e.name}${e.detail ? `  ${e.detail}` : ''}`).join('\n'));
    const dry = flags.dryRun ? 'dry run, nothing changed: ' : '';
    out(`${dry}${targetSummary('data streams', rules.dataStreams)}`);
    if (rules.channels.length) out(`${dry}${targetSummary('notification channels', rules.channels)}`);
    if (rules.plan.length) out(`${dry}${targetSummary(rules.label, rules.plan)}`);
    for (const line of rules.settings) out(line);
    if (!flags.dryRun) await applyRules(rules, err);
    for (const note of rules.notes) err(`note: ${note}`);

    const savedObjects: UiDeployment[] = [];
    for (const ui of uis) {
      savedObjects.push(await deploySavedObjects(ui, compiled, flags.dryRun ?? false, out, err, flags.prune ?? false));
    }
    return { plan, applied, orphans, savedObjects, engine: conn.info.engine, plugins: rules.plugins, rules: rules.compiled.rules.length };
  } finally {
    await conn.close();
  }
}
