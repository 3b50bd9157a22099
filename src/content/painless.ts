import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ContentError } from '../errors.js';

/**
 * Painless shared between pipelines lives once, as `.painless` files under
 * `pipelines/common/painless/`, and is pulled into a script at build time: a script whose
 * source begins with lines `// @include <file>` (a path relative to `pipelines/`) gets each
 * named file's text in their place, each file once, the files a file includes first.
 * Painless wants its functions before the first statement, so includes come first.
 */

const INCLUDE = /^\s*\/\/\s*@include\s+(\S+)\s*$/;

/** The text of a script source with its leading `// @include` lines expanded. */
export function expandIncludes(source: string, pipelinesDir: string, from: string, seen = new Set<string>()): string {
  const lines = source.split('\n');
  const out: string[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const m = INCLUDE.exec(line);
    if (!m) {
      if (line.trim() === '') continue;
      break;
    }
    const file = path.resolve(pipelinesDir, m[1]!);
    if (!file.startsWith(pipelinesDir + path.sep) || !file.endsWith('.painless')) {
      throw new ContentError(`${from}: @include ${m[1]} must name a .painless file under pipelines/`);
    }
    if (seen.has(file)) continue;
    seen.add(file);
    if (!existsSync(file)) throw new ContentError(`${from}: @include ${m[1]}: no such file`);
    const text = expandIncludes(readFileSync(file, 'utf8'), pipelinesDir, file, seen).replace(/\n+$/, '');
    if (text) out.push(text);
  }
  const rest = lines.slice(i);
  for (const line of rest) {
    if (INCLUDE.test(line)) throw new ContentError(`${from}: @include must come before the script's first line of code`);
  }
  return [...out, ...rest].join('\n');
}

/** Expands the includes of every script processor (and `on_failure` handlers) of a pipeline. */
export function expandPipelineScripts(pipeline: Record<string, unknown>, pipelinesDir: string, from: string): Record<string, unknown> {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'script' && v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { source?: unknown }).source === 'string') {
        const script = v as Record<string, unknown>;
        result[k] = walk({ ...script, source: expandIncludes(script.source as string, pipelinesDir, from) });
      } else {
        result[k] = walk(v);
      }
    }
    return result;
  };
  return walk(pipeline) as Record<string, unknown>;
}
