import type { Connection } from '../cluster/connection.js';
import type { Profile } from '../content/profile.js';
import type { Compiled } from '../rules/compile.js';
import type { Action } from './plan.js';
import { planTable } from './report.js';

/**
 * The one shape of every deploy target (index objects, retention, roles, data streams,
 * notification channels, monitors, watches): `plan` reads what the cluster has, recognises
 * the pack's own objects by their marker and content hash, and returns one entry per object
 * (create / update / unchanged, and with `prune` a delete for each of the pack's objects the
 * content no longer has). Planning changes nothing; `applyEntries` then applies the changes.
 * Saved objects in Kibana / Dashboards (src/ui/deploy.ts) go through a UI's import API in one
 * request, not object by object, and stay outside this shape.
 */

/** One planned change: what, which action, why, and how to apply it. */
export interface TargetEntry {
  kind: string;
  name: string;
  action: Action;
  detail?: string;
  apply: () => Promise<void>;
}

/** Everything a target may read to plan. */
export interface DeployContext {
  conn: Connection;
  root: string;
  profile: Profile;
  compiled: Compiled;
  /** the cluster's plugins (OpenSearch; empty on Elasticsearch) */
  plugins: string[];
  prune: boolean;
  /** --roles true, --no-roles false, default undefined */
  roles?: boolean;
}

/** What a target plans on one cluster. */
export interface TargetPlan {
  /** the summary line's label ("retention", "monitors"); empty for the index objects' plain summary */
  label: string;
  /** in dependency order: applied in this order, deletes in the reverse one */
  entries: TargetEntry[];
  /** plan lines: every entry, only changes, every entry while there are at most 8 (default), or a table of every entry */
  show?: 'all' | 'changes' | 'few' | 'table';
  /** lines printed after the summary: what deploy read and left as it is */
  info?: string[];
  /** what to know about objects the plan leaves alone, or what the cluster lacks */
  notes: string[];
}

export interface DeployTarget {
  plan(ctx: DeployContext): Promise<TargetPlan>;
}

export function targetSummary(label: string, entries: TargetEntry[]): string {
  const n = (a: Action) => entries.filter((e) => e.action === a).length;
  const changed = n('create') + n('update') + n('delete');
  return `${label ? `${label}: ` : ''}${changed} change(s): ${n('create')} to create, ${n('update')} to update, ${n('delete')} to delete, ${n('unchanged')} unchanged`;
}

/** The plan lines of a target, as `deploy` prints them. */
export function planLines(p: TargetPlan): string[] {
  const show = p.show ?? 'few';
  if (show === 'table') return [planTable(p.entries)];
  const shown = p.entries.filter((e) => show === 'all' || e.action !== 'unchanged' || (show === 'few' && p.entries.length <= 8));
  return shown.map((e) => `  ${e.action.padEnd(9)}  ${e.kind}  ${e.name}${e.detail ? `  ${e.detail}` : ''}`);
}

/** An unchanged entry: nothing to apply. */
export function unchanged(kind: string, name: string): TargetEntry {
  return { kind, name, action: 'unchanged', apply: async () => {} };
}

/**
 * Applies the changes of one or more plans: creates and updates in plan order (what others
 * depend on first), then deletes in the reverse order; logs each, stops at the first failure.
 */
export async function applyEntries(entries: TargetEntry[], log: (line: string) => void): Promise<TargetEntry[]> {
  const applied: TargetEntry[] = [];
  const run = async (e: TargetEntry) => {
    await e.apply();
    applied.push(e);
    log(`${e.action}d ${e.kind} ${e.name}`);
  };
  for (const e of entries.filter((x) => x.action === 'create' || x.action === 'update')) await run(e);
  for (const e of entries.filter((x) => x.action === 'delete').reverse()) await run(e);
  return applied;
}
