import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { loadDesiredObjects } from '../../src/content/load.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { readMonitors, type PackMonitor } from '../../src/deploy/monitors.js';
import { adminConnection, adminEnv, clusterPlugins, removePackObjects, ROOT, runCli, testCluster } from '../harness/cluster.js';

const OBJECTS = [
  '/_component_template/jpcert-settings',
  '/_component_template/jpcert-ecs-base',
  '/_ingest/pipeline/jpcert-common-final',
  '/_index_template/jpcert-logs',
];

const conn: Connection = await adminConnection();
const hasAlerting = (await clusterPlugins(conn)).includes('opensearch-alerting');
const RULES = 21;
const STREAMS = ['bind', 'netscreen', 'postfix', 'squid', 'windows'].map((s) => `logs-jpcert.${s}-default`);

/** The pack's monitors by check id, and how many monitors in all are named like the pack's. */
async function monitors(): Promise<{ byCheck: Map<string, PackMonitor>; ours: PackMonitor[]; named: number }> {
  const remote = await readMonitors(conn);
  return {
    byCheck: new Map(remote.ours.map((m) => [m.name.split(' ')[1]!, m])),
    ours: remote.ours,
    named: remote.ours.length + remote.lookalikes.length,
  };
}
/** how many objects the pack has: every test below counts from it */
const N = loadDesiredObjects(ROOT, DEFAULT_PROFILE).length;
const cluster = testCluster();
const deployArgs = ['--cluster', cluster.url, ...(cluster.insecure ? ['--insecure'] : [])];

/** A copy of the checkout whose content a test may edit, as a user edits theirs. */
async function checkoutCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pack-checkout-'));
  for (const d of ['src', 'scripts', 'pipelines', 'mappings', 'rules', 'profiles', 'security', 'package.json']) await cp(path.join(ROOT, d), path.join(dir, d), { recursive: true });
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

