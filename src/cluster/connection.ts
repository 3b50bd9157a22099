import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { existsSync, readFileSync } from 'node:fs';
import { AuthError, RejectedObjectError, TlsError, UnreachableError, UnsupportedEngineError, UsageError, type PackError } from '../errors.js';

/**
 * One connection to a cluster through the engine's official client, after checking the
 * options offline and detecting engine and version with `GET /`.
 */

export type Engine = 'opensearch' | 'elasticsearch';

export interface ConnectionOptions {
  url: string;
  engine: 'auto' | Engine;
  username?: string;
  password?: string;
  apiKey?: string;
  caCert?: string;
  insecure?: boolean;
  /** how long the first contact may take; the issue asks for a failure within 10 s */
  connectTimeoutMs?: number;
}

export interface EngineInfo {
  engine: Engine;
  version: string;
  major: number;
  clusterName: string;
}

export interface Response {
  status: number;
  body: unknown;
}

export interface Connection {
  info: EngineInfo;
  url: string;
  /** 2xx and 404 resolve; every other status becomes a PackError. */
  request(method: string, path: string, body?: unknown): Promise<Response>;
  /**
   * POST /_bulk with an NDJSON body. Every HTTP status resolves (the caller retries 429 and
   * 5xx); only a cluster that cannot be reached becomes an UnreachableError.
   */
  bulk(ndjson: string): Promise<Response>;
  close(): Promise<void>;
}

/** what a bulk answer is cut down to: whether any item failed, and each item's status and error */
const BULK_ANSWER = 'errors,items.*.status,items.*.error';

export const MIN_MAJOR: Record<Engine, number> = { opensearch: 2, elasticsearch: 8 };

interface Validated {
  url: URL;
  auth?: { username: string; password: string } | { apiKey: string };
  ca?: string;
}

/**
 * Parses an http(s) address given with `flag`. Credentials in it are refused, never echoed:
 * URLs end up in shell history and in the output of this tool.
 */
export function parseHttpUrl(value: string, flag: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // (a password may hold a "/", so everything up to the last "@" goes)
    throw new UsageError(`${flag} "${value.replace(/\/\/.*@/, '//***@')}" is not a URL`, `give the full address, for example ${example}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must start with http:// or https://, got "${url.protocol}"`);
  if (url.username || url.password) {
    throw new UsageError(`${flag} must not contain credentials`, 'pass them with --username and PACK_PASSWORD (environment), or --api-key / PACK_API_KEY');
  }
  return url;
}

