import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MIN_MAJOR, parseInfo, translateError, validateConnectionOptions, type ConnectionOptions } from '../../src/cluster/connection.js';
import { AuthError, ExitCode, PackError, RejectedObjectError, TlsError, UnreachableError, UnsupportedEngineError, UsageError } from '../../src/errors.js';
import { thrown } from './thrown.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n';

let dir: string;
let caFile: string;
let notPem: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'connection-test-'));
  caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, PEM);
  notPem = path.join(dir, 'ca.txt');
  writeFileSync(notPem, 'just text\n');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});


function opts(o: Partial<ConnectionOptions>): ConnectionOptions {
  return { url: 'http://127.0.0.1:9200', engine: 'auto', ...o };
}

describe('validateConnectionOptions', () => {
  it('rejects a value that is not a URL', () => {
    const err = thrown(() => validateConnectionOptions(opts({ url: 'localhost 9200' })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('--cluster "localhost 9200" is not a URL');
    expect(err.exitCode).toBe(ExitCode.usage);
  });

  it('rejects a scheme other than http/https', () => {
    const err = thrown(() => validateConnectionOptions(opts({ url: 'ftp://example.org:9200' })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('--cluster must start with http:// or https://, got "ftp:"');
  });

  it('rejects credentials in the URL without repeating the password', () => {
    const err = thrown(() => validateConnectionOptions(opts({ url: 'https://admin:S3cretPw@search.example.org:9200' })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('--cluster must not contain credentials');
    expect(`${err.message} ${err.hint}`).not.toContain('S3cretPw');
  });

  it('rejects a user name alone in the URL too', () => {
    expect(() => validateConnectionOptions(opts({ url: 'https://admin@search.example.org:9200' }))).toThrow('--cluster must not contain credentials');
  });

  it('rejects a password without a user', () => {
    const err = thrown(() => validateConnectionOptions(opts({ password: 'pw' })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('a password was given without a user name');
  });

  it('rejects a user without a password, naming the user', () => {
    const err = thrown(() => validateConnectionOptions(opts({ username: 'admin' })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('no password for user "admin"');
  });

  it('rejects an API key together with a user', () => {
    const err = thrown(() => validateConnectionOptions(opts({ apiKey: 'key', username: 'admin', password: 'pw' })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('give either --api-key or --username/--password, not both');
  });

  it('rejects a missing --ca-cert file', () => {
    const missing = path.join(dir, 'missing.pem');
    const err = thrown(() => validateConnectionOptions(opts({ url: 'https://127.0.0.1:9200', caCert: missing })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`--ca-cert ${missing} does not exist`);
  });

  it('rejects a --ca-cert file that is not PEM', () => {
    const err = thrown(() => validateConnectionOptions(opts({ url: 'https://127.0.0.1:9200', caCert: notPem })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`--ca-cert ${notPem} is not a PEM certificate`);
  });

  it('rejects --ca-cert with an http:// cluster', () => {
    const err = thrown(() => validateConnectionOptions(opts({ url: 'http://127.0.0.1:9200', caCert: caFile })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('--ca-cert was given but --cluster uses http://');
    expect(err.hint).toBe('use https:// to talk TLS to the cluster');
  });

  it('accepts https with a CA file and returns its text', () => {
    const v = validateConnectionOptions(opts({ url: 'https://search.example.org:9200', caCert: caFile }));
    expect(v.url.href).toBe('https://search.example.org:9200/');
    expect(v).toEqual({ url: v.url, ca: PEM });
    expect('auth' in v).toBe(false);
  });

  it('returns user/password auth', () => {
    expect(validateConnectionOptions(opts({ username: 'admin', password: 'pw' })).auth).toEqual({ username: 'admin', password: 'pw' });
  });

  it('returns API key auth', () => {
    expect(validateConnectionOptions(opts({ apiKey: 'a2V5' })).auth).toEqual({ apiKey: 'a2V5' });
  });

  it('returns no auth and no ca for a bare http URL', () => {
    const v = validateConnectionOptions(opts({}));
    expect(Object.keys(v)).toEqual(['url']);
    expect(v.url.href).toBe('http://127.0.0.1:9200/');
  });
});

describe('translateError', () => {
  const url = 'https://127.0.0.1:9200';

  it('401 -> AuthError, exit 4', () => {
    const err = translateError({ name: 'ResponseError', meta: { statusCode: 401 } }, url, 'read the cluster information (GET /)', 10_000);
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({ exitCode: 4, message: 'the cluster at https://127.0.0.1:9200 refused the credentials (HTTP 401)' });
  });

  it('403 with an OpenSearch security_exception -> AuthError with the reason', () => {
    const reason = 'no permissions for [indices:admin/index_template/put] and User [name=reader, backend_roles=[], requestedTenant=null]';
    const body = { error: { root_cause: [{ type: 'security_exception', reason }], type: 'security_exception', reason }, status: 403 };
    const err = translateError({ name: 'ResponseError', meta: { statusCode: 403, body } }, url, 'PUT /_index_template/jpcert-logs', 10_000);
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toBe(`the user is not allowed to PUT /_index_template/jpcert-logs (HTTP 403): security_exception: ${reason}`);
    expect((err as AuthError).exitCode).toBe(4);
  });

  it('400 with a root_cause body -> RejectedObjectError exit 7 with both reasons', () => {
    const body = {
      error: {
        root_cause: [{ type: 'mapper_parsing_exception', reason: 'unknown parameter [foo] on mapper [message]' }],
        type: 'mapper_parsing_exception',
        reason: 'Failed to parse mapping: unknown parameter [foo] on mapper [message]',
      },
      status: 400,
    };
    const err = translateError({ name: 'ResponseError', meta: { statusCode: 400, body } }, url, 'PUT /_component_template/jpcert-ecs-base', 10_000);
    expect(err).toBeInstanceOf(RejectedObjectError);
    expect((err as RejectedObjectError).exitCode).toBe(7);
    expect(err.message).toBe(
      'the cluster rejected PUT /_component_template/jpcert-ecs-base (HTTP 400): mapper_parsing_exception: Failed to parse mapping: unknown parameter [foo] on mapper [message] (mapper_parsing_exception: unknown parameter [foo] on mapper [message])',
    );
  });

  it('a plain-string error body is quoted as is', () => {
    const err = translateError({ name: 'ResponseError', meta: { statusCode: 500, body: 'Internal Server Error' } }, url, 'GET /', 10_000);
    expect(err.message).toBe('the cluster rejected GET / (HTTP 500): Internal Server Error');
  });

  it('a TLS code in the cause chain -> TlsError exit 5', () => {
    const cause = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const err = translateError(new Error('connect failed', { cause }), url, 'GET /', 10_000);
    expect(err).toBeInstanceOf(TlsError);
    expect((err as TlsError).exitCode).toBe(5);
    expect(err.message).toBe('TLS handshake with https://127.0.0.1:9200 failed: connect failed');
  });

  it('drops the OpenSSL source location from a TLS message', () => {
    const err = translateError(new Error('C0:0A:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:354:'), url, 'GET /', 10_000);
    expect(err).toBeInstanceOf(TlsError);
    expect(err.message).toBe('TLS handshake with https://127.0.0.1:9200 failed: C0:0A:error:0A00010B:SSL routines:ssl3_get_record:wrong version number');
  });

  it('a TimeoutError -> UnreachableError naming the timeout in seconds', () => {
    const err = translateError({ name: 'TimeoutError', message: 'Request timed out' }, 'http://10.255.255.1:9200', 'GET /', 10_000);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toBe('no answer from http://10.255.255.1:9200 within 10s');
    expect((err as UnreachableError).exitCode).toBe(3);
  });

  it('socket hang up on http -> hint suggests https://', () => {
    const err = translateError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'http://127.0.0.1:9200', 'GET /', 10_000);
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err.message).toBe('http://127.0.0.1:9200 closed the connection: socket hang up');
    expect((err as UnreachableError).hint).toContain('https://');
  });

  it('socket hang up on https -> no https hint', () => {
    const err = translateError(new Error('socket hang up'), url, 'GET /', 10_000) as UnreachableError;
    expect(err.hint).not.toContain('try https://');
  });

  it('ECONNREFUSED -> UnreachableError exit 3', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9200'), { code: 'ECONNREFUSED' });
    const err = translateError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9200'), { name: 'ConnectionError', cause }), 'http://127.0.0.1:9200', 'GET /', 10_000);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as UnreachableError).exitCode).toBe(3);
    expect(err.message).toBe('cannot reach http://127.0.0.1:9200: connect ECONNREFUSED 127.0.0.1:9200');
  });

  it('keeps the original error as cause', () => {
    const original = new Error('connect ECONNREFUSED 127.0.0.1:9200');
    expect(translateError(original, url, 'GET /', 10_000).cause).toBe(original);
  });
});

describe('parseInfo', () => {
  it('recognises OpenSearch', () => {
    const body = { name: 'node-1', cluster_name: 'jpcert', version: { distribution: 'opensearch', number: '2.19.4' }, tagline: 'The OpenSearch Project: https://opensearch.org/' };
    expect(parseInfo(body, 'http://127.0.0.1:9200')).toEqual({ engine: 'opensearch', version: '2.19.4', major: 2, clusterName: 'jpcert' });
  });

  it('recognises Elasticsearch', () => {
    const body = { name: 'es01', cluster_name: 'docker-cluster', version: { number: '8.15.0', build_flavor: 'default' }, tagline: 'You Know, for Search' };
    expect(parseInfo(body, 'http://127.0.0.1:9200')).toEqual({ engine: 'elasticsearch', version: '8.15.0', major: 8, clusterName: 'docker-cluster' });
  });

  it('defaults a missing cluster name to empty', () => {
    expect(parseInfo({ version: { number: '9.0.1' } }, 'u').clusterName).toBe('');
  });

  it('rejects a body without version as UnsupportedEngineError exit 6', () => {
    for (const body of [{ ok: true }, 'Kibana', undefined, { version: {} }]) {
      let err: unknown;
      try {
        parseInfo(body, 'http://127.0.0.1:5601');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UnsupportedEngineError);
      expect(err).toMatchObject({ exitCode: 6, message: 'http://127.0.0.1:5601 answered GET / but not like Elasticsearch or OpenSearch' });
    }
  });
});

describe('MIN_MAJOR', () => {
  it('needs OpenSearch 2 and Elasticsearch 8', () => {
    expect(MIN_MAJOR).toEqual({ opensearch: 2, elasticsearch: 8 });
  });
});

describe('findings from review', () => {
  test('a host name containing "tls" that does not resolve is unreachable, not a TLS failure', () => {
    const err = Object.assign(new Error('getaddrinfo ENOTFOUND search-tls.example.org'), { code: 'ENOTFOUND' });
    const out = translateError(err, 'https://search-tls.example.org:9200', 'GET /', 10_000);
    expect(out).toBeInstanceOf(UnreachableError);
  });

  test('an unparseable URL with credentials does not echo the password', () => {
    expect(() => validateConnectionOptions({ url: 'http://admin:s3cret@host:99999', engine: 'auto' })).toThrow(/--cluster "http:\/\/\*\*\*@host:99999" is not a URL/);
  });

  test('nor a password that holds a "/" (which makes the URL unparseable)', () => {
    const err = thrown(() => validateConnectionOptions({ url: 'https://u:pa/ss@host:9200', engine: 'auto' }));
    expect(err.message).toBe('--cluster "https://***@host:9200" is not a URL');
    expect(err.message).not.toContain('pa/ss');
  });
});
