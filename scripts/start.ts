import { Command } from 'commander';
import { addConnectionFlags, warnAboutSecretFlags } from '../src/cli/connection-flags.js';
import { addDeployFlags, runDeploy, type DeployFlags } from '../src/cli/deploy-command.js';
import { pluginSpecs } from '../src/cli/plugin-flags.js';
import { parseInteger, runCli } from '../src/cli/run.js';
import { DEFAULT_PORTS, up } from '../src/engine/local-cluster.js';
import { UsageError } from '../src/errors.js';
import { stateRoot } from '../src/paths.js';

/**
 * The main job: without --cluster, start the local OpenSearch (assembled from Maven Central
 * on first use, with the plugin zips given by --plugin / PACK_ENGINE_PLUGINS), deploy the
 * pack to it, and say where to look and what is missing.
 */
const program = addDeployFlags(addConnectionFlags(new Command('start').description('Deploy the pack; without --cluster, to a local OpenSearch started for you.'))).option(
  '--plugin <zip>',
  'local engine only: install an engine plugin (a .zip, a folder of zips, or an http(s) URL; repeatable; also PACK_ENGINE_PLUGINS=<folder>)',
  (v: string, prev: string[] = []) => [...prev, v],
).option('--port <port>', 'local engine only: HTTP port (default 9200)', parseInteger('--port'));
program.action(async (flags: DeployFlags & { plugin?: string[]; port?: number }) => {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const err = (s: string) => process.stderr.write(`${s}\n`);
  warnAboutSecretFlags(program, err);
  let url = flags.cluster;
  if (url && flags.port !== undefined) throw new UsageError('--port is the local engine\'s port; with --cluster the address says it');
  if (url && flags.plugin?.length) throw new UsageError('--plugin installs plugins into the local engine, not into a cluster given with --cluster', 'install plugins on that cluster with its own bin/opensearch-plugin, or leave out --cluster');
  if (!url) {
    const plugins = pluginSpecs(flags.plugin);
    const { state, alreadyRunning } = await up({ engine: 'opensearch', nodes: 1, port: flags.port ?? DEFAULT_PORTS.opensearch, name: 'default', plugins, stateRoot: stateRoot(), log: err });
    out(`local ${state.engine} ${state.version} ${alreadyRunning ? 'already running' : 'started'} at ${state.url}${state.plugins?.length ? ` with ${state.plugins.map((p) => p.name).join(', ')}` : ''}`);
    url = state.url;
  }
  const result = await runDeploy(flags, url, out, err);
  const has = (p: string) => result.plugins.includes(p);
  out('');
  out('where to look:');
  out(`  cluster:            ${url}`);
  out(`  installed objects:  ${url}/_index_template/jpcert-*  ${url}/_ingest/pipeline/jpcert-*`);
  if (result.engine === 'opensearch' && has('opensearch-alerting')) out(`  monitors:           ${url}/_plugins/_alerting/monitors/_search  (OpenSearch Dashboards: Alerting > Monitors)`);
  if (!flags.cluster) {
    out('  local engine:       npm run cluster -- status   (stop it with: npm run cluster -- down)');
  }
  if (result.engine === 'opensearch') {
    const missing: string[] = [];
    if (!has('opensearch-alerting')) missing.push(`OpenSearch Alerting: the ${result.rules} detection rules are only files in build/rules/monitors and nothing watches the logs`);
    if (!has('opensearch-notifications')) missing.push('OpenSearch Notifications: alerts (if any) reach no one outside the cluster');
    if (missing.length) {
      out('');
      out('missing:');
      for (const m of missing) out(`  ${m}`);
      out(
        flags.cluster
          ? '  install the plugins on that cluster (the full OpenSearch distribution has them), then run again'
          : '  get the plugin zips of OpenSearch 2.19.4 (README, "Plugins for the local engine") and run: npm run cluster -- down && npm start -- --plugin <folder of zips>',
      );
    }
  }
});

await runCli(program);
