import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { LocalEngineError } from '../errors.js';

/**
 * Resolves artifacts from Maven Central with the machine's `mvn`, so that every download
 * lands in (and is reused from) the ordinary local Maven repository.
 */

export interface Coordinates {
  groupId: string;
  artifactId: string;
  version: string;
  packaging?: string;
}

export function localRepository(): string {
  return process.env.MAVEN_REPO_LOCAL ?? path.join(homedir(), '.m2', 'repository');
}

export function artifactPath(c: Coordinates): string {
  const ext = c.packaging ?? 'jar';
  return path.join(localRepository(), ...c.groupId.split('.'), c.artifactId, c.version, `${c.artifactId}-${c.version}.${ext}`);
}

function runMaven(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', ['-B', '-q', `-Dmaven.repo.local=${localRepository()}`, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) =>
      reject(new LocalEngineError('could not run Maven (mvn)', 'install Maven 3 and make sure `mvn` is on PATH, or use Docker (see README)', { cause: err })),
    );
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new LocalEngineError(`Maven failed (exit ${code}) running ${args.slice(0, 2).join(' ')}:\n${output.slice(-2000)}`, 'check that Maven Central is reachable from this machine'));
    });
  });
}

/** Downloads one artifact (no dependencies) into the local repository and returns its path. */
export async function fetchArtifact(c: Coordinates): Promise<string> {
  const file = artifactPath(c);
  if (existsSync(file)) return file;
  const artifact = `${c.groupId}:${c.artifactId}:${c.version}:${c.packaging ?? 'jar'}`;
  await runMaven(['dependency:get', `-Dartifact=${artifact}`, '-Dtransitive=false'], process.cwd());
  if (!existsSync(file)) throw new LocalEngineError(`Maven reported success but ${file} is missing`);
  return file;
}

/** Copies an artifact and its runtime dependencies into `outputDir`. */
export async function copyWithDependencies(c: Coordinates, outputDir: string): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'pack-mvn-'));
  try {
    const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.pack</groupId><artifactId>resolve</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>${c.groupId}</groupId><artifactId>${c.artifactId}</artifactId><version>${c.version}</version></dependency>
  </dependencies>
</project>
`;
    await writeFile(path.join(work, 'pom.xml'), pom);
    await mkdir(outputDir, { recursive: true });
    await runMaven(['dependency:copy-dependencies', `-DoutputDirectory=${outputDir}`, '-DincludeScope=runtime'], work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
