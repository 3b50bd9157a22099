import { Command } from 'commander';
import { addConnectionFlags, warnAboutSecretFlags } from '../src/cli/connection-flags.js';
import { addDeployFlags, runDeploy, type DeployFlags } from '../src/cli/deploy-command.js';
import { runCli } from '../src/cli/run.js';
import { UsageError } from '../src/errors.js';

const program = addDeployFlags(
  addConnectionFlags(new Command('deploy').description('Install the pack (templates, pipelines, ...) on a cluster, changing only what differs.')),
);
program.action(async (flags: DeployFlags) => {
  if (!flags.cluster) throw new UsageError('no cluster given', 'pass --cluster URL (or set PACK_CLUSTER_URL); `npm start` deploys to a local engine instead');
  warnAboutSecretFlags(program, (m) => process.stderr.write(`${m}\n`));
  await runDeploy(flags, flags.cluster, (s) => process.stdout.write(`${s}\n`), (s) => process.stderr.write(`${s}\n`));
});

await runCli(program);