/** Reads the PEM file given with --ca-cert, checking that it is one. */
export function readCaCert(file: string): string {
  if (!existsSync(file)) throw new UsageError(`--ca-cert ${file} does not exist`, 'give the path of the PEM file of the CA that signed the cluster certificate');
  const ca = readFileSync(file, 'utf8');
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca-cert ${file} is not a PEM certificate`);
  return ca;
}

/** Checks every option before the first network call, saying how to fix what is wrong. */
export function validateConnectionOptions(o: ConnectionOptions): Validated {
  const url = parseHttpUrl(o.url, '--cluster', 'http://127.0.0.1:9200 or https://search.example.org:9200');
  if (o.password && !o.username) throw new UsageError('a password was given without a user name', 'set --username or PACK_USERNAME too');
  if (o.username && !o.password) throw new UsageError(`no password for user "${o.username}"`, 'set PACK_PASSWORD in the environment (or --password)');
  if (o.apiKey && o.username) throw new UsageError('give either --api-key or --username/--password, not both');
  let ca: string | undefined;
  if (o.caCert) {
    ca = readCaCert(o.caCert);
    if (url.protocol === 'http:') throw new UsageError('--ca-cert was given but --cluster uses http://', 'use https:// to talk TLS to the cluster');
  }
  const auth = o.apiKey ? { apiKey: o.apiKey } : o.username && o.password ? { username: o.username, password: o.password } : undefined;
  return { url, ...(auth ? { auth } : {}), ...(ca ? { ca } : {}) };
}

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

function rootCause(err: unknown): { code?: string; message: string } {
  let cur: unknown = err;
  const seen = new Set<unknown>();
  let code: string | undefined;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') code = c;
    cur = (cur as { cause?: unknown }).cause;
  }
  const full = err instanceof Error ? err.message : String(err);
  // OpenSSL appends its source location; the first line says what went wrong
  const message = (full.split('\n')[0] ?? full).replace(/:[^:]*\.c:\d+:?$/, '').trim();
  return { ...(code ? { code } : {}), message };
}

function reasonOf(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 300);
  const e = (body as { error?: unknown })?.error;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object') {
    const r = e as { type?: string; reason?: string; root_cause?: Array<{ type?: string; reason?: string }> };
    const root = r.root_cause?.[0];
    const parts = [r.type, r.reason].filter(Boolean).join(': ');
    return root && root.reason !== r.reason ? `${parts} (${root.type}: ${root.reason})` : parts;
  }
  return JSON.stringify(body)?.slice(0, 300) ?? 'no reason given';
}

/** Who is at the other end of a connection, for messages and hints: the cluster, Kibana, ... */
export interface Peer {
  /** as it reads inside a sentence: "the cluster", "Kibana" */
  name: string;
  /** what to check when nothing answers */
  reachHint: string;
  /** what to check when the answer does not come in time */
  timeoutHint: string;
  /** what to check when TLS fails */
  tlsHint: string;
  /** what to check when an https:// connection is closed without an answer */
  resetHint: string;
}

export const CLUSTER_PEER: Peer = {
  name: 'the cluster',
  reachHint: 'check the address and port, and that the cluster is running (`npm run cluster -- status` for the local one)',
  timeoutHint: 'check the address and port, and that the cluster is running and not behind a firewall',
  tlsHint: 'pass --ca-cert with the CA that signed the cluster certificate (or --insecure for a test cluster); for a plain-HTTP cluster use http://',
  resetHint: 'check the address and that it is an Elasticsearch or OpenSearch HTTP port',
};

/** Turns a failure below HTTP (no answer, TLS, timeout, closed socket) into what to check. */
export function translateNetworkError(err: unknown, url: string, timeoutMs: number, peer: Peer = CLUSTER_PEER): PackError {
  const e = err as { name?: string };
  const { code, message } = rootCause(err);
  if (code && NETWORK_CODES.has(code)) {
    return new UnreachableError(`cannot reach ${url}: ${message}`, peer.reachHint, { cause: err });
  }
  if ((code && TLS_CODES.has(code)) || /certificate|SSL|TLS|wrong version number/i.test(message)) {
    return new TlsError(`TLS handshake with ${url} failed: ${message}`, peer.tlsHint, { cause: err });
  }
  if (e?.name === 'TimeoutError' || /timeout|timed out/i.test(message)) {
    return new UnreachableError(`no answer from ${url} within ${timeoutMs / 1000}s`, peer.timeoutHint, { cause: err });
  }
  if (code === 'ECONNRESET' || /socket hang up/i.test(message)) {
    return new UnreachableError(`${url} closed the connection: ${message}`, url.startsWith('http:') ? `${peer.name} may require HTTPS: try https://` : peer.resetHint, { cause: err });
  }
  return new UnreachableError(`cannot reach ${url}: ${message}`, peer.reachHint, { cause: err });
}

/** Turns a client error into what the user should check. `what` names the request. */
export function translateError(err: unknown, url: string, what: string, timeoutMs: number): Error {
  const e = err as { name?: string; meta?: { statusCode?: number; body?: unknown } };
  const status = e?.meta?.statusCode;
  if (e?.name === 'ResponseError' && status) {
    if (status === 401) return new AuthError(`the cluster at ${url} refused the credentials (HTTP 401)`, 'check --username / PACK_USERNAME and PACK_PASSWORD, or --api-key / PACK_API_KEY', { cause: err });
    if (status === 403) return new AuthError(`the user is not allowed to ${what} (HTTP 403): ${reasonOf(e.meta?.body)}`, 'use an account with cluster-admin rights (manage index templates, ingest pipelines)', { cause: err });
    return new RejectedObjectError(`the cluster rejected ${what} (HTTP ${status}): ${reasonOf(e.meta?.body)}`, undefined, { cause: err });
  }
  return translateNetworkError(err, url, timeoutMs);
}

type AnyClient = {
  transport: { request: (params: Record<string, unknown>, options?: Record<string, unknown>) => Promise<unknown> };
  close: () => Promise<unknown>;
};

