import { Command } from 'commander';
import { addConnectionFlags, warnAboutSecretFlags } from '../src/cli/connection-flags.js';
import { addIngestFlags, runIngest, type IngestFlags } from '../src/cli/ingest-command.js';
import { runCli } from '../src/cli/run.js';

const program = addIngestFlags(
  addConnectionFlags(
    new Command('ingest')
      .description('Load archived log files (plain, .gz, NDJSON, Windows XML exports, .evtx) into the cluster through the pack\'s pipelines; a re-run adds nothing twice.')
      .argument('<inputs...>', 'files, folders (recursively), glob patterns, or - for standard input'),
  ),
);
program.action(async (inputs: string[], flags: IngestFlags) => {
  warnAboutSecretFlags(program, (m) => process.stderr.write(`${m}\n`));
  process.exitCode = await runIngest(flags, inputs, (s) => process.stdout.write(`${s}\n`), (s) => process.stderr.write(`${s}\n`));
});

await runCli(program);
