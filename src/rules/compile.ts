import { contentHash } from '../content/hash.js';
import type { Profile } from '../content/profile.js';
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
  /** hash of the rule as resolved: changes when the rule or a profile value it uses changes */
  hash: string;
  watch: { id: string; body: WatchBody };
  monitor: Monitor;
  savedSearch: Record<'kibana' | 'dashboards', SavedObject>;
}

export interface Compiled {
  rules: CompiledRule[];
  savedObjects: Record<'kibana' | 'dashboards', SavedObject[]>;
}

export function compileRules(loaded: LoadedRule[], profile: Profile): Compiled {
  const rules = loaded.map(({ rule, file }) => {
    const resolved = resolveRule(rule, profile, file);
    const hash = contentHash({ rule, indices: resolved.indices, query: resolved.query, groupBy: resolved.groupBy, conditions: resolved.conditions, baseline: resolved.baseline, tz: resolved.timezone });
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
  const operational = operationalSearches(profile, contentHash({ prefix: profile.indices.prefix }));
  for (const flavor of ['kibana', 'dashboards'] as const) {
    const patterns = new Map<string, SavedObject>();
    for (const indices of [...rules.map((r) => r.resolved.indices), ...operational.map((s) => s.indices)]) {
      const p = indexPatternFor(indices, flavor);
      patterns.set(p.id, p);
    }
    savedObjects[flavor] = [...patterns.values(), ...rules.map((r) => r.savedSearch[flavor]), ...operational.map((s) => savedSearch(s, flavor))];
  }
  return { rules, savedObjects };
}

