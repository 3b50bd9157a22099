import { contentHash } from '../content/hash.js';
import type { NotifySettings, Profile } from '../content/profile.js';
import type { LoadedRule } from './load.js';
import { renderMonitor, type Monitor } from './render/monitor.js';
import { operationalSearches } from './render/operational-searches.js';
import { indexPatternFor, renderSavedSearch, savedSearch, type SavedObject } from './render/saved-objects.js';
import { renderWatch, watchId, type WatchBody } from './render/watch.js';
import { resolveRule, type ResolvedRule } from './resolve.js';

/** Every rule, resolved against the profile, rendered for every target. */

export interface CompiledRule {
  resolved: ResolvedRule;
  file: string;
  /** hash of the rule's rendered artifacts: changes when the rule, a profile value it uses or a renderer changes */
  hash: string;
  watch: { id: string; body: WatchBody };
  monitor: Monitor;
  savedSearch: Record<'kibana' | 'dashboards', SavedObject>;
}

export interface Compiled {
  rules: CompiledRule[];
  /** where alerts go (the profile's notify), for the targets that deliver them */
  notify: NotifySettings;
  savedObjects: Record<'kibana' | 'dashboards', SavedObject[]>;
}

export function compileRules(loaded: LoadedRule[], profile: Profile): Compiled {
  const rules = loaded.map(({ rule, file }) => {
    const resolved = resolveRule(rule, profile, file);
    // the hash covers what is sent, rendered with an empty hash: a change of the rule, of a
    // profile value it uses, or of a renderer (a new pack version) changes it, and nothing else
    const hash = contentHash({
      watch: renderWatch(resolved, ''),
      monitor: renderMonitor(resolved, ''),
      savedSearch: [renderSavedSearch(resolved, 'kibana', ''), renderSavedSearch(resolved, 'dashboards', '')],
    });
    return {
      resolved,
      file,
      hash,
      watch: { id: watchId(resolved), body: renderWatch(resolved, hash) },
      monitor: renderMonitor(resolved, hash),
      savedSearch: { kibana: renderSavedSearch(resolved, 'kibana', hash), dashboards: renderSavedSearch(resolved, 'dashboards', hash) },
    };
  });
  const savedObjects = { kibana: [] as SavedObject[], dashboards: [] as SavedObject[] };
  // hashed as rendered, like the rules' searches
  const operational = operationalSearches(profile, contentHash(operationalSearches(profile, '')));
  for (const flavor of ['kibana', 'dashboards'] as const) {
    const extra = operational.filter((s) => !s.only || s.only === flavor);
    const patterns = new Map<string, SavedObject>();
    for (const indices of [...rules.map((r) => r.resolved.indices), ...extra.map((s) => s.indices)]) {
      const p = indexPatternFor(indices, flavor);
      patterns.set(p.id, p);
    }
    savedObjects[flavor] = [...patterns.values(), ...rules.map((r) => r.savedSearch[flavor]), ...extra.map(({ only: _only, ...s }) => savedSearch(s, flavor))];
  }
  return { rules, savedObjects, notify: profile.notify ?? {} };
}

