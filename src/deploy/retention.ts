import type { Connection } from '../cluster/connection.js';
import { contentHash } from '../content/hash.js';
import { PACK_ID, RETENTION_POLICY } from '../content/load.js';
import { retentionOf, type Profile, type RetentionSettings } from '../content/profile.js';
import { RejectedObjectError } from '../errors.js';
import { hashFromDescription, tagDescription } from './kinds.js';
import type { DeployTarget, TargetEntry } from './target.js';

/**
 * Retention of the pack's data streams (`<prefix>-jpcert.*`), from `retention:` of the
 * profile. JPCERT/CC's guide asks to keep logs at least a year, about three months of it at
 * hand. One policy, `jpcert-logs`, with three states or phases:
 *
 * - hot: the write index rolls over at the first of `rollover.max_age` and
 *   `rollover.max_primary_shard_size`;
 * - warm, `hot_days` after the rollover: read-only (and, with `snapshot_repository`, a
 *   snapshot on OpenSearch; on Elasticsearch an SLM policy of the same name takes daily
 *   snapshots and the delete phase waits for one);
 * - delete, `delete_after_days` after the rollover. Ages count from the rollover, so every
 *   document is kept at least `delete_after_days`.
 *
 * OpenSearch: an Index State Management policy whose `ism_template` matches the data
 * streams, so each new backing index gets it. `ism_template` acts only on indices created
 * after the policy, so deploy also attaches the policy (`_plugins/_ism/add`) to existing
 * backing indices that have none; one managed by another policy is left alone and named in
 * a note. After a policy update, indices already on it are moved to the new version
 * (`_plugins/_ism/change_policy`, applied by ISM at the next state change).
 *
 * Elasticsearch: an ILM policy, named by `index.lifecycle.name` in the component template
 * `jpcert-lifecycle`, which the data streams' index templates are composed of (see
 * `lifecycleTemplate` in content/load.ts). Existing backing indices keep their settings (see README).
 *
 * Marked like the pipelines: the content hash at the end of the ISM policy's description,
 * in `_meta` of the ILM and SLM policies.
 */

export { RETENTION_POLICY };

/** The index pattern of the pack's data streams (and ISM's template pattern). */
export function streamPattern(profile: Profile): string {
  return `${profile.indices.prefix}-jpcert.*`;
}

function description(r: RetentionSettings): string {
  return `JPCERT APT log pack: the logs are kept ${r.delete_after_days} days after rollover, ${r.hot_days} of them writable (from retention: of the profile)`;
}

/** The ISM policy (the body of PUT _plugins/_ism/policies/jpcert-logs), without its marker. */
export function ismPolicy(profile: Profile, r: RetentionSettings): { policy: Record<string, unknown> } {
  const rollover: Record<string, string> = {};
  if (r.rollover.max_age) rollover.min_index_age = r.rollover.max_age;
  if (r.rollover.max_primary_shard_size) rollover.min_primary_shard_size = r.rollover.max_primary_shard_size;
  const warm: Array<Record<string, unknown>> = [{ read_only: {} }];
  if (r.snapshot_repository) warm.push({ snapshot: { repository: r.snapshot_repository, snapshot: RETENTION_POLICY } });
  return {
    policy: {
      description: description(r),
      default_state: 'hot',
      states: [
        { name: 'hot', actions: [{ rollover }], transitions: [{ state_name: 'warm', conditions: { min_rollover_age: `${r.hot_days}d` } }] },
        { name: 'warm', actions: warm, transitions: [{ state_name: 'delete', conditions: { min_rollover_age: `${r.delete_after_days}d` } }] },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [streamPattern(profile)], priority: 100 }],
    },
  };
}

/** The ILM policy (the body of PUT _ilm/policy/jpcert-logs), with its marker in `_meta`. */
export function ilmPolicy(r: RetentionSettings): { policy: Record<string, unknown> } {
  const rollover: Record<string, string> = {};
  if (r.rollover.max_age) rollover.max_age = r.rollover.max_age;
  if (r.rollover.max_primary_shard_size) rollover.max_primary_shard_size = r.rollover.max_primary_shard_size;
  const phases = {
    hot: { min_age: '0ms', actions: { rollover } },
    warm: { min_age: `${r.hot_days}d`, actions: { readonly: {} } },
    delete: { min_age: `${r.delete_after_days}d`, actions: { ...(r.snapshot_repository ? { wait_for_snapshot: { policy: RETENTION_POLICY } } : {}), delete: {} } },
  };
  const hash = contentHash(phases);
  return { policy: { phases, _meta: { description: description(r), managed_by: PACK_ID, content_hash: hash } } };
}

/**
 * The SLM policy (PUT _slm/policy/jpcert-retention) when a snapshot repository is named: a
 * daily snapshot of the data streams, which the ILM delete phase waits for. Its marker is in
 * `config.metadata` (SLM keeps no `_meta`; that metadata is also copied onto each snapshot).
 */
