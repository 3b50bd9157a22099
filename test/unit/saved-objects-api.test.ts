import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { translateNetworkError } from '../../src/cluster/connection.js';
import { AuthError, ExitCode, PackError, RejectedObjectError, TlsError, UnreachableError, UnsupportedEngineError, UsageError } from '../../src/errors.js';
import { uiOptions } from '../../src/cli/ui-flags.js';
import { apiPath, importFailure, renamedOnImport, multipartBody, parseUiStatus, peerOf, translateUiStatus, uiHeaders, uiReason, validateUiOptions, type UiOptions } from '../../src/ui/saved-objects-api.js';
import { thrown } from './thrown.js';

/** The pure parts of the Kibana / Dashboards client: no Kibana or Dashboards runs here. */

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n';
let dir: string;
let caFile: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ui-api-test-'));
  caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, PEM);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));


const kibana = (o: Partial<UiOptions> = {}): UiOptions => ({ flavor: 'kibana', url: 'http://127.0.0.1:5601', ...o });
const dashboards = (o: Partial<UiOptions> = {}): UiOptions => ({ flavor: 'dashboards', url: 'http://127.0.0.1:5601', ...o });

describe('validateUiOptions', () => {
  it('rejects what is not a URL, naming the flag', () => {
    const err = thrown(() => validateUiOptions(kibana({ url: 'kibana 5601' })));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('--kibana "kibana 5601" is not a URL');
  });

  it('rejects a scheme other than http/https', () => {
    expect(thrown(() => validateUiOptions(dashboards({ url: 'ftp://h:5601' }))).message).toBe('--dashboards must start with http:// or https://, got "ftp:"');
  });

  it('refuses credentials in the URL without repeating the password', () => {
    const err = thrown(() => validateUiOptions(kibana({ url: 'https://elastic:S3cretPw@kibana.example.org' })));
    expect(err).toMatchObject({ exitCode: ExitCode.usage, message: '--kibana must not contain credentials' });
    expect(`${err.message} ${err.hint}`).not.toContain('S3cretPw');
    expect(thrown(() => validateUiOptions(kibana({ url: 'kibana 5601 https://elastic:S3cretPw@x' }))).message).not.toContain('S3cretPw');
  });

  it('refuses a space path, a page or API address, and query strings', () => {
    expect(thrown(() => validateUiOptions(kibana({ url: 'http://h:5601/s/soc' }))).hint).toBe('give the base address and the space with --kibana-space <id>');
    expect(thrown(() => validateUiOptions(kibana({ url: 'http://h:5601/app/discover' }))).message).toBe('--kibana http://h:5601/app/discover is a page or API address, not the base address of Kibana');
    expect(thrown(() => validateUiOptions(dashboards({ url: 'http://h:5601/api/status' }))).message).toMatch(/^--dashboards .* not the base address of OpenSearch Dashboards$/);
    expect(thrown(() => validateUiOptions(kibana({ url: 'http://h:5601/?x=1' }))).message).toBe('--kibana must be the base address of Kibana, without "?" or "#" parts');
  });

  it('keeps a base path and drops the trailing slash', () => {
    expect(validateUiOptions(kibana({ url: 'https://proxy.example.org/kibana/' })).url).toBe('https://proxy.example.org/kibana');
    expect(validateUiOptions(kibana()).url).toBe('http://127.0.0.1:5601');
  });

  it('checks the space id; "default" is the default space', () => {
    expect(validateUiOptions(kibana({ space: 'soc-team_1' })).space).toBe('soc-team_1');
    expect('space' in validateUiOptions(kibana({ space: 'default' }))).toBe(false);
    const err = thrown(() => validateUiOptions(kibana({ space: 'SOC Team' })));
    expect(err).toMatchObject({ exitCode: ExitCode.usage, message: '--kibana-space "SOC Team" is not a space id' });
    expect(thrown(() => validateUiOptions(dashboards({ space: 'soc' }))).message).toBe('--kibana-space applies to Kibana only');
  });

  it('takes the cluster credentials and CA', () => {
    expect(validateUiOptions(kibana({ username: 'elastic', password: 'pw', caCert: caFile, insecure: false }))).toEqual({
      flavor: 'kibana',
      url: 'http://127.0.0.1:5601',
      auth: { username: 'elastic', password: 'pw' },
      ca: PEM,
      insecure: false,
    });
    expect(validateUiOptions(kibana({ apiKey: 'a2V5' })).auth).toEqual({ apiKey: 'a2V5' });
  });

  it('refuses an API key for Dashboards, and a CA file that is missing', () => {
    expect(thrown(() => validateUiOptions(dashboards({ apiKey: 'a2V5' }))).message).toBe('OpenSearch Dashboards has no API keys');
    expect(thrown(() => validateUiOptions(kibana({ caCert: path.join(dir, 'missing.pem') }))).message).toBe(`--ca-cert ${path.join(dir, 'missing.pem')} does not exist`);
  });
});

