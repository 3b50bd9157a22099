import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { loadDesiredObjects } from '../../src/content/load.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { adminConnection, adminEnv, removePackObjects, ROOT, runCli, testCluster } from '../harness/cluster.js';

const OBJECTS = [
  '/_component_template/jpcert-settings',
  '/_component_template/jpcert-ecs-base',
  '/_ingest/pipeline/jpcert-common-final',
  '/_index_template/jpcert-logs',
];

let conn: Connection;
/** how many objects the pack has: every test below counts from it */
const N = loadDesiredObjects(ROOT, DEFAULT_PROFILE).length;
const cluster = testCluster();
const deployArgs = ['--cluster', cluster.url, ...(cluster.insecure ? ['--insecure'] : [])];

/** A copy of the checkout whose content a test may edit, as a user edits theirs. */
async function checkoutCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pack-checkout-'));
  for (const d of ['src', 'scripts', 'pipelines', 'mappings', 'rules', 'package.json']) await cp(path.join(ROOT, d), path.join(dir, d), { recursive: true });
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

function planLine(stdout: string, name: string): string | undefined {
  return stdout.split('\n').find((l) => l.split(/\s+/)[2] === name);
}

beforeAll(async () => {
  conn = await adminConnection();
});
afterAll(async () => {
  await conn.close();
});

