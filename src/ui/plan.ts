import { PACK_ID } from '../content/load.js';
import { RejectedObjectError } from '../errors.js';
import type { Compiled } from '../rules/compile.js';
import type { Flavor, SavedObject } from '../rules/render/saved-objects.js';

/**
 * Pure diff of the saved objects the rules render against what Kibana or Dashboards holds.
 * A saved search is the pack's when its description ends in `(jpcert-apt-log-pack <hash>)`;
 * the hash is the rule's, so a search is sent again only when its rule (or a profile value
 * the rule uses) changed. An index pattern has only its title and time field to compare:
 * Kibana adds fields of its own to a stored one.
 */

export type UiKind = 'index pattern' | 'saved search';
export type UiAction = 'create' | 'update' | 'unchanged' | 'delete';

export interface UiObject {
  kind: UiKind;
  /** the rule's check (MAIL-1) for a search, the title for an index pattern */
  name: string;
  object: SavedObject;
}

export interface UiPlanEntry extends UiObject {
  action: UiAction;
  detail?: string;
}

/** The objects of one flavor with the names a plan shows: index patterns first, as compiled. */
export function uiObjects(compiled: Compiled, flavor: Flavor): UiObject[] {
  const checks = new Map(compiled.rules.map((r) => [r.resolved.rule.id, r.resolved.rule.check]));
  return compiled.savedObjects[flavor].map((object) =>
    object.type === 'search' ? { kind: 'saved search', name: checks.get(object.id) ?? String(object.attributes.title), object } : { kind: 'index pattern', name: String(object.attributes.title), object },
  );
}

const TAG = new RegExp(`\\(${PACK_ID} ([0-9a-f]+)\\)\\s*$`);

/** The content hash at the end of a description this pack wrote, if it is one. */
export function packTag(description: unknown): string | undefined {
  return typeof description === 'string' ? TAG.exec(description)?.[1] : undefined;
}

interface Stored {
  type: string;
  id: string;
  attributes?: Record<string, unknown>;
  error?: { statusCode?: number; message?: string };
}

function compare(d: UiObject, s: Stored): { action: UiAction; detail?: string } {
  const want = d.object.attributes;
  const have = s.attributes ?? {};
  if (d.object.type === 'search') {
    const before = packTag(have.description);
    const after = packTag(want.description);
    if (before === after) return { action: 'unchanged' };
    return { action: 'update', detail: before ? `${before} -> ${after}` : 'exists, not installed by this pack: taken over' };
  }
  const differs = ['title', 'timeFieldName'].filter((k) => have[k] !== want[k]);
  return differs.length ? { action: 'update', detail: `${differs.join(', ')} differ${differs.length === 1 ? 's' : ''}` } : { action: 'unchanged' };
}

/**
 * `stored` is the `_bulk_get` answer for `desired`, in the same order (both products keep
 * it); matching is still by type and id. A 404 in an object's place means create; any
 * other error there stops the deploy, naming the object.
 */
export function planUiObjects(desired: UiObject[], stored: Stored[], product: string): UiPlanEntry[] {
  const byKey = new Map(stored.map((s) => [`${s.type}/${s.id}`, s]));
  return desired.map((d) => {
    const s = byKey.get(`${d.object.type}/${d.object.id}`);
    if (!s || s.error?.statusCode === 404) return { ...d, action: 'create' };
    if (s.error) {
      throw new RejectedObjectError(`${product} could not read ${d.kind} ${d.name} (${d.object.type} ${d.object.id}): ${s.error.message ?? `HTTP ${s.error.statusCode ?? '?'}`}`, s.error.statusCode === 403 ? "give the user read and write rights on saved objects" : undefined);
    }
    return { ...d, ...compare(d, s) };
  });
}

/**
 * With --prune: the saved searches this pack wrote (its tag ends their description) that
 * the pack no longer has, from a `_find` answer. Index patterns stay: a user's own searches
 * may use them.
 */
export function pruneUiSearches(desired: UiObject[], found: Stored[]): UiPlanEntry[] {
  const wanted = new Set(desired.map((d) => `${d.object.type}/${d.object.id}`));
  return found
    .filter((s) => s.type === 'search' && !s.error && packTag(s.attributes?.description) !== undefined && !wanted.has(`search/${s.id}`))
    .map((s) => ({ kind: 'saved search', name: String(s.attributes?.title ?? s.id), action: 'delete', object: { type: 'search', id: s.id, attributes: s.attributes ?? {}, references: [] } }));
}

/** What an import must send: the created and updated objects, index patterns before the searches that use them. */
export function toImport(plan: UiPlanEntry[]): SavedObject[] {
  const changed = plan.filter((e) => e.action === 'create' || e.action === 'update').map((e) => e.object);
  return [...changed.filter((o) => o.type === 'index-pattern'), ...changed.filter((o) => o.type !== 'index-pattern')];
}

/** Plan lines in the rules' format: `  create     saved search   MAIL-1`. */
export function uiPlanLines(plan: UiPlanEntry[]): string {
  return plan.map((e) => `  ${e.action.padEnd(9)}  ${e.kind.padEnd(13)}  ${e.name}${e.detail ? `  (${e.detail})` : ''}`).join('\n');
}
