import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, openSync, readFileSync, closeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { LocalEngineError, UsageError } from '../errors.js';
import { findJavaHome, javaMajorVersion } from './java.js';
import { probeJson } from './http-probe.js';
import { ensureOpenSearchHome, OPENSEARCH_MODULES, OPENSEARCH_VERSION } from './opensearch-distribution.js';
import { ensureSecureHome, prepareSecureConfig, type Credentials } from './opensearch-security.js';
import { checkSums, ensurePluginHome, installedPlugins, orderPlugins, pluginHomePath, readPluginZip, resolvePluginFiles, type InstalledPlugin, type PluginSpec, type PluginZip } from './plugins.js';

/**
 * Starts, stops and reports on a local engine cluster made of real engine processes bound
 * to 127.0.0.1. Everything it writes (engine home, data, logs, pids) is under `stateRoot`,
 * which the repository ignores.
 */

const execFileAsync = promisify(execFile);

export type EngineName = 'opensearch' | 'elasticsearch';

export interface ClusterOptions {
  engine: EngineName;
  nodes: number;
  port: number;
  /** Instance name: lets tests run their own cluster beside a user's default one. */
  name: string;
  stateRoot: string;
  heapMb?: number;
  /** Start from empty data folders. */
  clean?: boolean;
  /** HTTPS and basic auth through the security plugin. */
  secure?: boolean;
  /** plugin zips to install (paths, folders or URLs): `--plugin`, PACK_ENGINE_PLUGINS */
  plugins?: PluginSpec[];
  log?: (msg: string) => void;
}

export interface NodeState {
  name: string;
  pid: number;
  httpPort: number;
  transportPort: number;
  dataDir: string;
  logFile: string;
}

export interface ClusterState {
  engine: EngineName;
  version: string;
  name: string;
  home: string;
  url: string;
  startedAt: string;
  nodes: NodeState[];
  secure?: { caCert: string; credentialsFile: string; confDir: string };
  /** plugins installed in the home (beside the security plugin) */
  plugins?: InstalledPlugin[];
}

export const DEFAULT_PORTS: Record<EngineName, number> = { opensearch: 9200, elasticsearch: 9250 };

/** The engine home a cluster runs from, before plugins: plain, or the copy with the security plugin. */
function baseHomePath(o: Pick<ClusterOptions, 'stateRoot' | 'secure'>): string {
  const plain = path.join(o.stateRoot, 'engines', `opensearch-${OPENSEARCH_VERSION}`);
  return o.secure ? `${plain}-security` : plain;
}

function describePlugins(plugins: InstalledPlugin[] | undefined): string {
  return plugins?.length ? `the plugins ${plugins.map((p) => p.name).join(', ')}` : 'no extra plugins';
}

/** Reads and checks the zips named by `--plugin` / PACK_ENGINE_PLUGINS (downloading URLs once). */
async function pluginZips(specs: PluginSpec[], stateRoot: string, secure: boolean, log: (m: string) => void): Promise<PluginZip[]> {
  if (!specs.length) return [];
  const files = await resolvePluginFiles(specs, path.join(stateRoot, 'downloads'), log);
  const zips: PluginZip[] = [];
  for (const f of files) {
    const z = await readPluginZip(f);
    const sums = checkSums(z);
    if (sums !== 'checked') log(`note: ${path.basename(f)}: ${sums === 'not listed' ? 'not listed in the SHA256SUMS beside it' : 'no SHA256SUMS beside it'}, checksum not verified`);
    zips.push(z);
  }
  // fails early (before any copy) on a wrong engine version or a missing dependency
  orderPlugins(zips, [...OPENSEARCH_MODULES.map((m) => m.name), 'transport-netty4', ...(secure ? ['opensearch-security'] : [])], OPENSEARCH_VERSION);
  return zips;
}

function clusterDir(o: Pick<ClusterOptions, 'stateRoot' | 'engine' | 'name'>): string {
  return path.join(o.stateRoot, 'clusters', `${o.engine}-${o.name}`);
}

function stateFile(o: Pick<ClusterOptions, 'stateRoot' | 'engine' | 'name'>): string {
  return path.join(clusterDir(o), 'state.json');
}

export async function readState(o: Pick<ClusterOptions, 'stateRoot' | 'engine' | 'name'>): Promise<ClusterState | undefined> {
  const file = stateFile(o);
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as ClusterState;
}