function makeClient(kind: Engine, v: Validated, insecure: boolean, timeoutMs: number, maxRetries: number): AnyClient {
  const tls = { ...(v.ca ? { ca: v.ca } : {}), rejectUnauthorized: !insecure };
  const node = v.url.toString();
  if (kind === 'elasticsearch') {
    return new ElasticsearchClient({
      node,
      requestTimeout: timeoutMs,
      maxRetries,
      tls,
      ...(v.auth ? { auth: 'apiKey' in v.auth ? { apiKey: v.auth.apiKey } : v.auth } : {}),
    }) as unknown as AnyClient;
  }
  return new OpenSearchClient({
    node,
    requestTimeout: timeoutMs,
    maxRetries,
    ssl: tls,
    ...(v.auth && 'username' in v.auth ? { auth: v.auth } : {}),
    ...(v.auth && 'apiKey' in v.auth ? { headers: { authorization: `ApiKey ${v.auth.apiKey}` } } : {}),
  }) as unknown as AnyClient;
}

function unwrap(result: unknown): Response {
  const r = result as { statusCode?: number; body?: unknown };
  return { status: r.statusCode ?? 200, body: r.body };
}

export function parseInfo(body: unknown, url: string): EngineInfo {
  const b = body as { cluster_name?: string; version?: { number?: string; distribution?: string }; tagline?: string };
  const number = b?.version?.number;
  if (!number) throw new UnsupportedEngineError(`${url} answered GET / but not like Elasticsearch or OpenSearch`, 'check that --cluster points at the HTTP port of the cluster, not Kibana or Dashboards');
  const engine: Engine = b.version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
  return { engine, version: number, major: Number(number.split('.')[0]), clusterName: b.cluster_name ?? '' };
}

export async function connect(o: ConnectionOptions): Promise<Connection> {
  const v = validateConnectionOptions(o);
  const url = v.url.toString().replace(/\/$/, '');
  const timeoutMs = o.connectTimeoutMs ?? 10_000;
  const probe = makeClient('opensearch', v, o.insecure ?? false, timeoutMs, 0);
  let info: EngineInfo;
  try {
    info = parseInfo(unwrap(await probe.transport.request({ method: 'GET', path: '/' })).body, url);
  } catch (err) {
    if (err instanceof UnsupportedEngineError) throw err;
    throw translateError(err, url, 'read the cluster information (GET /)', timeoutMs);
  } finally {
    await probe.close();
  }
  if (o.engine !== 'auto' && o.engine !== info.engine) {
    throw new UnsupportedEngineError(`--engine ${o.engine} was given but ${url} runs ${info.engine} ${info.version}`, 'use --engine auto or the engine the cluster runs');
  }
  if (info.major < MIN_MAJOR[info.engine]) {
    throw new UnsupportedEngineError(`${info.engine} ${info.version} is not supported`, `this pack needs ${info.engine} ${MIN_MAJOR[info.engine]}.0 or newer`);
  }
  if (info.engine === 'opensearch' && v.auth && 'apiKey' in v.auth) {
    throw new UsageError('OpenSearch has no API keys', 'use --username and PACK_PASSWORD for OpenSearch');
  }
  const client = makeClient(info.engine, v, o.insecure ?? false, 30_000, 2);
  return {
    info,
    url,
    async request(method, path, body) {
      try {
        return unwrap(await client.transport.request({ method, path, ...(body === undefined ? {} : { body }) }, { ignore: [404], meta: true }));
      } catch (err) {
        throw translateError(err, url, `${method} ${path}`, 30_000);
      }
    },
    async bulk(ndjson) {
      try {
        // a big bulk through the pipelines can take long on a busy cluster, and the caller
        // retries (the client's own retries would send it again while the first still runs)
        // the answer's items carry only what the caller reads: far less for the engine to write and for us to parse
        return unwrap(await client.transport.request({ method: 'POST', path: '/_bulk', querystring: { filter_path: BULK_ANSWER }, bulkBody: ndjson }, { ignore: EVERY_ERROR_STATUS, meta: true, requestTimeout: BULK_TIMEOUT_MS, maxRetries: 0 }));
      } catch (err) {
        throw translateError(err, url, 'POST /_bulk', BULK_TIMEOUT_MS);
      }
    },
    close: async () => {
      await client.close();
    },
  };
}

const EVERY_ERROR_STATUS = Array.from({ length: 200 }, (_, i) => 400 + i);
const BULK_TIMEOUT_MS = 120_000;
