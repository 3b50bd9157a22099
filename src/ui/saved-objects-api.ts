import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { parseHttpUrl, readCaCert, translateNetworkError, type Peer } from '../cluster/connection.js';
import { PACK_ID } from '../content/load.js';
import { AuthError, RejectedObjectError, UnreachableError, UnsupportedEngineError, UsageError, type PackError } from '../errors.js';
import { toNdjson, type Flavor, type SavedObject } from '../rules/render/saved-objects.js';

/**
 * A small client for the saved objects API that Kibana and OpenSearch Dashboards share:
 * read with `_bulk_get`, write with `_import?overwrite=true` (the write API both keep; Kibana
 * deprecated the single-object ones in 8.7). node:http(s) rather than fetch: fetch takes a
 * custom CA only through undici's Agent, and undici is not a dependency of the pack.
 */

export const PRODUCT: Record<Flavor, string> = { kibana: 'Kibana', dashboards: 'OpenSearch Dashboards' };
export const FLAG: Record<Flavor, string> = { kibana: '--kibana', dashboards: '--dashboards' };

/**
 * The oldest version that imports the rendered objects as they are: Kibana refuses a
 * document whose coreMigrationVersion (8.8.0) is newer than itself; Dashboards goes with
 * OpenSearch 2, the oldest engine the pack supports.
 */
export const MIN_VERSION: Record<Flavor, [major: number, minor: number]> = { kibana: [8, 8], dashboards: [2, 0] };

/** The headers that get a write past each product's CSRF check. */
const XSRF_HEADER: Record<Flavor, string> = { kibana: 'kbn-xsrf', dashboards: 'osd-xsrf' };
/** The header each product puts on every answer (its server.name). */
const NAME_HEADER: Record<Flavor, string> = { kibana: 'kbn-name', dashboards: 'osd-name' };

export interface UiOptions {
  flavor: Flavor;
  url: string;
  /** a Kibana space id; undefined or "default" is the default space */
  space?: string;
  /** a Dashboards tenant of the security plugin (global, private or a custom one) */
  tenant?: string;
  username?: string;
  password?: string;
  apiKey?: string;
  caCert?: string;
  insecure?: boolean;
}

export type UiAuth = { username: string; password: string } | { apiKey: string };

export interface UiTarget {
  flavor: Flavor;
  /** base address without a trailing slash; a base path (server.basePath) is kept */
  url: string;
  space?: string;
  tenant?: string;
  auth?: UiAuth;
  ca?: string;
  insecure: boolean;
}

const SPACE_ID = /^[a-z0-9_-]+$/;

/** Checks a --kibana / --dashboards target offline, as the cluster options are checked. */
export function validateUiOptions(o: UiOptions): UiTarget {
  const flag = FLAG[o.flavor];
  const url = parseHttpUrl(o.url, flag, o.flavor === 'kibana' ? 'http://127.0.0.1:5601 or https://kibana.example.org' : 'http://127.0.0.1:5601 or https://dashboards.example.org');
  if (url.search || url.hash) throw new UsageError(`${flag} must be the base address of ${PRODUCT[o.flavor]}, without "?" or "#" parts`, `for example ${url.origin}${url.pathname.replace(/\/$/, '')}`);
  if (/\/s\/[^/]+\/?$/.test(url.pathname) && o.flavor === 'kibana') {
    throw new UsageError(`${flag} ${url.href} ends in a space path (/s/<space>)`, 'give the base address and the space with --kibana-space <id>');
  }
  if (/\/(api|app)(\/|$)/.test(url.pathname)) {
    throw new UsageError(`${flag} ${url.href} is a page or API address, not the base address of ${PRODUCT[o.flavor]}`, `give what precedes /app or /api, for example ${url.origin}`);
  }
  let space: string | undefined;
  if (o.space !== undefined) {
    if (o.flavor !== 'kibana') throw new UsageError('--kibana-space applies to Kibana only', 'OpenSearch Dashboards has no spaces; leave --kibana-space out');
    if (!SPACE_ID.test(o.space)) {
      throw new UsageError(`--kibana-space "${o.space}" is not a space id`, 'a space id has only lowercase letters, digits, "_" and "-": it is the id shown in Stack Management > Spaces (and in /s/<id>/ URLs), not the display name');
    }
    if (o.space !== 'default') space = o.space;
  }
  if (o.tenant !== undefined) {
    if (o.flavor !== 'dashboards') throw new UsageError('--dashboards-tenant applies to OpenSearch Dashboards only', 'Kibana has spaces instead: use --kibana-space');
    if (o.tenant.trim() === '') throw new UsageError('--dashboards-tenant is empty', 'name a tenant: global, private, or one of yours');
  }
  if (o.apiKey && o.flavor === 'dashboards') throw new UsageError('OpenSearch Dashboards has no API keys', 'use --username and PACK_PASSWORD for OpenSearch Dashboards');
  const auth: UiAuth | undefined = o.apiKey ? { apiKey: o.apiKey } : o.username && o.password ? { username: o.username, password: o.password } : undefined;
  const ca = o.caCert ? readCaCert(o.caCert) : undefined;
  return {
    flavor: o.flavor,
    url: url.href.replace(/\/+$/, ''),
    ...(space ? { space } : {}),
    ...(o.tenant !== undefined ? { tenant: o.tenant } : {}),
    ...(auth ? { auth } : {}),
    ...(ca ? { ca } : {}),
    insecure: o.insecure ?? false,
  };
}