describe('uiOptions (flags)', () => {
  const conn = { engine: 'auto' as const, username: 'admin', password: 'pw', caCert: '/etc/pack/ca.pem' };

  it('is empty without --kibana and --dashboards: deploy behaves as before', () => {
    expect(uiOptions({ ...conn })).toEqual([]);
  });

  it('gives each target the cluster credentials, the space to Kibana only', () => {
    expect(uiOptions({ ...conn, kibana: 'http://k:5601', kibanaSpace: 'soc', dashboards: 'http://d:5601' })).toEqual([
      { flavor: 'kibana', url: 'http://k:5601', space: 'soc', username: 'admin', password: 'pw', caCert: '/etc/pack/ca.pem' },
      { flavor: 'dashboards', url: 'http://d:5601', username: 'admin', password: 'pw', caCert: '/etc/pack/ca.pem' },
    ]);
  });

  it('refuses a space without --kibana', () => {
    expect(thrown(() => uiOptions({ ...conn, kibanaSpace: 'soc', dashboards: 'http://d:5601' })).message).toBe('--kibana-space (or PACK_KIBANA_SPACE) was given without --kibana');
  });

  it('gives the tenant to Dashboards only, and refuses it without --dashboards', () => {
    expect(uiOptions({ ...conn, dashboards: 'http://d:5601', dashboardsTenant: 'global' })).toEqual([{ flavor: 'dashboards', url: 'http://d:5601', tenant: 'global', username: 'admin', password: 'pw', caCert: '/etc/pack/ca.pem' }]);
    expect(thrown(() => uiOptions({ ...conn, kibana: 'http://k:5601', dashboardsTenant: 'global' })).message).toBe('--dashboards-tenant (or PACK_DASHBOARDS_TENANT) was given without --dashboards');
  });

  it('checks the tenant: Dashboards only, not empty', () => {
    expect(validateUiOptions(dashboards({ tenant: 'private' })).tenant).toBe('private');
    expect(thrown(() => validateUiOptions(kibana({ tenant: 'global' }))).message).toBe('--dashboards-tenant applies to OpenSearch Dashboards only');
    expect(thrown(() => validateUiOptions(dashboards({ tenant: ' ' }))).message).toBe('--dashboards-tenant is empty');
  });
});

describe('uiHeaders and apiPath', () => {
  it('Kibana: kbn-xsrf', () => {
    expect(uiHeaders('kibana')).toEqual({ accept: 'application/json', 'kbn-xsrf': 'true' });
  });
  it('Dashboards: osd-xsrf', () => {
    expect(uiHeaders('dashboards')).toEqual({ accept: 'application/json', 'osd-xsrf': 'true' });
    expect(uiHeaders('dashboards', undefined, 'global')).toEqual({ accept: 'application/json', 'osd-xsrf': 'true', securitytenant: 'global' });
  });
  it('basic auth and API key go in Authorization', () => {
    expect(uiHeaders('dashboards', { username: 'admin', password: 'pw' }).authorization).toBe(`Basic ${Buffer.from('admin:pw').toString('base64')}`);
    expect(uiHeaders('kibana', { apiKey: 'a2V5' }).authorization).toBe('ApiKey a2V5');
  });
  it('a space prefixes the API path', () => {
    expect(apiPath({}, '/api/saved_objects/_bulk_get')).toBe('/api/saved_objects/_bulk_get');
    expect(apiPath({ space: 'soc' }, '/api/saved_objects/_import?overwrite=true')).toBe('/s/soc/api/saved_objects/_import?overwrite=true');
  });
});

