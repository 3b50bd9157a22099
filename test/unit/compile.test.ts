import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PROFILE, type Profile } from '../../src/content/profile.js';
import { compileRules } from '../../src/rules/compile.js';
import { expandExtensions, NOTHING, resolveRule } from '../../src/rules/resolve.js';
import { withRuleDefaults } from '../../src/content/profile.js';
import type { Rule } from '../../src/rules/schema.js';
import { ruleSchema } from '../../src/rules/schema.js';

/**
 * One rule in, the exact artifact out, for each target. The expected artifacts are files in
 * test/unit/golden/; regenerate them with PACK_UPDATE_GOLDEN=1 npm run test:unit and review the diff.
 */

const GOLDEN = path.join(path.dirname(new URL(import.meta.url).pathname), 'golden');
const UPDATE = process.env.PACK_UPDATE_GOLDEN === '1';

function base(over: Partial<Rule> & { logic: Rule['logic'] }): Rule {
  return ruleSchema.parse({
    id: '6b1f6f0e-8f3a-4c1e-9a57-0c7d7d1f2a10',
    check: 'PROXY-2',
    name: { en: 'Test rule', ja: 'テストルール' },
    description: { en: 'For compiler tests.', ja: 'コンパイラのテスト用。' },
    kill_chain: ['command_and_control'],
    attack: [{ id: 'T1571', name: 'Non-Standard Port' }],
    severity: 'medium',
    risk_score: 47,
    false_positives: [{ en: 'none', ja: 'なし' }],
    investigation: { en: 'look', ja: '見る' },
    setup: { en: 'none', ja: 'なし' },
    references: ['https://attack.mitre.org/techniques/T1571/'],
    ...over,
  });
}

const RULES: Record<string, Rule> = {
  match: base({
    logic: {
      type: 'match',
      sources: ['squid'],
      filter: { bool: { filter: [{ term: { 'http.request.method': 'CONNECT' } }], must_not: [{ terms: { 'destination.port': [80, 443] } }] } },
      window: '30m',
      schedule: '10m',
      report_fields: ['source.ip', 'url.original'],
    },
  }),
  threshold: base({
    id: '0f5b0b9e-3c9e-4f53-a0c6-3b2d7c61c1aa',
    check: 'PROXY-4',
    logic: {
      type: 'threshold',
      sources: ['squid'],
      filter: { exists: { field: 'url.domain' } },
      exclude: [{ terms: { 'url.domain': '${profile.business_domains}' } }],
      group_by: ['source.ip', 'url.domain'],
      conditions: [{ metric: 'distinct_days', gte: '${profile.thresholds.beacon_days}' }],
      window: '7d',
      schedule: '1h',
      report_fields: ['source.ip', 'url.domain'],
      regularity: true,
    },
  }),
  baseline: base({
    id: '9d3c2b1a-6e5f-4a3b-8c7d-1e2f3a4b5c6d',
    check: 'AD-3',
    logic: {
      type: 'baseline',
      sources: ['windows'],
      filter: { terms: { 'event.code': ['4624', '4625', '4768', '4776'] } },
      group_by: ['source.ip'],
      baseline: { history: 6, ratio: '${profile.thresholds.sudden_change_ratio}', min_count: '${profile.thresholds.sudden_change_min}' },
      window: '1h',
      schedule: '1h',
      report_fields: ['source.ip'],
    },
  }),
  offhours: base({
    id: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
    check: 'PROXY-5',
    logic: {
      type: 'match',
      sources: ['squid', 'netscreen'],
      filter: { wildcard_any: { field: 'user_agent.original', patterns: '${profile.browsers.user_agents}' } },
      outside_business_hours: true,
      window: '2h',
      schedule: '1h',
      report_fields: ['source.ip'],
    },
  }),
  // prevalence: a destination reached off-hours in the last hour, from fewer than common_clients PCs in the week
  prevalence: base({
    id: '7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d',
    check: 'PROXY-5',
    logic: {
      type: 'threshold',
      sources: ['squid'],
      filter: { term: { 'event.kind': 'event' } },
      exclude: [{ domain_any: { field: 'url.domain', domains: '${profile.software.domains}' } }],
      outside_business_hours: true,
      group_by: ['url.domain'],
      conditions: [{ metric: 'count', gte: 1 }, { metric: 'cardinality', field: 'url.path', gte: 1 }],
      prevalence: { field: 'source.ip', window: '7d', lt: '${profile.thresholds.common_clients}' },
      window: '1h',
      schedule: '30m',
      report_fields: ['source.ip', 'url.domain'],
    },
  }),
};

