import path from 'node:path';
import type { Connection } from '../cluster/connection.js';
import { RejectedObjectError } from '../errors.js';
import { buildDir } from './rules.js';
import type { DeployTarget, TargetEntry } from './target.js';

/**
 * Elasticsearch Watcher: one watch per rule (id `jpcert-<rule id>`), its content hash in the
 * watch's `metadata`. Created, updated (same id) or left unchanged. When Watcher does not
 * answer (a basic licence), the watches are only written to build/rules/watches.
 */

async function hasWatcher(conn: Connection): Promise<boolean> {
  try {
    const res = await conn.request('GET', '/_watcher/stats');
    return res.status === 200;
  } catch (err) {
    // 400/405 on a cluster without Watcher (a basic licence); anything else is a real failure
    if (err instanceof RejectedObjectError) return false;
    throw err;
  }
}

export const watchesTarget: DeployTarget = {
  async plan(ctx) {
    const { conn, compiled } = ctx;
    if (conn.info.engine === 'opensearch') return { label: 'watches', entries: [], notes: [] };
    if (!(await hasWatcher(conn))) {
      return { label: 'watches', entries: [], notes: [`Watcher is not available on this cluster (it needs a Platinum or trial licence): ${compiled.rules.length} watches were written to ${path.join(buildDir(ctx.root), 'watches')} only`] };
    }
    const entries: TargetEntry[] = [];
    for (const r of compiled.rules) {
      const res = await conn.request('GET', `/_watcher/watch/${r.watch.id}`);
      const stored = res.status === 200 ? ((res.body as { watch?: { metadata?: Record<string, string> } }).watch?.metadata?.content_hash ?? '') : undefined;
      const action = stored === undefined ? 'create' : stored === r.hash ? 'unchanged' : 'update';
      entries.push({ kind: 'watch', name: r.resolved.rule.check, action, apply: async () => void (await conn.request('PUT', `/_watcher/watch/${r.watch.id}`, r.watch.body)) });
    }
    return { label: 'watches', show: 'all', entries, notes: [] };
  },
};
