import { CommanderError, type Command } from 'commander';
import { ExitCode, formatError, UsageError } from '../errors.js';

/**
 * Runs a commander program so that every failure ends as one clear message on stderr and
 * the documented exit code: flag errors are usage errors (2), PackErrors carry their own.
 */
export async function runCli(program: Command, argv: string[] = process.argv): Promise<void> {
  program.exitOverride();
  program.configureOutput({ writeErr: () => {} });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = ExitCode.ok;
        return;
      }
      const { text } = formatError(new UsageError(err.message.replace(/^error: /, ''), `run with --help to see the options`));
      process.stderr.write(`${text}\n`);
      process.exitCode = ExitCode.usage;
      return;
    }
    const { text, exitCode } = formatError(err);
    process.stderr.write(`${text}\n`);
    process.exitCode = exitCode;
  }
}

export function parseInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new UsageError(`${name} must be a whole number, got "${value}"`);
    return n;
  };
}
