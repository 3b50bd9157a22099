import { importIndicators } from '../ioc/index.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expandInputs } from '../cli/ingest-command.js';
import type { Connection } from '../cluster/connection.js';
import { loadProfile } from '../content/profile.js';
import { STDIN } from '../ingest/bytes.js';
import { ingest, summarise, type IngestReport } from '../ingest/ingest.js';
import type { Progress } from '../ingest/progress.js';
import { PACK_ROOT } from '../paths.js';
import { exitCodeOf, type HuntResult } from './findings.js';
import { runHunt } from './hunt.js';
import { timeFormat } from './report/common.js';
import { renderReport } from './report/index.js';

/**
 * The main job behind `npm start`, once the pack is deployed: load a folder of logs (sources
 * detected per file), import indicators, hunt over the logs' whole time span and write the
 * reports. Without a folder it takes the bundled demo (demo/logs, demo/profile.yml,
 * demo/indicators.txt).
 */

export const DEMO = {
  logs: path.join(PACK_ROOT, 'demo', 'logs'),
  profile: path.join(PACK_ROOT, 'demo', 'profile.yml'),
  ioc: path.join(PACK_ROOT, 'demo', 'indicators.txt'),
};

export interface MainJobOptions {
  /** a folder (or file, or glob) of logs */
  logs: string;
  /** the site profile file (the one the pack was deployed with) */
  profile?: string;
  /** an indicator file to import before the hunt */
  ioc?: string;
  /** data stream namespace the logs go to and the hunt reads; default `default` */
  namespace?: string;
  /** where the reports are written; default build/reports */
  reportsDir?: string;
  /** bulk request size; default 256 KiB, so that even a small folder is spread over the engine's cores */
  bulkBytes?: number;
  progress: Progress;
  log: (line: string) => void;
}

export interface MainJobResult {
  ingest: IngestReport;
  ingestLines: string[];
  /** the loaded events' first and last @timestamp */
  span?: { from: string; to: string };
  hunt?: HuntResult;
  /** the reports written (HTML, Markdown) */
  reports: { html: string; markdown: string } | undefined;
  exitCode: number;
  /** how long loading (with the indicators) and hunting took, ms */
  loadMs: number;
  huntMs: number;
}

/** resolves the demo defaults: without --logs, the demo's logs, profile and indicators */
export function mainJobInputs(flags: { logs?: string; profile?: string; ioc?: string }): { logs: string; profile?: string; ioc?: string; demo: boolean } {
  if (flags.logs) return { logs: flags.logs, ...(flags.profile ? { profile: flags.profile } : {}), ...(flags.ioc ? { ioc: flags.ioc } : {}), demo: false };
  return { logs: DEMO.logs, profile: flags.profile ?? DEMO.profile, ioc: flags.ioc ?? DEMO.ioc, demo: true };
}

/** min and max @timestamp of the documents read from these inputs */
export async function loadedSpan(conn: Connection, index: string, inputs: string[]): Promise<{ from: string; to: string } | undefined> {
  const paths = inputs.map((i) => (i === STDIN ? 'stdin' : path.resolve(i)));
  const res = await conn.request('POST', `/${index}/_search?ignore_unavailable=true&allow_no_indices=true`, {
    size: 0,
    query: { terms: { 'log.file.path': paths } },
    aggs: { first: { min: { field: '@timestamp' } }, last: { max: { field: '@timestamp' } } },
  });
  const aggs = (res.body as { aggregations?: { first?: { value: number | null }; last?: { value: number | null } } }).aggregations;
  if (aggs?.first?.value == null || aggs.last?.value == null) return undefined;
  return { from: new Date(aggs.first.value).toISOString(), to: new Date(aggs.last.value + 1).toISOString() };
}

/** `20261009-101500` from an ISO time, for file names */
export function stamp(iso: string): string {
  return iso.slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}

export async function runMainJob(conn: Connection, o: MainJobOptions): Promise<MainJobResult> {
  const profile = loadProfile(o.profile);
  const namespace = o.namespace ?? 'default';
  const inputs = await expandInputs([o.logs]);
  const t0 = Date.now();
  const report = await ingest(conn, { inputs, encoding: 'auto', namespace, profile, bulkBytes: o.bulkBytes ?? 256 * 1024, concurrency: 2, progress: o.progress, log: o.log });
  const { lines, exitCode: ingestExit } = summarise(report);
  if (o.ioc) {
    // the indicator checks (PROXY-1, DNS-1, G4) read the store at every run: no redeploy
    const imported = await importIndicators(conn, [o.ioc]);
    o.log(`indicators: ${o.ioc}: ${imported.created} new, ${imported.updated} updated${imported.bad.length ? `, ${imported.bad.length} unreadable (${imported.bad.slice(0, 3).map((b) => `${b.where}: ${b.reason}`).join('; ')})` : ''}`);
  }
  const span = await loadedSpan(conn, `${profile.indices.prefix}-jpcert.*-${namespace}`, inputs);
  const loadMs = Date.now() - t0;
  if (!span) return { ingest: report, ingestLines: lines, reports: undefined, exitCode: ingestExit || 2, loadMs, huntMs: 0 };
  const hunt = await runHunt(conn, { from: span.from, to: span.to, ...(o.profile ? { profile: o.profile } : {}), namespace });
  const dir = o.reportsDir ?? path.join(PACK_ROOT, 'build', 'reports');
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `hunt-${stamp(hunt.generatedAt)}`);
  const reports = { html: `${base}.html`, markdown: `${base}.md` };
  writeFileSync(reports.html, renderReport(hunt, 'html', { timeZone: profile.timezone }));
  writeFileSync(reports.markdown, renderReport(hunt, 'markdown', { timeZone: profile.timezone }));
  return { ingest: report, ingestLines: lines, span, hunt, reports, exitCode: Math.max(ingestExit, exitCodeOf(hunt)), loadMs, huntMs: Date.now() - t0 - loadMs };
}

/** the hunt in a few lines for the terminal: one per check with hits (or an error), times in the zone given */
export function huntSummary(result: HuntResult, timeZone?: string): string[] {
  const T = timeFormat(timeZone);
  const found = result.checks.filter((c) => c.hits > 0 || c.error !== undefined);
  const out = [`hunt ${T(result.from)} - ${T(result.to)}: ${result.checks.length} checks run, ${found.filter((c) => c.hits > 0).length} with hits (${(result.tookMs / 1000).toFixed(1)} s)`];
  const w = Math.max(5, ...found.map((c) => c.check.length));
  const when = found.map((c) => (c.firstSeen ? `${T(c.firstSeen)} .. ${T(c.lastSeen ?? c.firstSeen)}` : ''));
  const ww = Math.max(0, ...when.map((x) => x.length));
  found.forEach((c, i) => {
    out.push(`  ${c.check.padEnd(w)}  ${c.error !== undefined ? 'error'.padStart(6) : String(c.hits).padStart(6)}  ${c.severity.padEnd(8)}  ${when[i]!.padEnd(ww)}  ${c.error ?? c.title.ja}`);
  });
  return out;
}


