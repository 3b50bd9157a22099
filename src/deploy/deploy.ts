import type { Connection } from '../cluster/connection.js';
import { loadDesiredObjects, type DesiredObject } from '../content/load.js';
import type { Profile } from '../content/profile.js';
import { RejectedObjectError } from '../errors.js';
import { seedFromProfile } from '../ioc/index.js';
import { KINDS, kindOf } from './kinds.js';
import { makePlan, orphans, type PlanEntry, type RemoteState } from './plan.js';

/** Orchestration: content -> remote state -> plan -> apply the differences. */

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

/** Applies the plan's differences in dependency order; stops at the first rejected object. */
export async function applyPlan(conn: Connection, plan: PlanEntry[], log: (line: string) => void): Promise<PlanEntry[]> {
  const applied: PlanEntry[] = [];
  const byOrder = (a: PlanEntry, b: PlanEntry) => kindOf(a.kind).order - kindOf(b.kind).order;
  for (const e of plan.filter((p) => p.action === 'create' || p.action === 'update').sort(byOrder)) {
    await put(conn, e.desired!);
    applied.push(e);
    log(`${e.action}d ${e.kind} ${e.name}`);
  }
  for (const e of plan.filter((p) => p.action === 'delete').sort((a, b) => byOrder(b, a))) {
    await conn.request('DELETE', kindOf(e.kind).path(e.name));
    applied.push(e);
    log(`deleted ${e.kind} ${e.name}`);
  }
  return applied;
}

/** Installs every content object that differs: what tests and the benchmark need first. */
export async function installPack(conn: Connection, root: string, profile: Profile): Promise<void> {
  const { plan } = await planDeploy(conn, { root, profile, prune: false });
  await applyPlan(conn, plan, () => {});
  await seedFromProfile(conn, profile);
}