function planLine(stdout: string, name: string): string | undefined {
  return stdout.split('\n').find((l) => l.split(/\s+/)[2] === name);
}

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
    for (const d of STREAMS) expect(r.stdout).toMatch(new RegExp(`^  create +data stream  ${d.replaceAll('.', '\\.')}  `, 'm'));
    expect(r.stdout).toMatch(/^dry run, nothing changed: data streams: 5 change\(s\): 5 to create/m);
    if (hasAlerting) expect(r.stdout).toMatch(new RegExp(`^dry run, nothing changed: monitors: ${RULES} change\\(s\\): ${RULES} to create, 0 to update, 0 to delete, 0 unchanged$`, 'm'));
    expect((await conn.request('GET', '/_data_stream/logs-jpcert.*')).body).toEqual({ data_streams: [] });
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
    // the rules' data streams exist, empty, before any log arrives
    const streams = (await conn.request('GET', '/_data_stream/logs-jpcert.*')).body as { data_streams: Array<{ name: string }> };
    expect(streams.data_streams.map((d) => d.name).sort()).toEqual(STREAMS);
    if (hasAlerting) {
      expect(r.stdout).toMatch(new RegExp(`^monitors: ${RULES} change\\(s\\): ${RULES} to create`, 'm'));
      // deploy says what it does with the template compilation limit: nothing
      expect(r.stdout).toMatch(/^cluster setting script\.context\.template\.max_compilations_rate: [^,]+, left as it is: the monitors compile their \d+ templates once each/m);
      const m = await monitors();
      expect(m.ours).toHaveLength(RULES);
      expect(m.byCheck.size).toBe(RULES);
    }
  });

  (hasAlerting ? test : test.skip)('on a fresh cluster, every monitor runs without an error', async () => {
    const { ours } = await monitors();
    expect(ours).toHaveLength(RULES);
    const failures: Array<{ monitor: string; error: unknown }> = [];
    for (const m of ours) {
      // a stored monitor, run now without its actions (dryrun): its input search and its trigger
      const res = await conn.request('POST', `/_plugins/_alerting/monitors/${m.id}/_execute?dryrun=true`);
      const body = res.body as { error?: unknown; input_results?: { error: unknown }; trigger_results?: Record<string, { error: unknown }> };
      const errors = [body.error, body.input_results?.error, ...Object.values(body.trigger_results ?? {}).map((t) => t.error)].filter((e) => e !== null && e !== undefined);
      if (res.status !== 200 || errors.length) failures.push({ monitor: m.name, error: errors[0] ?? res.status });
      expect(Object.keys(body.trigger_results ?? {})).toHaveLength(1);
    }
    expect(failures).toEqual([]);
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
    const monitorsBefore = hasAlerting ? await monitors() : undefined;
    const r = await runCli('deploy.ts', deployArgs, adminEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`0 change\\(s\\): 0 to create, 0 to update, 0 to delete, ${N} unchanged`));
    expect(r.stdout).toMatch(/applied 0 change\(s\)/);
    expect(r.stdout).toMatch(/^data streams: 0 change\(s\): 0 to create, 0 to update, 0 to delete, 5 unchanged$/m);
    if (monitorsBefore) {
      expect(r.stdout).toMatch(new RegExp(`^monitors: 0 change\\(s\\): 0 to create, 0 to update, 0 to delete, ${RULES} unchanged$`, 'm'));
      const after = await monitors();
      expect(after.named).toBe(RULES);
      expect(after.ours.map((m) => m.id).sort()).toEqual(monitorsBefore.ours.map((m) => m.id).sort());
    }
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

  (hasAlerting ? test : test.skip)('a changed rule updates its monitor in place, with the same id', async () => {
    const before = await monitors();
    const file = path.join(copy, 'rules', 'mail', 'mail-2-executable-attachment.yml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^severity: high$/m, 'severity: low'));
    const r = await runCli('deploy.ts', deployArgs, adminEnv(), copy);
    expect(r.code).toBe(0);
    const id = before.byCheck.get('MAIL-2')!.id;
    expect(r.stdout).toMatch(new RegExp(`^  update +monitor  MAIL-2  ${id}: [0-9a-f]{20} -> [0-9a-f]{20}$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^monitors: 1 change\\(s\\): 0 to create, 1 to update, 0 to delete, ${RULES - 1} unchanged$`, 'm'));
    const after = await monitors();
    expect(after.ours.map((m) => m.id).sort()).toEqual(before.ours.map((m) => m.id).sort());
    expect(after.byCheck.get('MAIL-2')!.hash).not.toBe(before.byCheck.get('MAIL-2')!.hash);
    const stored = (await conn.request('GET', `/_plugins/_alerting/monitors/${id}`)).body as { monitor: { triggers: Array<Record<string, { severity: string }>> } };
    expect(Object.values(stored.monitor.triggers[0]!)[0]!.severity).toBe('4');
    // ...and the next deploy of the same content changes nothing
    const again = await runCli('deploy.ts', deployArgs, adminEnv(), copy);
    expect(again.stdout).toMatch(new RegExp(`^monitors: 0 change\\(s\\): 0 to create, 0 to update, 0 to delete, ${RULES} unchanged$`, 'm'));
  });

  (hasAlerting ? test : test.skip)('a removed rule: its monitor is reported, and deleted only with --prune --yes; other monitors are never touched', async () => {
    const before = await monitors();
    const proxy2 = before.byCheck.get('PROXY-2')!;
    const other = (name: string) => ({
      type: 'monitor',
      monitor_type: 'query_level_monitor',
      name,
      enabled: false,
      schedule: { period: { interval: 5, unit: 'MINUTES' } },
      inputs: [{ search: { indices: ['logs-jpcert.squid-*'], query: { size: 0, query: { match_all: {} } } } }],
      triggers: [{ query_level_trigger: { name: 'any', severity: '3', condition: { script: { source: 'ctx.results[0].hits.total.value > 0', lang: 'painless' } }, actions: [] } }],
    });
    const handMade = [
      ((await conn.request('POST', '/_plugins/_alerting/monitors', other('[jpcert] PROXY-2 my own copy'))).body as { _id: string })._id,
      ((await conn.request('POST', '/_plugins/_alerting/monitors', other('someone else'))).body as { _id: string })._id,
    ];
    try {
      await rm(path.join(copy, 'rules', 'proxy', 'proxy-2-connect-to-non-standard-port.yml'));
      const plain = await runCli('deploy.ts', deployArgs, adminEnv(), copy);
      expect(plain.code).toBe(0);
      expect(plain.stderr).toMatch(new RegExp(`^note: 1 monitor\\(s\\) this pack installed have no rule any more .*\\(${proxy2.id}\\); remove them with --prune --yes$`, 'm'));
      expect(plain.stderr).toMatch(new RegExp(`^note: 1 monitor\\(s\\) named "\\[jpcert\\] \\.\\.\\." carry no pack marker and are left alone .*: ${handMade[0]}$`, 'm'));
      expect((await monitors()).ours).toHaveLength(RULES);

      const pruned = await runCli('deploy.ts', [...deployArgs, '--prune', '--yes'], adminEnv(), copy);
      expect(pruned.code).toBe(0);
      expect(pruned.stdout).toMatch(new RegExp(`^  delete +monitor  PROXY-2  ${proxy2.id}: rule ${proxy2.ruleId} is no longer in the pack$`, 'm'));
      expect(pruned.stdout).toMatch(new RegExp(`^monitors: 1 change\\(s\\): 0 to create, 0 to update, 1 to delete, ${RULES - 1} unchanged$`, 'm'));
      const after = await monitors();
      expect(after.ours.map((m) => m.id).sort()).toEqual(before.ours.filter((m) => m.id !== proxy2.id).map((m) => m.id).sort());
      for (const id of handMade) expect((await conn.request('GET', `/_plugins/_alerting/monitors/${id}`)).status).toBe(200);
    } finally {
      for (const id of handMade) await conn.request('DELETE', `/_plugins/_alerting/monitors/${id}`);
    }
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
