import path from 'node:path';
import type { Connection } from '../cluster/connection.js';
import { RejectedObjectError } from '../errors.js';
import type { CompiledRule } from '../rules/compile.js';
import { readMonitorMarker } from '../rules/render/monitor.js';
import { buildDir } from './rules.js';
import { templateRateLine } from './script-limits.js';
import type { DeployTarget, TargetEntry } from './target.js';

/**
 * OpenSearch Alerting monitors: read what the cluster has, plan create / update / unchanged /
 * delete per rule, apply. A monitor is the pack's when its input carries the pack's named
 * query (see MONITOR_MARKER in src/rules/render/monitor.ts); its rule id and content hash
 * are read from there. Any other monitor, whatever its name, is never changed or deleted.
 */

const BASE = '/_plugins/_alerting/monitors';
const PAGE = 500;

export interface PackMonitor {
  id: string;
  name: string;
  ruleId: string;
  hash: string;
}

export interface RemoteMonitors {
  ours: PackMonitor[];
  /** monitors named like the pack's ("[jpcert] ...") without its marker: made by hand, or by a pack version before the marker */
  lookalikes: Array<{ id: string; name: string }>;
}

/** The plugins an OpenSearch cluster has (`_cat/plugins` components, once each). */
export async function listPlugins(conn: Connection): Promise<string[]> {
  if (conn.info.engine !== 'opensearch') return [];
  const res = await conn.request('GET', '/_cat/plugins?format=json');
  return res.status === 200 ? [...new Set((res.body as Array<{ component: string }>).map((p) => p.component))].sort() : [];
}

/** Every monitor on the cluster (Alerting's own search API, page by page), sorted into the pack's and the rest. */
export async function readMonitors(conn: Connection): Promise<RemoteMonitors> {
  const out: RemoteMonitors = { ours: [], lookalikes: [] };
  for (let from = 0; ; from += PAGE) {
    const res = await conn.request('POST', `${BASE}/_search`, { from, size: PAGE, query: { match_all: {} } });
    // before the first monitor, the config index does not exist yet
    if (res.status === 404) break;
    const hits = (res.body as { hits?: { hits?: Array<{ _id: string; _source: Record<string, unknown> }> } }).hits?.hits ?? [];
    for (const h of hits) {
      const monitor = (h._source.monitor ?? h._source) as { type?: string; name?: string };
      if (monitor.type !== undefined && monitor.type !== 'monitor') continue;
      const name = String(monitor.name ?? '');
      const marker = readMonitorMarker(monitor);
      if (marker) out.ours.push({ id: h._id, name, ...marker });
      else if (name.startsWith('[jpcert]')) out.lookalikes.push({ id: h._id, name });
    }
    if (hits.length < PAGE) break;
  }
  return out;
}

async function send(conn: Connection, method: 'POST' | 'PUT' | 'DELETE', path: string, what: string, body?: unknown): Promise<unknown> {
  try {
    return (await conn.request(method, path, body)).body;
  } catch (err) {
    if (err instanceof RejectedObjectError) throw new RejectedObjectError(`${what} was rejected: ${err.message.replace(/^the cluster rejected [^:]*: /, '')}`, 'the rule file named above compiles to a monitor Alerting does not take; nothing after it was applied', { cause: err });
    throw err;
  }
}

/**
 * One entry per rule (create, update in place with the same monitor id, unchanged), and with
 * `prune` a delete for each of the pack's monitors whose rule is gone or that duplicates
 * another one of the same rule.
 */