describe('multipartBody', () => {
  it('is one field "file" named jpcert.ndjson, byte for byte', () => {
    const { body, contentType } = multipartBody('{"a":1}\n{"b":"日本"}\n', 'XyZ');
    expect(contentType).toBe('multipart/form-data; boundary=XyZ');
    const expected =
      '--XyZ\r\n' +
      'Content-Disposition: form-data; name="file"; filename="jpcert.ndjson"\r\n' +
      'Content-Type: application/ndjson\r\n' +
      '\r\n' +
      '{"a":1}\n{"b":"日本"}\n' +
      '\r\n--XyZ--\r\n';
    expect(body.equals(Buffer.from(expected, 'utf8'))).toBe(true);
    expect(body.length).toBe(Buffer.byteLength(expected));
  });

  it('reads back with a real multipart parser (Node\'s fetch Response) as the file sent', async () => {
    const ndjson = '{"type":"search","id":"r1"}\n{"b":"日本"}\n';
    const { body, contentType } = multipartBody(ndjson);
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
    const file = form.get('file') as File;
    expect([file.name, file.type, await file.text()]).toEqual(['jpcert.ndjson', 'application/ndjson', ndjson]);
    expect([...form.keys()]).toEqual(['file']);
  });

  it('a random boundary by default, never one that occurs in the content', () => {
    const a = multipartBody('x\n').contentType;
    expect(a).toMatch(/^multipart\/form-data; boundary=jpcert-[0-9a-f]{24}$/);
    expect(a).not.toBe(multipartBody('x\n').contentType);
    expect(() => multipartBody('--XyZ\n', 'XyZ')).toThrow('multipart boundary XyZ occurs in the content');
  });
});

