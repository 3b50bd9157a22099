import { PACK_ID } from '../../content/load.js';
import type { ResolvedRule } from '../resolve.js';

/**
 * The SOC's searches: one saved search per rule, for Kibana and for OpenSearch Dashboards,
 * plus the index patterns (data views) they use. Ids are deterministic: the saved search's
 * id is the rule's UUID, an index pattern's id is derived from its title. The search holds
 * the rule's selection as a filter, so it lists the events a rule looks at (for a grouped
 * rule, before grouping).
 */

export type Flavor = 'kibana' | 'dashboards';

export interface SavedObject {
  type: 'index-pattern' | 'search';
  id: string;
  attributes: Record<string, unknown>;
  references: Array<{ name: string; type: string; id: string }>;
  migrationVersion?: Record<string, string>;
  coreMigrationVersion?: string;
  typeMigrationVersion?: string;
}

/** The object format each UI imports without migrating it. */
const VERSIONS: Record<Flavor, (type: SavedObject['type']) => Partial<SavedObject>> = {
  kibana: (type) => ({ coreMigrationVersion: '8.8.0', typeMigrationVersion: type === 'search' ? '8.0.0' : '8.0.0' }),
  dashboards: (type) => ({ migrationVersion: { [type === 'search' ? 'search' : 'index-pattern']: '7.9.3' } }),
};

export function indexPatternId(title: string): string {
  // logs-jpcert.squid-* → jpcert-logs-jpcert.squid; logs-jpcert.*-* → jpcert-logs-jpcert.all
  return `jpcert-${title.replace(/-\*(?=,|$)/g, '').replace(/\*/g, 'all').replace(/[^a-z0-9.]+/gi, '-').replace(/-+$/, '')}`;
}

export function indexPatternFor(indices: string[], flavor: Flavor): SavedObject {
  const title = indices.join(',');
  return {
    type: 'index-pattern',
    id: indexPatternId(title),
    attributes: { title, timeFieldName: '@timestamp' },
    references: [],
    ...VERSIONS[flavor]('index-pattern'),
  };
}

/** What a saved search shows: its selection (a DSL filter) over some indices, with columns. */
export interface SearchSpec {
  id: string;
  title: string;
  description: string;
  /** the filter pill's label */
  label: string;
  indices: string[];
  query: unknown;
  columns: string[];
}

export function savedSearch(spec: SearchSpec, flavor: Flavor): SavedObject {
  const pattern = indexPatternFor(spec.indices, flavor);
  const filter = {
    meta: { alias: spec.label, negate: false, disabled: false, type: 'custom', key: 'query', value: JSON.stringify(spec.query), indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.filter[0].meta.index' },
    query: spec.query,
    $state: { store: 'appState' },
  };
  const searchSource = {
    query: { query: '', language: 'kuery' },
    filter: [filter],
    indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index',
  };
  return {
    type: 'search',
    id: spec.id,
    attributes: {
      title: spec.title,
      description: spec.description,
      columns: spec.columns,
      sort: [['@timestamp', 'desc']],
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify(searchSource) },
    },
    references: [
      { name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: pattern.id },
      { name: 'kibanaSavedObjectMeta.searchSourceJSON.filter[0].meta.index', type: 'index-pattern', id: pattern.id },
    ],
    ...VERSIONS[flavor]('search'),
  };
}

export function renderSavedSearch(r: ResolvedRule, flavor: Flavor, contentHash: string): SavedObject {
  const rule = r.rule;
  return savedSearch(
    {
      id: rule.id,
      title: `[${rule.check}] ${rule.name.ja} / ${rule.name.en}`,
      description: `${rule.description.ja}\n\n${rule.description.en}\n\n(${PACK_ID} ${contentHash})`,
      label: `${rule.check}: ${rule.name.en}`,
      indices: r.indices,
      query: r.query,
      columns: rule.logic.report_fields,
    },
    flavor,
  );
}

/** NDJSON for the UI's import API / Stack Management: index patterns first. */
export function toNdjson(objects: SavedObject[]): string {
  return `${objects.map((o) => JSON.stringify(o)).join('\n')}\n`;
}