export function planMonitors(conn: Connection, rules: CompiledRule[], remote: RemoteMonitors, prune: boolean): TargetEntry[] {
  const byRule = new Map<string, PackMonitor>();
  const duplicates: PackMonitor[] = [];
  for (const m of remote.ours) {
    if (byRule.has(m.ruleId)) duplicates.push(m);
    else byRule.set(m.ruleId, m);
  }
  const plan: TargetEntry[] = [];
  for (const r of rules) {
    const check = r.resolved.rule.check;
    const existing = byRule.get(r.resolved.rule.id);
    const what = `monitor ${check} (from ${r.file})`;
    if (!existing) {
      plan.push({ kind: 'monitor', name: check, action: 'create', apply: async () => void (await send(conn, 'POST', `${BASE}`, what, r.monitor)) });
    } else if (existing.hash !== r.hash) {
      plan.push({
        kind: 'monitor',
        name: check,
        action: 'update',
        detail: `${existing.id}: ${existing.hash || '(no hash)'} -> ${r.hash}`,
        apply: async () => void (await send(conn, 'PUT', `${BASE}/${encodeURIComponent(existing.id)}`, what, r.monitor)),
      });
    } else plan.push({ kind: 'monitor', name: check, action: 'unchanged', apply: async () => {} });
  }
  if (prune) {
    const wanted = new Set(rules.map((r) => r.resolved.rule.id));
    const gone = [...byRule.values()].filter((m) => !wanted.has(m.ruleId)).map((m) => ({ m, why: `rule ${m.ruleId} is no longer in the pack` }));
    for (const { m, why } of [...gone, ...duplicates.map((m) => ({ m, why: `a second monitor of rule ${m.ruleId}` }))]) {
      plan.push({
        kind: 'monitor',
        name: m.name.replace(/^\[jpcert\] (\S+).*$/, '$1'),
        action: 'delete',
        detail: `${m.id}: ${why}`,
        apply: async () => void (await send(conn, 'DELETE', `${BASE}/${encodeURIComponent(m.id)}`, `deleting monitor ${m.id}`)),
      });
    }
  }
  return plan;
}

/** What to say about monitors the plan leaves alone. */
export function monitorNotes(rules: CompiledRule[], remote: RemoteMonitors, prune: boolean): string[] {
  const notes: string[] = [];
  if (remote.lookalikes.length) {
    notes.push(
      `${remote.lookalikes.length} monitor(s) named "[jpcert] ..." carry no pack marker and are left alone (made by hand, or by a pack version before the marker; delete duplicates in Alerting > Monitors): ${remote.lookalikes.slice(0, 10).map((m) => m.id).join(', ')}${remote.lookalikes.length > 10 ? ', ...' : ''}`,
    );
  }
  if (!prune) {
    const wanted = new Set(rules.map((r) => r.resolved.rule.id));
    const seen = new Set<string>();
    const extra = remote.ours.filter((m) => {
      const dup = seen.has(m.ruleId);
      seen.add(m.ruleId);
      return dup || !wanted.has(m.ruleId);
    });
    if (extra.length) notes.push(`${extra.length} monitor(s) this pack installed have no rule any more (or are duplicates): ${extra.map((m) => `${m.name} (${m.id})`).join(', ')}; remove them with --prune --yes`);
  }
  return notes;
}

/** The target on OpenSearch: one monitor per rule when the cluster has Alerting; otherwise a note. */
export const monitorsTarget: DeployTarget = {
  async plan(ctx) {
    const rules = ctx.compiled.rules;
    if (ctx.conn.info.engine !== 'opensearch') return { label: 'monitors', entries: [], notes: [] };
    if (!ctx.plugins.includes('opensearch-alerting')) {
      return { label: 'monitors', entries: [], notes: [`the cluster has no Alerting plugin: ${rules.length} monitors were written to ${path.join(buildDir(ctx.root), 'monitors')} only; install opensearch-alerting and deploy again`] };
    }
    const info = [await templateRateLine(ctx.conn, rules)];
    const remote = await readMonitors(ctx.conn);
    return { label: 'monitors', show: 'all', entries: planMonitors(ctx.conn, rules, remote, ctx.prune), info, notes: monitorNotes(rules, remote, ctx.prune) };
  },
};
