import path from 'node:path';
import type { Connection } from '../cluster/connection.js';
import { PACK_ID } from '../content/load.js';
import { RejectedObjectError } from '../errors.js';
import type { Compiled } from '../rules/compile.js';
import type { Flavor } from '../rules/render/saved-objects.js';
import { writeBuild } from '../rules/write-build.js';

/**
 * Deploys the compiled rules to what the cluster supports: OpenSearch Alerting monitors
 * when the Alerting plugin is there, Elasticsearch Watcher watches when Watcher answers.
 * Everything is also written to build/rules for review and for import into Kibana or
 * OpenSearch Dashboards. Same plan/hash idea as the index objects: unchanged rules are not
 * sent again.
 */

export type RuleAction = 'create' | 'update' | 'unchanged' | 'delete';

export interface RulePlanEntry {
  kind: 'monitor' | 'watch';
  name: string;
  action: RuleAction;
  apply: () => Promise<void>;
}

export interface RuleDeployment {
  compiled: Compiled;
  buildDir: string;
  plan: RulePlanEntry[];
  /** what the cluster cannot take, and where to find it instead */
  notes: string[];
}

interface RemoteMonitor {
  id: string;
  ruleId?: string;
  hash?: string;
}

async function hasAlerting(conn: Connection): Promise<boolean> {
  const res = await conn.request('GET', '/_cat/plugins?format=json');
  return res.status === 200 && (res.body as Array<{ component: string }>).some((p) => p.component === 'opensearch-alerting');
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

async function remoteMonitors(conn: Connection): Promise<RemoteMonitor[]> {
  const res = await conn.request('POST', '/_plugins/_alerting/monitors/_search', { size: 1000, query: { match_phrase_prefix: { 'monitor.name': '[jpcert]' } } });
  if (res.status === 404) return [];
  const hits = ((res.body as { hits?: { hits?: Array<{ _id: string; _source: Record<string, any> }> } }).hits?.hits ?? []);
  return hits
    .map((h) => ({ id: h._id, meta: (h._source.monitor ?? h._source).ui_metadata as Record<string, string> | undefined }))
    .filter((m) => m.meta?.managed_by === PACK_ID)
    .map((m) => ({ id: m.id, ruleId: m.meta?.rule_id, hash: m.meta?.content_hash }));
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
  const plan: RulePlanEntry[] = [];

  if (conn.info.engine === 'opensearch') {
    if (!(await hasAlerting(conn))) {
      notes.push(`the cluster has no Alerting plugin: ${compiled.rules.length} monitors were written to ${path.join(buildDir, 'monitors')} only; install opensearch-alerting and deploy again`);
    } else {
      const remote = await remoteMonitors(conn);
      const byRule = new Map(remote.map((m) => [m.ruleId, m]));
      for (const r of compiled.rules) {
        const existing = byRule.get(r.resolved.rule.id);
        const name = r.resolved.rule.check;
        if (!existing) plan.push({ kind: 'monitor', name, action: 'create', apply: async () => void (await conn.request('POST', '/_plugins/_alerting/monitors', r.monitor)) });
        else if (existing.hash !== r.hash) plan.push({ kind: 'monitor', name, action: 'update', apply: async () => void (await conn.request('PUT', `/_plugins/_alerting/monitors/${existing.id}`, r.monitor)) });
        else plan.push({ kind: 'monitor', name, action: 'unchanged', apply: async () => {} });
      }
      if (prune) {
        const wanted = new Set(compiled.rules.map((r) => r.resolved.rule.id));
        for (const m of remote.filter((x) => x.ruleId === undefined || !wanted.has(x.ruleId))) {
          plan.push({ kind: 'monitor', name: m.ruleId ?? m.id, action: 'delete', apply: async () => void (await conn.request('DELETE', `/_plugins/_alerting/monitors/${m.id}`)) });
        }
      }
    }
  } else if (!(await hasWatcher(conn))) {
    notes.push(`Watcher is not available on this cluster (it needs a Platinum or trial licence): ${compiled.rules.length} watches were written to ${path.join(buildDir, 'watches')} only`);
  } else {
    for (const r of compiled.rules) {
      const res = await conn.request('GET', `/_watcher/watch/${r.watch.id}`);
      const stored = res.status === 200 ? ((res.body as { watch?: { metadata?: Record<string, string> } }).watch?.metadata?.content_hash ?? '') : undefined;
      const action: RuleAction = stored === undefined ? 'create' : stored === r.hash ? 'unchanged' : 'update';
      plan.push({ kind: 'watch', name: r.resolved.rule.check, action, apply: async () => void (await conn.request('PUT', `/_watcher/watch/${r.watch.id}`, r.watch.body)) });
    }
  }
  return { compiled, buildDir, plan, notes };
}
