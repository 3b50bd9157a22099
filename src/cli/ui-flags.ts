import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import type { UiOptions } from '../ui/saved-objects-api.js';
import type { ConnectionFlags } from './connection-flags.js';

/**
 * Where the saved searches go besides build/: a Kibana and/or an OpenSearch Dashboards.
 * They take the cluster's credentials and CA: in the usual setup the same users log in to
 * both, and one PEM file may hold several CAs.
 */
export interface UiFlags {
  kibana?: string;
  kibanaSpace?: string;
  dashboards?: string;
  dashboardsTenant?: string;
}

export function addUiFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--kibana <url>', 'also install the saved searches and index patterns in this Kibana (8.8+), e.g. http://127.0.0.1:5601; same credentials and CA as the cluster').env('PACK_KIBANA_URL'))
    .addOption(new Option('--kibana-space <id>', 'Kibana space to install into (default: the default space)').env('PACK_KIBANA_SPACE'))
    .addOption(new Option('--dashboards <url>', 'also install them in this OpenSearch Dashboards (2.x+), e.g. http://127.0.0.1:5601; same credentials and CA as the cluster').env('PACK_DASHBOARDS_URL'))
    .addOption(new Option('--dashboards-tenant <name>', 'Dashboards tenant (security plugin) to install into: global, private or one of yours (default: the one the user lands in)').env('PACK_DASHBOARDS_TENANT'));
}

/** The targets the flags name, none when neither --kibana nor --dashboards is given. */
export function uiOptions(flags: UiFlags & ConnectionFlags): UiOptions[] {
  if (flags.kibanaSpace !== undefined && !flags.kibana) throw new UsageError('--kibana-space (or PACK_KIBANA_SPACE) was given without --kibana', 'add --kibana URL, or leave the space out');
  if (flags.dashboardsTenant !== undefined && !flags.dashboards) throw new UsageError('--dashboards-tenant (or PACK_DASHBOARDS_TENANT) was given without --dashboards', 'add --dashboards URL, or leave the tenant out');
  const common = {
    ...(flags.username ? { username: flags.username } : {}),
    ...(flags.password ? { password: flags.password } : {}),
    ...(flags.apiKey ? { apiKey: flags.apiKey } : {}),
    ...(flags.caCert ? { caCert: flags.caCert } : {}),
    ...(flags.insecure ? { insecure: true } : {}),
  };
  const targets: UiOptions[] = [];
  if (flags.kibana) targets.push({ flavor: 'kibana', url: flags.kibana, ...(flags.kibanaSpace !== undefined ? { space: flags.kibanaSpace } : {}), ...common });
  if (flags.dashboards) targets.push({ flavor: 'dashboards', url: flags.dashboards, ...(flags.dashboardsTenant !== undefined ? { tenant: flags.dashboardsTenant } : {}), ...common });
  return targets;
}
