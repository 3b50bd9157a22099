import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadDesiredObjects, type ObjectKindName } from '../../src/content/load.js';
import { loadProfile, type Profile } from '../../src/content/profile.js';
import { kindOf } from '../../src/deploy/kinds.js';
import { ilmPolicy, slmPolicy } from '../../src/deploy/retention.js';
import { elasticsearchRole, loadRoles } from '../../src/deploy/roles.js';
import { retentionOf } from '../../src/content/profile.js';
import { PACK_ROOT } from '../../src/paths.js';
import { compileRules } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';
import { checkAgainstEstypes, estypesVersion, type BodyType, type CheckItem, type Finding } from './estypes-check.js';

/**
 * Only OpenSearch runs on this machine, so what the pack deploys to Elasticsearch is checked
 * statically: every component template, index template and ingest pipeline (as sent, with the
 * ownership marker), every Watcher watch, every rule's resolved query and the query of every
 * saved search's filter, against the Elasticsearch specification types (`estypes` of
 * @elastic/elasticsearch), with excess-property checks. An option, processor or query the
 * specification does not know fails with the object's name, the JSON path and the compiler's
 * message. Not in scope: OpenSearch Alerting monitors (OpenSearch only), and saved objects as
 * such (Kibana's, which the specification has no type for: only their queries are checked).
 */

const BODY_OF: Record<ObjectKindName, BodyType> = { component_template: 'componentTemplate', ingest_pipeline: 'pipeline', index_template: 'indexTemplate' };

/** The default profile, and a site profile that fills every list (so the DSL extensions
 *  expand into real clauses, not match_none) and turns on the watches' webhook, Slack, Teams,
 *  Chime and mail actions. */
const PROFILES: Array<[string, Profile]> = (() => {
  const example = loadProfile(path.join(PACK_ROOT, 'profiles', 'example.yml'));
  return [
    ['default', loadProfile()],
    ['example+notify', { ...example, indices: { ...example.indices, number_of_replicas: 1 }, notify: { webhook: 'https://soc.example.co.jp/hook', email: ['soc@example.co.jp'], slack: 'https://hooks.slack.com/services/T0/B0/x', teams: 'https://example.webhook.office.com/webhookb2/x', chime: 'https://hooks.chime.aws/incomingwebhooks/x?token=y', smtp: { host: 'mail.example.co.jp', from: 'jpcert@example.co.jp' } } }],
  ];
})();

type Kind = ObjectKindName | 'watch' | 'rule query' | 'saved search query' | 'ILM policy' | 'SLM policy' | 'role';

function packItems(): Array<CheckItem & { kind: Kind }> {
  const items: Array<CheckItem & { kind: Kind }> = [];
  const seen = new Set<string>();
  const add = (kind: Kind, name: string, type: BodyType, value: unknown, where: string) => {
    const key = `${kind}\0${name}\0${JSON.stringify(value)}`;
    if (seen.has(key)) return;
    seen.add(key);
    items.push({ kind, label: `${kind} ${name} (${where})`, type, value });
  };
  const rules = loadRules(PACK_ROOT);
  for (const [profileName, profile] of PROFILES) {
    for (const o of loadDesiredObjects(PACK_ROOT, profile, 'elasticsearch')) {
      const source = path.isAbsolute(o.source) ? path.relative(PACK_ROOT, o.source) : o.source;
      add(o.kind, o.name, BODY_OF[o.kind], kindOf(o.kind).withMarker(o), `${source}, profile ${profileName}`);
    }
    const retention = retentionOf(profile);
    if (retention) {
      add('ILM policy', 'jpcert-retention', 'ilmPolicy', ilmPolicy(retention), `retention of profile ${profileName}`);
      const slm = slmPolicy(profile, { ...retention, snapshot_repository: 'backups' });
      add('SLM policy', 'jpcert-retention', 'slmPolicy', slm, `retention of profile ${profileName}, with a snapshot repository`);
      add('ILM policy', 'jpcert-retention', 'ilmPolicy', ilmPolicy({ ...retention, snapshot_repository: 'backups' }), `retention of profile ${profileName}, with a snapshot repository`);
    }
    for (const role of loadRoles(PACK_ROOT, profile)) add('role', role.name, 'role', elasticsearchRole(role), `security/roles.yml, profile ${profileName}`);
    const compiled = compileRules(rules, profile);
    for (const r of compiled.rules) {
      const where = `${path.relative(PACK_ROOT, r.file)}, profile ${profileName}`;
      add('watch', r.watch.id, 'watch', r.watch.body, where);
      add('rule query', r.resolved.rule.check, 'query', r.resolved.query, where);
    }
    for (const flavor of ['kibana', 'dashboards'] as const) {
      for (const so of compiled.savedObjects[flavor].filter((s) => s.type === 'search')) {
        const meta = so.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string };
        const source = JSON.parse(meta.searchSourceJSON) as { filter?: Array<{ query?: unknown }> };
        (source.filter ?? []).forEach((f, i) => {
          if (f.query !== undefined) add('saved search query', `${so.id} filter[${i}]`, 'query', f.query, `${flavor}, profile ${profileName}`);
        });
      }
    }
  }
  return items;
}