export function slmPolicy(profile: Profile, r: RetentionSettings): Record<string, unknown> | undefined {
  if (!r.snapshot_repository) return undefined;
  const config = { indices: [streamPattern(profile)], include_global_state: false };
  const body = { schedule: '0 30 1 * * ?', name: `<${RETENTION_POLICY}-{now/d}>`, repository: r.snapshot_repository, config };
  return { ...body, config: { ...config, metadata: { managed_by: PACK_ID, content_hash: contentHash(body) } } };
}

async function send(conn: Connection, method: 'PUT' | 'POST' | 'DELETE', path: string, what: string, body?: unknown): Promise<unknown> {
  try {
    return (await conn.request(method, path, body)).body;
  } catch (err) {
    if (err instanceof RejectedObjectError) throw new RejectedObjectError(`${what} was rejected: ${err.message.replace(/^the cluster rejected [^:]*: /, '')}`, 'check retention: in the profile', { cause: err });
    throw err;
  }
}

const ISM = '/_plugins/_ism';

interface StoredIsm {
  policy?: { description?: string };
  _seq_no?: number;
  _primary_term?: number;
}

/** Backing indices of the pack's data streams, and the ISM policy each is managed by (null: none). */
export async function backingIndexPolicies(conn: Connection, profile: Profile): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  const ds = await conn.request('GET', `/_data_stream/${encodeURIComponent(streamPattern(profile))}`);
  const names = ds.status === 200 ? ((ds.body as { data_streams?: Array<{ indices: Array<{ index_name: string }> }> }).data_streams ?? []).flatMap((d) => d.indices.map((i) => i.index_name)) : [];
  if (!names.length) return out;
  const res = await conn.request('GET', `${ISM}/explain/${names.map(encodeURIComponent).join(',')}`);
  const body = (res.body ?? {}) as Record<string, { 'index.plugins.index_state_management.policy_id'?: string | null; policy_id?: string | null }>;
  for (const n of names.sort()) {
    const e = body[n];
    out.set(n, e?.['index.plugins.index_state_management.policy_id'] ?? e?.policy_id ?? null);
  }
  return out;
}

async function planIsm(conn: Connection, profile: Profile, r: RetentionSettings | undefined, prune: boolean, notes: string[]): Promise<TargetEntry[]> {
  const path = `${ISM}/policies/${RETENTION_POLICY}`;
  const res = await conn.request('GET', path);
  const stored = res.status === 200 ? (res.body as StoredIsm) : undefined;
  const storedHash = hashFromDescription(stored?.policy?.description);
  const kind = 'ISM policy';
  if (!r) {
    if (stored && storedHash !== undefined && prune) return [{ kind, name: RETENTION_POLICY, action: 'delete', detail: 'the profile has no retention:', apply: async () => void (await send(conn, 'DELETE', path, `ISM policy ${RETENTION_POLICY}`)) }];
    if (stored && storedHash !== undefined) notes.push(`the profile has no retention:, but the ISM policy ${RETENTION_POLICY} of an earlier deploy is still there (and still manages its indices); remove it with --prune --yes`);
    return [];
  }
  const body = ismPolicy(profile, r);
  const hash = contentHash(body);
  const marked = { policy: { ...body.policy, description: tagDescription(String(body.policy.description), hash) } };
  const entries: TargetEntry[] = [];
  const indices = await backingIndexPolicies(conn, profile);
  const ours = [...indices].filter(([, p]) => p === RETENTION_POLICY).map(([n]) => n);
  if (!stored) {
    entries.push({ kind, name: RETENTION_POLICY, action: 'create', detail: `${r.hot_days}d hot, deleted after ${r.delete_after_days}d; new backing indices of ${streamPattern(profile)} get it`, apply: async () => void (await send(conn, 'PUT', path, `ISM policy ${RETENTION_POLICY}`, marked)) });
  } else if (storedHash === hash) {
    entries.push({ kind, name: RETENTION_POLICY, action: 'unchanged', apply: async () => {} });
  } else {
    const seq = `?if_seq_no=${stored._seq_no}&if_primary_term=${stored._primary_term}`;
    entries.push({
      kind,
      name: RETENTION_POLICY,
      action: 'update',
      detail: `${storedHash ?? "not the pack's"} -> ${hash}${ours.length ? `; ${ours.length} managed index(es) move to it at their next state change` : ''}`,
      apply: async () => {
        await send(conn, 'PUT', `${path}${seq}`, `ISM policy ${RETENTION_POLICY}`, marked);
        if (ours.length) await send(conn, 'POST', `${ISM}/change_policy/${ours.map(encodeURIComponent).join(',')}`, `ISM change_policy to ${RETENTION_POLICY}`, { policy_id: RETENTION_POLICY });
      },
    });
  }
  const bare = [...indices].filter(([, p]) => p === null).map(([n]) => n);
  const others = [...indices].filter(([, p]) => p !== null && p !== RETENTION_POLICY);
  for (const n of bare) {
    entries.push({ kind: 'ISM attach', name: n, action: 'create', detail: `an existing backing index without a policy gets ${RETENTION_POLICY}`, apply: async () => void (await attach(conn, n)) });
  }
  if (others.length) notes.push(`${others.length} backing index(es) of ${streamPattern(profile)} are managed by another ISM policy and were left alone: ${others.map(([n, p]) => `${n} (${p})`).join(', ')}`);
  return entries;
}

