import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE, loadProfile, retentionOf } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { ismPolicy, RETENTION_POLICY } from '../../src/deploy/retention.js';
import { adminConnection, adminEnv, clusterPlugins, removePackObjects, ROOT, runCli, testCluster } from '../harness/cluster.js';

/**
 * Retention on the real engine with the Index State Management plugin: deploy installs the
 * ISM policy from the profile, a new backing index gets it by the policy's ism_template, an
 * existing one is attached by deploy, a rollover happens on the cluster, and a second deploy
 * changes nothing. ISM runs its jobs every `plugins.index_state_management.job_interval`
 * minutes (1 at least); the test sets it to 1 and puts it back afterwards.
 */

const conn: Connection = await adminConnection();
const plugins = await clusterPlugins(conn);
// with the harness's plugin folder the ISM plugin must be there: engine-plugins.test.ts fails otherwise
const hasIsm = plugins.includes('opensearch-index-management');
const cluster = testCluster();
const deployArgs = ['--cluster', cluster.url, ...(cluster.insecure ? ['--insecure'] : [])];
const JOB_INTERVAL = 'plugins.index_state_management.job_interval';

let dir: string;
let profileFile: string;

/** The ISM policy id each index is managed by (null: none), from the explain API. */
async function policies(pattern: string): Promise<Record<string, string | null>> {
  const res = await conn.request('GET', `/_plugins/_ism/explain/${pattern}`);
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(res.body as Record<string, unknown>)) {
    if (k === 'total_managed_indices') continue;
    out[k] = (v as { 'index.plugins.index_state_management.policy_id'?: string | null })['index.plugins.index_state_management.policy_id'] ?? null;
  }
  return out;
}

async function backingIndices(stream: string): Promise<string[]> {
  const res = await conn.request('GET', `/_data_stream/${stream}`);
  return ((res.body as { data_streams: Array<{ indices: Array<{ index_name: string }> }> }).data_streams[0]?.indices ?? []).map((i) => i.index_name);
}

const describeIsm = hasIsm ? describe : describe.skip;
if (!hasIsm) process.stderr.write(`retention.test.ts: skipped, the cluster has no opensearch-index-management (plugins: ${plugins.join(', ') || 'none'})\n`);

