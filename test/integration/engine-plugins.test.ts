import type { Connection } from '../../src/cluster/connection.js';
import { adminConnection } from '../harness/cluster.js';

/**
 * The Alerting and Index State Management plugins, which later issues deploy to. They run
 * where the cluster has them (Docker images, managed clusters); the local engine cannot have
 * them, because their plugin zips are not published to Maven Central (see README).
 */

const conn: Connection = await adminConnection();
const plugins = conn.info.engine === 'opensearch' ? ((await conn.request('GET', '/_cat/plugins?format=json')).body as Array<{ component: string }>).map((p) => p.component) : [];
const hasAlerting = plugins.includes('opensearch-alerting');
const hasIsm = plugins.includes('opensearch-index-management');
afterAll(async () => conn.close());

test('the cluster says which plugins it has', () => {
  expect(Array.isArray(plugins)).toBe(true);
  if (!hasAlerting || !hasIsm) process.stderr.write(`[plugins] alerting: ${hasAlerting}, ism: ${hasIsm}; their tests are skipped on this cluster\n`);
});

(hasAlerting ? describe : describe.skip)('Alerting', () => {
  const index = 'pack-alerting-smoke';
  beforeAll(async () => {
    await conn.request('PUT', `/${index}/_doc/1?refresh=true`, { '@timestamp': new Date().toISOString(), n: 1 });
  });
  afterAll(async () => conn.request('DELETE', `/${index}`));

  test('a trivial query monitor executes and triggers', async () => {
    const monitor = {
      type: 'monitor',
      monitor_type: 'query_level_monitor',
      name: 'pack-smoke',
      enabled: false,
      schedule: { period: { interval: 1, unit: 'MINUTES' } },
      inputs: [{ search: { indices: [index], query: { size: 0, query: { match_all: {} } } } }],
      triggers: [
        { query_level_trigger: { name: 'any document', severity: '1', condition: { script: { source: 'ctx.results[0].hits.total.value > 0', lang: 'painless' } }, actions: [] } },
      ],
    };
    const res = await conn.request('POST', '/_plugins/_alerting/monitors/_execute', { monitor });
    const body = res.body as { input_results: { error: unknown }; trigger_results: Record<string, { triggered: boolean; error: unknown }> };
    expect(res.status).toBe(200);
    expect(body.input_results.error).toBeNull();
    expect(Object.values(body.trigger_results).map((t) => t.triggered)).toEqual([true]);
  });
});

(hasIsm ? describe : describe.skip)('Index State Management', () => {
  test('a trivial policy is accepted', async () => {
    const policy = {
      policy: {
        description: 'pack smoke test',
        default_state: 'hot',
        states: [
          { name: 'hot', actions: [], transitions: [{ state_name: 'delete', conditions: { min_index_age: '90d' } }] },
          { name: 'delete', actions: [{ delete: {} }], transitions: [] },
        ],
      },
    };
    const res = await conn.request('PUT', '/_plugins/_ism/policies/pack-smoke', policy);
    expect([200, 201]).toContain(res.status);
    expect((await conn.request('GET', '/_plugins/_ism/policies/pack-smoke')).status).toBe(200);
    await conn.request('DELETE', '/_plugins/_ism/policies/pack-smoke');
  });
});
