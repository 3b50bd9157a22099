import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { LOCAL } from './global-setup.mjs';

const exec = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function globalTeardown() {
  if (process.env.TEST_CLUSTER_SOURCE === 'testcontainers') await globalThis.__PACK_CONTAINER__?.stop();
  if (process.env.TEST_CLUSTER_SOURCE === 'local') {
    const { stdout } = await exec(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/cluster.ts', 'down', '--name', LOCAL.name], { cwd: root });
    process.stderr.write(`[harness] ${stdout}`);
  }
}
