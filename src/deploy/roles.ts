import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Connection } from '../cluster/connection.js';
import { contentHash } from '../content/hash.js';
import { interpolate, PACK_ID } from '../content/load.js';
import type { Profile } from '../content/profile.js';
import { AuthError, ContentError, RejectedObjectError } from '../errors.js';
import { hashFromDescription, tagDescription } from './kinds.js';
import type { DeployTarget, TargetEntry } from './target.js';

/**
 * Least-privilege roles for the live path, from `security/roles.yml`: a shipper that only
 * appends to the pack's data streams, an analyst that reads them (and alerts, monitors,
 * saved searches) and writes nothing, and the deployer's minimum.
 *
 * OpenSearch (security plugin): each role (PUT _plugins/_security/api/roles/<name>) and a
 * role mapping to the backend role of the same name (rolesmapping/<name>). Both carry the
 * content hash at the end of their description. A mapping's users, hosts and other backend
 * roles that an administrator added are kept when deploy updates it.
 * Elasticsearch: each role (PUT _security/role/<name>), the hash in its `metadata`; users
 * get the role with the users API or a role mapping of the site's realm.
 */

/** The roles' names: stable, other code (tests, the shipper configurations) refers to them. */
export const PACK_ROLES = { shipper: 'jpcert_shipper', analyst: 'jpcert_analyst', deployer: 'jpcert_deployer' } as const;
export type PackRole = keyof typeof PACK_ROLES;

export interface RoleDefinition {
  name: string;
  description: string;
  opensearch: Record<string, unknown>;
  elasticsearch: Record<string, unknown>;
}

export function rolesFile(root: string): string {
  return path.join(root, 'security', 'roles.yml');
}

export function loadRoles(root: string, profile: Profile): RoleDefinition[] {
  const file = rolesFile(root);
  if (!existsSync(file)) throw new ContentError(`${file}: missing`, 'the roles deploy installs are read from it');
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ContentError(`${file} cannot be read as YAML: ${(err as Error).message}`, undefined, { cause: err });
  }
  const roles = interpolate(doc, profile, file) as Record<string, { description?: unknown; opensearch?: unknown; elasticsearch?: unknown }>;
  const out: RoleDefinition[] = [];
  for (const [name, r] of Object.entries(roles ?? {})) {
    if (typeof r?.description !== 'string' || !r.opensearch || typeof r.opensearch !== 'object' || !r.elasticsearch || typeof r.elasticsearch !== 'object') {
      throw new ContentError(`${file}: role ${name} needs description, opensearch and elasticsearch`);
    }
    out.push({ name, description: r.description, opensearch: r.opensearch as Record<string, unknown>, elasticsearch: r.elasticsearch as Record<string, unknown> });
  }
  for (const name of Object.values(PACK_ROLES)) if (!out.some((r) => r.name === name)) throw new ContentError(`${file}: role ${name} is missing`, 'the shipper, analyst and deployer roles are named in src/deploy/roles.ts');
  return out;
}

/** The body of PUT _plugins/_security/api/roles/<name>, marked. */
export function openSearchRole(r: RoleDefinition): Record<string, unknown> {
  const body = { ...r.opensearch, description: r.description };
  return { ...body, description: tagDescription(r.description, contentHash(body)) };
}

/** The pack's part of the role mapping: the backend role of the same name, marked. */
export function openSearchRoleMapping(r: RoleDefinition): Record<string, unknown> {
  const body = { backend_roles: [r.name] };
  return { ...body, description: tagDescription(`JPCERT APT log pack: users with the backend role ${r.name} get the role`, contentHash(body)) };
}

/** The body of PUT _security/role/<name>, marked in its metadata. */
export function elasticsearchRole(r: RoleDefinition): Record<string, unknown> {
  const body = { ...r.elasticsearch, description: r.description };
  return { ...body, metadata: { managed_by: PACK_ID, content_hash: contentHash(body) } };
}

const SECURITY = '/_plugins/_security/api';

async function send(conn: Connection, method: 'PUT', p: string, what: string, body: unknown): Promise<void> {
  try {
    await conn.request(method, p, body);
  } catch (err) {
    if (err instanceof RejectedObjectError) throw new RejectedObjectError(`${what} was rejected: ${err.message.replace(/^the cluster rejected [^:]*: /, '')}`, `fix ${path.join('security', 'roles.yml')}`, { cause: err });
    throw err;
  }
}

