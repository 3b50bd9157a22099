import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { LocalEngineError, UsageError } from '../errors.js';

/**
 * Engine plugins from zip files (OpenSearch Alerting, Notifications, Index Management, Job
 * Scheduler, ...), installed into a local engine home with the engine's own
 * `bin/opensearch-plugin install --batch`. Each plugin set gets its own copy of the home,
 * named by the zips' checksums: installing happens once per set, and a cluster started with
 * another set (or none) never sees a half-changed home.
 */

const exec = promisify(execFile);

export interface PluginZip {
  /** the local zip file */
  file: string;
  /** plugin name from its descriptor, e.g. opensearch-alerting */
  name: string;
  version: string;
  opensearchVersion: string;
  /** plugins it extends (must be installed first) */
  extended: string[];
  sha256: string;
}

export interface InstalledPlugin {
  name: string;
  version: string;
}

/** Where `--plugin` may point: a zip file, a folder of zips, or an http(s) URL of a zip. */
export type PluginSpec = string;

/** Install order among plugins that do not depend on each other: what the README of the zips asks. */
const PREFERRED_ORDER = ['opensearch-job-scheduler', 'opensearch-index-management', 'opensearch-notifications-core', 'opensearch-notifications', 'opensearch-alerting'];

// --- zip reading (the descriptor only), without a dependency -------------------------------

