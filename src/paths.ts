import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: content folders and the git-ignored local state live under it. */
export const PACK_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Engine homes, cluster data, logs and pids. Git-ignored. Override with PACK_STATE_DIR. */
export function stateRoot(): string {
  return process.env.PACK_STATE_DIR ?? path.join(PACK_ROOT, '.local');
}
