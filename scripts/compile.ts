import { Command } from 'commander';
import path from 'node:path';
import { runCli } from '../src/cli/run.js';
import { loadProfile } from '../src/content/profile.js';
import { PACK_ROOT } from '../src/paths.js';
import { compileRules } from '../src/rules/compile.js';
import { loadRules } from '../src/rules/load.js';
import { writeBuild } from '../src/rules/write-build.js';

const program = new Command('compile')
  .description('Compile every rule into saved searches (Kibana, Dashboards), Watcher watches and OpenSearch monitors, written to a folder.')
  .option('--profile <file>', 'site profile (YAML); see profiles/example.yml')
  .option('--out <dir>', 'where to write', path.join(PACK_ROOT, 'build', 'rules'))
  .action(async (flags: { profile?: string; out: string }) => {
    const compiled = compileRules(loadRules(PACK_ROOT), loadProfile(flags.profile));
    const files = await writeBuild(compiled, flags.out);
    process.stdout.write(`compiled ${compiled.rules.length} rule(s) into ${files.length} file(s) under ${flags.out}\n`);
  });

await runCli(program);
