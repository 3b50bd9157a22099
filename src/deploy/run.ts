import { connect, validateConnectionOptions, type ConnectionOptions } from '../cluster/connection.js';
import { loadDesiredObjects } from '../content/load.js';
import { loadProfile } from '../content/profile.js';
import { UsageError } from '../errors.js';
import { seedFromProfile } from '../ioc/index.js';
import { PACK_ROOT } from '../paths.js';
import { compileRules } from '../rules/compile.js';
import { loadRules } from '../rules/load.js';
import { deploySavedObjects, engineMismatchNote, uiBanner, type UiDeployment } from '../ui/deploy.js';
import { connectUi, validateUiOptions, type UiClient, type UiOptions } from '../ui/saved-objects-api.js';
import { channelsTarget } from './channels.js';
import { dataStreamsTarget } from './data-streams.js';
import { planIndexObjects, type DeployResult } from './deploy.js';
import { listPlugins, monitorsTarget } from './monitors.js';
import { retentionTarget } from './retention.js';
import { loadRoles, rolesTarget } from './roles.js';
import { savedSearchNote, writeRules } from './rules.js';
import { applyEntries, planLines, targetSummary, type DeployContext, type TargetEntry, type TargetPlan } from './target.js';
import { watchesTarget } from './watches.js';

/**
 * `deploy` from start to end: check everything offline, connect, then per target (see
 * target.ts) plan, print and apply, in the order the objects depend on each other: index
 * objects (and the indicators), retention, roles, then what the rules need (data streams,
 * notification channels, monitors or watches), then the saved objects of each UI.
 */

export interface RunOptions {
  /** the profile file, or undefined for the defaults */
  profile?: string;
  connection: ConnectionOptions;
  /** the Kibana / Dashboards to install the saved objects in */
  uis: UiOptions[];
  dryRun: boolean;
  prune: boolean;
  /** confirms prune */
  yes: boolean;
  /** true: --roles, false: --no-roles, undefined: when the cluster has the security plugin */
  roles?: boolean;
}

export interface RunResult extends DeployResult {
  savedObjects: UiDeployment[];
  engine: string;
  plugins: string[];
  rules: number;
}

interface Printer {
  out: (s: string) => void;
  err: (s: string) => void;
}

/**
 * Prints the plans' lines and summaries (and what each read and left alone), applies their
 * changes unless a dry run, then prints their notes.
 */
async function planPrintApply(plans: TargetPlan[], dryRun: boolean, p: Printer, notes: string[] = []): Promise<TargetEntry[]> {
  const lines = plans.flatMap(planLines);
  if (lines.length) p.out(lines.join('\n'));
  for (const plan of plans) if (plan.entries.length || plan.show === 'table') p.out(`${dryRun ? 'dry run, nothing changed: ' : ''}${targetSummary(plan.label, plan.entries)}`);
  for (const line of plans.flatMap((x) => x.info ?? [])) p.out(line);
  const applied = dryRun ? [] : await applyEntries(plans.flatMap((x) => x.entries), p.err);
  for (const note of [...notes, ...plans.flatMap((x) => x.notes)]) p.err(`note: ${note}`);
  return applied;
}

export async function runDeploy(o: RunOptions, out: (s: string) => void, err: (s: string) => void): Promise<RunResult> {
  const p: Printer = { out, err };
  // everything that can be checked offline is checked before the first network call
  const profile = loadProfile(o.profile);
  if (o.prune && !o.yes && !o.dryRun) throw new UsageError('--prune deletes objects from the cluster and needs --yes', 'look at the plan with --prune --dry-run first, then run again with --prune --yes');
  loadDesiredObjects(PACK_ROOT, profile);
  if (o.roles !== false) loadRoles(PACK_ROOT, profile);
  const compiled = compileRules(loadRules(PACK_ROOT), profile);
  validateConnectionOptions(o.connection);
  for (const u of o.uis) validateUiOptions(u);
  const conn = await connect(o.connection);
  try {
    out(`cluster: ${conn.info.engine} ${conn.info.version} "${conn.info.clusterName}" at ${conn.url}`);
    // a wrong --kibana / --dashboards fails here, before the cluster is changed
    const uis: UiClient[] = [];
    for (const u of o.uis) {
      const ui = await connectUi(u);
      out(uiBanner(ui));
      const note = engineMismatchNote(ui.target.flavor, conn.info.engine);
      if (note) err(`note: ${note}`);
      uis.push(ui);
    }
    const plugins = await listPlugins(conn);
    const ctx: DeployContext = { conn, root: PACK_ROOT, profile, compiled, plugins, prune: o.prune, ...(o.roles !== undefined ? { roles: o.roles } : {}) };

    const index = await planIndexObjects(ctx);
    const applied = await planPrintApply([index], o.dryRun, p);
    if (!o.dryRun) {
      out(`applied ${applied.length} change(s)`);
      // the indicator indices the IOC rules' terms look-ups read, and the profile's indicators in them
      const seed = await seedFromProfile(conn, profile);
      for (const b of seed.bad) err(`note: ${b.where}: "${b.value}": ${b.reason}`);
      out(`indicators: ${seed.created} new and ${seed.updated} refreshed from the profile${seed.removed ? `, ${seed.removed} no longer in it removed` : ''}; active per match list: ${Object.entries(seed.lists).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    }

    // retention before the rules: the data streams deploy creates for them must find the policy
    await planPrintApply([await retentionTarget.plan(ctx)], o.dryRun, p);
    await planPrintApply([await rolesTarget.plan(ctx)], o.dryRun, p);

    const buildDir = await writeRules(compiled, PACK_ROOT, o.dryRun);
    out(`rules: ${compiled.rules.length} compiled into ${buildDir}`);
    // data streams and channels first: the monitors search and send to them
    const rulePlans: TargetPlan[] = [];
    for (const t of [dataStreamsTarget, channelsTarget, monitorsTarget, watchesTarget]) rulePlans.push(await t.plan(ctx));
    await planPrintApply(rulePlans, o.dryRun, p, [savedSearchNote(buildDir, o.dryRun, uis.map((u) => u.target.flavor))]);

    const savedObjects: UiDeployment[] = [];
    for (const ui of uis) savedObjects.push(await deploySavedObjects(ui, compiled, o.dryRun, out, err, o.prune));
    return { plan: index.plan, applied: applied.map((e) => (e as (typeof index.entries)[number]).entry), orphans: index.orphans, savedObjects, engine: conn.info.engine, plugins, rules: compiled.rules.length };
  } finally {
    await conn.close();
  }
}