/** Where a target's messages say what to check. */
export function peerOf(flavor: Flavor): Peer {
  const p = PRODUCT[flavor];
  return {
    name: p,
    reachHint: `check the address and port (${p} listens on 5601 by default) and that ${p} is running`,
    timeoutHint: `check the address and port, and that ${p} is running and not behind a firewall`,
    tlsHint: `pass --ca-cert with the CA that signed the ${p} certificate (a PEM file may hold the cluster's CA and this one together), or --insecure for a test setup; for a plain-HTTP ${p} use http://`,
    resetHint: `check the address and that it is the HTTP port of ${p}`,
  };
}

/**
 * The headers of every request to `flavor`; the secret goes in Authorization only. A
 * Dashboards tenant is chosen with the security plugin's `securitytenant` header.
 */
export function uiHeaders(flavor: Flavor, auth?: UiAuth, tenant?: string): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json', [XSRF_HEADER[flavor]]: 'true', ...(tenant !== undefined ? { securitytenant: tenant } : {}) };
  if (auth) h.authorization = 'apiKey' in auth ? `ApiKey ${auth.apiKey}` : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return h;
}

/** The path of a saved objects API call, inside the Kibana space when one is given. */
export function apiPath(t: Pick<UiTarget, 'space'>, path: string): string {
  return `${t.space ? `/s/${t.space}` : ''}${path}`;
}

/**
 * The body of an import: multipart/form-data with one field `file` named jpcert.ndjson
 * (both products insist on the .ndjson extension). Built by hand so that the bytes are
 * known and testable.
 */