describe('translateUiStatus', () => {
  const k = { flavor: 'kibana' as const, url: 'http://127.0.0.1:5601' };
  const d = { flavor: 'dashboards' as const, url: 'http://127.0.0.1:5601' };
  const what = 'read saved objects (POST /api/saved_objects/_bulk_get)';

  it('401 -> AuthError exit 4 naming Kibana', () => {
    const err = translateUiStatus(k, what, 401, { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' });
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({ exitCode: 4, message: 'Kibana at http://127.0.0.1:5601 refused the credentials (HTTP 401)' });
    expect(err.hint).toContain('PACK_API_KEY');
    expect(translateUiStatus(d, what, 401, {}).hint).not.toContain('api-key');
  });

  it('403 -> AuthError with the reason and the rights needed', () => {
    const err = translateUiStatus(d, 'import saved objects (POST /api/saved_objects/_import)', 403, { statusCode: 403, error: 'Forbidden', message: 'no permissions for [indices:data/write/bulk]' });
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toBe('the user is not allowed to import saved objects (POST /api/saved_objects/_import) in OpenSearch Dashboards (HTTP 403): no permissions for [indices:data/write/bulk]');
  });

  it('404 -> the URL is not Kibana / Dashboards (exit 6)', () => {
    const err = translateUiStatus(k, what, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
    expect(err).toBeInstanceOf(UnsupportedEngineError);
    expect(err.message).toBe(`http://127.0.0.1:5601 does not look like Kibana: HTTP 404 on ${what}`);
    expect(err.hint).toContain('--kibana points at Kibana');
  });

  it('404 for an unknown space -> usage error naming the space', () => {
    const err = translateUiStatus({ ...k, space: 'soc' }, what, 404, { statusCode: 404, error: 'Not Found', message: 'Saved object [space/soc] not found' });
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`Kibana at http://127.0.0.1:5601 has no space "soc" (HTTP 404 on ${what})`);
  });

  it('the other product\'s xsrf complaint -> the flags are swapped', () => {
    const err = translateUiStatus(k, what, 400, { statusCode: 400, error: 'Bad Request', message: 'Request must contain a osd-xsrf header.' });
    expect(err).toBeInstanceOf(UnsupportedEngineError);
    expect(err.message).toBe('http://127.0.0.1:5601 is not Kibana: it asks for the osd-xsrf header of OpenSearch Dashboards');
    expect(err.hint).toBe('use --dashboards http://127.0.0.1:5601');
    expect(translateUiStatus(d, what, 400, 'Request must contain a kbn-xsrf header.').hint).toBe('use --kibana http://127.0.0.1:5601');
  });

  it('503 -> not ready (exit 3); anything else -> rejected (exit 7) with the reason', () => {
    expect(translateUiStatus(k, what, 503, { message: 'Kibana server is not ready yet' })).toBeInstanceOf(UnreachableError);
    const err = translateUiStatus(k, what, 400, { statusCode: 400, error: 'Bad Request', message: '[request body]: expected value of type [array]' });
    expect(err).toBeInstanceOf(RejectedObjectError);
    expect(err).toMatchObject({ exitCode: 7, message: `Kibana rejected ${what} (HTTP 400): [request body]: expected value of type [array]` });
  });

  it('a redirect (http:// to https://, a base path) -> usage error naming where to', () => {
    const err = translateUiStatus(k, 'read its status (GET /api/status)', 301, '', 'https://127.0.0.1:5601/api/status');
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('--kibana http://127.0.0.1:5601 redirects (HTTP 301 on read its status (GET /api/status)) to https://127.0.0.1:5601/api/status');
  });

  it('uiReason falls back to error, then to the body', () => {
    expect(uiReason({ error: 'Bad Request' })).toBe('Bad Request');
    expect(uiReason('<html>')).toBe('<html>');
    expect(uiReason({ x: 1 })).toBe('{"x":1}');
  });
});

describe('network failures name Kibana / Dashboards, with the cluster\'s exit codes', () => {
  it('refused -> exit 3', () => {
    const err = translateNetworkError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5601'), { code: 'ECONNREFUSED' }), 'http://127.0.0.1:5601', 10_000, peerOf('kibana'));
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ exitCode: 3, message: 'cannot reach http://127.0.0.1:5601: connect ECONNREFUSED 127.0.0.1:5601' });
    expect(err.hint).toBe('check the address and port (Kibana listens on 5601 by default) and that Kibana is running');
  });

  it('TLS -> exit 5, hint on --ca-cert for the Dashboards certificate', () => {
    const err = translateNetworkError(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'https://dash:5601', 10_000, peerOf('dashboards'));
    expect(err).toBeInstanceOf(TlsError);
    expect(err.hint).toContain('the CA that signed the OpenSearch Dashboards certificate');
  });

  it('timeout and a closed plain-HTTP connection', () => {
    expect(translateNetworkError({ name: 'TimeoutError', message: 'no answer within 10000 ms' }, 'http://k:5601', 10_000, peerOf('kibana')).message).toBe('no answer from http://k:5601 within 10s');
    expect(translateNetworkError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'http://k:5601', 10_000, peerOf('kibana')).hint).toBe('Kibana may require HTTPS: try https://');
  });
});