/** True when `pid` is alive and is the engine process this pack started for that home. */
export function isOurProcess(pid: number, home: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const cmdlineFile = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdlineFile)) return true; // no procfs (macOS): the pid check is all we have
  try {
    const cmdline = readFileSync(cmdlineFile, 'utf8');
    // empty for an instant while the process replaces its program (the start script's exec of
    // java: seen on a loaded machine as "exited during start-up"), and for a zombie, which is gone
    if (cmdline === '') return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return cmdline.includes(home);
  } catch {
    return false; // it ended between the two reads
  }
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function getJson(state: ClusterState, pathAndQuery: string, timeoutMs = 2000): Promise<unknown> {
  let auth: { username: string; password: string } | undefined;
  let ca: string | undefined;
  if (state.secure) {
    auth = (JSON.parse(await readFile(state.secure.credentialsFile, 'utf8')) as Credentials).admin;
    ca = await readFile(state.secure.caCert, 'utf8');
  }
  return probeJson(`${state.url}${pathAndQuery}`, { auth, ca, timeoutMs });
}

async function waitForCluster(state: ClusterState, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const url = `/_cluster/health?wait_for_nodes=${state.nodes.length}&wait_for_status=yellow&timeout=5s`;
  let last = '';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new LocalEngineError(`the ${state.engine} process exited during start-up`, `read ${state.nodes[0]?.logFile}`);
    try {
      const health = (await getJson(state, url, 7000)) as { status?: string; number_of_nodes?: number; timed_out?: boolean };
      if (!health.timed_out && health.number_of_nodes === state.nodes.length) return;
      last = `status ${health.status}, ${health.number_of_nodes} node(s)`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new LocalEngineError(`${state.engine} did not become ready within ${timeoutMs / 1000}s (last: ${last})`, `read ${state.nodes.map((n) => n.logFile).join(', ')}`);
}

function nodeSettings(o: ClusterOptions, node: NodeState, all: NodeState[]): string[] {
  const settings: Record<string, string> = {
    'cluster.name': `pack-${o.name}`,
    'node.name': node.name,
    'network.host': '127.0.0.1',
    'http.port': String(node.httpPort),
    'transport.port': String(node.transportPort),
    'path.data': node.dataDir,
    'path.logs': path.dirname(node.logFile),
    // a developer machine's disk is often fuller than a server's; do not refuse shards for it
    'cluster.routing.allocation.disk.threshold_enabled': 'false',
  };
  if (o.nodes === 1) settings['discovery.type'] = 'single-node';
  else {
    settings['discovery.seed_hosts'] = all.map((n) => `127.0.0.1:${n.transportPort}`).join(',');
    settings['cluster.initial_cluster_manager_nodes'] = all.map((n) => n.name).join(',');
  }
  return Object.entries(settings).map(([k, v]) => `-E${k}=${v}`);
}

export async function up(o: ClusterOptions): Promise<{ state: ClusterState; alreadyRunning: boolean }> {
  const log = o.log ?? (() => {});
  if (o.engine === 'elasticsearch') {
    throw new LocalEngineError(
      'a local Elasticsearch 8/9 engine cannot be assembled without Docker',
      'Elasticsearch publishes no distribution and no ingest/painless module jars to Maven Central; use docker compose (see README) or pass --cluster URL of an Elasticsearch you run',
    );
  }
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 5) throw new UsageError(`--nodes must be 1 to 5, got ${o.nodes}`);
  if (!Number.isInteger(o.port) || o.port < 1024 || o.port > 65000) throw new UsageError(`--port must be between 1024 and 65000, got ${o.port}`);

  const zips = await pluginZips(o.plugins ?? [], o.stateRoot, o.secure ?? false, log);
  const existing = await readState(o);
  if (existing) {
    const alive = existing.nodes.filter((n) => isOurProcess(n.pid, existing.home));
    if (alive.length === existing.nodes.length) {
      // the plugin set is part of the home: asked for another set, say so rather than pretend
      const wanted = pluginHomePath(baseHomePath(o), zips);
      if (zips.length && existing.home !== wanted) {
        throw new UsageError(
          `the local cluster "${o.name}" already runs with ${describePlugins(existing.plugins)}, not with ${zips.map((z) => z.name).join(', ')}`,
          `stop it first (npm run cluster -- down${o.name === 'default' ? '' : ` --name ${o.name}`}), then start it with the plugins; its data is kept`,
        );
      }
      await waitForCluster(existing, 60_000, () => true);
      return { state: existing, alreadyRunning: true };
    }
    if (alive.length > 0) await down(o);
  }

  const javaHome = findJavaHome();
  const major = javaMajorVersion(javaHome);
  if (major < 17) throw new LocalEngineError(`Java ${major} at ${javaHome} is too old for OpenSearch ${OPENSEARCH_VERSION}`, 'set JAVA_HOME to a JDK 17 or newer');

  const plainHome = await ensureOpenSearchHome(path.join(o.stateRoot, 'engines'), log);
  const baseHome = o.secure ? await ensureSecureHome(plainHome, javaHome, OPENSEARCH_VERSION, log) : plainHome;
  const home = await ensurePluginHome(baseHome, zips, javaHome, log);
  const dir = clusterDir(o);
  if (o.clean) await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const secure = o.secure ? await prepareSecureConfig(home, javaHome, dir) : undefined;

  const nodes: NodeState[] = [];
  for (let i = 0; i < o.nodes; i++) {
    const name = `node-${i}`;
    nodes.push({
      name,
      pid: 0,
      httpPort: o.port + i,
      transportPort: o.port + 100 + i,
      dataDir: path.join(dir, name, 'data'),
      logFile: path.join(dir, name, 'logs', 'console.log'),
    });
  }
  for (const n of nodes) {
    for (const port of [n.httpPort, n.transportPort]) {
      if (await portInUse(port)) throw new UsageError(`port ${port} on 127.0.0.1 is already in use`, 'stop what uses it, or pick another base port with --port');
    }
  }

  const heap = o.heapMb ?? 512;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENSEARCH_JAVA_HOME: javaHome,
    ...(secure ? { OPENSEARCH_PATH_CONF: secure.confDir } : {}),
    // OpenSearch refuses to run as root, and decides that through JNA. When we are root (CI,
    // containers) the engine runs without its native helpers instead; nothing here needs them.
    OPENSEARCH_JAVA_OPTS: [`-Xms${heap}m`, `-Xmx${heap}m`, ...(process.getuid?.() === 0 ? ['-Djna.nosys=true', '-Djna.nounpack=true'] : [])].join(' '),
  };
  // every node reads the same config folder: create its keystore once, before they start,
  // or several nodes race to create it and all but one fail
  const confDir = secure ? secure.confDir : path.join(home, 'config');
  if (!existsSync(path.join(confDir, 'opensearch.keystore'))) {
    await execFileAsync(path.join(home, 'bin', 'opensearch-keystore'), ['create'], { env });
  }
  const state: ClusterState = {
    engine: o.engine,
    version: OPENSEARCH_VERSION,
    name: o.name,
    home,
    url: `${secure ? 'https' : 'http'}://127.0.0.1:${o.port}`,
    startedAt: new Date().toISOString(),
    nodes,
    ...(secure ? { secure } : {}),
    ...(zips.length ? { plugins: installedPlugins(home).filter((p) => p.name !== 'opensearch-security') } : {}),
  };
  for (const n of nodes) {
    await mkdir(path.dirname(n.logFile), { recursive: true });
    await mkdir(n.dataDir, { recursive: true });
    const out = openSync(n.logFile, 'a');
    const child = spawn(path.join(home, 'bin', 'opensearch'), nodeSettings(o, n, nodes), { env, detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    if (!child.pid) throw new LocalEngineError(`could not start ${n.name}`, `read ${n.logFile}`);
    n.pid = child.pid;
    child.unref();
  }
  await writeFile(stateFile(o), JSON.stringify(state, null, 2));
  log(`started ${o.engine} ${state.version}: ${nodes.length} node(s), pids ${nodes.map((n) => n.pid).join(', ')}; waiting for ${state.url}`);
  try {
    await waitForCluster(state, 180_000, () => nodes.every((n) => isOurProcess(n.pid, home)));
  } catch (err) {
    await down(o);
    throw err;
  }
  return { state, alreadyRunning: false };
}

export async function down(o: Pick<ClusterOptions, 'stateRoot' | 'engine' | 'name' | 'log'>): Promise<NodeState[]> {
  const state = await readState(o);
  if (!state) return [];
  const stopped: NodeState[] = [];
  for (const n of state.nodes) {
    if (!isOurProcess(n.pid, state.home)) continue;
    process.kill(n.pid, 'SIGTERM');
    stopped.push(n);
  }
  const deadline = Date.now() + 30_000;
  while (stopped.some((n) => isOurProcess(n.pid, state.home)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  for (const n of stopped) if (isOurProcess(n.pid, state.home)) process.kill(n.pid, 'SIGKILL');
  await rm(stateFile(o), { force: true });
  return stopped;
}

export interface NodeStatus extends NodeState {
  running: boolean;
}

export async function status(o: Pick<ClusterOptions, 'stateRoot' | 'engine' | 'name'>): Promise<{ state?: ClusterState; nodes: NodeStatus[]; health?: string }> {
  const state = await readState(o);
  if (!state) return { nodes: [] };
  const nodes = state.nodes.map((n) => ({ ...n, running: isOurProcess(n.pid, state.home) }));
  let health: string | undefined;
  try {
    const h = (await getJson(state, '/_cluster/health')) as { status: string; number_of_nodes: number };
    health = `${h.status} (${h.number_of_nodes} node(s))`;
  } catch {
    health = undefined;
  }
  return { state, nodes, health };
}