export function multipartBody(ndjson: string, boundary = `jpcert-${randomBytes(12).toString('hex')}`): { body: Buffer; contentType: string } {
  if (ndjson.includes(`--${boundary}`)) throw new Error(`multipart boundary ${boundary} occurs in the content`);
  const head = [`--${boundary}`, 'Content-Disposition: form-data; name="file"; filename="jpcert.ndjson"', 'Content-Type: application/ndjson', '', ''].join('\r\n');
  return { body: Buffer.concat([Buffer.from(head), Buffer.from(ndjson), Buffer.from(`\r\n--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The reason in an error answer of Kibana or Dashboards ({ statusCode, error, message }). */
export function uiReason(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 300) || 'no reason given';
  const b = body as { message?: unknown; error?: unknown } | undefined;
  if (typeof b?.message === 'string' && b.message) return b.message;
  if (typeof b?.error === 'string' && b.error) return b.error;
  return JSON.stringify(body)?.slice(0, 300) ?? 'no reason given';
}

/** Turns an HTTP error status of `t` into what the user should check. `what` names the request. */
export function translateUiStatus(t: Pick<UiTarget, 'flavor' | 'url' | 'space'>, what: string, status: number, body: unknown, location?: string): PackError {
  const product = PRODUCT[t.flavor];
  const reason = uiReason(body);
  if (status >= 300 && status < 400) {
    // a proxy sending http:// to https://, or a base path added: the API does not follow redirects for a POST
    return new UsageError(`${FLAG[t.flavor]} ${t.url} redirects (HTTP ${status} on ${what})${location ? ` to ${location}` : ''}`, `give ${product}'s address as it is served${location ? ', for example the one it redirects to, without its /api/... part' : ''}`);
  }
  if (status === 401) {
    return new AuthError(`${product} at ${t.url} refused the credentials (HTTP 401)`, `${product} gets the cluster's credentials: check --username / PACK_USERNAME and PACK_PASSWORD${t.flavor === 'kibana' ? ', or --api-key / PACK_API_KEY' : ''}`);
  }
  if (status === 403) {
    const rights = t.flavor === 'kibana' ? 'a role with "All" on Saved Objects Management (or Discover and Data View Management) in the space' : 'write access to the Dashboards index (for example the kibana_user role), in the tenant (--dashboards-tenant, else the one the user lands in)';
    return new AuthError(`the user is not allowed to ${what} in ${product} (HTTP 403): ${reason}`, `give the user ${rights}`);
  }
  if (status === 404) {
    if (t.space && /space/i.test(reason)) return new UsageError(`Kibana at ${t.url} has no space "${t.space}" (HTTP 404 on ${what})`, 'create it in Stack Management > Spaces, or pass the id of an existing space with --kibana-space');
    return new UnsupportedEngineError(`${t.url} does not look like ${product}: HTTP 404 on ${what}`, `check that ${FLAG[t.flavor]} points at ${product} (port 5601 by default, with its base path if it has one), not at the cluster`);
  }
  const other: Flavor = t.flavor === 'kibana' ? 'dashboards' : 'kibana';
  if (status === 400 && reason.includes(XSRF_HEADER[t.flavor])) {
    // each product names its own header when it is missing: the other product answered
    return new UnsupportedEngineError(`${t.url} is not ${product}: it asks for the ${XSRF_HEADER[t.flavor]} header, so it is probably ${PRODUCT[other]}`, `use ${FLAG[other]} ${t.url}`);
  }
  if (status === 400 && reason.includes(XSRF_HEADER[other])) {
    return new UnsupportedEngineError(`${t.url} is not ${product}: it asks for the ${XSRF_HEADER[other]} header of ${PRODUCT[other]}`, `use ${FLAG[other]} ${t.url}`);
  }
  if (status === 503) return new UnreachableError(`${product} at ${t.url} is not ready (HTTP 503): ${reason}`, `wait until ${product} has started and reaches its cluster, then deploy again`);
  return new RejectedObjectError(`${product} rejected ${what} (HTTP ${status}): ${reason}`);
}

export interface UiInfo {
  flavor: Flavor;
  version: string;
}

function versionBelow(version: string, min: [number, number]): boolean {
  const [major = NaN, minor = 0] = version.split('.').map(Number);
  if (Number.isNaN(major)) return false;
  return major < min[0] || (major === min[0] && minor < min[1]);
}

/**
 * Which product answered `GET /api/status`: by the name header each sets on every answer,
 * else by the shape of the body (Kibana 8: status.overall.level; Dashboards: a
 * status.statuses list). Refuses the other product and versions that are too old.
 */
export function parseUiStatus(t: Pick<UiTarget, 'flavor' | 'url'>, headers: Record<string, string | string[] | undefined>, body: unknown): UiInfo {
  const b = body as { version?: { number?: unknown }; status?: { overall?: { level?: unknown }; statuses?: unknown } } | undefined;
  const actual: Flavor | undefined =
    headers[NAME_HEADER.dashboards] !== undefined ? 'dashboards'
    : headers[NAME_HEADER.kibana] !== undefined ? 'kibana'
    : Array.isArray(b?.status?.statuses) ? 'dashboards'
    : typeof b?.status?.overall?.level === 'string' ? 'kibana'
    : undefined;
  const product = PRODUCT[t.flavor];
  if (!actual) throw new UnsupportedEngineError(`${t.url} answered GET /api/status but not like ${product}`, `check that ${FLAG[t.flavor]} points at ${product} (port 5601 by default, with its base path if it has one), not at the cluster`);
  const version = typeof b?.version?.number === 'string' ? b.version.number : 'unknown';
  if (actual !== t.flavor) {
    throw new UnsupportedEngineError(`${FLAG[t.flavor]} ${t.url} is ${PRODUCT[actual]}${version === 'unknown' ? '' : ` ${version}`}, not ${product}`, `use ${FLAG[actual]} ${t.url}`);
  }
  const min = MIN_VERSION[t.flavor];
  if (versionBelow(version, min)) throw new UnsupportedEngineError(`${product} ${version} is not supported`, `the pack's saved objects need ${product} ${min.join('.')} or newer`);
  return { flavor: actual, version };
}

/** One stored object as `_bulk_get` returns it: the object, or an error in its place. */
export interface StoredObject {
  type: string;
  id: string;
  attributes?: Record<string, unknown>;
  error?: { statusCode?: number; error?: string; message?: string };
}

/** One failure in an `_import` answer. */
export interface ImportError {
  type: string;
  id: string;
  title?: string;
  error: { type: string; message?: string; statusCode?: number; references?: Array<{ type: string; id: string }> };
}

/** Says why an import failed, one line per object, naming each by `nameOf` (type/id → plan name). */
export function importFailure(flavor: Flavor, body: unknown, nameOf: (type: string, id: string) => string): RejectedObjectError | undefined {
  const b = body as { success?: boolean; errors?: ImportError[] } | undefined;
  const errors = b?.errors ?? [];
  if (b?.success === true && errors.length === 0) return undefined;
  const why = (e: ImportError['error']): string => {
    if (e.type === 'missing_references') return `missing references ${(e.references ?? []).map((r) => `${r.type} ${r.id}`).join(', ')}`;
    if (e.type === 'unknown') return `${e.message ?? 'unknown error'}${e.statusCode ? ` (HTTP ${e.statusCode})` : ''}`;
    return e.message ? `${e.type}: ${e.message}` : e.type;
  };
  const lines = errors.map((e) => `${nameOf(e.type, e.id)} (${e.type} ${e.id}): ${why(e.error)}`);
  const message = lines.length ? `${PRODUCT[flavor]} rejected ${lines.length === 1 ? lines[0] : `${lines.length} objects:\n  ${lines.join('\n  ')}`}` : `${PRODUCT[flavor]} did not import the objects and gave no reason: ${JSON.stringify(body)?.slice(0, 300)}`;
  return new RejectedObjectError(message, 'the other objects of the import were written; look at the object named above in build/rules and at the Kibana / Dashboards server log');
}

/**
 * Objects an import stored under another id than the one sent. Kibana 8 does that when the
 * id is taken in another space: the plan, which reads by id, will not find them there.
 */
export function renamedOnImport(body: unknown): Array<{ type: string; id: string; destinationId: string }> {
  const results = (body as { successResults?: Array<{ type: string; id: string; destinationId?: string }> } | undefined)?.successResults ?? [];
  return results.filter((r) => r.destinationId !== undefined && r.destinationId !== r.id).map((r) => ({ type: r.type, id: r.id, destinationId: r.destinationId! }));
}

export interface UiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** One request; a failure below HTTP becomes the same kind of error as for the cluster. */
export function send(t: UiTarget, method: string, path: string, body: { data: Buffer; contentType: string } | undefined, timeoutMs: number): Promise<UiResponse> {
  const url = new URL(t.url + path);
  const headers: Record<string, string> = { ...uiHeaders(t.flavor, t.auth, t.tenant), ...(body ? { 'content-type': body.contentType, 'content-length': String(body.data.length) } : {}) };
  return new Promise<UiResponse>((resolve, reject) => {
    const options = { method, headers, ...(url.protocol === 'https:' ? { ...(t.ca ? { ca: t.ca } : {}), rejectUnauthorized: !t.insecure } : {}) };
    const req = (url.protocol === 'https:' ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        if (/json/.test(String(res.headers['content-type'] ?? ''))) {
          try {
            parsed = JSON.parse(text);
          } catch {
            // keep the text: it is quoted in the error message
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(body?.data);
  }).catch((err: unknown) => {
    throw translateNetworkError(err, t.url, timeoutMs, peerOf(t.flavor));
  });
}

/** Saved objects API of one Kibana / Dashboards, after checking which product answers. */
export interface UiClient {
  target: UiTarget;
  info: UiInfo;
  bulkGet(objects: Array<{ type: string; id: string }>): Promise<StoredObject[]>;
  /** Imports `objects` with overwrite; throws a RejectedObjectError naming what failed. */
  importObjects(objects: SavedObject[], nameOf: (type: string, id: string) => string): Promise<{ imported: number; renamed: ReturnType<typeof renamedOnImport> }>;
  /** Saved searches whose description mentions the pack (the caller checks the tag). */
  findPackSearches(): Promise<StoredObject[]>;
  deleteObject(type: string, id: string): Promise<void>;
}

/** The `_find` request for the searches this pack may have written (by the tag in their description). */
export const FIND_PACK_SEARCHES = `/api/saved_objects/_find?type=search&search_fields=description&search=${encodeURIComponent(`"${PACK_ID}"`)}&per_page=1000&fields=title&fields=description`;

const FIRST_CONTACT_MS = 10_000;

function locationOf(res: UiResponse): string | undefined {
  const l = res.headers.location;
  return typeof l === 'string' ? l : undefined;
}
const REQUEST_MS = 30_000;

export async function connectUi(o: UiOptions): Promise<UiClient> {
  const t = validateUiOptions(o);
  const status = await send(t, 'GET', '/api/status', undefined, FIRST_CONTACT_MS);
  if (status.status === 503) {
    // starting or degraded: say so, unless the name header already shows the wrong product
    if (status.headers[NAME_HEADER.kibana] !== undefined || status.headers[NAME_HEADER.dashboards] !== undefined) parseUiStatus(t, status.headers, status.body);
    throw translateUiStatus(t, 'read its status (GET /api/status)', 503, status.body);
  }
  if (status.status >= 300) throw translateUiStatus(t, 'read its status (GET /api/status)', status.status, status.body, locationOf(status));
  const info = parseUiStatus(t, status.headers, status.body);
  const call = async (method: string, path: string, body: { data: Buffer; contentType: string } | undefined, what: string): Promise<unknown> => {
    const res = await send(t, method, apiPath(t, path), body, REQUEST_MS);
    if (res.status >= 300) throw translateUiStatus(t, what, res.status, res.body, locationOf(res));
    return res.body;
  };
  return {
    target: t,
    info,
    async bulkGet(objects) {
      if (!objects.length) return [];
      const body = (await call('POST', '/api/saved_objects/_bulk_get', { data: Buffer.from(JSON.stringify(objects)), contentType: 'application/json' }, 'read saved objects (POST /api/saved_objects/_bulk_get)')) as { saved_objects?: StoredObject[] };
      return body?.saved_objects ?? [];
    },
    async importObjects(objects, nameOf) {
      if (!objects.length) return { imported: 0, renamed: [] };
      const { body, contentType } = multipartBody(toNdjson(objects));
      const res = await call('POST', '/api/saved_objects/_import?overwrite=true', { data: body, contentType }, 'import saved objects (POST /api/saved_objects/_import)');
      const failure = importFailure(t.flavor, res, nameOf);
      if (failure) throw failure;
      return { imported: (res as { successCount?: number }).successCount ?? objects.length, renamed: renamedOnImport(res) };
    },
    async findPackSearches() {
      const body = (await call('GET', FIND_PACK_SEARCHES, undefined, 'find saved searches (GET /api/saved_objects/_find)')) as { saved_objects?: StoredObject[] };
      return body?.saved_objects ?? [];
    },
    async deleteObject(type, id) {
      await call('DELETE', `/api/saved_objects/${encodeURIComponent(type)}/${encodeURIComponent(id)}`, undefined, `delete ${type} ${id} (DELETE /api/saved_objects/${type}/${id})`);
    },
  };
}