function entry(kind: string, name: string, storedHash: string | undefined, found: boolean, wantedHash: string, apply: () => Promise<void>): TargetEntry {
  if (!found) return { kind, name, action: 'create', apply };
  if (storedHash === wantedHash) return { kind, name, action: 'unchanged', apply: async () => {} };
  return { kind, name, action: 'update', detail: `${storedHash ?? "not the pack's: taken over"} -> ${wantedHash}`, apply };
}

async function planOpenSearch(conn: Connection, roles: RoleDefinition[]): Promise<TargetEntry[]> {
  const entries: TargetEntry[] = [];
  for (const r of roles) {
    const body = openSearchRole(r);
    const res = await conn.request('GET', `${SECURITY}/roles/${r.name}`);
    const stored = res.status === 200 ? (res.body as Record<string, { description?: string; reserved?: boolean }>)[r.name] : undefined;
    if (stored?.reserved) throw new RejectedObjectError(`the role ${r.name} is reserved on this cluster and cannot be changed by deploy`);
    entries.push(entry('role', r.name, hashFromDescription(stored?.description), stored !== undefined, hashFromDescription(body.description)!, () => send(conn, 'PUT', `${SECURITY}/roles/${r.name}`, `role ${r.name}`, body)));

    const mapping = openSearchRoleMapping(r);
    const mres = await conn.request('GET', `${SECURITY}/rolesmapping/${r.name}`);
    const smap = mres.status === 200 ? (mres.body as Record<string, { description?: string; backend_roles?: string[]; users?: string[]; hosts?: string[]; and_backend_roles?: string[] }>)[r.name] : undefined;
    const merged = {
      ...mapping,
      backend_roles: [...new Set([...(smap?.backend_roles ?? []), r.name])],
      users: smap?.users ?? [],
      hosts: smap?.hosts ?? [],
      ...(smap?.and_backend_roles?.length ? { and_backend_roles: smap.and_backend_roles } : {}),
    };
    entries.push(entry('role mapping', r.name, hashFromDescription(smap?.description), smap !== undefined, hashFromDescription(mapping.description)!, () => send(conn, 'PUT', `${SECURITY}/rolesmapping/${r.name}`, `role mapping ${r.name}`, merged)));
  }
  return entries;
}

async function planElasticsearch(conn: Connection, roles: RoleDefinition[]): Promise<TargetEntry[]> {
  const entries: TargetEntry[] = [];
  for (const r of roles) {
    const body = elasticsearchRole(r);
    const res = await conn.request('GET', `/_security/role/${r.name}`);
    const stored = res.status === 200 ? (res.body as Record<string, { metadata?: { managed_by?: string; content_hash?: string } }>)[r.name] : undefined;
    const storedHash = stored?.metadata?.managed_by === PACK_ID ? stored.metadata.content_hash : undefined;
    entries.push(entry('role', r.name, storedHash, stored !== undefined, (body.metadata as { content_hash: string }).content_hash, () => send(conn, 'PUT', `/_security/role/${r.name}`, `role ${r.name}`, body)));
  }
  return entries;
}

export interface RolesPlan {
  entries: TargetEntry[];
  notes: string[];
}

/**
 * What deploy does about roles. `wanted`: true with --roles, false with --no-roles,
 * undefined for the default (roles when the cluster has the security plugin). In the
 * default case a user without the rights to read roles gets a note, not a failure.
 */
export async function planRoles(conn: Connection, root: string, profile: Profile, plugins: string[], wanted: boolean | undefined): Promise<RolesPlan> {
  if (wanted === false) return { entries: [], notes: [] };
  const roles = loadRoles(root, profile);
  if (conn.info.engine === 'opensearch' && wanted === undefined && !plugins.includes('opensearch-security')) return { entries: [], notes: [] };
  try {
    const entries = conn.info.engine === 'opensearch' ? await planOpenSearch(conn, roles) : await planElasticsearch(conn, roles);
    return { entries, notes: [] };
  } catch (err) {
    if (wanted === undefined && (err instanceof AuthError || err instanceof RejectedObjectError)) {
      return { entries: [], notes: [`roles were not installed (${(err as Error).message}); an administrator can install them with deploy --roles, see README "Roles"`] };
    }
    throw err;
  }
}

/** Installs the pack's roles (and, on OpenSearch, their mappings) now: for tests and scripts that need the users. */
export async function installRoles(conn: Connection, root: string, profile: Profile): Promise<TargetEntry[]> {
  const { entries } = await planRoles(conn, root, profile, [], true);
  for (const e of entries) if (e.action !== 'unchanged') await e.apply();
  return entries;
}

export const rolesTarget: DeployTarget = {
  async plan(ctx) {
    return { label: 'roles', ...(await planRoles(ctx.conn, ctx.root, ctx.profile, ctx.plugins, ctx.roles)) };
  },
};
