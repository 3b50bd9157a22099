import { Command, Option } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchHunt, huntBenchTable } from '../src/bench/hunt.js';
import { benchIngest, benchIngestBytes, ingestTable, parseByteSize, streamTable } from '../src/bench/ingest.js';
import { benchNoise, noiseTable } from '../src/bench/noise.js';
import { benchPipelines, benchTable, fileTable, pipelineTable, splitTable } from '../src/bench/pipelines.js';
import { addConnectionFlags, connectionOptions, type ConnectionFlags } from '../src/cli/connection-flags.js';
import { pluginSpecs } from '../src/cli/plugin-flags.js';
import { parseInteger, runCli } from '../src/cli/run.js';
import { UsageError } from '../src/errors.js';
import { connect } from '../src/cluster/connection.js';
import { loadProfile } from '../src/content/profile.js';
import { installPack } from '../src/deploy/deploy.js';
import { down, up } from '../src/engine/local-cluster.js';
import { PACK_ROOT, stateRoot } from '../src/paths.js';

interface Flags extends ConnectionFlags {
  docs: number;
  huntOnly?: boolean;
  rounds: number;
  batch: number;
  files: boolean;
  source?: string[];
  lines: number;
  bytes?: number;
  timeLimit?: number;
  pcs: number;
  start: string;
  days: number;
  seed: number;
  rules?: string[];
  plugin?: string[];
  port: number;
  reuse?: boolean;
  squidFormat: 'combined' | 'native-up';
  sizes: number[];
  small?: boolean;
  profile?: string;
  end?: string;
}

const err = (s: string) => process.stderr.write(`${s}\n`);
const program = addConnectionFlags(new Command('bench').description('Benchmarks; ratios are against baselines measured in the same run.'))
  .addArgument(new Command().createArgument('<suite>', 'what to measure').choices(['pipelines', 'ingest', 'hunt', 'noise']))
  .option('--docs <n>', 'documents per source and round', parseInteger('--docs'), 20_000)
  .option('--rounds <n>', 'rounds (the median is reported)', parseInteger('--rounds'), 3)
  .option('--batch <n>', 'documents per bulk request', parseInteger('--batch'), 1000)
  .addOption(new Option('--source <name...>', 'only these sources'))
  .option('--no-files', 'pipelines: skip the pass over each benchmark corpus file on its own')
  .option('--lines <n>', 'ingest: lines of synthetic log per source', parseInteger('--lines'), 200_000)
  .option('--bytes <size>', 'ingest: instead of the three-way race, one load of this much generated log (e.g. 5g) piped into the loader\'s standard input, with its memory over the run', (v: string) => {
    try {
      return parseByteSize(v);
    } catch (e) {
      throw new UsageError(`--bytes: ${(e as Error).message}`);
    }
  })
  .option('--time-limit <minutes>', 'ingest --bytes: stop generating after this many minutes and report the size that was loaded', parseInteger('--time-limit'))
  .option('--pcs <n>', 'noise: PCs of the benign week\'s office (200 is the office of issue 14; the tests use 20)', parseInteger('--pcs'), 200)
  .option('--start <date>', 'noise: first local day of the benign week (YYYY-MM-DD)', '2026-11-09')
  .option('--days <n>', 'noise: days of the benign week', parseInteger('--days'), 7)
  .option('--seed <n>', 'noise: seed of the benign-week generator', parseInteger('--seed'), 1)
  .addOption(new Option('--rules <check...>', 'noise: only these checks (e.g. G2 AD-4)'))
  .addOption(new Option('--plugin <zip...>', 'engine plugins for the local engine (noise needs Alerting); PACK_ENGINE_PLUGINS too'))
  .addOption(new Option('--squid-format <format>', 'noise: the proxy log of the benign week: combined (with User-Agents) or native-up (native with the client\'s bytes, %>st, which G2 reads)').choices(['combined', 'native-up']).default('combined'))
  .option('--reuse', 'noise: count on the benign week an earlier run loaded into this cluster (same options) instead of loading it again; hunt: the same for each size\'s corpus (namespace bench<N>)')
  .option('--port <n>', 'HTTP port of the local engine started when --cluster is not given', parseInteger('--port'), 9750)
  .option('--sizes <n,...>', 'hunt: corpus sizes in events, across all five sources over 30 days', (v: string) => v.split(',').map((x) => parseInteger('--sizes')(x.trim())), [500_000, 2_000_000])
  .option('--small', 'hunt: a quick check on 20000 and 60000 events')
  .option('--hunt-only', 'hunt: time the full hunt only (no per-rule rows, no naive way), e.g. after a change, on corpora kept with --reuse')
  .option('--profile <file>', 'hunt: site profile for deploy and hunt (default: the test story\'s, which has indicators); noise: the benign week\'s profile (default test/scenarios/benign-profile.yml), e.g. the one npm run tune -- --out proposed')
  .option('--end <iso>', 'hunt: end of the 30 days (default: 2026-11-30T00:00:00+09:00)');

