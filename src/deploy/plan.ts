import type { DesiredObject, ObjectKindName } from '../content/load.js';

/** Pure diff of what the content asks for against what the cluster holds. */

export type Action = 'create' | 'update' | 'unchanged' | 'delete';

export interface PlanEntry {
  kind: ObjectKindName;
  name: string;
  action: Action;
  /** why, for update: the stored hash, or that the object is not ours yet */
  detail?: string;
  desired?: DesiredObject;
}

export interface RemoteState {
  kind: ObjectKindName;
  name: string;
  hash?: string;
}

export function makePlan(desired: DesiredObject[], remote: RemoteState[], opts: { prune: boolean }): PlanEntry[] {
  const byKey = new Map(remote.map((r) => [`${r.kind}/${r.name}`, r]));
  const wanted = new Set(desired.map((d) => `${d.kind}/${d.name}`));
  const plan: PlanEntry[] = desired.map((d) => {
    const r = byKey.get(`${d.kind}/${d.name}`);
    if (!r) return { kind: d.kind, name: d.name, action: 'create', desired: d };
    if (r.hash === d.hash) return { kind: d.kind, name: d.name, action: 'unchanged', desired: d };
    return { kind: d.kind, name: d.name, action: 'update', detail: r.hash ? `${r.hash} -> ${d.hash}` : 'exists, not installed by this pack: taken over', desired: d };
  });
  if (opts.prune) {
    for (const r of remote) {
      if (r.hash !== undefined && !wanted.has(`${r.kind}/${r.name}`)) plan.push({ kind: r.kind, name: r.name, action: 'delete', detail: 'no longer in the pack' });
    }
  }
  return plan;
}

export function summarize(plan: PlanEntry[]): Record<Action, number> {
  const s: Record<Action, number> = { create: 0, update: 0, unchanged: 0, delete: 0 };
  for (const e of plan) s[e.action]++;
  return s;
}

export function changes(plan: PlanEntry[]): number {
  return plan.filter((e) => e.action !== 'unchanged').length;
}

/** Prunable objects this pack installed before and no longer has, for a warning without --prune. */
export function orphans(desired: DesiredObject[], remote: RemoteState[]): RemoteState[] {
  const wanted = new Set(desired.map((d) => `${d.kind}/${d.name}`));
  return remote.filter((r) => r.hash !== undefined && !wanted.has(`${r.kind}/${r.name}`));
}
