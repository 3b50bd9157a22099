import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Compiled } from './compile.js';
import { toNdjson } from './render/saved-objects.js';

/**
 * Writes every compiled artifact under `dir` for review and for manual import:
 * kibana.ndjson / dashboards.ndjson (Stack Management > Saved objects > Import),
 * watches/<id>.json (PUT _watcher/watch/<id>), monitors/<check>.json
 * (POST _plugins/_alerting/monitors).
 */
export async function writeBuild(compiled: Compiled, dir: string): Promise<string[]> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'watches'), { recursive: true });
  await mkdir(path.join(dir, 'monitors'), { recursive: true });
  const written: string[] = [];
  const put = async (file: string, text: string) => {
    await writeFile(path.join(dir, file), text);
    written.push(file);
  };
  await put('kibana.ndjson', toNdjson(compiled.savedObjects.kibana));
  await put('dashboards.ndjson', toNdjson(compiled.savedObjects.dashboards));
  for (const r of compiled.rules) {
    await put(path.join('watches', `${r.watch.id}.json`), `${JSON.stringify(r.watch.body, null, 2)}\n`);
    await put(path.join('monitors', `${r.resolved.rule.check.toLowerCase()}.json`), `${JSON.stringify(r.monitor, null, 2)}\n`);
  }
  return written;
}
