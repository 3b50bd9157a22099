import { Command } from 'commander';
import { addConnectionFlags, warnAboutSecretFlags } from '../src/cli/connection-flags.js';
import { runCli } from '../src/cli/run.js';
import { addTuneFlags, runTuneCommand, type TuneFlags } from '../src/cli/tune-command.js';

const program = addTuneFlags(
  addConnectionFlags(
    new Command('tune').description(
      'Reads a baseline period of your own logs and proposes profile entries (business and software domains, software User-Agents, servers, hosts left on, thresholds), printed as a diff against the profile with the evidence of each entry. Nothing is applied.',
    ),
  ),
);
program.action(async (flags: TuneFlags) => {
  warnAboutSecretFlags(program, (m) => process.stderr.write(`${m}\n`));
  process.exitCode = await runTuneCommand(flags, (s) => process.stdout.write(s), (s) => process.stderr.write(`${s}\n`));
});

await runCli(program);
