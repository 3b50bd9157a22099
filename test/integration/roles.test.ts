import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { readMonitors } from '../../src/deploy/monitors.js';
import { AuthError } from '../../src/errors.js';
import { adminConnection, clusterPlugins, removePackObjects, ROOT, runCli, testCluster } from '../harness/cluster.js';
import { createPackUser, hasSecurity, PACK_ROLES, userConnection, userEnv, type PackUser } from '../harness/users.js';

/**
 * The pack's roles on the secured test cluster, with real internal users that get each role
 * through the pack's role mapping (backend role of the same name): what each may do succeeds,
 * what it may not is refused with 403 by the security plugin.
 */

const admin: Connection = await adminConnection();
const secured = await hasSecurity(admin);
const plugins = await clusterPlugins(admin);
const cluster = testCluster();
const deployArgs = ['--cluster', cluster.url, ...(cluster.insecure ? ['--insecure'] : [])];
const STREAM = 'logs-jpcert.squid-default';
const LINE = '1764720000.123    150 192.168.1.5 TCP_MISS/200 1234 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html';

if (!secured) process.stderr.write('roles.test.ts: skipped, the cluster has no security plugin\n');
const describeSecured = secured ? describe : describe.skip;

/** The HTTP status a request gets: 403 arrives as the pack's AuthError. */
async function status(conn: Connection, method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<number> {
  try {
    return (await conn.request(method, path, body)).status;
  } catch (err) {
    if (err instanceof AuthError) return /HTTP 403/.test(err.message) ? 403 : 401;
    throw err;
  }
}

function bulkBody(ops: Array<[Record<string, unknown>, Record<string, unknown>]>): string {
  return ops.map(([a, d]) => `${JSON.stringify(a)}\n${JSON.stringify(d)}\n`).join('');
}

describeSecured('least-privilege roles on the secured cluster', () => {
  let shipper: PackUser;
  let analyst: PackUser;
  let ship: Connection;
  let read: Connection;

  beforeAll(async () => {
    await removePackObjects(admin);
    await installPack(admin, ROOT, DEFAULT_PROFILE);
    await admin.request('PUT', `/_data_stream/${STREAM}`);
    shipper = await createPackUser(admin, 'shipper');
    analyst = await createPackUser(admin, 'analyst');
    ship = await userConnection(shipper);
    read = await userConnection(analyst);
  });

  afterAll(async () => {
    await ship?.close();
    await read?.close();
    for (const u of [shipper, analyst]) if (u) await admin.request('DELETE', `/_plugins/_security/api/internalusers/${u.username}`);
    await admin.close();
  });

  test('the roles and their mappings are installed, each marked with its hash', async () => {
    for (const name of Object.values(PACK_ROLES)) {
      const role = (await admin.request('GET', `/_plugins/_security/api/roles/${name}`)).body as Record<string, { description: string }>;
      expect(role[name]!.description).toMatch(/\[jpcert-apt-log-pack [0-9a-f]{20}\]$/);
      const mapping = (await admin.request('GET', `/_plugins/_security/api/rolesmapping/${name}`)).body as Record<string, { backend_roles: string[] }>;
      expect(mapping[name]!.backend_roles).toContain(name);
    }
    const who = (await ship.request('GET', '/_plugins/_security/authinfo')).body as { roles: string[] };
    expect(who.roles).toContain(PACK_ROLES.shipper);
  });

  test('the shipper appends with bulk create, through the pipeline, also to a new namespace', async () => {
    const res = await ship.bulk(bulkBody([
      [{ create: { _index: STREAM } }, { message: LINE }],
      // a field no template maps (a dynamic mapping update, which the role must allow)
      [{ create: { _index: 'logs-jpcert.squid-branch' } }, { message: LINE, labels: { shipper_test: 'rsyslog' } }],
    ]));
    const body = res.body as { errors: boolean; items: Array<{ create: { status: number; error?: unknown } }> };
    expect(body.items.map((i) => [i.create.status, i.create.error])).toEqual([[201, undefined], [201, undefined]]);
    await admin.request('POST', '/logs-jpcert.squid-*/_refresh');
    const found = (await admin.request('POST', '/logs-jpcert.squid-*/_search', { query: { match_all: {} } })).body as { hits: { hits: Array<{ _source: Record<string, any> }> } };
    expect(found.hits.hits).toHaveLength(2);
    for (const h of found.hits.hits) {
      // parsed by jpcert-squid (the default pipeline), not a pipeline error
      expect(h._source.event.kind).toBe('event');
      expect(h._source.error).toBeUndefined();
      expect(h._source.source.ip).toBe('192.168.1.5');
      expect(h._source.url.domain).toBe('www.example.com');
    }
    expect(found.hits.hits.map((h) => h._source.labels?.shipper_test)).toContain('rsyslog');
  });

  test('the shipper cannot read, delete, overwrite or change templates and pipelines', async () => {
    expect(await status(ship, 'POST', `/${STREAM}/_search`, { query: { match_all: {} } })).toBe(403);
    expect(await status(ship, 'GET', `/${STREAM}/_count`)).toBe(403);
    const doc = ((await admin.request('POST', `/${STREAM}/_search`, { size: 1 })).body as { hits: { hits: Array<{ _id: string; _index: string }> } }).hits.hits[0]!;
    expect(await status(ship, 'GET', `/${doc._index}/_doc/${doc._id}`)).toBe(403);
    expect(await status(ship, 'DELETE', `/${doc._index}/_doc/${doc._id}`)).toBe(403);
    expect(await status(ship, 'POST', `/${STREAM}/_delete_by_query`, { query: { match_all: {} } })).toBe(403);
    expect(await status(ship, 'POST', `/${doc._index}/_update/${doc._id}`, { doc: { message: 'x' } })).toBe(403);
    expect(await status(ship, 'DELETE', `/_data_stream/${STREAM}`)).toBe(403);
    expect(await status(ship, 'PUT', '/_index_template/jpcert-squid', { index_patterns: ['logs-jpcert.squid-*'], data_stream: {} })).toBe(403);
    expect(await status(ship, 'PUT', '/_component_template/jpcert-squid', { template: {} })).toBe(403);
    expect(await status(ship, 'PUT', '/_ingest/pipeline/jpcert-squid', { processors: [] })).toBe(403);
    // outside the pack's data streams it cannot even append
    const other = (await ship.bulk(bulkBody([[{ create: { _index: 'other-logs' } }, { message: 'x' }]]))).body as { items: Array<{ create: { status: number } }> };
    expect(other.items[0]!.create.status).toBe(403);
    // still there, unchanged
    expect((await admin.request('GET', `/${doc._index}/_doc/${doc._id}`)).status).toBe(200);
  });

  test('the analyst searches the data streams and the monitors, and cannot write', async () => {
    const found = (await read.request('POST', '/logs-jpcert.*/_search', { query: { match: { 'source.ip': '192.168.1.5' } } })).body as { hits: { total: { value: number } } };
    expect(found.hits.total.value).toBe(2);
    if (plugins.includes('opensearch-alerting')) {
      // 404 before the first monitor (Alerting's config index does not exist yet); never 403
      expect([200, 404]).toContain(await status(read, 'POST', '/_plugins/_alerting/monitors/_search', { query: { match_all: {} } }));
      expect(await status(read, 'GET', '/_plugins/_alerting/monitors/alerts')).toBe(200);
      const monitor = { type: 'monitor', name: 'analyst test', enabled: false, schedule: { period: { interval: 1, unit: 'MINUTES' } }, inputs: [{ search: { indices: [STREAM], query: { size: 0, query: { match_all: {} } } } }], triggers: [] };
      expect(await status(read, 'POST', '/_plugins/_alerting/monitors', monitor)).toBe(403);
    }
    const res = (await read.bulk(bulkBody([[{ create: { _index: STREAM } }, { message: LINE }]]))).body as { items?: Array<{ create: { status: number } }>; status?: number };
    expect(res.items?.[0]?.create.status ?? res.status).toBe(403);
    expect(await status(read, 'POST', `/${STREAM}/_doc`, { message: LINE })).toBe(403);
    expect(await status(read, 'POST', `/${STREAM}/_delete_by_query`, { query: { match_all: {} } })).toBe(403);
    expect(await status(read, 'PUT', '/_index_template/jpcert-squid', { index_patterns: ['logs-jpcert.squid-*'], data_stream: {} })).toBe(403);
    expect(await status(read, 'PUT', '/_ingest/pipeline/jpcert-squid', { processors: [] })).toBe(403);
  });

  test('the deployer deploys the pack to a fresh cluster and its monitors run; it cannot install roles', async () => {
    const deployer = await createPackUser(admin, 'deployer');
    try {
      await removePackObjects(admin);
      const r = await runCli('deploy.ts', [...deployArgs, '--no-roles'], userEnv(deployer));
      expect(r.stderr).not.toMatch(/^error/m);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^applied \d+ change\(s\)$/m);
      const again = await runCli('deploy.ts', deployArgs, userEnv(deployer));
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^0 change\(s\)/m);
      expect(again.stdout).toMatch(/^data streams: 0 change\(s\)/m);
      // by default deploy tries the roles, and says that this user may not
      expect(again.stderr).toMatch(/^note: roles were not installed \(the user is not allowed to GET \/_plugins\/_security\/api\/roles\/jpcert_shipper \(HTTP 403\)/m);
      const explicit = await runCli('deploy.ts', [...deployArgs, '--roles', '--dry-run'], userEnv(deployer));
      expect(explicit.code).toBe(4);
      if (plugins.includes('opensearch-alerting')) {
        // a monitor runs its search with its saver's roles: the deployer's monitors must run
        const dep = await userConnection(deployer);
        try {
          const { ours } = await readMonitors(admin);
          expect(ours).toHaveLength(21);
          const res = (await dep.request('POST', `/_plugins/_alerting/monitors/${ours[0]!.id}/_execute?dryrun=true`)).body as { input_results?: { error: unknown } };
          expect(res.input_results?.error ?? null).toBeNull();
        } finally {
          await dep.close();
        }
      }
      const dep = await userConnection(deployer);
      try {
        expect(await status(dep, 'DELETE', `/_data_stream/${STREAM}`)).toBe(403);
        expect(await status(dep, 'GET', '/_plugins/_security/api/internalusers')).toBe(403);
      } finally {
        await dep.close();
      }
    } finally {
      await admin.request('DELETE', `/_plugins/_security/api/internalusers/${deployer.username}`);
    }
  }, 600_000);
});
