import { iocProgram } from '../src/cli/ioc-command.js';
import { runCli } from '../src/cli/run.js';

const program = iocProgram(
  (s) => process.stdout.write(`${s}\n`),
  (s) => process.stderr.write(`${s}\n`),
  (code) => {
    process.exitCode = code;
  },
);
await runCli(program);
