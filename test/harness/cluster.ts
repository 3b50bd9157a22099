import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type Connection } from '../../src/cluster/connection.js';
import { listPlugins, readMonitors } from '../../src/deploy/monitors.js';

/** What the global setup started (or was given), for the integration tests. */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TestCluster {
  url: string;
  username?: string;
  password?: string;
  caCert?: string;
  insecure: boolean;
  reader?: { username: string; password: string };
  nodes: number;
}

export function testCluster(): TestCluster {
  const e = process.env;
  if (!e.TEST_CLUSTER_URL) throw new Error('TEST_CLUSTER_URL is not set: run the integration tests through jest (npm run test:integration)');
  return {
    url: e.TEST_CLUSTER_URL,
    ...(e.TEST_CLUSTER_USERNAME ? { username: e.TEST_CLUSTER_USERNAME } : {}),
    ...(e.TEST_CLUSTER_PASSWORD ? { password: e.TEST_CLUSTER_PASSWORD } : {}),
    ...(e.TEST_CLUSTER_CA_CERT ? { caCert: e.TEST_CLUSTER_CA_CERT } : {}),
    insecure: e.TEST_CLUSTER_INSECURE === '1',
    ...(e.TEST_CLUSTER_READER_USERNAME && e.TEST_CLUSTER_READER_PASSWORD
      ? { reader: { username: e.TEST_CLUSTER_READER_USERNAME, password: e.TEST_CLUSTER_READER_PASSWORD } }
      : {}),
    nodes: Number(e.TEST_CLUSTER_NODES ?? 1),
  };
}

/** An admin connection through the pack's own connection module. */
export function adminConnection(c = testCluster()): Promise<Connection> {
  return connect({
    url: c.url,
    engine: 'auto',
    ...(c.username ? { username: c.username } : {}),
    ...(c.password ? { password: c.password } : {}),
    ...(c.caCert ? { caCert: c.caCert } : {}),
    insecure: c.insecure,
  });
}

/** The environment a user would set for the CLI to reach the test cluster as admin. */
export function adminEnv(c = testCluster()): Record<string, string> {
  return {
    ...(c.username ? { PACK_USERNAME: c.username } : {}),
    ...(c.password ? { PACK_PASSWORD: c.password } : {}),
    ...(c.caCert ? { PACK_CA_CERT: c.caCert } : {}),
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs one of the pack's CLIs as a user would: a subprocess with its own environment. */
export function runCli(script: string, args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<CliResult> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PACK_') && !k.startsWith('TEST_CLUSTER_')));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(cwd, 'scripts', script), ...args], {
      cwd,
      env: { ...clean, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/** The plugins the cluster has (components of `_cat/plugins`, one per plugin). */
export const clusterPlugins = listPlugins;

/** Deletes every object this pack may have installed, so a test starts from a fresh cluster. */
export async function removePackObjects(conn: Connection): Promise<void> {
  if ((await clusterPlugins(conn)).includes('opensearch-alerting')) {
    const { ours } = await readMonitors(conn);
    for (const m of ours) await conn.request('DELETE', `/_plugins/_alerting/monitors/${m.id}`);
  }
  await conn.request('DELETE', '/_data_stream/*-jpcert.*');
  for (const p of ['/_index_template/jpcert-*', '/_ingest/pipeline/jpcert-*', '/_component_template/jpcert-*']) {
    const list = await conn.request('GET', p);
    if (list.status === 404) continue;
    const names =
      p.startsWith('/_index_template') ? ((list.body as { index_templates: Array<{ name: string }> }).index_templates ?? []).map((t) => t.name)
      : p.startsWith('/_component_template') ? ((list.body as { component_templates: Array<{ name: string }> }).component_templates ?? []).map((t) => t.name)
      : Object.keys(list.body as object);
    for (const n of names) await conn.request('DELETE', `${p.slice(0, p.lastIndexOf('/'))}/${n}`);
  }
}