const PROFILE: Profile = { ...DEFAULT_PROFILE, notify: { webhook: 'https://soc.example.co.jp/hooks/jpcert', email: ['soc@example.co.jp'], channel_id: 'soc-channel' }, business_domains: ['example.co.jp'], holidays: ['2026-01-01'], maintenance_windows: [{ days: ['sat'], start: '02:00', end: '04:00' }] };
const compiled = compileRules(
  Object.entries(RULES).map(([name, rule]) => ({ rule, file: `${name}.yml` })),
  PROFILE,
);

describe.each(Object.keys(RULES).map((name, i) => [name, i] as const))('%s rule', (name, i) => {
  const c = compiled.rules[i]!;
  test.each([
    ['watch', c.watch],
    ['monitor', c.monitor],
    ['kibana', c.savedSearch.kibana],
    ['dashboards', c.savedSearch.dashboards],
  ] as const)('renders the expected %s', (target, artifact) => {
    const file = path.join(GOLDEN, `${name}.${target}.json`);
    const text = `${JSON.stringify(artifact, null, 2)}\n`;
    if (UPDATE) writeFileSync(file, text);
    expect(existsSync(file)).toBe(true);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
});

test('a grouped rule becomes a bucket-level monitor, a plain one a query-level monitor', () => {
  expect(compiled.rules.map((r) => r.monitor.monitor_type)).toEqual(['query_level_monitor', 'bucket_level_monitor', 'bucket_level_monitor', 'query_level_monitor', 'bucket_level_monitor']);
});

test('prevalence: the search reads the prevalence window without the business-hours clause; the conditions read the recent events; the distinct clients must stay below the threshold', () => {
  const c = compiled.rules[4]!;
  expect(c.resolved.prevalence).toMatchObject({ field: 'source.ip', windowMs: 7 * 86_400_000, lt: 5 });
  const search = c.monitor.inputs[0]!.search.query as any;
  expect(search.query.bool.filter[1].range['@timestamp'].gte).toBe('{{period_end}}||-604800s');
  // the outer query is the rule's filter and exclude only: no script (business hours) in it
  expect(JSON.stringify(search.query.bool.filter[0])).not.toContain('painless');
  const aggs = search.aggregations.composite_agg.aggs;
  expect(aggs.recent.filter.bool.filter[0]).toEqual(c.resolved.query);
  expect(aggs.recent.filter.bool.filter[1]).toEqual({ range: { '@timestamp': { gte: '{{period_end}}||-3600s' } } });
  expect(Object.keys(aggs.recent.aggs)).toEqual(['c1']);
  expect(aggs.clients).toEqual({ cardinality: { field: 'source.ip' } });
  const cond = (c.monitor.triggers[0] as any).bucket_level_trigger.condition;
  expect(cond.buckets_path).toEqual({ c0: 'recent._count', c1: 'recent>c1', recent: 'recent._count', clients: 'clients' });
  expect(cond.script.source).toBe('params.c0 >= 1 && params.c1 >= 1 && params.recent >= 1 && params.clients < 5');
  // the watch: the same search; an alert counts the recent events and links back over the rule's window
  const watch = c.watch.body as any;
  expect(watch.input.search.request.body.query.bool.filter[0]).toEqual(c.resolved.prevalence!.query);
  expect(watch.metadata.window_seconds).toBe(3600);
  expect(watch.transform.script.source).toContain("'count': b.recent.doc_count, 'clients': b.clients.value");
  // the saved search lists the candidate events: the whole selection, business hours included
  expect(JSON.parse((c.savedSearch.kibana.attributes.kibanaSavedObjectMeta as any).searchSourceJSON).filter[0].query).toEqual(c.resolved.query);
  // the profile's threshold reaches the trigger
  const other = compileRules([{ rule: RULES.prevalence!, file: 'p.yml' }], { ...PROFILE, thresholds: { ...withRuleDefaults(PROFILE).thresholds, common_clients: 3 } });
  expect((other.rules[0]!.monitor.triggers[0] as any).bucket_level_trigger.condition.script.source).toContain('params.clients < 3');
});

test('prevalence: a window shorter than the rule\'s, or no group, is refused', () => {
  const bad = { ...RULES.prevalence!, logic: { ...RULES.prevalence!.logic, prevalence: { field: 'source.ip', window: '30m', lt: 5 } } };
  expect(() => compileRules([{ rule: bad, file: 'bad.yml' }], PROFILE)).toThrow(/bad.yml: prevalence.window \(30m\) must be at least the rule's window \(1h\)/);
});

test('profile values reach the artifacts, and a profile change changes the hash', () => {
  const other = compileRules([{ rule: RULES.threshold!, file: 't.yml' }], { ...PROFILE, thresholds: { ...withRuleDefaults(PROFILE).thresholds, beacon_days: 9 } });
  expect(JSON.stringify(other.rules[0]!.monitor)).toContain('params.c0 >= 9');
  expect(other.rules[0]!.hash).not.toBe(compiled.rules[1]!.hash);
  expect(compileRules([{ rule: RULES.threshold!, file: 't.yml' }], PROFILE).rules[0]!.hash).toBe(compiled.rules[1]!.hash);
});

test('ids are deterministic: the saved search is the rule id, the watch derives from it', () => {
  expect(compiled.rules[0]!.savedSearch.kibana.id).toBe(RULES.match!.id);
  expect(compiled.rules[0]!.watch.id).toBe(`jpcert-${RULES.match!.id}`);
  expect(compiled.savedObjects.kibana.filter((o) => o.type === 'index-pattern').map((o) => o.id)).toEqual(['jpcert-logs-jpcert.squid', 'jpcert-logs-jpcert.windows', 'jpcert-logs-jpcert.squid-logs-jpcert.netscreen', 'jpcert-logs-jpcert.all', 'jpcert-jpcert-alerts']);
  // the alerts index is Watcher's: Dashboards gets no search over it
  expect(compiled.savedObjects.dashboards.filter((o) => o.type === 'index-pattern').map((o) => o.id)).not.toContain('jpcert-jpcert-alerts');
});

describe('extensions', () => {
  const profile = withRuleDefaults({ ...DEFAULT_PROFILE, accounts: { admins: [{ name: 'Administrator', hosts: ['10.0.0.5'] }, { name: 'ops', hosts: [] }], privileged: [] } });
  test('not_from_admin_hosts: each admin from anywhere but their hosts', () => {
    expect(expandExtensions({ not_from_admin_hosts: {} }, profile, 'f')).toEqual({
      bool: {
        should: [
          { bool: { filter: [{ term: { 'user.name': { value: 'Administrator', case_insensitive: true } } }], must_not: [{ terms: { 'source.ip': ['10.0.0.5'] } }] } },
          { bool: { filter: [{ term: { 'user.name': { value: 'ops', case_insensitive: true } } }] } },
        ],
        minimum_should_match: 1,
      },
    });
  });
  test('not_from_admin_hosts: workstation names are matched on source.domain, ranges on source.ip', () => {
    const p = withRuleDefaults({ ...DEFAULT_PROFILE, accounts: { admins: [{ name: 'adm', hosts: ['10.1.0.0/16', 'ADMIN-PC01'] }], privileged: [] } });
    expect(expandExtensions({ not_from_admin_hosts: true }, p, 'f')).toEqual({
      bool: {
        should: [
          {
            bool: {
              filter: [{ term: { 'user.name': { value: 'adm', case_insensitive: true } } }],
              must_not: [{ terms: { 'source.ip': ['10.1.0.0/16'] } }, { term: { 'source.domain': { value: 'ADMIN-PC01', case_insensitive: true } } }],
            },
          },
        ],
        minimum_should_match: 1,
      },
    });
  });
  test('domain_any: each domain and URL host, and its subdomains, ignoring case', () => {
    expect(expandExtensions({ domain_any: { field: 'dns.question.name', domains: ['Apt.Example.com.'], urls: ['http://apt.example.com/x', 'https://c2.example.net:8443/'] } }, profile, 'f')).toEqual({
      bool: {
        should: [
          { term: { 'dns.question.name': { value: 'apt.example.com', case_insensitive: true } } },
          { wildcard: { 'dns.question.name': { value: '*.apt.example.com', case_insensitive: true } } },
          { term: { 'dns.question.name': { value: 'c2.example.net', case_insensitive: true } } },
          { wildcard: { 'dns.question.name': { value: '*.c2.example.net', case_insensitive: true } } },
        ],
        minimum_should_match: 1,
      },
    });
  });
  test('an extension over an empty profile list matches nothing', () => {
    expect(expandExtensions({ not_from_admin_hosts: {} }, withRuleDefaults(DEFAULT_PROFILE), 'f')).toEqual(NOTHING);
    expect(expandExtensions({ wildcard_any: { field: 'x', patterns: [] } }, profile, 'f')).toEqual(NOTHING);
  });
  test('a placeholder naming no profile setting fails with the file', () => {
    const bad = base({ logic: { ...RULES.match!.logic, filter: { terms: { 'url.domain': '${profile.nope}' } } } });
    expect(() => resolveRule(bad, DEFAULT_PROFILE, 'rules/x.yml')).toThrow(/rules\/x\.yml: placeholder \$\{profile\.nope\}/);
  });
});
