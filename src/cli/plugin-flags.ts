import path from 'node:path';

/**
 * The engine plugins a local cluster should have: every `--plugin` value (a zip, a folder of
 * zips or a URL), then every folder in PACK_ENGINE_PLUGINS (several separated by `:`).
 */
export function pluginSpecs(flags: string[] | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.PACK_ENGINE_PLUGINS ?? '').split(path.delimiter).filter(Boolean);
  return [...(flags ?? []), ...fromEnv];
}
