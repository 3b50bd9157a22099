// One cluster per test run, from the first of:
//   1. TEST_CLUSTER_URL (with TEST_CLUSTER_USERNAME / _PASSWORD / _CA_CERT, optional
//      TEST_CLUSTER_READER_USERNAME / _PASSWORD for a user without admin rights);
//   2. testcontainers, when a Docker engine answers;
//   3. the local engine (`npm run cluster`), with the security plugin, started here and
//      stopped by global-teardown. TEST_CLUSTER_NODES=3 makes it a 3-node cluster. When
//      ../shared/engine-plugins (beside the checkout) holds plugin zips, every one of them is
//      installed too (Alerting, Notifications, ISM, ...): once per engine home, so later runs
//      reuse it. TEST_CLUSTER_PLUGINS names another folder; TEST_CLUSTER_PLUGINS=none installs none.
// The choice is handed to the tests through TEST_CLUSTER_* environment variables.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const exec = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LOCAL = { name: 'test', port: Number(process.env.TEST_CLUSTER_PORT ?? 9700) };

/** The folder of plugin zips the local engine gets, or undefined. */
export function pluginFolder() {
  const given = process.env.TEST_CLUSTER_PLUGINS;
  if (given === 'none') return undefined;
  const dir = given ? path.resolve(given) : path.join(root, '..', 'shared', 'engine-plugins');
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.zip')) ? dir : undefined;
}

function dockerAnswers() {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function viaTestcontainers() {
  const { OpenSearchContainer } = await import('@testcontainers/opensearch');
  const container = await new OpenSearchContainer('opensearchproject/opensearch:2.19.4').start();
  globalThis.__PACK_CONTAINER__ = container;
  process.env.TEST_CLUSTER_URL = container.getHttpUrl();
  process.env.TEST_CLUSTER_USERNAME = container.getUsername();
  process.env.TEST_CLUSTER_PASSWORD = container.getPassword();
  process.env.TEST_CLUSTER_INSECURE = '1';
  process.env.TEST_CLUSTER_SOURCE = 'testcontainers';
}

async function viaLocalEngine() {
  const nodes = process.env.TEST_CLUSTER_NODES ?? '1';
  const plugins = pluginFolder();
  const args = ['scripts/cluster.ts', 'up', '--secure', '--clean', '--name', LOCAL.name, '--port', String(LOCAL.port), '--nodes', nodes, ...(plugins ? ['--plugin', plugins] : [])];
  const started = Date.now();
  const { stdout } = await exec(path.join(root, 'node_modules', '.bin', 'tsx'), args, { cwd: root, maxBuffer: 10 * 1024 * 1024 });
  const url = /at (https?:\/\/\S+)/.exec(stdout)?.[1];
  const credentialsFile = /credentials: (\S+)/.exec(stdout)?.[1];
  const caCert = /CA certificate: (\S+)/.exec(stdout)?.[1];
  if (!url || !credentialsFile || !caCert) throw new Error(`cluster up said:\n${stdout}`);
  const creds = JSON.parse(readFileSync(credentialsFile, 'utf8'));
  Object.assign(process.env, {
    TEST_CLUSTER_URL: url,
    TEST_CLUSTER_USERNAME: creds.admin.username,
    TEST_CLUSTER_PASSWORD: creds.admin.password,
    TEST_CLUSTER_READER_USERNAME: creds.reader.username,
    TEST_CLUSTER_READER_PASSWORD: creds.reader.password,
    TEST_CLUSTER_CA_CERT: caCert,
    TEST_CLUSTER_SOURCE: 'local',
    TEST_CLUSTER_NODES: nodes,
    TEST_CLUSTER_PLUGIN_FOLDER: plugins ?? '',
  });
  const installed = /^plugins: (.*)$/m.exec(stdout)?.[1];
  process.stderr.write(`\n[harness] local OpenSearch (${nodes} node(s)) at ${url}${installed ? ` with ${installed}` : ''}, up in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
}

export default async function globalSetup() {
  if (process.env.TEST_CLUSTER_URL) {
    process.env.TEST_CLUSTER_SOURCE = 'given';
    return;
  }
  if (dockerAnswers()) await viaTestcontainers();
  else await viaLocalEngine();
}
