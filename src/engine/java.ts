import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { LocalEngineError } from '../errors.js';

/** The Java home the local engine runs on: OPENSEARCH_JAVA_HOME, JAVA_HOME, or the `java` on PATH. */
export function findJavaHome(): string {
  for (const candidate of [process.env.OPENSEARCH_JAVA_HOME, process.env.JAVA_HOME]) {
    if (candidate && existsSync(path.join(candidate, 'bin', 'java'))) return candidate;
  }
  try {
    const which = execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim();
    if (which) return path.dirname(path.dirname(realpathSync(which)));
  } catch {
    // fall through to the error below
  }
  throw new LocalEngineError('no Java found for the local engine', 'install a JDK 17 or newer and set JAVA_HOME, or use Docker (see README)');
}

export function javaMajorVersion(javaHome: string): number {
  // `java -version` writes to stderr
  const { stderr } = spawnSync(path.join(javaHome, 'bin', 'java'), ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(stderr ?? '');
  if (!m) throw new LocalEngineError(`cannot read the Java version of ${javaHome}`, 'set JAVA_HOME to a JDK 17 or newer');
  const major = Number(m[1]);
  return major === 1 ? Number(m[2]) : major;
}