/** Deliberately wrong objects: the check must report each, or it checks nothing. */
const SELF_CHECK: Array<CheckItem & { expected: Array<[string, string]> }> = [
  {
    label: '(self-check) pipeline with an unknown processor option',
    type: 'pipeline',
    value: { description: 'x', processors: [{ set: { field: 'a', value: 1 } }, { rename: { field: 'a', target_field: 'b', no_such_option: true } }] },
    expected: [['processors[1].rename.no_such_option', "'\"no_such_option\"' does not exist in type 'IngestRenameProcessor'"]],
  },
  {
    label: '(self-check) pipeline with a processor Elasticsearch does not have',
    type: 'pipeline',
    // `copy` exists in OpenSearch (2.12+) only
    value: { description: 'x', processors: [{ copy: { source_field: 'a', target_field: 'b' } }] },
    expected: [['processors[0].copy', "'\"copy\"' does not exist in type"]],
  },
  {
    label: '(self-check) component template with an unknown mapping parameter',
    type: 'componentTemplate',
    value: { template: { mappings: { properties: { a: { type: 'keyword', no_such_param: 1 } } } } },
    expected: [['template.mappings.properties.a.no_such_param', "does not exist in type 'MappingKeywordProperty'"]],
  },
  {
    label: '(self-check) component template with an OpenSearch-only index setting',
    type: 'componentTemplate',
    value: { template: { settings: { index: { number_of_shards: 1, knn: true } } } },
    expected: [['template.settings.index.knn', "'\"knn\"' does not exist in type 'KnownIndexSettings'"]],
  },
  {
    label: '(self-check) index template with a wrong value type',
    type: 'indexTemplate',
    value: { index_patterns: ['x-*'], priority: 'high' },
    expected: [['priority', "Type 'string' is not assignable to type 'number'"]],
  },
  {
    label: '(self-check) query with an unknown option',
    type: 'query',
    value: { bool: { filter: [{ term: { 'user.name': { value: 'a', case_insensitive: true, no_such_option: 1 } } }] } },
    expected: [['bool.filter[0].term["user.name"].no_such_option', "does not exist in type 'QueryDslTermQuery'"]],
  },
  {
    label: '(self-check) watch with an unknown aggregation option',
    type: 'watch',
    value: { trigger: { schedule: { interval: '5m' } }, input: { search: { request: { indices: ['x'], body: { size: 0, query: { match_all: {} }, aggs: { g: { terms: { field: 'a', no_such_option: 1 } } } } } } } },
    expected: [['input.search.request.body.aggs.g.terms.no_such_option', "does not exist in type 'AggregationsTermsAggregation'"]],
  },
  {
    // the specification gap the `Watch` type widens (see estypes-check.ts): if this stops
    // being reported, the specification has closed it and the widening can go
    label: '(self-check) watch search body as the specification types it (query only)',
    type: 'watchAsSpecified',
    value: { input: { search: { request: { indices: ['x'], body: { size: 0, query: { match_all: {} } } } } } },
    expected: [['input.search.request.body.size', "does not exist in type 'WatcherSearchInputRequestBody'"]],
  },
];