program.action(async (suite: string, flags: Flags) => {
  let url = flags.cluster;
  const startedHere = !url;
  if (!url) {
    const plugins = suite === 'noise' ? pluginSpecs(flags.plugin) : [];
    const { state } = await up({ engine: 'opensearch', nodes: 1, port: flags.port, name: 'bench', clean: true, heapMb: 1024, stateRoot: stateRoot(), log: err, ...(plugins.length ? { plugins } : {}) });
    url = state.url;
  }
  // the engine's ingest time per document is read from whole bulk batches (see ingestTotals)
  if (flags.docs % flags.batch !== 0) err(`--docs ${flags.docs} is not a multiple of --batch ${flags.batch}: ingest µs/doc are approximate`);
  try {
    const conn = await connect(connectionOptions(flags, url));
    try {
      if (suite === 'noise') {
        // --profile: the benign week stepped with another profile, e.g. the one `npm run tune` proposed for it
        const benignProfileFile = flags.profile ?? path.join(PACK_ROOT, 'test', 'scenarios', 'benign-profile.yml');
        const benignProfile = loadProfile(benignProfileFile);
        err(`benign week's profile: ${path.relative(process.cwd(), benignProfileFile) || benignProfileFile}`);
        await installPack(conn, PACK_ROOT, benignProfile);
        const result = await benchNoise(conn, {
          root: PACK_ROOT,
          benignProfile,
          storyProfile: loadProfile(path.join(PACK_ROOT, 'test', 'scenarios', 'profile.yml')),
          pcs: flags.pcs,
          start: flags.start,
          days: flags.days,
          seed: flags.seed,
          ...(flags.rules ? { only: flags.rules } : {}),
          ...(flags.reuse ? { reuse: true } : {}),
          squidFormat: flags.squidFormat,
          log: err,
        });
        const ev = (e: Record<string, number>) => Object.entries(e).map(([k, v]) => `${k} ${v}`).join(', ');
        process.stdout.write(`engine: ${conn.info.engine} ${conn.info.version}\n`);
        process.stdout.write(`benign week: ${flags.pcs} PCs, ${flags.days} days from ${flags.start}: ${Object.values(result.benign.events).reduce((a, b) => a + b, 0)} events (${ev(result.benign.events)}); monitors stepped in ${result.benign.seconds.toFixed(0)}s\n`);
        process.stdout.write(`labelled story: ${Object.values(result.story.events).reduce((a, b) => a + b, 0)} events over ${result.story.days} days; monitors stepped in ${result.story.seconds.toFixed(0)}s\n\n`);
        process.stdout.write(`${noiseTable(result)}\n\n`);
        process.stdout.write(
          'alerts as OpenSearch Alerting keeps them, from its _execute API (dryrun) at every scheduled run over the period: a query-level monitor\n' +
            'has one alert while its trigger keeps firing; a bucket-level monitor one per group (bucket keys) from the run it starts firing.\n',
        );
        return;
      }
      if (suite === 'hunt') {
        const profile = loadProfile(flags.profile ?? path.join(PACK_ROOT, 'test', 'scenarios', 'profile.yml'));
        await installPack(conn, PACK_ROOT, profile);
        const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-hunt-'));
        try {
          const sizes = await benchHunt(conn, { root: PACK_ROOT, profile, dir, sizes: flags.small ? [20_000, 60_000] : flags.sizes, end: Date.parse(flags.end ?? '2026-11-30T00:00:00+09:00'), ...(flags.reuse ? { reuse: true } : {}), ...(flags.huntOnly ? { huntOnly: true } : {}), log: err });
          process.stdout.write(`engine: ${conn.info.engine} ${conn.info.version}\n${huntBenchTable(sizes)}\n`);
          process.stdout.write(
            'hunt: npm run hunt\'s engine (aggregations; grouped rules windowed over schedule-sized buckets per entity), after one warm-up hunt.\n' +
              'naive: each rule\'s matching events pulled with point-in-time + search_after (the fields it needs), grouped and windowed in the client.\n' +
              'per-rule columns run one rule at a time; the full hunt runs every rule, two at a time.\n',
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        return;
      }
      await installPack(conn, PACK_ROOT, loadProfile());
      if (suite === 'ingest' && flags.bytes !== undefined) {
        const source = flags.source?.[0] ?? 'squid';
        err(`ingest: ${flags.bytes} bytes of generated ${source} log through the loader's standard input`);
        const r = await benchIngestBytes(conn, {
          bytes: flags.bytes,
          source,
          root: PACK_ROOT,
          connection: connectionOptions(flags, url),
          env: Object.fromEntries(Object.entries({ PACK_USERNAME: flags.username, PACK_PASSWORD: flags.password, PACK_CA_CERT: flags.caCert }).filter((e): e is [string, string] => e[1] !== undefined)),
          log: err,
          ...(flags.timeLimit !== undefined ? { timeLimitMs: flags.timeLimit * 60_000 } : {}),
        });
        process.stdout.write(`engine: ${conn.info.engine} ${conn.info.version}${r.cut ? `; cut by --time-limit ${flags.timeLimit} at ${r.bytes} of ${flags.bytes} bytes` : ''}\n${streamTable(r)}\n`);
        process.stdout.write(
          'npm run ingest -- --source ' + source + ' - fed by a generator (the benchmark lines repeated); RSS: the loader process\'s resident memory from /proc\n' +
            '(peak: VmHWM over the whole run; at N%: VmRSS when N% of the bytes had been handed to it).\n',
        );
        return;
      }
      if (suite === 'ingest') {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-ingest-'));
        try {
          const rows = await benchIngest(conn, {
            lines: flags.lines,
            sources: flags.source ?? ['squid', 'bind', 'netscreen'],
            dir,
            root: PACK_ROOT,
            connection: connectionOptions(flags, url),
            env: Object.fromEntries(Object.entries({ PACK_USERNAME: flags.username, PACK_PASSWORD: flags.password, PACK_CA_CERT: flags.caCert }).filter((e): e is [string, string] => e[1] !== undefined)),
            log: err,
          });
          process.stdout.write(`engine: ${conn.info.engine} ${conn.info.version}; ${flags.lines} lines per source\n${ingestTable(rows)}\n`);
          process.stdout.write(
            "(a) npm run ingest through the pack pipeline; (b) the same documents pre-parsed, pre-serialised, plain _bulk, no pipeline, with the loader's _ids;\n" +
              "(b0) the same without _ids (the engine's own); (c) the official client bulk helper (defaults, no _ids) fed by readline, through the pack pipeline.\n" +
              "a/b, a/b0, a/c: ratios of docs/s. Loader CPU: its own user+system time per line, from its summary.\n",
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        return;
      }
      process.stdout.write(`engine: ${conn.info.engine} ${conn.info.version}; ${flags.docs} docs per source and round, median of ${flags.rounds}, bulk ${flags.batch}\n`);
      const rows = await benchPipelines(conn, PACK_ROOT, { docs: flags.docs, rounds: flags.rounds, batch: flags.batch, files: flags.files, ...(flags.source ? { sources: flags.source } : {}), log: err });
      process.stdout.write(`${benchTable(rows)}\n`);
      process.stdout.write(
        'cost = docs/s of the baseline / docs/s of the pack pipeline (1.00x = free). The floor is the pack\'s own finished documents indexed\n' +
          'into a copy of its data stream with no pipeline: what the engine needs for the typed document alone. Target: cost vs floor <= 1.3x.\n' +
          'empty pipeline: the same documents through a pipeline that changes nothing (the source parsed to a map and written back to JSON).\n\n',
      );
      process.stdout.write(`${splitTable(rows)}\n`);
      process.stdout.write(
        [
          'where the pack cost goes: pack µs/doc = 1e6 / pack docs/s (median); ingest µs/doc = engine ingest time (default + final pipeline,',
          'summed over all rounds) / documents; ingest share = ingest µs / pack µs. "pack docs, no pipeline" indexes the pack\'s finished',
          'documents (from _simulate) into a copy of its data stream with no default or final pipeline: the cost of the document alone.',
        ].join('\n') + '\n\n',
      );
      process.stdout.write(`${pipelineTable(rows)}\n\n`);
      process.stdout.write(`${fileTable(rows)}\n`);
      process.stdout.write(
        'each benchmark corpus file (one shape of the log) through the pack alone, one round, all its lines (the legacy grok column is\n' +
          "its ingest time on the lines it can read, from the race above; a legacy pattern reads none of BIND's syslog-prefixed lines)\n",
      );
    } finally {
      await conn.close();
    }
  } finally {
    if (startedHere) await down({ engine: 'opensearch', name: 'bench', stateRoot: stateRoot() });
  }
});

await runCli(program);
