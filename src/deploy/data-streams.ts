import type { Connection } from '../cluster/connection.js';
import type { DeployTarget, TargetEntry } from './target.js';

/**
 * The data streams the rules search, made to exist before any log arrives: a bucket-level
 * monitor whose index pattern matches nothing fails (`aggs is null`), and a watch's
 * condition finds no aggregation. For each index pattern of a rule
 * (`<prefix>-jpcert.<source>-*`) that matches no index, alias or data stream, deploy creates
 * the empty data stream of the default namespace, `<prefix>-jpcert.<source>-default`, the
 * one a shipper writes to unless told otherwise. A pattern that matches anything (another
 * namespace, an index) is left as it is; data streams are never deleted.
 */

export function defaultStream(pattern: string): string {
  return pattern.replace(/\*$/, 'default');
}

export async function planDataStreams(conn: Connection, patterns: string[]): Promise<TargetEntry[]> {
  const plan: TargetEntry[] = [];
  for (const pattern of [...new Set(patterns)].sort()) {
    if (!pattern.endsWith('-*')) continue;
    const res = await conn.request('GET', `/_resolve/index/${encodeURIComponent(pattern)}?expand_wildcards=open,hidden`);
    const found = res.body as { indices?: unknown[]; aliases?: unknown[]; data_streams?: Array<{ name: string }> };
    const existing = [...(found.data_streams ?? []).map((d) => d.name)];
    const any = existing.length + (found.indices?.length ?? 0) + (found.aliases?.length ?? 0) > 0;
    const name = defaultStream(pattern);
    if (any) plan.push({ kind: 'data stream', name: pattern, action: 'unchanged', detail: existing.join(', '), apply: async () => {} });
    else plan.push({ kind: 'data stream', name, action: 'create', detail: `nothing matched ${pattern} yet`, apply: async () => void (await conn.request('PUT', `/_data_stream/${encodeURIComponent(name)}`)) });
  }
  return plan;
}

/** The target: the data streams of every rule's index patterns; only creations are listed. */
export const dataStreamsTarget: DeployTarget = {
  async plan(ctx) {
    return { label: 'data streams', show: 'changes', entries: await planDataStreams(ctx.conn, ctx.compiled.rules.flatMap((r) => r.resolved.indices)), notes: [] };
  },
};
