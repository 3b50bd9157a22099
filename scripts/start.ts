import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { addConnectionFlags, connectionOptions, warnAboutSecretFlags } from '../src/cli/connection-flags.js';
import { addDeployFlags, runDeploy, type DeployFlags } from '../src/cli/deploy-command.js';
import { pluginSpecs } from '../src/cli/plugin-flags.js';
import { parseInteger, runCli } from '../src/cli/run.js';
import { connect } from '../src/cluster/connection.js';
import { loadProfile } from '../src/content/profile.js';
import { DEFAULT_PORTS, up } from '../src/engine/local-cluster.js';
import { UsageError } from '../src/errors.js';
import { huntSummary, mainJobInputs, runMainJob } from '../src/hunt/main-job.js';
import { makeProgress } from '../src/ingest/progress.js';
import { stateRoot } from '../src/paths.js';

/**
 * The main job: without --cluster, start the local OpenSearch (assembled from Maven Central
 * on first use, with the plugin zips given by --plugin / PACK_ENGINE_PLUGINS), deploy the
 * pack to it, load a folder of logs (--logs DIR; without it, the bundled demo), hunt over
 * the logs' whole time span and write the report; then say where to look and what is missing.
 * With --cluster it deploys there, and loads and hunts only logs given with --logs.
 */
const program = addDeployFlags(addConnectionFlags(new Command('start').description('Start a local OpenSearch, deploy the pack, load logs (default: the bundled demo) and hunt over them.')))
  .option('--plugin <zip>', 'local engine only: install an engine plugin (a .zip, a folder of zips, or an http(s) URL; repeatable; also PACK_ENGINE_PLUGINS=<folder>)', (v: string, prev: string[] = []) => [...prev, v])
  .option('--port <port>', 'local engine only: HTTP port (default 9200)', parseInteger('--port'))
  .option('--logs <dir>', 'load the logs in this folder (sources detected per file) and hunt over their time span; default: the demo set in demo/logs, with demo/profile.yml')
  .option('--ioc <file>', 'indicators to import before the hunt (CSV, text or STIX 2.1); default with the demo: demo/indicators.txt');
program.action(async (flags: DeployFlags & { plugin?: string[]; port?: number; logs?: string; ioc?: string }) => {
  const started = Date.now();
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const err = (s: string) => process.stderr.write(`${s}\n`);
  warnAboutSecretFlags(program, err);
  const phases: string[] = [];
  const phase = (name: string, since: number) => phases.push(`${name} ${((Date.now() - since) / 1000).toFixed(1)} s`);
  let url = flags.cluster;
  if (url && flags.port !== undefined) throw new UsageError('--port is the local engine\'s port; with --cluster the address says it');
  if (url && flags.plugin?.length) throw new UsageError('--plugin installs plugins into the local engine, not into a cluster given with --cluster', 'install plugins on that cluster with its own bin/opensearch-plugin, or leave out --cluster');
  if (flags.logs && !existsSync(flags.logs)) throw new UsageError(`--logs ${flags.logs}: no such file or folder`);
  if (flags.ioc && !existsSync(flags.ioc)) throw new UsageError(`--ioc ${flags.ioc}: no such file`);
  // the demo goes only into the local engine: a cluster given with --cluster gets the logs it is given
  const job = flags.logs || !url ? mainJobInputs(flags) : undefined;
  const deployFlags: DeployFlags = { ...flags, ...(job?.profile ? { profile: job.profile } : {}) };
  if (!url) {
    const plugins = pluginSpecs(flags.plugin);
    const t0 = Date.now();
    const { state, alreadyRunning } = await up({ engine: 'opensearch', nodes: 1, port: flags.port ?? DEFAULT_PORTS.opensearch, name: 'default', plugins, stateRoot: stateRoot(), log: err });
    out(`local ${state.engine} ${state.version} ${alreadyRunning ? 'already running' : 'started'} at ${state.url}${state.plugins?.length ? ` with ${state.plugins.map((p) => p.name).join(', ')}` : ''}`);
    url = state.url;
    phase('engine', t0);
  }
  const t1 = Date.now();
  const result = await runDeploy(deployFlags, url, out, err);
  phase('deploy', t1);
  const has = (p: string) => result.plugins.includes(p);

  let report: string | undefined;
  if (job) {
    out('');
    out(job.demo ? `loading the demo (${path.relative(process.cwd(), job.logs) || job.logs}, profile ${path.relative(process.cwd(), job.profile!)}): see demo/README.md for its story` : `loading ${job.logs}`);
    const conn = await connect(connectionOptions(deployFlags, url));
    try {
      const r = await runMainJob(conn, { logs: job.logs, ...(job.profile ? { profile: job.profile } : {}), ...(job.ioc ? { ioc: job.ioc } : {}), progress: makeProgress(), log: err });
      phases.push(`load ${(r.loadMs / 1000).toFixed(1)} s`, `hunt and report ${(r.huntMs / 1000).toFixed(1)} s`);
      for (const l of r.ingestLines) out(l);
      out('');
      if (!r.hunt) out('nothing was loaded with a time stamp, so there is nothing to hunt over');
      else for (const l of huntSummary(r.hunt, loadProfile(job.profile).timezone)) out(l);
      if (r.reports) {
        report = r.reports.html;
        out('');
        out(`report: ${r.reports.html}`);
        out(`        ${r.reports.markdown}`);
      }
      if (r.exitCode === 2) process.exitCode = 2;
    } finally {
      await conn.close();
    }
  }

  out('');
  out('where to look:');
  out(`  cluster:            ${url}`);
  if (report) out(`  hunt report:        ${report}  (open it in a browser)`);
  out(`  installed objects:  ${url}/_index_template/jpcert-*  ${url}/_ingest/pipeline/jpcert-*`);
  if (result.engine === 'opensearch' && has('opensearch-alerting')) out(`  monitors:           ${url}/_plugins/_alerting/monitors/_search  (OpenSearch Dashboards: Alerting > Monitors)`);
  if (!flags.cluster) {
    out('  local engine:       npm run cluster -- status   (stop it with: npm run cluster -- down)');
  } else if (!job) {
    out('  your logs:          npm start -- --cluster URL --logs DIR   loads a folder of logs and hunts over it');
  }
  if (result.engine === 'opensearch') {
    const missing: string[] = [];
    if (!has('opensearch-alerting')) missing.push(`OpenSearch Alerting: the ${result.rules} detection rules are only files in build/rules/monitors and nothing watches new logs (the hunt above does not need it)`);
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
  out('');
  out(`done in ${((Date.now() - started) / 1000).toFixed(1)} s (${phases.join(', ')})`);
});

await runCli(program);