async function attach(conn: Connection, index: string): Promise<void> {
  const body = (await send(conn, 'POST', `${ISM}/add/${encodeURIComponent(index)}`, `ISM add ${RETENTION_POLICY} to ${index}`, { policy_id: RETENTION_POLICY })) as { failures?: boolean; failed_indices?: Array<{ reason?: string }> };
  if (body?.failures) throw new RejectedObjectError(`ISM could not attach ${RETENTION_POLICY} to ${index}: ${body.failed_indices?.map((f) => f.reason).join('; ')}`);
}

async function planIlm(conn: Connection, profile: Profile, r: RetentionSettings | undefined, prune: boolean, notes: string[]): Promise<TargetEntry[]> {
  const entries: TargetEntry[] = [];
  type Meta = { managed_by?: string; content_hash?: string };
  const stored = async (path: string, metaOf: (policy: { _meta?: Meta; config?: { metadata?: Meta } }) => Meta | undefined): Promise<{ found: boolean; hash?: string }> => {
    const res = await conn.request('GET', path);
    if (res.status !== 200) return { found: false };
    const p = (res.body as Record<string, { policy?: { _meta?: Meta; config?: { metadata?: Meta } } }>)[RETENTION_POLICY]?.policy;
    const meta = p ? metaOf(p) : undefined;
    return { found: true, ...(meta?.managed_by === PACK_ID && meta.content_hash ? { hash: meta.content_hash } : {}) };
  };
  const plan = (kind: string, path: string, current: { found: boolean; hash?: string }, wanted: { body: unknown; hash: string } | undefined) => {
    if (!wanted) {
      if (current.hash !== undefined && prune) entries.push({ kind, name: RETENTION_POLICY, action: 'delete', detail: 'the profile no longer asks for it', apply: async () => void (await send(conn, 'DELETE', path, `${kind} ${RETENTION_POLICY}`)) });
      else if (current.hash !== undefined) notes.push(`the profile no longer asks for the ${kind} ${RETENTION_POLICY} of an earlier deploy; remove it with --prune --yes`);
      return;
    }
    const apply = async () => void (await send(conn, 'PUT', path, `${kind} ${RETENTION_POLICY}`, wanted.body));
    if (!current.found) entries.push({ kind, name: RETENTION_POLICY, action: 'create', apply });
    else if (current.hash === wanted.hash) entries.push({ kind, name: RETENTION_POLICY, action: 'unchanged', apply: async () => {} });
    else entries.push({ kind, name: RETENTION_POLICY, action: 'update', detail: `${current.hash ?? "not the pack's"} -> ${wanted.hash}`, apply });
  };
  const ilmPath = `/_ilm/policy/${RETENTION_POLICY}`;
  const ilm = r ? ilmPolicy(r) : undefined;
  plan('ILM policy', ilmPath, await stored(ilmPath, (p) => p._meta), ilm ? { body: ilm, hash: (ilm.policy._meta as { content_hash: string }).content_hash } : undefined);
  const slmPath = `/_slm/policy/${RETENTION_POLICY}`;
  const slm = r ? slmPolicy(profile, r) : undefined;
  plan('SLM policy', slmPath, await stored(slmPath, (p) => p.config?.metadata), slm ? { body: slm, hash: (slm.config as { metadata: { content_hash: string } }).metadata.content_hash } : undefined);
  return entries;
}

export interface RetentionPlan {
  entries: TargetEntry[];
  notes: string[];
}

/** What deploy does about retention on this cluster. */
export async function planRetention(conn: Connection, profile: Profile, plugins: string[], prune: boolean): Promise<RetentionPlan> {
  const r = retentionOf(profile);
  const notes: string[] = [];
  if (conn.info.engine === 'opensearch') {
    if (!plugins.includes('opensearch-index-management')) {
      if (r) notes.push(`the profile has retention:, but the cluster has no Index State Management plugin (opensearch-index-management): no policy was installed and nothing is rolled over or deleted; install it and deploy again`);
      return { entries: [], notes };
    }
    return { entries: await planIsm(conn, profile, r, prune, notes), notes };
  }
  return { entries: await planIlm(conn, profile, r, prune, notes), notes };
}

export const retentionTarget: DeployTarget = {
  async plan(ctx) {
    return { label: 'retention', ...(await planRetention(ctx.conn, ctx.profile, ctx.plugins, ctx.prune)) };
  },
};
