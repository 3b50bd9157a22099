/**
 * Lines one edit away from given lines, for testing a hand-written parser against the
 * processors it stands in for: deterministic for a seed, so that a failure can be replayed.
 */

export { seededRandom as prng } from '../../src/random.js';
import { seededRandom as prng } from '../../src/random.js';

/** characters that mean something to the log formats here, plus a tab and a non-ASCII letter */
const INSERTS = [' ', ' ', '\t', ':', '#', '(', ')', '[', ']', '-', '+', '.', '/', '@', '"', '0', '9', 'a', 'Z', 'é'];

export type Edit = 'delete' | 'insert' | 'replace' | 'swap' | 'truncate' | 'double-space';

/** One edit of `line` at a random place; never the line itself. */
export function mutate(line: string, rand: () => number): { line: string; edit: Edit } {
  const edits: Edit[] = ['delete', 'insert', 'replace', 'swap', 'truncate', 'double-space'];
  for (;;) {
    const edit = edits[Math.floor(rand() * edits.length)]!;
    const i = Math.floor(rand() * line.length);
    const ch = INSERTS[Math.floor(rand() * INSERTS.length)]!;
    let out: string;
    switch (edit) {
      case 'delete':
        out = line.slice(0, i) + line.slice(i + 1);
        break;
      case 'insert':
        out = line.slice(0, i) + ch + line.slice(i);
        break;
      case 'replace':
        out = line.slice(0, i) + ch + line.slice(i + 1);
        break;
      case 'swap':
        out = i + 1 < line.length ? line.slice(0, i) + line[i + 1] + line[i] + line.slice(i + 2) : line;
        break;
      case 'truncate':
        out = line.slice(0, i);
        break;
      case 'double-space': {
        const spaces = [...line.matchAll(/ /g)].map((m) => m.index!);
        const at = spaces.length ? spaces[Math.floor(rand() * spaces.length)]! : -1;
        out = at < 0 ? line : `${line.slice(0, at)} ${line.slice(at)}`;
        break;
      }
    }
    if (out !== line && out.trim() !== '') return { line: out, edit };
  }
}

/** `count` edited lines, each from a line of `lines` picked in turn. */
export function mutations(lines: string[], count: number, seed: number): string[] {
  const rand = prng(seed);
  return Array.from({ length: count }, (_, k) => mutate(lines[k % lines.length]!, rand).line);
}