describe('parseUiStatus', () => {
  const k = { flavor: 'kibana' as const, url: 'http://127.0.0.1:5601' };
  const d = { flavor: 'dashboards' as const, url: 'http://127.0.0.1:5601' };
  const kibanaBody = { name: 'kb01', uuid: 'u', version: { number: '8.19.21', build_flavor: 'default' }, status: { overall: { level: 'available', summary: 'All services are available' } } };
  const osdBody = { name: 'osd01', uuid: 'u', version: { number: '2.19.4' }, status: { overall: { state: 'green', title: 'Green' }, statuses: [] } };

  it('recognises each product by its name header', () => {
    expect(parseUiStatus(k, { 'kbn-name': 'kb01' }, kibanaBody)).toEqual({ flavor: 'kibana', version: '8.19.21' });
    expect(parseUiStatus(d, { 'osd-name': 'osd01' }, osdBody)).toEqual({ flavor: 'dashboards', version: '2.19.4' });
  });

  it('or by the shape of the body when a proxy dropped the header', () => {
    expect(parseUiStatus(k, {}, kibanaBody).flavor).toBe('kibana');
    expect(parseUiStatus(d, {}, osdBody).flavor).toBe('dashboards');
  });

  it('--kibana pointed at Dashboards (and the reverse) -> exit 6 and the right flag', () => {
    const err = thrown(() => parseUiStatus(k, { 'osd-name': 'osd01' }, osdBody));
    expect(err).toBeInstanceOf(UnsupportedEngineError);
    expect(err.message).toBe('--kibana http://127.0.0.1:5601 is OpenSearch Dashboards 2.19.4, not Kibana');
    expect(err.hint).toBe('use --dashboards http://127.0.0.1:5601');
    expect(thrown(() => parseUiStatus(d, { 'kbn-name': 'kb01' }, kibanaBody)).message).toBe('--dashboards http://127.0.0.1:5601 is Kibana 8.19.21, not OpenSearch Dashboards');
  });

  it('something else (the cluster, a web server) -> exit 6', () => {
    const err = thrown(() => parseUiStatus(k, { 'x-elastic-product': 'Elasticsearch' }, { cluster_name: 'c', version: { number: '8.19.21' } }));
    expect(err).toMatchObject({ exitCode: 6, message: 'http://127.0.0.1:5601 answered GET /api/status but not like Kibana' });
  });

  it('refuses Kibana before 8.8 (it refuses the objects\' migration version) and Dashboards 1.x', () => {
    expect(thrown(() => parseUiStatus(k, { 'kbn-name': 'kb' }, { ...kibanaBody, version: { number: '8.7.1' } })).message).toBe('Kibana 8.7.1 is not supported');
    expect(parseUiStatus(k, { 'kbn-name': 'kb' }, { ...kibanaBody, version: { number: '9.1.0' } }).version).toBe('9.1.0');
    expect(thrown(() => parseUiStatus(d, { 'osd-name': 'o' }, { ...osdBody, version: { number: '1.3.20' } })).message).toBe('OpenSearch Dashboards 1.3.20 is not supported');
  });

  it('a redacted status (anonymous access) has no version: accepted as unknown', () => {
    expect(parseUiStatus(k, { 'kbn-name': 'kb' }, { status: { overall: { level: 'available' } } })).toEqual({ flavor: 'kibana', version: 'unknown' });
  });
});

describe('importFailure', () => {
  const names = (type: string, id: string) => (id === 'r1' ? 'saved search MAIL-1' : `${type} ${id}`);

  it('nothing to say when every object was imported', () => {
    expect(importFailure('kibana', { success: true, successCount: 2, successResults: [] }, names)).toBeUndefined();
  });

  it('names the object and the reason, exit 7', () => {
    const body = { success: false, successCount: 1, errors: [{ type: 'search', id: 'r1', title: '[MAIL-1] x', error: { type: 'missing_references', references: [{ type: 'index-pattern', id: 'jpcert-logs' }] } }] };
    const err = importFailure('kibana', body, names)!;
    expect(err).toBeInstanceOf(RejectedObjectError);
    expect(err.exitCode).toBe(7);
    expect(err.message).toBe('Kibana rejected saved search MAIL-1 (search r1): missing references index-pattern jpcert-logs');
  });

  it('lists several failures, one a line', () => {
    const body = {
      success: false,
      errors: [
        { type: 'search', id: 'r1', error: { type: 'unknown', message: 'Document "r1" belongs to a more recent version of Kibana', statusCode: 400 } },
        { type: 'index-pattern', id: 'p1', error: { type: 'conflict' } },
      ],
    };
    expect(importFailure('dashboards', body, names)!.message).toBe(
      'OpenSearch Dashboards rejected 2 objects:\n  saved search MAIL-1 (search r1): Document "r1" belongs to a more recent version of Kibana (HTTP 400)\n  index-pattern p1 (index-pattern p1): conflict',
    );
  });

  it('an answer that is not an import result is a failure too', () => {
    expect(importFailure('kibana', { statusCode: 200 }, names)!.message).toBe('Kibana did not import the objects and gave no reason: {"statusCode":200}');
  });
});

describe('renamedOnImport', () => {
  it('lists objects Kibana stored under another id (the id is taken in another space)', () => {
    const body = { success: true, successCount: 2, successResults: [{ type: 'index-pattern', id: 'p1' }, { type: 'search', id: 'r1', destinationId: 'f00' }, { type: 'search', id: 'r2', destinationId: 'r2' }] };
    expect(renamedOnImport(body)).toEqual([{ type: 'search', id: 'r1', destinationId: 'f00' }]);
    expect(renamedOnImport({ success: true })).toEqual([]);
  });
});
