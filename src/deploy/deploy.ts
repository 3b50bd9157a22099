import type { Connection } from '../cluster/connection.js';
import { loadDesiredObjects, type DesiredObject } from '../content/load.js';
import type { Profile } from '../content/profile.js';
import { RejectedObjectError } from '../errors.js';
import { seedFromProfile } from '../ioc/index.js';
import { KINDS, kindOf } from './kinds.js';
import { makePlan, orphans, type PlanEntry, type RemoteState } from './plan.js';
import { applyEntries, type DeployContext, type TargetEntry, type TargetPlan } from './target.js';

/**
 * The index objects target: component templates, ingest pipelines and index templates from
 * the content folders, diffed against what the cluster has (see plan.ts and kinds.ts).
 */

export interface DeployOptions {
  root: string;
  profile: Profile;
  prune: boolean;
}

export interface DeployResult {
  plan: PlanEntry[];
  applied: PlanEntry[];
  orphans: RemoteState[];
}

export async function readRemoteState(conn: Connection): Promise<RemoteState[]> {
  const states: RemoteState[] = [];
  for (const k of KINDS) for (const r of await k.list(conn)) states.push({ kind: k.kind, name: r.name, ...(r.hash ? { hash: r.hash } : {}) });
  return states;
}

async function put(conn: Connection, o: DesiredObject): Promise<void> {
  const kind = kindOf(o.kind);
  try {
    await conn.request('PUT', kind.path(o.name), kind.withMarker(o));
  } catch (err) {
    if (err instanceof RejectedObjectError) {
      throw new RejectedObjectError(`${o.kind} "${o.name}" (from ${o.source}) was rejected: ${err.message.replace(/^the cluster rejected [^:]*: /, '')}`, 'fix the content file named above; nothing after it was applied', { cause: err });
    }
    throw err;
  }
}

/** Reads content and cluster, and says what would change. Changes nothing. */
export async function planDeploy(conn: Connection, o: DeployOptions): Promise<Omit<DeployResult, 'applied'>> {
  const desired = loadDesiredObjects(o.root, o.profile, conn.info.engine);
  const remote = await readRemoteState(conn);
  return { plan: makePlan(desired, remote, { prune: o.prune }), orphans: o.prune ? [] : orphans(desired, remote) };
}

/** The plan's entries in dependency order (kinds' `order`), each with how to apply it. */
export function indexObjectEntries(conn: Connection, plan: PlanEntry[]): Array<TargetEntry & { entry: PlanEntry }> {
  const byOrder = (a: PlanEntry, b: PlanEntry) => kindOf(a.kind).order - kindOf(b.kind).order;
  const upserts = plan.filter((p) => p.action !== 'delete').sort(byOrder);
  const deletes = plan.filter((p) => p.action === 'delete').sort(byOrder);
  return [...upserts, ...deletes].map((e) => ({
    kind: e.kind,
    name: e.name,
    action: e.action,
    ...(e.detail ? { detail: e.detail } : {}),
    entry: e,
    apply: async () => {
      if (e.action === 'delete') await conn.request('DELETE', kindOf(e.kind).path(e.name));
      else if (e.action !== 'unchanged') await put(conn, e.desired!);
    },
  }));
}

export interface IndexObjectsPlan extends TargetPlan {
  entries: Array<TargetEntry & { entry: PlanEntry }>;
  plan: PlanEntry[];
  orphans: RemoteState[];
}

/** The index objects as a deploy target: printed as a table, with a plain summary. */
export async function planIndexObjects(ctx: Pick<DeployContext, 'conn' | 'root' | 'profile' | 'prune'>): Promise<IndexObjectsPlan> {
  const { plan, orphans: gone } = await planDeploy(ctx.conn, { root: ctx.root, profile: ctx.profile, prune: ctx.prune });
  const notes = gone.length ? [`${gone.length} object(s) installed by an earlier version are no longer in the pack (${gone.map((o) => o.name).join(', ')}); remove them with --prune --yes`] : [];
  return { label: '', show: 'table', entries: indexObjectEntries(ctx.conn, plan), plan, orphans: gone, notes };
}

/** Applies the plan's differences in dependency order; stops at the first rejected object. */
export async function applyPlan(conn: Connection, plan: PlanEntry[], log: (line: string) => void): Promise<PlanEntry[]> {
  return (await applyEntries(indexObjectEntries(conn, plan), log)).map((e) => (e as TargetEntry & { entry: PlanEntry }).entry);
}

/** Installs every content object that differs: what tests and the benchmark need first. */
export async function installPack(conn: Connection, root: string, profile: Profile): Promise<void> {
  const { plan } = await planDeploy(conn, { root, profile, prune: false });
  await applyPlan(conn, plan, () => {});
  await seedFromProfile(conn, profile);
}
