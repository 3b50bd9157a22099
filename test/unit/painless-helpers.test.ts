import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PACK_ROOT } from '../../src/paths.js';

/**
 * Painless shared between sources lives once, in pipelines/common/painless/: no source
 * defines a function the library has (Painless would refuse the script anyway once it
 * includes the library, but a source that does not include it could keep a drifting copy),
 * and no two files hold the same function, body and all.
 */

const PIPELINES = path.join(PACK_ROOT, 'pipelines');
const LIBRARY = path.join(PIPELINES, 'common', 'painless');
const DEFINITION = /^[ \t]*(?:boolean|int|long|double|float|void|String|Map|List|def|ZonedDateTime|LocalDateTime|OffsetDateTime|ZoneId|Object|char|Instant)\s+([a-zA-Z_]\w*)\s*\(([^;{)]*)\)\s*\{/gm;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return f === '_dev' ? [] : files(p);
    return f.endsWith('.painless') || f.endsWith('.yml') ? [p] : [];
  });
}

interface Fn {
  file: string;
  name: string;
  arity: number;
  body: string;
}

/** each function definition with its body (to the brace that closes it), white space folded */
function functions(file: string): Fn[] {
  const text = readFileSync(file, 'utf8');
  const out: Fn[] = [];
  for (const m of text.matchAll(DEFINITION)) {
    let depth = 0;
    let end = m.index + m[0].length - 1;
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++;
      else if (text[end] === '}' && --depth === 0) break;
    }
    const args = m[2]!.trim();
    out.push({ file: path.relative(PACK_ROOT, file), name: m[1]!, arity: args ? args.split(',').length : 0, body: text.slice(m.index, end + 1).replace(/\s+/g, ' ').trim() });
  }
  return out;
}

const all = files(PIPELINES).flatMap(functions);
const library = all.filter((f) => f.file.startsWith(path.relative(PACK_ROOT, LIBRARY)));

test('the library is found and defines its helpers once', () => {
  expect(library.length).toBeGreaterThan(20);
  const keys = library.map((f) => `${f.name}/${f.arity}`);
  expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
});

test('no source defines a function the shared library has', () => {
  const names = new Set(library.map((f) => `${f.name}/${f.arity}`));
  const copies = all.filter((f) => !library.includes(f) && names.has(`${f.name}/${f.arity}`)).map((f) => `${f.file}: ${f.name}`);
  expect(copies).toEqual([]);
});

test('no two files hold the same function', () => {
  const byBody = new Map<string, string[]>();
  for (const f of all) byBody.set(f.body, [...(byBody.get(f.body) ?? []), `${f.file}: ${f.name}`]);
  expect([...byBody.values()].filter((where) => new Set(where.map((w) => w.split(':')[0])).size > 1)).toEqual([]);
});
