import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LocalEngineError } from '../errors.js';
import { copyWithDependencies, fetchArtifact } from './maven.js';

/**
 * Builds a runnable OpenSearch home from Maven Central, without Docker:
 * the minimal `integ-test-zip` distribution (server, launcher scripts, transport module)
 * plus the modules a full distribution ships and this pack needs, each from its published
 * jar with its runtime dependencies, a plugin descriptor and a security policy.
 */

export const OPENSEARCH_VERSION = '2.19.4';

interface ModuleSpec {
  /** folder and plugin name inside modules/ */
  name: string;
  /** artifactId under org.opensearch.plugin */
  artifactId: string;
  classname: string;
  extendedPlugins?: string[];
  /** Java security permissions the module needs under OpenSearch's security manager. */
  permissions?: string[];
}

/** The modules of a full distribution that pipelines, templates and searches here rely on. */
export const OPENSEARCH_MODULES: readonly ModuleSpec[] = [
  {
    name: 'lang-painless',
    artifactId: 'lang-painless',
    classname: 'org.opensearch.painless.PainlessPlugin',
    permissions: ['java.lang.RuntimePermission "createClassLoader"', 'java.lang.RuntimePermission "getClassLoader"'],
  },
  { name: 'ingest-common', artifactId: 'ingest-common', classname: 'org.opensearch.ingest.common.IngestCommonPlugin', extendedPlugins: ['lang-painless'] },
  { name: 'ingest-user-agent', artifactId: 'ingest-user-agent', classname: 'org.opensearch.ingest.useragent.IngestUserAgentPlugin' },
  { name: 'analysis-common', artifactId: 'analysis-common', classname: 'org.opensearch.analysis.common.CommonAnalysisPlugin', extendedPlugins: ['lang-painless'] },
  { name: 'mapper-extras', artifactId: 'mapper-extras-client', classname: 'org.opensearch.index.mapper.MapperExtrasPlugin' },
  {
    name: 'lang-mustache',
    artifactId: 'lang-mustache-client',
    classname: 'org.opensearch.script.mustache.MustachePlugin',
    permissions: ['java.lang.reflect.ReflectPermission "suppressAccessChecks"', 'java.lang.RuntimePermission "accessDeclaredMembers"'],
  },
  {
    name: 'reindex',
    artifactId: 'reindex-client',
    classname: 'org.opensearch.index.reindex.ReindexPlugin',
    permissions: ['java.net.SocketPermission "*", "connect"'],
  },
];

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new LocalEngineError(`could not run ${cmd}`, 'a JDK (17 or newer) must be installed', { cause: e })));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new LocalEngineError(`${cmd} ${args.join(' ')} failed: ${err}`))));
  });
}

function descriptor(m: ModuleSpec, version: string): string {
  return [
    `description=OpenSearch module ${m.name}, assembled from Maven Central by this pack`,
    `version=${version}`,
    `name=${m.name}`,
    `classname=${m.classname}`,
    'java.version=11',
    `opensearch.version=${version}`,
    'custom.foldername=',
    `extended.plugins=${(m.extendedPlugins ?? []).join(',')}`,
    'has.native.controller=false',
    '',
  ].join('\n');
}

function policy(m: ModuleSpec): string {
  return `grant {\n${(m.permissions ?? []).map((p) => `  permission ${p};`).join('\n')}\n};\n`;
}

/** Returns the OpenSearch home under `enginesDir`, assembling it first if needed. */
export async function ensureOpenSearchHome(enginesDir: string, log: (msg: string) => void, version = OPENSEARCH_VERSION): Promise<string> {
  const home = path.join(enginesDir, `opensearch-${version}`);
  if (existsSync(path.join(home, '.assembled'))) return home;

  log(`assembling OpenSearch ${version} from Maven Central (cached in the local Maven repository)`);
  const staging = `${home}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const zip = await fetchArtifact({ groupId: 'org.opensearch.distribution.integ-test-zip', artifactId: 'opensearch', version, packaging: 'zip' });
  await run('jar', ['xf', zip], staging);
  const inner = path.join(staging, `opensearch-${version}`);
  const libs = new Set(await readdir(path.join(inner, 'lib')));

  for (const m of OPENSEARCH_MODULES) {
    const dir = path.join(inner, 'modules', m.name);
    await copyWithDependencies({ groupId: 'org.opensearch.plugin', artifactId: m.artifactId, version }, dir);
    // The server already has these on its class path; a second copy would be a jar hell error.
    for (const jar of await readdir(dir)) if (libs.has(jar)) await rm(path.join(dir, jar));
    await writeFile(path.join(dir, 'plugin-descriptor.properties'), descriptor(m, version));
    if (m.permissions) await writeFile(path.join(dir, 'plugin-security.policy'), policy(m));
  }
  for (const f of await readdir(path.join(inner, 'bin'))) await chmod(path.join(inner, 'bin', f), 0o755);
  await writeFile(path.join(inner, '.assembled'), `${new Date().toISOString()}\n`);
  await rm(home, { recursive: true, force: true });
  await rename(inner, home);
  await rm(staging, { recursive: true, force: true });
  log(`OpenSearch ${version} ready in ${home}`);
  return home;
}