describeIsm('retention with ISM on the real engine', () => {
  beforeAll(async () => {
    await removePackObjects(conn);
    await conn.request('DELETE', `/_plugins/_ism/policies/${RETENTION_POLICY}`);
    await conn.request('PUT', '/_cluster/settings', { transient: { [JOB_INTERVAL]: 1 } });
    dir = await mkdtemp(path.join(tmpdir(), 'retention-test-'));
    profileFile = path.join(dir, 'profile.yml');
    // a one-minute rollover age, for the test; the days stay as the guide asks
    await writeFile(profileFile, 'retention:\n  hot_days: 90\n  delete_after_days: 365\n  rollover: { max_age: 1m }\n');
    // a data stream that exists before the policy: ism_template will not reach it
    await installPack(conn, ROOT, DEFAULT_PROFILE);
    await conn.request('PUT', '/_data_stream/logs-jpcert.squid-before');
  });

  afterAll(async () => {
    await conn.request('POST', '/_plugins/_ism/remove/logs-jpcert.*');
    await conn.request('DELETE', `/_plugins/_ism/policies/${RETENTION_POLICY}`);
    await conn.request('PUT', '/_cluster/settings', { transient: { [JOB_INTERVAL]: null } });
    await removePackObjects(conn);
    await rm(dir, { recursive: true, force: true });
    await conn.close();
  });

  test('deploy installs the policy, attaches it to an existing backing index, and new backing indices get it', async () => {
    const [before] = await backingIndices('logs-jpcert.squid-before');
    expect(await policies(before!)).toEqual({ [before!]: null });
    const r = await runCli('deploy.ts', [...deployArgs, '--profile', profileFile, '--no-roles'], adminEnv());
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^  create +ISM policy  ${RETENTION_POLICY}  90d hot, deleted after 365d`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^  create +ISM attach  ${before!.replaceAll('.', '\\.')}  `, 'm'));
    expect(r.stdout).toMatch(/^retention: 2 change\(s\): 2 to create, 0 to update, 0 to delete, 0 unchanged$/m);

    const stored = (await conn.request('GET', `/_plugins/_ism/policies/${RETENTION_POLICY}`)).body as { policy: { description: string; ism_template: Array<{ index_patterns: string[] }>; states: Array<{ name: string }> } };
    expect(stored.policy.description).toMatch(/\[jpcert-apt-log-pack [0-9a-f]{20}\]$/);
    expect(stored.policy.ism_template.map((t) => t.index_patterns)).toEqual([['logs-jpcert.*']]);
    expect(stored.policy.states.map((s) => s.name)).toEqual(['hot', 'warm', 'delete']);

    // the existing index was attached by deploy; the streams deploy made, and one made now, by ism_template
    expect(await policies(before!)).toEqual({ [before!]: RETENTION_POLICY });
    await conn.request('PUT', '/_data_stream/logs-jpcert.bind-retention');
    const [fresh] = await backingIndices('logs-jpcert.bind-retention');
    // ISM applies its template when it sees the new index, a moment after the index exists
    let all = await policies('logs-jpcert.*');
    for (const until = Date.now() + 60_000; Object.values(all).includes(null) && Date.now() < until; all = await policies('logs-jpcert.*')) await new Promise((r) => setTimeout(r, 2_000));
    expect(Object.keys(all)).toContain(fresh);
    expect(Object.keys(all)).toContain((await backingIndices('logs-jpcert.windows-default'))[0]);
    expect(Object.entries(all).filter(([, p]) => p !== RETENTION_POLICY)).toEqual([]);
  });

  test('the engine takes the example profile\'s policy, with a snapshot repository too', async () => {
    const example = loadProfile(path.join(ROOT, 'profiles', 'example.yml'));
    const body = ismPolicy(example, { ...retentionOf(example)!, snapshot_repository: 'backups' });
    // under a scratch id and without the ism_template, so it manages nothing
    delete body.policy.ism_template;
    const res = await conn.request('PUT', '/_plugins/_ism/policies/jpcert-retention-syntax', body);
    expect(res.status).toBe(201);
    const states = ((res.body as { policy: { policy: { states: Array<{ actions: Array<Record<string, unknown>> }> } } }).policy.policy.states);
    expect(states[0]!.actions[0]!.rollover).toMatchObject({ min_index_age: '30d', min_primary_shard_size: '50gb' });
    expect(states[1]!.actions[1]!.snapshot).toEqual({ repository: 'backups', snapshot: 'jpcert-retention' });
    await conn.request('DELETE', '/_plugins/_ism/policies/jpcert-retention-syntax');
  });

  test('a second deploy changes nothing', async () => {
    const r = await runCli('deploy.ts', [...deployArgs, '--profile', profileFile, '--no-roles'], adminEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^0 change\(s\)/m);
    expect(r.stdout).toMatch(new RegExp(`^  unchanged +ISM policy  ${RETENTION_POLICY}$`, 'm'));
    expect(r.stdout).toMatch(/^retention: 0 change\(s\): 0 to create, 0 to update, 0 to delete, 1 unchanged$/m);
    expect(r.stdout).not.toMatch(/ISM attach/);
    expect(r.stdout).toMatch(/^data streams: 0 change\(s\)/m);
  });

  test('the write index rolls over on the cluster (ISM job every minute, rollover at 1 minute of age)', async () => {
    const stream = 'logs-jpcert.bind-retention';
    const [first] = await backingIndices(stream);
    await conn.request('POST', `/${stream}/_doc?refresh=true`, { message: 'client 192.0.2.1#53: query: example.com IN A + (192.0.2.53)', '@timestamp': new Date().toISOString() });
    const started = Date.now();
    let indices = [first!];
    while (indices.length < 2 && Date.now() - started < 540_000) {
      await new Promise((r) => setTimeout(r, 5_000));
      indices = await backingIndices(stream);
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stderr.write(`retention.test.ts: ${stream} rolled over ${seconds}s after its first document (${indices.join(', ')})\n`);
    expect(indices.length).toBeGreaterThanOrEqual(2);
    expect(indices[0]).toBe(first);
    // the new write index is managed by the same policy (ISM attaches its template's policy to a
    // new index shortly after the index exists: wait for it, up to a minute), and the old one has
    // left the rollover action
    let p = await policies(indices.join(','));
    for (const t0 = Date.now(); Object.values(p).some((v) => v !== RETENTION_POLICY) && Date.now() - t0 < 60_000; ) {
      await new Promise((r) => setTimeout(r, 2_000));
      p = await policies(indices.join(','));
    }
    expect(Object.values(p)).toEqual(indices.map(() => RETENTION_POLICY));
    const explain = (await conn.request('GET', `/_plugins/_ism/explain/${first}`)).body as Record<string, { rolled_over?: boolean }>;
    expect(explain[first!]!.rolled_over).toBe(true);
  }, 600_000);
});
