import { Command } from 'commander';
import { addConnectionFlags, warnAboutSecretFlags } from '../src/cli/connection-flags.js';
import { addHuntFlags, runHuntCommand, type HuntFlags } from '../src/cli/hunt-command.js';
import { runCli } from '../src/cli/run.js';

const program = addHuntFlags(
  addConnectionFlags(
    new Command('hunt').description(
      'Retro-hunt: run every detection rule (or those named) over a past period as its monitor would have, and report per check: hits, first/last seen, top hosts and users, sample events. Exit code 0 nothing found, 1 found, 2 error.',
    ),
  ),
);
let ran = false;
program.action(async (flags: HuntFlags) => {
  warnAboutSecretFlags(program, (m) => process.stderr.write(`${m}\n`));
  process.exitCode = await runHuntCommand(flags, (s) => process.stdout.write(s), (s) => process.stderr.write(`${s}\n`));
  ran = true;
});

await runCli(program);
// for a scheduler, every failure is 2 (runCli's own codes, 3 unreachable or 4 credentials, say, would collide with "found")
if (!ran && process.exitCode) process.exitCode = 2;
