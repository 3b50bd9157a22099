import type { Action } from './plan.js';

/**
 * One planned change to a deploy target beyond the index objects (data streams, monitors,
 * watches, notification channels): what, which action, why, and how to apply it. Every
 * target reads what the cluster has, plans with the pack's marker and content hash, and
 * applies only create / update / delete.
 */
export interface TargetEntry {
  kind: string;
  name: string;
  action: Action;
  detail?: string;
  apply: () => Promise<void>;
}

export function targetSummary(label: string, entries: TargetEntry[]): string {
  const n = (a: Action) => entries.filter((e) => e.action === a).length;
  const changed = n('create') + n('update') + n('delete');
  return `${label}: ${changed} change(s): ${n('create')} to create, ${n('update')} to update, ${n('delete')} to delete, ${n('unchanged')} unchanged`;
}