const format = (f: Finding) => `${f.label} at ${f.path}: ${f.message}`;

describe(`the pack against the Elasticsearch specification types (@elastic/elasticsearch ${estypesVersion(PACK_ROOT)})`, () => {
  const items = packItems();
  let findings: Finding[];

  beforeAll(() => {
    findings = checkAgainstEstypes([...items, ...SELF_CHECK], PACK_ROOT);
  });

  it('covers every kind of object the pack deploys to Elasticsearch', () => {
    const count = (k: Kind) => items.filter((i) => i.kind === k).length;
    const rules = loadRules(PACK_ROOT).length;
    const pipelineFiles = loadDesiredObjects(PACK_ROOT, PROFILES[0]![1]).filter((o) => o.kind === 'ingest_pipeline').length;
    expect(count('ingest_pipeline')).toBe(pipelineFiles);
    expect(count('component_template')).toBeGreaterThan(1);
    expect(count('index_template')).toBeGreaterThan(1);
    // every rule's watch and query under each profile (a few are the same under both)
    expect(count('watch')).toBeGreaterThanOrEqual(rules);
    expect(count('rule query')).toBeGreaterThanOrEqual(rules);
    expect(count('saved search query')).toBeGreaterThanOrEqual(rules);
    // the example profile has retention:, the default has none
    expect(count('ILM policy')).toBe(2);
    expect(count('SLM policy')).toBe(1);
    expect(count('role')).toBe(3);
    const lifecycle = items.filter((i) => i.kind === 'component_template' && i.label.startsWith('component_template jpcert-lifecycle'));
    expect(lifecycle.map((i) => JSON.stringify(i.value))).toContainEqual(expect.stringContaining('"lifecycle":{"name":"jpcert-retention"}'));
  });

  // the specification types privilege names as `'all' | ... | string`, so the compiler takes any
  // name: each one the roles use must be one the specification lists by name
  it('names only cluster and index privileges the specification lists', () => {
    const types = readFileSync(path.join(PACK_ROOT, 'node_modules/@elastic/elasticsearch/lib/api/types.d.ts'), 'utf8');
    const listed = (type: string) => new Set([...(new RegExp(`export type ${type} = ([^;]+);`).exec(types)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]));
    const cluster = listed('SecurityClusterPrivilege');
    const index = listed('SecurityIndexPrivilege');
    expect(cluster.size).toBeGreaterThan(20);
    const unknown: string[] = [];
    for (const role of loadRoles(PACK_ROOT, PROFILES[0]![1])) {
      const es = elasticsearchRole(role) as { cluster?: string[]; indices?: Array<{ privileges: string[] }> };
      for (const c of es.cluster ?? []) if (!cluster.has(c)) unknown.push(`${role.name}: cluster privilege ${c}`);
      for (const i of es.indices ?? []) for (const p of i.privileges) if (!index.has(p)) unknown.push(`${role.name}: index privilege ${p}`);
    }
    expect(unknown).toEqual([]);
    expect(index.has('create_doc')).toBe(true);
  });

  it('finds no option, processor or query that Elasticsearch does not know', () => {
    const packLabels = new Set(items.map((i) => i.label));
    expect(findings.filter((f) => !f.label.startsWith('(self-check)')).map(format)).toEqual([]);
    expect(findings.filter((f) => !packLabels.has(f.label) && !f.label.startsWith('(self-check)'))).toEqual([]);
  });

  it.each(SELF_CHECK.map((c) => [c.label, c] as const))('reports %s, with its name, path and the message', (label, c) => {
    const got = findings.filter((f) => f.label === label);
    expect(got.map((f) => f.path)).toEqual(c.expected.map(([p]) => p));
    c.expected.forEach(([, message], i) => expect(got[i]!.message).toContain(message));
  });
});
