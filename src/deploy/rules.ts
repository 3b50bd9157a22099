import path from 'node:path';
import type { Connection } from '../cluster/connection.js';
import { RejectedObjectError } from '../errors.js';
import type { Compiled } from '../rules/compile.js';
import type { Flavor } from '../rules/render/saved-objects.js';
import { writeBuild } from '../rules/write-build.js';
import { planChannels } from './channels.js';
import { planDataStreams } from './data-streams.js';
import { listPlugins, monitorNotes, planMonitors, readMonitors } from './monitors.js';
import type { Action } from './plan.js';
import { templateRateLine } from './script-limits.js';
import type { TargetEntry } from './target.js';

/**
 * Deploys the compiled rules to what the cluster supports: OpenSearch Alerting monitors
 * when the Alerting plugin is there, Elasticsearch Watcher watches when Watcher answers.
 * Everything is also written to build/rules for review and for import into Kibana or
 * OpenSearch Dashboards. Same plan/hash idea as the index objects: unchanged rules are not
 * sent again.
 */

export type RuleAction = Action;
export type RulePlanEntry = TargetEntry;

export interface RuleDeployment {
  compiled: Compiled;
  buildDir: string;
  /** the data streams the rules search, made to exist before any log arrives */
  dataStreams: TargetEntry[];
  /** the Notifications channel the monitors send to */
  channels: TargetEntry[];
  /** monitors (OpenSearch Alerting) or watches (Elasticsearch Watcher) */
  plan: TargetEntry[];
  /** the label of `plan` in the summary: monitors or watches */
  label: string;
  /** what the cluster cannot take, and where to find it instead */
  notes: string[];
  /** the cluster's plugins (OpenSearch) */
  plugins: string[];
  /** cluster settings deploy reads and says what it does with them */
  settings: string[];
}

async function hasWatcher(conn: Connection): Promise<boolean> {
  try {
    const res = await conn.request('GET', '/_watcher/stats');
    return res.status === 200;
  } catch (err) {
    // 400/405 on a cluster without Watcher (a basic licence); anything else is a real failure
    if (err instanceof RejectedObjectError) return false;
    throw err;
  }
}

/** Where the saved searches went: build/ always, and the UIs given with --kibana / --dashboards. */
export function savedSearchNote(buildDir: string, dryRun: boolean, installedIn: Flavor[]): string {
  const files = `${path.join(buildDir, 'kibana.ndjson')} and dashboards.ndjson`;
  const prefix = dryRun ? '(dry run: nothing written) ' : '';
  if (!installedIn.length) return `${prefix}saved searches for Kibana and OpenSearch Dashboards: ${files} (import them in Stack Management / Dashboards Management > Saved objects, or deploy with --kibana / --dashboards)`;
  return `${prefix}saved searches for Kibana and OpenSearch Dashboards: ${files}; ${installedIn.map((f) => (f === 'kibana' ? 'Kibana' : 'OpenSearch Dashboards')).join(' and ')} ${installedIn.length === 1 ? 'gets them through its API' : 'get them through their APIs'} below`;
}

export async function planRules(conn: Connection, compiled: Compiled, root: string, prune: boolean, dryRun = false, installedIn: Flavor[] = []): Promise<RuleDeployment> {
  const buildDir = path.join(root, 'build', 'rules');
  if (!dryRun) await writeBuild(compiled, buildDir);
  const notes = [savedSearchNote(buildDir, dryRun, installedIn)];
  const plan: TargetEntry[] = [];
  let label = 'monitors';
  const settings: string[] = [];
  const channels: TargetEntry[] = [];
  const dataStreams = await planDataStreams(conn, compiled.rules.flatMap((r) => r.resolved.indices));
  const plugins = await listPlugins(conn);

  if (conn.info.engine === 'opensearch') {
    if (!plugins.includes('opensearch-alerting')) {
      notes.push(`the cluster has no Alerting plugin: ${compiled.rules.length} monitors were written to ${path.join(buildDir, 'monitors')} only; install opensearch-alerting and deploy again`);
    } else {
      settings.push(await templateRateLine(conn, compiled.rules));
      if (plugins.includes('opensearch-notifications')) channels.push(...(await planChannels(conn, compiled.notify, prune)));
      else if (compiled.notify.webhook) notes.push('the profile names notify.webhook, but the cluster has no Notifications plugin: the monitors\' webhook actions cannot send; install opensearch-notifications (and -core) and deploy again');
      const remote = await readMonitors(conn);
      plan.push(...planMonitors(conn, compiled.rules, remote, prune));
      notes.push(...monitorNotes(compiled.rules, remote, prune));
    }
  } else if (!(await hasWatcher(conn))) {
    label = 'watches';
    notes.push(`Watcher is not available on this cluster (it needs a Platinum or trial licence): ${compiled.rules.length} watches were written to ${path.join(buildDir, 'watches')} only`);
  } else {
    label = 'watches';
    for (const r of compiled.rules) {
      const res = await conn.request('GET', `/_watcher/watch/${r.watch.id}`);
      const stored = res.status === 200 ? ((res.body as { watch?: { metadata?: Record<string, string> } }).watch?.metadata?.content_hash ?? '') : undefined;
      const action: RuleAction = stored === undefined ? 'create' : stored === r.hash ? 'unchanged' : 'update';
      plan.push({ kind: 'watch', name: r.resolved.rule.check, action, apply: async () => void (await conn.request('PUT', `/_watcher/watch/${r.watch.id}`, r.watch.body)) });
    }
  }
  return { compiled, buildDir, dataStreams, channels, plan, label, notes, plugins, settings };
}

/** Applies the changes (data streams and the channel first: the monitors search and send to them), logging each. */
export async function applyRules(d: RuleDeployment, log: (line: string) => void): Promise<TargetEntry[]> {
  const applied: TargetEntry[] = [];
  for (const e of [...d.dataStreams, ...d.channels, ...d.plan].filter((x) => x.action !== 'unchanged')) {
    await e.apply();
    applied.push(e);
    log(`${e.action}d ${e.kind} ${e.name}`);
  }
  return applied;
}
