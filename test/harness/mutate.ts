/**
 * Lines one edit away from given lines, for testing a hand-written parser against the
 * processors it stands in for: deterministic for a seed, so that a failure can be replayed.
 */

/** mulberry32: a small seeded PRNG, enough for picking test inputs */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
