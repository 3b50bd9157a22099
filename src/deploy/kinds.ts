import type { Connection } from '../cluster/connection.js';
import { PACK_ID, type DesiredObject, type ObjectKindName } from '../content/load.js';

/**
 * How each kind of object is read, listed, written and deleted, and where its ownership
 * marker (pack id + content hash) lives: `_meta` where the engine keeps it, a tag at the end
 * of the description for ingest pipelines (OpenSearch rejects `_meta` on pipelines).
 */

export interface RemoteObject {
  name: string;
  /** the content hash this pack stored, if the object is ours */
  hash?: string;
}

export interface ObjectKind {
  kind: ObjectKindName;
  /** lower applies first on create/update, last on delete */
  order: number;
  path(name: string): string;
  /** the body to send: content plus the ownership marker */
  withMarker(o: DesiredObject): Record<string, unknown>;
  list(conn: Connection): Promise<RemoteObject[]>;
}

function metaMarker(o: DesiredObject): Record<string, unknown> {
  const meta = (o.body._meta as Record<string, unknown> | undefined) ?? {};
  return { ...o.body, _meta: { ...meta, managed_by: PACK_ID, content_hash: o.hash } };
}

function hashFromMeta(meta: unknown): string | undefined {
  const m = meta as { managed_by?: string; content_hash?: string } | undefined;
  return m?.managed_by === PACK_ID ? m.content_hash : undefined;
}

const DESCRIPTION_TAG = new RegExp(`\\s*\\[${PACK_ID} ([0-9a-f]+)\\]$`);

export function tagDescription(description: string, hash: string): string {
  return `${description} [${PACK_ID} ${hash}]`;
}

export function hashFromDescription(description: unknown): string | undefined {
  return typeof description === 'string' ? DESCRIPTION_TAG.exec(description)?.[1] : undefined;
}

async function getOrEmpty(conn: Connection, path: string): Promise<unknown> {
  const res = await conn.request('GET', path);
  return res.status === 404 ? undefined : res.body;
}

export const componentTemplates: ObjectKind = {
  kind: 'component_template',
  order: 0,
  path: (name) => `/_component_template/${encodeURIComponent(name)}`,
  withMarker: metaMarker,
  async list(conn) {
    const body = (await getOrEmpty(conn, '/_component_template')) as { component_templates?: Array<{ name: string; component_template: { _meta?: unknown } }> } | undefined;
    return (body?.component_templates ?? []).map((t) => ({ name: t.name, hash: hashFromMeta(t.component_template._meta) }));
  },
};

export const ingestPipelines: ObjectKind = {
  kind: 'ingest_pipeline',
  order: 1,
  path: (name) => `/_ingest/pipeline/${encodeURIComponent(name)}`,
  withMarker: (o) => ({ ...o.body, description: tagDescription(String(o.body.description ?? ''), o.hash) }),
  async list(conn) {
    const body = ((await getOrEmpty(conn, '/_ingest/pipeline')) ?? {}) as Record<string, { description?: unknown }>;
    return Object.entries(body).map(([name, p]) => ({ name, hash: hashFromDescription(p.description) }));
  },
};

export const indexTemplates: ObjectKind = {
  kind: 'index_template',
  order: 2,
  path: (name) => `/_index_template/${encodeURIComponent(name)}`,
  withMarker: metaMarker,
  async list(conn) {
    const body = (await getOrEmpty(conn, '/_index_template')) as { index_templates?: Array<{ name: string; index_template: { _meta?: unknown } }> } | undefined;
    return (body?.index_templates ?? []).map((t) => ({ name: t.name, hash: hashFromMeta(t.index_template._meta) }));
  },
};

export const KINDS: readonly ObjectKind[] = [componentTemplates, ingestPipelines, indexTemplates];

export function kindOf(name: ObjectKindName): ObjectKind {
  const k = KINDS.find((x) => x.kind === name);
  if (!k) throw new Error(`no object kind ${name}`);
  return k;
}
