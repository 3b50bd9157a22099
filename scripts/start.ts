import { Command } from 'commander';
import { addConnectionFlags, warnAboutSecretFlags } from '../src/cli/connection-flags.js';
import { addDeployFlags, runDeploy, type DeployFlags } from '../src/cli/deploy-command.js';
import { runCli } from '../src/cli/run.js';
import { DEFAULT_PORTS, up } from '../src/engine/local-cluster.js';
import { stateRoot } from '../src/paths.js';

/**
 * The main job: without --cluster, start the local OpenSearch (assembled from Maven Central
 * on first use), deploy the pack to it, and say where to look.
 */
const program = addDeployFlags(addConnectionFlags(new Command('start').description('Deploy the pack; without --cluster, to a local OpenSearch started for you.')));
program.action(async (flags: DeployFlags) => {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const err = (s: string) => process.stderr.write(`${s}\n`);
  warnAboutSecretFlags(program, err);
  let url = flags.cluster;
  if (!url) {
    const { state, alreadyRunning } = await up({ engine: 'opensearch', nodes: 1, port: DEFAULT_PORTS.opensearch, name: 'default', stateRoot: stateRoot(), log: err });
    out(`local ${state.engine} ${state.version} ${alreadyRunning ? 'already running' : 'started'} at ${state.url}`);
    url = state.url;
  }
  await runDeploy(flags, url, out, err);
  out('');
  out('where to look:');
  out(`  cluster:            ${url}`);
  out(`  installed objects:  ${url}/_index_template/jpcert-*  ${url}/_ingest/pipeline/jpcert-*`);
  if (!flags.cluster) {
    out('  local engine:       npm run cluster -- status   (stop it with: npm run cluster -- down)');
  }
});

await runCli(program);
