import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { LocalEngineError } from '../errors.js';
import { fetchArtifact } from './maven.js';

/**
 * The security plugin for a local OpenSearch: HTTPS and basic auth with a CA generated per
 * cluster, an `admin` user and a read-only `reader` user, so that TLS and credential
 * failures can be tried against a real engine.
 */

const exec = promisify(execFile);

export interface SecureSetup {
  confDir: string;
  caCert: string;
  credentialsFile: string;
}

export interface Credentials {
  admin: { username: string; password: string };
  reader: { username: string; password: string };
}

/** A copy of the plain home with the security plugin installed. */
export async function ensureSecureHome(plainHome: string, javaHome: string, version: string, log: (m: string) => void): Promise<string> {
  const home = `${plainHome}-security`;
  if (existsSync(path.join(home, '.assembled'))) return home;
  log(`installing opensearch-security ${version}.0 into a copy of the engine`);
  await rm(home, { recursive: true, force: true });
  await cp(plainHome, home, { recursive: true });
  await rm(path.join(home, '.assembled'));
  const zip = await fetchArtifact({ groupId: 'org.opensearch.plugin', artifactId: 'opensearch-security', version: `${version}.0`, packaging: 'zip' });
  await exec(path.join(home, 'bin', 'opensearch-plugin'), ['install', '--batch', `file://${zip}`], { env: { ...process.env, OPENSEARCH_JAVA_HOME: javaHome } });
  const tools = path.join(home, 'plugins', 'opensearch-security', 'tools');
  for (const f of await readdir(tools)) await chmod(path.join(tools, f), 0o755);
  await writeFile(path.join(home, '.assembled'), `${new Date().toISOString()}\n`);
  return home;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await exec('openssl', args, { cwd });
  } catch (err) {
    throw new LocalEngineError(`openssl ${args[0]} failed`, 'install openssl (Debian package `openssl`)', { cause: err });
  }
}

async function makeCertificates(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650', '-subj', '/O=PackLocal/CN=pack-local-ca', '-keyout', 'ca-key.pem', '-out', 'ca.pem'], dir);
  const issue = async (name: string, subject: string, ext: string) => {
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `${name}-key.rsa.pem`, '-out', `${name}.csr`], dir);
    // the security plugin wants PKCS#8 keys
    await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', `${name}-key.rsa.pem`, '-out', `${name}-key.pem`], dir);
    await writeFile(path.join(dir, `${name}.ext`), ext);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-sha256', '-days', '3650', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
    await rm(path.join(dir, `${name}-key.rsa.pem`));
    await rm(path.join(dir, `${name}.csr`));
  };
  await issue('node', '/O=PackLocal/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n');
  await issue('admin', '/O=PackLocal/CN=admin', 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
}

async function bcrypt(home: string, javaHome: string, password: string): Promise<string> {
  const { stdout } = await exec(path.join(home, 'plugins', 'opensearch-security', 'tools', 'hash.sh'), ['-p', password], {
    env: { ...process.env, OPENSEARCH_JAVA_HOME: javaHome, JAVA_HOME: javaHome },
  });
  const hash = stdout.trim().split('\n').pop() ?? '';
  if (!hash.startsWith('$2')) throw new LocalEngineError('the security plugin did not return a password hash');
  return hash;
}

/** Writes a per-cluster config folder (certificates, users, security settings). */
export async function prepareSecureConfig(home: string, javaHome: string, clusterDir: string): Promise<SecureSetup> {
  const confDir = path.join(clusterDir, 'config');
  const credentialsFile = path.join(clusterDir, 'credentials.json');
  if (existsSync(path.join(confDir, '.ready'))) return { confDir, caCert: path.join(confDir, 'ca.pem'), credentialsFile };
  await rm(confDir, { recursive: true, force: true });
  await cp(path.join(home, 'config'), confDir, { recursive: true });
  await makeCertificates(confDir);

  const creds: Credentials = {
    admin: { username: 'admin', password: `A-${randomBytes(12).toString('base64url')}1!` },
    reader: { username: 'reader', password: `R-${randomBytes(12).toString('base64url')}1!` },
  };
  const users = `---
_meta:
  type: "internalusers"
  config_version: 2
admin:
  hash: "${await bcrypt(home, javaHome, creds.admin.password)}"
  reserved: true
  backend_roles: ["admin"]
  description: "local administrator"
reader:
  hash: "${await bcrypt(home, javaHome, creds.reader.password)}"
  reserved: false
  backend_roles: ["readall"]
  description: "read-only user, for permission tests"
`;
  await writeFile(path.join(confDir, 'opensearch-security', 'internal_users.yml'), users);
  const settings = `
plugins.security.ssl.transport.pemcert_filepath: node.pem
plugins.security.ssl.transport.pemkey_filepath: node-key.pem
plugins.security.ssl.transport.pemtrustedcas_filepath: ca.pem
plugins.security.ssl.transport.enforce_hostname_verification: false
plugins.security.ssl.http.enabled: true
plugins.security.ssl.http.pemcert_filepath: node.pem
plugins.security.ssl.http.pemkey_filepath: node-key.pem
plugins.security.ssl.http.pemtrustedcas_filepath: ca.pem
plugins.security.allow_default_init_securityindex: true
plugins.security.authcz.admin_dn: ["CN=admin,O=PackLocal"]
plugins.security.nodes_dn: ["CN=localhost,O=PackLocal"]
plugins.security.audit.type: noop
plugins.security.restapi.roles_enabled: ["all_access"]
`;
  await writeFile(path.join(confDir, 'opensearch.yml'), settings);
  await writeFile(credentialsFile, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  await writeFile(path.join(confDir, '.ready'), '');
  return { confDir, caCert: path.join(confDir, 'ca.pem'), credentialsFile };
}
