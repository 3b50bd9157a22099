import { Option, type Command } from 'commander';
import type { ConnectionOptions } from '../cluster/connection.js';
import { readState } from '../engine/local-cluster.js';
import { UsageError } from '../errors.js';
import { stateRoot } from '../paths.js';

/** The flags every command that talks to a cluster shares; secrets may come from the environment. */
export interface ConnectionFlags {
  cluster?: string;
  engine: 'auto' | 'opensearch' | 'elasticsearch';
  username?: string;
  password?: string;
  apiKey?: string;
  caCert?: string;
  insecure?: boolean;
}

export function addConnectionFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--cluster <url>', 'cluster HTTP address, e.g. https://127.0.0.1:9200').env('PACK_CLUSTER_URL'))
    .addOption(new Option('--engine <engine>', 'engine of the cluster').choices(['auto', 'elasticsearch', 'opensearch']).default('auto'))
    .addOption(new Option('--username <name>', 'user for basic auth').env('PACK_USERNAME'))
    .addOption(new Option('--password <password>', 'password for basic auth (prefer PACK_PASSWORD: flags show in the process list)').env('PACK_PASSWORD'))
    .addOption(new Option('--api-key <key>', 'Elasticsearch API key (base64 id:key)').env('PACK_API_KEY'))
    .addOption(new Option('--ca-cert <file>', 'PEM file of the CA that signed the cluster certificate').env('PACK_CA_CERT'))
    .option('--insecure', 'do not verify the cluster TLS certificate (test clusters only)');
}

export function connectionOptions(flags: ConnectionFlags, url: string): ConnectionOptions {
  return {
    url,
    engine: flags.engine,
    ...(flags.username ? { username: flags.username } : {}),
    ...(flags.password ? { password: flags.password } : {}),
    ...(flags.apiKey ? { apiKey: flags.apiKey } : {}),
    ...(flags.caCert ? { caCert: flags.caCert } : {}),
    ...(flags.insecure ? { insecure: true } : {}),
  };
}

/** Warns when a secret came as a flag rather than from the environment. */
export function warnAboutSecretFlags(cmd: Command, warn: (m: string) => void): void {
  for (const name of ['password', 'apiKey']) {
    if (cmd.getOptionValueSource(name) === 'cli') warn(`warning: --${name === 'apiKey' ? 'api-key' : name} on the command line is visible to other users of this machine; prefer ${name === 'apiKey' ? 'PACK_API_KEY' : 'PACK_PASSWORD'}`);
  }
}

/** --cluster, else the local engine `npm start` runs. */
export async function clusterUrl(flags: { cluster?: string }): Promise<string> {
  if (flags.cluster) return flags.cluster;
  const state = await readState({ stateRoot: stateRoot(), engine: 'opensearch', name: 'default' });
  if (!state) throw new UsageError('no cluster given and no local engine is running', 'pass --cluster URL (or PACK_CLUSTER_URL), or start the local engine with npm start');
  return state.url;
}