describe('deploy to a fresh cluster', () => {
  beforeAll(async () => removePackObjects(conn));

  test('--dry-run plans every object and changes nothing', async () => {
    const r = await runCli('deploy.ts', [...deployArgs, '--dry-run'], adminEnv());
    expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('note: '))).toEqual([]);
    expect(r.code).toBe(0);
    for (const p of OBJECTS) expect(planLine(r.stdout, p.split('/').pop()!)).toMatch(/^create/);
    expect(r.stdout).toMatch(new RegExp(`dry run, nothing changed: ${N} change\\(s\\): ${N} to create`));
    for (const p of OBJECTS) expect((await conn.request('GET', p)).status).toBe(404);
  });

  test('creates every object, each carrying its content hash', async () => {
    const r = await runCli('deploy.ts', deployArgs, adminEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${N} change\\(s\\): ${N} to create, 0 to update, 0 to delete, 0 unchanged`));
    expect(r.stdout).toMatch(new RegExp(`applied ${N} change\\(s\\)`));
    const ct = (await conn.request('GET', '/_component_template/jpcert-ecs-base')).body as { component_templates: Array<{ component_template: { _meta: Record<string, string> } }> };
    expect(ct.component_templates[0]!.component_template._meta).toMatchObject({ managed_by: 'jpcert-apt-log-pack', content_hash: expect.stringMatching(/^[0-9a-f]{20}$/) });
    const pipeline = (await conn.request('GET', '/_ingest/pipeline/jpcert-common-final')).body as Record<string, { description: string }>;
    expect(pipeline['jpcert-common-final']!.description).toMatch(/\[jpcert-apt-log-pack [0-9a-f]{20}\]$/);
  });

  test('the rules are compiled, and what the cluster cannot take is said', async () => {
    const r = await runCli('deploy.ts', deployArgs, adminEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rules: 21 compiled into .*build\/rules$/m);
    expect(r.stderr).toMatch(/^note: saved searches for Kibana and OpenSearch Dashboards: .*kibana\.ndjson/m);
    const plugins = ((await conn.request('GET', '/_cat/plugins?format=json')).body as Array<{ component: string }>).map((p) => p.component);
    if (!plugins.includes('opensearch-alerting')) expect(r.stderr).toMatch(/^note: the cluster has no Alerting plugin: 21 monitors were written to .*monitors only/m);
    expect(readFileSync(path.join(ROOT, 'build', 'rules', 'kibana.ndjson'), 'utf8').split('\n').filter(Boolean).length).toBeGreaterThan(21);
  });

  test('a second deploy reports 0 changes and sends nothing', async () => {
    const before = await conn.request('GET', '/_ingest/pipeline/jpcert-common-final');
    const r = await runCli('deploy.ts', deployArgs, adminEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`0 change\\(s\\): 0 to create, 0 to update, 0 to delete, ${N} unchanged`));
    expect(r.stdout).toMatch(/applied 0 change\(s\)/);
    expect((await conn.request('GET', '/_ingest/pipeline/jpcert-common-final')).body).toEqual(before.body);
  });

  test('what is installed works: a document in a pack data stream goes through the final pipeline', async () => {
    const index = 'logs-jpcert.smoke-default';
    const res = await conn.request('POST', `/${index}/_doc?refresh=true`, { '@timestamp': '2024-01-01T00:00:00Z', related: { ip: ['192.0.2.1', '192.0.2.1'] }, _tmp: { x: 1 } });
    expect(res.status).toBe(201);
    const hits = (await conn.request('GET', `/${index}/_search`)).body as { hits: { hits: Array<{ _source: Record<string, unknown> }> } };
    const doc = hits.hits.hits[0]!._source;
    expect(doc.related).toEqual({ ip: ['192.0.2.1'] });
    expect(doc._tmp).toBeUndefined();
    expect(doc.event).toMatchObject({ ingested: expect.any(String) });
    const mapping = (await conn.request('GET', `/${index}/_mapping/field/related.ip`)).body as Record<string, { mappings: Record<string, { mapping: Record<string, { type: string }> }> }>;
    expect(Object.values(mapping)[0]!.mappings['related.ip']!.mapping.ip!.type).toBe('ip');
    // replicas follow the node count: none on one node, one copy (allocated elsewhere) on more
    const health = (await conn.request('GET', `/_cluster/health/${index}?wait_for_status=green&timeout=30s`)).body as { status: string; active_shards: number; active_primary_shards: number };
    expect(health.status).toBe('green');
    expect(health.active_shards).toBe(health.active_primary_shards * (cluster.nodes > 1 ? 2 : 1));
    await conn.request('DELETE', `/_data_stream/${index}`);
  });
});

describe('changes in content and profile', () => {
  let copy: string;
  beforeAll(async () => {
    await removePackObjects(conn);
    expect((await runCli('deploy.ts', deployArgs, adminEnv())).code).toBe(0);
    copy = await checkoutCopy();
  });
  afterAll(async () => {
    if (copy) await rm(copy, { recursive: true, force: true });
  });

  test('a changed pipeline is updated and nothing else is', async () => {
    const file = path.join(copy, 'pipelines', 'common', 'final.yml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('field: _tmp\n', 'field: _tmp\n      ignore_missing: true\n'));
    const r = await runCli('deploy.ts', deployArgs, adminEnv(), copy);
    expect(r.code).toBe(0);
    expect(planLine(r.stdout, 'jpcert-common-final')).toMatch(/^update\s+ingest_pipeline\s+jpcert-common-final\s+[0-9a-f]{20} -> [0-9a-f]{20}$/);
    expect(r.stdout).toMatch(new RegExp(`1 change\\(s\\): 0 to create, 1 to update, 0 to delete, ${N - 1} unchanged`));
    expect(r.stderr).toMatch(/^updated ingest_pipeline jpcert-common-final$/m);
    const p = (await conn.request('GET', '/_ingest/pipeline/jpcert-common-final')).body as Record<string, { processors: Array<Record<string, { ignore_missing?: boolean }>> }>;
    expect(p['jpcert-common-final']!.processors.find((x) => x.remove)!.remove!.ignore_missing).toBe(true);
  });

  test('a changed profile updates only the objects that depend on it', async () => {
    const profile = path.join(copy, 'profile.yml');
    await writeFile(profile, 'indices:\n  number_of_replicas: 0\n');
    const r = await runCli('deploy.ts', [...deployArgs, '--profile', profile], adminEnv(), copy);
    expect(r.code).toBe(0);
    expect(planLine(r.stdout, 'jpcert-settings')).toMatch(/^update/);
    expect(r.stdout).toMatch(/1 change\(s\): 0 to create, 1 to update/);
  });

  test('an object removed from the pack is reported, and deleted only with --prune --yes', async () => {
    await rm(path.join(copy, 'pipelines', 'common', 'final.yml'));
    const plain = await runCli('deploy.ts', deployArgs, adminEnv(), copy);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/no longer in the pack \(jpcert-common-final\).*--prune --yes/);
    expect((await conn.request('GET', '/_ingest/pipeline/jpcert-common-final')).status).toBe(200);

    const noYes = await runCli('deploy.ts', [...deployArgs, '--prune'], adminEnv(), copy);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/--prune .* needs --yes/);

    const pruned = await runCli('deploy.ts', [...deployArgs, '--prune', '--yes'], adminEnv(), copy);
    expect(pruned.code).toBe(0);
    expect(planLine(pruned.stdout, 'jpcert-common-final')).toMatch(/^delete\s+ingest_pipeline/);
    expect((await conn.request('GET', '/_ingest/pipeline/jpcert-common-final')).status).toBe(404);
  });
});
