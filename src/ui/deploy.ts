import type { Engine } from '../cluster/connection.js';
import type { Compiled } from '../rules/compile.js';
import type { Flavor } from '../rules/render/saved-objects.js';
import { planUiObjects, pruneUiSearches, toImport, uiObjects, uiPlanLines, type UiPlanEntry } from './plan.js';
import { PRODUCT, type UiClient } from './saved-objects-api.js';

/**
 * Installs the saved searches and index patterns in one Kibana or OpenSearch Dashboards:
 * read what is there, print the plan, import only what differs (in one request, so that
 * the searches and the index patterns they reference arrive together).
 */

export interface UiDeployment {
  flavor: Flavor;
  plan: UiPlanEntry[];
  /** objects that differ (sent, unless --dry-run) */
  changed: number;
}

/** The first line printed for a target, like the cluster's. */
export function uiBanner(client: Pick<UiClient, 'info' | 'target'>): string {
  const t = client.target;
  return `${t.flavor}: ${PRODUCT[t.flavor]} ${client.info.version} at ${t.url}${t.space ? ` (space ${t.space})` : ''}${t.tenant !== undefined ? ` (tenant ${t.tenant})` : ''}`;
}

/** Kibana reads Elasticsearch only and Dashboards OpenSearch only: a mix is worth a note. */
export function engineMismatchNote(flavor: Flavor, engine: Engine): string | undefined {
  const expected: Engine = flavor === 'kibana' ? 'elasticsearch' : 'opensearch';
  if (engine === expected) return undefined;
  return `${PRODUCT[flavor]} reads ${expected === 'elasticsearch' ? 'Elasticsearch' : 'OpenSearch'} only, and the cluster is ${engine === 'elasticsearch' ? 'Elasticsearch' : 'OpenSearch'}: its saved searches find events only where ${PRODUCT[flavor]}'s own cluster has the same indices`;
}

export async function deploySavedObjects(client: UiClient, compiled: Compiled, dryRun: boolean, out: (s: string) => void, err: (s: string) => void, prune = false): Promise<UiDeployment> {
  const flavor = client.target.flavor;
  const product = PRODUCT[flavor];
  const desired = uiObjects(compiled, flavor);
  const stored = await client.bulkGet(desired.map((d) => ({ type: d.object.type, id: d.object.id })));
  const plan = planUiObjects(desired, stored, product);
  // --prune: the pack's searches of rules it no longer has
  if (prune) plan.push(...pruneUiSearches(desired, await client.findPackSearches()));
  const patterns = desired.filter((d) => d.kind === 'index pattern').length;
  out(`${flavor}: ${patterns} index pattern(s) and ${desired.length - patterns} saved search(es)${client.target.space ? ` in space ${client.target.space}` : ''}`);
  if (plan.length) out(uiPlanLines(plan));
  const send = toImport(plan);
  const deletes = plan.filter((e) => e.action === 'delete');
  if (!dryRun && send.length) {
    const names = new Map(plan.map((e) => [`${e.object.type}/${e.object.id}`, `${e.kind} ${e.name}`]));
    const nameOf = (type: string, id: string) => names.get(`${type}/${id}`) ?? `${type} ${id}`;
    const { renamed } = await client.importObjects(send, nameOf);
    for (const e of plan.filter((x) => x.action === 'create' || x.action === 'update')) err(`${e.action}d ${e.kind} ${e.name} in ${product}`);
    for (const r of renamed) {
      err(`note: ${product} stored ${nameOf(r.type, r.id)} under the id ${r.destinationId} (its id is taken in another space); the next deploy will not recognise it and imports it again`);
    }
  }
  if (!dryRun) {
    for (const e of deletes) {
      await client.deleteObject(e.object.type, e.object.id);
      err(`deleted ${e.kind} ${e.name} in ${product}`);
    }
  }
  const changed = send.length + deletes.length;
  out(`${dryRun ? 'dry run, nothing changed: ' : ''}${product} saved objects: ${changed} change(s)`);
  return { flavor, plan, changed };
}
