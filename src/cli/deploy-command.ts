import type { Command } from 'commander';
import { runDeploy as run, type RunResult } from '../deploy/run.js';
import { connectionOptions, type ConnectionFlags } from './connection-flags.js';
import { addUiFlags, uiOptions, type UiFlags } from './ui-flags.js';

/** `deploy`'s flags; the work is src/deploy/run.ts. */

export interface DeployFlags extends ConnectionFlags, UiFlags {
  profile?: string;
  dryRun?: boolean;
  prune?: boolean;
  yes?: boolean;
  /** true: --roles, false: --no-roles, undefined: when the cluster has the security plugin */
  roles?: boolean;
}

export function addDeployFlags(cmd: Command): Command {
  return addUiFlags(cmd)
    .option('--profile <file>', 'site profile (YAML); see profiles/example.yml')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--prune', 'also delete objects this pack installed before and no longer has')
    .option('--yes', 'confirm --prune')
    .option('--roles', 'install the shipper, analyst and deployer roles (default: when the cluster has the security plugin)')
    .option('--no-roles', 'do not install the roles');
}

/** Deploys to the cluster at `url` as the flags say, printing to `out` (the plan) and `err` (what changed, notes). */
export async function runDeploy(flags: DeployFlags, url: string, out: (s: string) => void, err: (s: string) => void): Promise<RunResult> {
  return run(
    {
      ...(flags.profile ? { profile: flags.profile } : {}),
      connection: connectionOptions(flags, url),
      uis: uiOptions(flags),
      dryRun: flags.dryRun ?? false,
      prune: flags.prune ?? false,
      yes: flags.yes ?? false,
      ...(flags.roles !== undefined ? { roles: flags.roles } : {}),
    },
    out,
    err,
  );
}
