import path from 'node:path';
import type { Compiled } from '../rules/compile.js';
import type { Flavor } from '../rules/render/saved-objects.js';
import { writeBuild } from '../rules/write-build.js';

/**
 * The compiled rules are always written to build/rules (monitors, watches, saved searches),
 * for review and for import into Kibana or OpenSearch Dashboards; the targets that deploy
 * them are data-streams.ts, channels.ts, monitors.ts and watches.ts.
 */

export function buildDir(root: string): string {
  return path.join(root, 'build', 'rules');
}

/** Writes build/rules (unless a dry run); returns the folder. */
export async function writeRules(compiled: Compiled, root: string, dryRun: boolean): Promise<string> {
  const dir = buildDir(root);
  if (!dryRun) await writeBuild(compiled, dir);
  return dir;
}

/** Where the saved searches went: build/ always, and the UIs given with --kibana / --dashboards. */
export function savedSearchNote(buildDir: string, dryRun: boolean, installedIn: Flavor[]): string {
  const files = `${path.join(buildDir, 'kibana.ndjson')} and dashboards.ndjson`;
  const prefix = dryRun ? '(dry run: nothing written) ' : '';
  if (!installedIn.length) return `${prefix}saved searches for Kibana and OpenSearch Dashboards: ${files} (import them in Stack Management / Dashboards Management > Saved objects, or deploy with --kibana / --dashboards)`;
  return `${prefix}saved searches for Kibana and OpenSearch Dashboards: ${files}; ${installedIn.map((f) => (f === 'kibana' ? 'Kibana' : 'OpenSearch Dashboards')).join(' and ')} ${installedIn.length === 1 ? 'gets them through its API' : 'get them through their APIs'} below`;
}
