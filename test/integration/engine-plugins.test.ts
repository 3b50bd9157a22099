import { readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { readPluginZip } from '../../src/engine/plugins.js';
import { adminConnection, clusterPlugins } from '../harness/cluster.js';

/**
 * The Alerting, Index State Management and Notifications plugins, on the cluster the harness
 * gives: the local engine gets them from ../shared/engine-plugins when that folder is there
 * (then they must be there: nothing is skipped), a Docker image or managed cluster has them
 * built in. On a cluster without them, their tests are skipped, saying so.
 */

const conn: Connection = await adminConnection();
const plugins = await clusterPlugins(conn);
const hasAlerting = plugins.includes('opensearch-alerting');
const hasIsm = plugins.includes('opensearch-index-management');
const hasNotifications = plugins.includes('opensearch-notifications');
const folder = process.env.TEST_CLUSTER_PLUGIN_FOLDER;
afterAll(async () => conn.close());

test('the cluster has the plugins it was given, and says which it has', async () => {
  if (folder) {
    const zips = await Promise.all(readdirSync(folder).filter((f) => f.endsWith('.zip')).map((f) => readPluginZip(path.join(folder, f))));
    expect(zips.length).toBeGreaterThan(0);
    expect(zips.map((z) => z.name).filter((n) => !plugins.includes(n))).toEqual([]);
  }
  if (!hasAlerting || !hasIsm || !hasNotifications) process.stderr.write(`[plugins] alerting: ${hasAlerting}, ism: ${hasIsm}, notifications: ${hasNotifications}; their tests are skipped on this cluster\n`);
});

(hasAlerting ? describe : describe.skip)('Alerting', () => {
  const index = 'pack-alerting-smoke';
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
  beforeAll(async () => {
    await conn.request('PUT', `/${index}/_doc/1?refresh=true`, { '@timestamp': new Date().toISOString(), n: 1 });
  });
  afterAll(async () => conn.request('DELETE', `/${index}`));

  test('_execute takes the monitor itself as the body: it runs and triggers', async () => {
    const res = await conn.request('POST', '/_plugins/_alerting/monitors/_execute?dryrun=true', monitor);
    const body = res.body as { input_results: { error: unknown }; trigger_results: Record<string, { triggered: boolean; error: unknown }> };
    expect(res.status).toBe(200);
    expect(body.input_results.error).toBeNull();
    expect(Object.values(body.trigger_results).map((t) => t.triggered)).toEqual([true]);
  });

  test('a stored monitor keeps its input search as sent, named query included (the pack marks its monitors there)', async () => {
    const marked = structuredClone(monitor) as any;
    marked.inputs[0]!.search.query.query = { bool: { filter: [{ match_all: {} }], _name: 'pack-smoke-marker' } };
    const created = (await conn.request('POST', '/_plugins/_alerting/monitors', marked)).body as { _id: string };
    try {
      const stored = (await conn.request('GET', `/_plugins/_alerting/monitors/${created._id}`)).body as { monitor: any };
      expect(stored.monitor.inputs[0].search.query.query.bool._name).toBe('pack-smoke-marker');
      // ...and ui_metadata, which a caller that is not Dashboards does not get back
      expect(stored.monitor.ui_metadata).toBeUndefined();
    } finally {
      await conn.request('DELETE', `/_plugins/_alerting/monitors/${created._id}`);
    }
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

(hasNotifications ? describe : describe.skip)('Notifications', () => {
  test('a webhook channel delivers a test message to a receiver on 127.0.0.1', async () => {
    const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const id = 'pack-smoke-webhook';
    try {
      await conn.request('DELETE', `/_plugins/_notifications/configs/${id}`);
      const config = { config_id: id, config: { name: 'pack smoke', description: 'test', config_type: 'webhook', is_enabled: true, webhook: { url: `http://127.0.0.1:${port}/hook`, header_params: { 'X-Pack-Test': 'yes' } } } };
      expect((await conn.request('POST', '/_plugins/_notifications/configs', config)).status).toBe(200);
      const sent = await conn.request('POST', `/_plugins/_notifications/feature/test/${id}`);
      expect(sent.status).toBe(200);
      expect(received).toHaveLength(1);
      expect(received[0]!.headers['x-pack-test']).toBe('yes');
      expect(received[0]!.body).toMatch(/test message/i);
    } finally {
      await conn.request('DELETE', `/_plugins/_notifications/configs/${id}`);
      server.close();
    }
  });
});