function entries(zip: Buffer): Array<{ name: string; method: number; compressedSize: number; localOffset: number }> {
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    out.push({ name: zip.toString('utf8', p + 46, p + 46 + nameLen), method, compressedSize, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** One file of a zip archive (stored or deflated), or undefined when it is not there. */
export function readZipEntry(zip: Buffer, name: string): Buffer | undefined {
  const e = entries(zip).find((x) => x.name === name);
  if (!e) return undefined;
  const local = e.localOffset;
  if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error('corrupt zip local header');
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const data = zip.subarray(start, start + e.compressedSize);
  if (e.method === 0) return Buffer.from(data);
  if (e.method === 8) return inflateRawSync(data);
  throw new Error(`zip entry ${name} uses compression method ${e.method}`);
}

export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Reads a plugin zip's descriptor and checksum. */
export async function readPluginZip(file: string): Promise<PluginZip> {
  let zip: Buffer;
  try {
    zip = await readFile(file);
  } catch (err) {
    throw new UsageError(`plugin zip ${file} cannot be read: ${(err as Error).message}`, 'pass --plugin with the path of a plugin .zip, a folder of them, or an http(s) URL', { cause: err });
  }
  let descriptor: Buffer | undefined;
  try {
    descriptor = readZipEntry(zip, 'plugin-descriptor.properties');
  } catch (err) {
    throw new UsageError(`${file} is not a readable zip: ${(err as Error).message}`, 'download it again', { cause: err });
  }
  if (!descriptor) throw new UsageError(`${file} is not an OpenSearch plugin: it has no plugin-descriptor.properties`);
  const p = parseProperties(descriptor.toString('utf8'));
  if (!p.name || !p.version || !p['opensearch.version']) throw new UsageError(`${file}: its plugin descriptor lacks name, version or opensearch.version`);
  return {
    file,
    name: p.name,
    version: p.version,
    opensearchVersion: p['opensearch.version'],
    extended: (p['extended.plugins'] ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    sha256: createHash('sha256').update(zip).digest('hex'),
  };
}

// --- where the zips come from --------------------------------------------------------------

/** `sha256  file` lines of a SHA256SUMS file, by file name. */
export function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(line.trim());
    if (m) sums.set(path.basename(m[2]!.trim()), m[1]!.toLowerCase());
  }
  return sums;
}

/** Checks a zip against the SHA256SUMS beside it, when there is one that lists it. */
export function checkSums(p: PluginZip): 'checked' | 'no SHA256SUMS' | 'not listed' {
  const sumsFile = path.join(path.dirname(p.file), 'SHA256SUMS');
  if (!existsSync(sumsFile)) return 'no SHA256SUMS';
  const expected = parseSums(readFileSync(sumsFile, 'utf8')).get(path.basename(p.file));
  if (!expected) return 'not listed';
  if (expected !== p.sha256) {
    throw new UsageError(`${p.file} does not match its checksum in ${sumsFile} (sha256 ${p.sha256}, expected ${expected})`, 'the file is damaged or not the one listed: get it again');
  }
  return 'checked';
}

async function download(url: string, cacheDir: string, log: (m: string) => void): Promise<string> {
  const dir = path.join(cacheDir, createHash('sha256').update(url).digest('hex').slice(0, 16));
  const file = path.join(dir, decodeURIComponent(path.basename(new URL(url).pathname)) || 'plugin.zip');
  if (existsSync(file)) return file;
  log(`downloading ${url}`);
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw new UsageError(`could not download ${url}: ${(err as Error).message}`, 'check the address and that this machine reaches it, or download the zip yourself and pass its path', { cause: err });
  }
  if (!res.ok) throw new UsageError(`could not download ${url}: HTTP ${res.status}`, 'check the address (the zip must be of the engine version, see README)');
  const body = Buffer.from(await res.arrayBuffer());
  // OpenSearch's artifact server publishes a .sha512 beside each file; check it when it is there
  for (const [ext, algo] of [['.sha512', 'sha512'], ['.sha256', 'sha256']] as const) {
    const sum = await fetch(`${url}${ext}`).catch(() => undefined);
    if (!sum?.ok) continue;
    const expected = /[0-9a-fA-F]{64,128}/.exec(await sum.text())?.[0]?.toLowerCase();
    if (!expected) continue;
    const actual = createHash(algo).update(body).digest('hex');
    if (actual !== expected) throw new UsageError(`${url} does not match its ${ext} checksum`, 'download it again');
    log(`  ${algo} checked against ${url}${ext}`);
    break;
  }
  await mkdir(dir, { recursive: true });
  await writeFile(`${file}.partial`, body);
  await rename(`${file}.partial`, file);
  return file;
}

/** Turns `--plugin` values and PACK_ENGINE_PLUGINS folders into local zip files. */
export async function resolvePluginFiles(specs: PluginSpec[], cacheDir: string, log: (m: string) => void): Promise<string[]> {
  const files: string[] = [];
  for (const spec of specs) {
    if (/^https?:\/\//.test(spec)) {
      files.push(await download(spec, cacheDir, log));
      continue;
    }
    const local = spec.startsWith('file://') ? new URL(spec).pathname : path.resolve(spec);
    if (!existsSync(local)) throw new UsageError(`plugin ${spec} does not exist`, 'pass --plugin with the path of a plugin .zip, a folder of them, or an http(s) URL');
    if (statSync(local).isDirectory()) {
      const zips = readdirSync(local).filter((f) => f.endsWith('.zip')).sort();
      if (!zips.length) throw new UsageError(`plugin folder ${local} holds no .zip file`);
      files.push(...zips.map((f) => path.join(local, f)));
    } else files.push(local);
  }
  return files;
}

/**
 * Install order: every plugin after the ones it extends; otherwise job-scheduler,
 * index-management, notifications-core, notifications, alerting, then the rest by name.
 * `available` are the modules and plugins the home already has.
 */
export function orderPlugins(zips: PluginZip[], available: string[], engineVersion: string): PluginZip[] {
  const byName = new Map<string, PluginZip>();
  for (const z of zips) {
    const other = byName.get(z.name);
    if (other && other.sha256 !== z.sha256) throw new UsageError(`two different zips of plugin ${z.name}: ${other.file} and ${z.file}`, 'pass one of them');
    byName.set(z.name, z);
  }
  for (const z of byName.values()) {
    if (z.opensearchVersion !== engineVersion) {
      throw new UsageError(`${z.file} is ${z.name} for OpenSearch ${z.opensearchVersion}; the local engine is ${engineVersion}`, `use the plugin's ${engineVersion}.0 zip (see README, "Plugins")`);
    }
    if (available.includes(z.name)) throw new UsageError(`${z.name} is already part of the engine; leave it out`);
    for (const dep of z.extended) {
      if (!byName.has(dep) && !available.includes(dep)) throw new UsageError(`${z.name} needs the plugin ${dep}, which was not given`, `pass the ${dep} zip too (--plugin can be repeated, or point it at a folder)`);
    }
  }
  const rank = (n: string) => (PREFERRED_ORDER.includes(n) ? PREFERRED_ORDER.indexOf(n) : PREFERRED_ORDER.length);
  const pending = [...byName.values()].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  const done: PluginZip[] = [];
  while (pending.length) {
    const i = pending.findIndex((z) => z.extended.every((d) => available.includes(d) || done.some((x) => x.name === d)));
    if (i < 0) throw new UsageError(`the plugins ${pending.map((z) => z.name).join(', ')} depend on each other in a cycle`);
    done.push(...pending.splice(i, 1));
  }
  return done;
}

/** Plugins and modules an engine home has, from their descriptors. */
export function installedPlugins(home: string, folder: 'plugins' | 'modules' = 'plugins'): InstalledPlugin[] {
  const dir = path.join(home, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((d) => path.join(dir, d, 'plugin-descriptor.properties'))
    .filter((f) => existsSync(f))
    .map((f) => parseProperties(readFileSync(f, 'utf8')))
    .map((p) => ({ name: p.name ?? '?', version: p.version ?? '?' }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The home for `base` plus this plugin set: named by the set's checksums, so the same zips reuse it. */
export function pluginHomePath(base: string, zips: PluginZip[]): string {
  if (!zips.length) return base;
  const id = createHash('sha256')
    .update(zips.map((z) => `${z.name} ${z.sha256}`).sort().join('\n'))
    .digest('hex')
    .slice(0, 12);
  return `${base}-plugins-${id}`;
}

/**
 * Returns a home with `base`'s content plus the plugins installed, installing them (into a
 * copy, renamed into place when complete) only the first time.
 */
export async function ensurePluginHome(base: string, zips: PluginZip[], javaHome: string, log: (m: string) => void): Promise<string> {
  if (!zips.length) return base;
  const home = pluginHomePath(base, zips);
  if (existsSync(path.join(home, '.assembled'))) return home;
  const available = [...installedPlugins(base, 'modules'), ...installedPlugins(base)].map((p) => p.name);
  const ordered = orderPlugins(zips, available, zips[0]!.opensearchVersion);
  log(`installing ${ordered.map((z) => `${z.name} ${z.version}`).join(', ')} into a copy of the engine (once for this plugin set)`);
  const staging = `${home}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await cp(base, staging, { recursive: true });
  await rm(path.join(staging, '.assembled'), { force: true });
  const started = Date.now();
  try {
    // one run for all of them, in dependency order: one JVM start instead of one per plugin
    await exec(path.join(staging, 'bin', 'opensearch-plugin'), ['install', '--batch', ...ordered.map((z) => `file://${z.file}`)], {
      env: { ...process.env, OPENSEARCH_JAVA_HOME: javaHome },
      maxBuffer: 10 * 1024 * 1024,
    });
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new LocalEngineError(`opensearch-plugin install failed: ${(e.stderr || e.stdout || e.message).trim().split('\n').slice(-8).join('\n')}`, 'check that the zips are for this engine version; the README says where to get them');
  }
  await writeFile(path.join(staging, '.assembled'), `${new Date().toISOString()}\n${ordered.map((z) => `${z.name} ${z.version} sha256:${z.sha256}`).join('\n')}\n`);
  if (existsSync(path.join(home, '.assembled'))) {
    // another process finished the same set first
    await rm(staging, { recursive: true, force: true });
  } else {
    await rm(home, { recursive: true, force: true });
    await rename(staging, home);
  }
  log(`plugins installed in ${((Date.now() - started) / 1000).toFixed(1)}s: ${home}`);
  return home;
}
