import { Command, Option } from 'commander';
import { parseInteger, runCli } from '../src/cli/run.js';
import { DEFAULT_PORTS, down, status, up, type EngineName } from '../src/engine/local-cluster.js';
import { installedPlugins } from '../src/engine/plugins.js';
import { pluginSpecs } from '../src/cli/plugin-flags.js';
import { stateRoot } from '../src/paths.js';

interface Flags {
  engine: EngineName;
  nodes: number;
  port?: number;
  name: string;
  clean?: boolean;
  secure?: boolean;
  plugin?: string[];
  heap?: number;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);

function withCommon(cmd: Command): Command {
  return cmd
    .addOption(new Option('--engine <engine>', 'engine to run').choices(['opensearch', 'elasticsearch']).default('opensearch'))
    .option('--name <name>', 'instance name, to keep several local clusters apart', 'default');
}

const program = new Command('cluster').description('Run a real local OpenSearch cluster from Maven Central artifacts (no Docker needed).');

withCommon(program.command('up').description('start the local cluster (assembling the engine on first use)'))
  .option('--nodes <n>', 'number of nodes', parseInteger('--nodes'), 1)
  .option('--port <port>', 'HTTP port of the first node (default 9200 for OpenSearch)', parseInteger('--port'))
  .option('--clean', 'start from empty data folders')
  .option('--secure', 'enable the security plugin: HTTPS with a generated CA and basic auth')
  .option('--plugin <zip>', 'install an engine plugin: a .zip file, a folder of zips, or an http(s) URL (repeatable; also PACK_ENGINE_PLUGINS=<folder>)', (v: string, prev: string[] = []) => [...prev, v])
  .option('--heap <MiB>', 'JVM heap of each node (default 512; a benchmark over millions of events wants 2048 or more)', parseInteger('--heap'))
  .action(async (flags: Flags) => {
    const started = Date.now();
    const { state, alreadyRunning } = await up({
      engine: flags.engine,
      nodes: flags.nodes,
      port: flags.port ?? DEFAULT_PORTS[flags.engine],
      name: flags.name,
      clean: flags.clean,
      secure: flags.secure,
      plugins: pluginSpecs(flags.plugin),
      ...(flags.heap ? { heapMb: flags.heap } : {}),
      stateRoot: stateRoot(),
      log,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `${alreadyRunning ? 'already running' : `up in ${seconds}s`}: ${state.engine} ${state.version} at ${state.url} (${state.nodes.length} node(s))\n`,
    );
    if (state.secure) process.stdout.write(`credentials: ${state.secure.credentialsFile}\nCA certificate: ${state.secure.caCert}\n`);
    if (state.plugins?.length) process.stdout.write(`plugins: ${state.plugins.map((p) => `${p.name} ${p.version}`).join(', ')}\n`);
  });

withCommon(program.command('down').description('stop the local cluster started by `up` (by pid)')).action(async (flags: Flags) => {
  const stopped = await down({ engine: flags.engine, name: flags.name, stateRoot: stateRoot() });
  process.stdout.write(stopped.length ? `stopped ${stopped.map((n) => `${n.name} (pid ${n.pid})`).join(', ')}\n` : 'nothing was running\n');
});

withCommon(program.command('status').description('say what runs where')).action(async (flags: Flags) => {
  const s = await status({ engine: flags.engine, name: flags.name, stateRoot: stateRoot() });
  if (!s.state) {
    process.stdout.write(`no local ${flags.engine} cluster "${flags.name}" is running\n`);
    return;
  }
  process.stdout.write(`${s.state.engine} ${s.state.version} "${s.state.name}" at ${s.state.url}, health: ${s.health ?? 'not answering'}\n`);
  const plugins = installedPlugins(s.state.home);
  process.stdout.write(`plugins: ${plugins.length ? plugins.map((p) => `${p.name} ${p.version}`).join(', ') : 'none'}\n`);
  for (const n of s.nodes) {
    process.stdout.write(`  ${n.name}  pid ${n.pid}  ${n.running ? 'running' : 'not running'}  http 127.0.0.1:${n.httpPort}  data ${n.dataDir}\n`);
  }
});

await runCli(program);
