import net from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adminEnv, runCli, testCluster } from '../harness/cluster.js';

/** Each failure a user can meet exits with its documented code and says what to check. */

const cluster = testCluster();
const secure = cluster.url.startsWith('https:') && !cluster.insecure;

function expectNoSecret(text: string): void {
  for (const secret of [cluster.password, cluster.reader?.password]) if (secret) expect(text).not.toContain(secret);
}

test('a refused port: exit 3, names the address', async () => {
  const r = await runCli('deploy.ts', ['--cluster', 'http://127.0.0.1:1'], {});
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1.*ECONNREFUSED/);
  expect(r.stderr).toMatch(/hint: check the address and port/);
});

test('a server that never answers: exit 3 within 10 s (plus process start)', async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as net.AddressInfo).port;
  try {
    const r = await runCli('deploy.ts', ['--cluster', `http://127.0.0.1:${port}`], {});
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no answer from .* within 10s/);
    expect(r.ms).toBeLessThan(10_000 + 5_000);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
}, 30_000);

test('a wrong flag, a bad URL, a missing file: exit 2 with the fix', async () => {
  const flag = await runCli('deploy.ts', ['--clusterr', cluster.url], {});
  expect(flag.code).toBe(2);
  expect(flag.stderr).toMatch(/unknown option '--clusterr'/);
  const url = await runCli('deploy.ts', ['--cluster', 'localhost:9200'], {});
  expect(url.code).toBe(2);
  expect(url.stderr).toMatch(/must start with http:\/\/ or https:\/\//);
  const ca = await runCli('deploy.ts', ['--cluster', cluster.url, '--ca-cert', '/nonexistent/ca.pem'], {});
  expect(ca.code).toBe(2);
  expect(ca.stderr).toMatch(/--ca-cert \/nonexistent\/ca\.pem does not exist/);
  const creds = await runCli('deploy.ts', ['--cluster', cluster.url.replace('://', '://admin:secret@')], {});
  expect(creds.code).toBe(2);
  expect(creds.stderr).not.toContain('secret');
});

test('an object the cluster rejects: exit 7, with the object and the cluster reason', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pack-profile-'));
  const profile = path.join(dir, 'profile.yml');
  await writeFile(profile, 'indices:\n  number_of_shards: 5000\n');
  const r = await runCli('deploy.ts', ['--cluster', cluster.url, '--profile', profile, ...(cluster.insecure ? ['--insecure'] : [])], adminEnv());
  expect(r.code).toBe(7);
  expect(r.stderr).toMatch(/component_template "jpcert-settings" .* was rejected: .*number_of_shards.*must be <= 1024/);
});

(cluster.username ? describe : describe.skip)('credentials', () => {
  test('a wrong password: exit 4, and the password is not printed', async () => {
    const r = await runCli('deploy.ts', ['--cluster', cluster.url, ...(cluster.insecure ? ['--insecure'] : [])], { ...adminEnv(), PACK_PASSWORD: 'not-the-password-4711' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/refused the credentials \(HTTP 401\)/);
    expect(r.stderr + r.stdout).not.toContain('not-the-password-4711');
    expectNoSecret(r.stderr + r.stdout);
  });

  (cluster.reader ? test : test.skip)('a user without admin rights: exit 4 with HTTP 403', async () => {
    const r = await runCli('deploy.ts', ['--cluster', cluster.url, ...(cluster.insecure ? ['--insecure'] : [])], {
      ...adminEnv(),
      PACK_USERNAME: cluster.reader!.username,
      PACK_PASSWORD: cluster.reader!.password,
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/not allowed to .*\(HTTP 403\)/);
    expectNoSecret(r.stderr + r.stdout);
  });

  test('a password on the command line is accepted with a warning and never echoed', async () => {
    const env = adminEnv();
    const password = env.PACK_PASSWORD!;
    delete env.PACK_PASSWORD;
    const r = await runCli('deploy.ts', ['--cluster', cluster.url, '--password', password, '--dry-run', ...(cluster.insecure ? ['--insecure'] : [])], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/--password on the command line is visible/);
    expectNoSecret(r.stderr + r.stdout);
  });
});

(secure ? describe : describe.skip)('TLS', () => {
  test('an untrusted certificate: exit 5, pointing at --ca-cert', async () => {
    const env = adminEnv();
    delete env.PACK_CA_CERT;
    const r = await runCli('deploy.ts', ['--cluster', cluster.url], env);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/TLS handshake with https:\/\/.* failed: .*certificate/);
    expect(r.stderr).toMatch(/--ca-cert/);
  });

  test('--insecure skips verification', async () => {
    const env = adminEnv();
    delete env.PACK_CA_CERT;
    const r = await runCli('deploy.ts', ['--cluster', cluster.url, '--insecure', '--dry-run'], env);
    expect(r.code).toBe(0);
  });

  test('plain http to the HTTPS port: exit 3, suggesting https://', async () => {
    const r = await runCli('deploy.ts', ['--cluster', cluster.url.replace('https:', 'http:')], { PACK_USERNAME: 'x', PACK_PASSWORD: 'y' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/try https:\/\//);
  });
});
