import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ContentError } from '../errors.js';

/**
 * Painless shared between pipelines lives once, as `.painless` files under
 * `pipelines/common/painless/`, and is pulled into a script at build time: a script whose
 * source begins with lines `// @include <file>` (a path relative to `pipelines/`) gets each
 * named file's text in their place, each file once, the files a file includes first.
 * Painless wants its functions before the first statement, so includes come first. An
 * included file goes in without its comment lines and indentation (`compactPainless`).
 */

const INCLUDE = /^\s*\/\/\s*@include\s+(\S+)\s*$/;

/**
 * An included file's text as the engine gets it: without its whole-line comments (`//` lines
 * and `/* ... *\/` blocks that start a line and end one), blank lines and indentation. An
 * inline script is limited to 65,535 characters, and the larger scripts include ~40 KB of
 * commented source. Only whole lines go: a line of code is kept as it is, its trailing
 * comment too (a `//` inside a string or regex literal is never mistaken for one).
 */
export function compactPainless(text: string): string {
  const out: string[] = [];
  let inBlock = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (inBlock) {
      if (line.endsWith('*/')) inBlock = false;
      else if (line.includes('*/')) throw new ContentError(`a /* comment must end a line: ${line}`);
      continue;
    }
    if (line === '' || line.startsWith('//')) continue;
    if (line.startsWith('/*')) {
      if (line.endsWith('*/') && line.length >= 4) continue;
      if (line.includes('*/')) throw new ContentError(`a /* comment must end a line: ${line}`);
      inBlock = true;
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

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
    const text = compactPainless(expandIncludes(readFileSync(file, 'utf8'), pipelinesDir, file, seen));
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
