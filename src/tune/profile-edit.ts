import YAML, { isMap, isScalar, isSeq, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';

/**
 * Writes `npm run tune`'s proposals into a profile, keeping the profile's own text and
 * comments (the `yaml` package's Document API): list entries are appended to their list
 * (a flow list `[a, b]` that gets entries is written as a block list, one entry a line, so
 * each can carry its evidence as a comment), a threshold is set in place. Each new entry
 * carries a `# tune: ...` comment with its evidence.
 */

export interface ProfileEdit {
  /** dotted profile key: business_domains, software.user_agents, hosts.servers, thresholds.many_auth, ... */
  key: string;
  /** a list entry (appended; a mapping such as an expected deny is written as one flow
   *  mapping on its line) or a threshold value (set) */
  value: string | number | Record<string, unknown>;
  /** one line of evidence, written as the entry's comment */
  evidence: string;
}

/** Keys whose value is a list the proposals add to; the others (thresholds) are set. */
function isListKey(key: string): boolean {
  return !key.startsWith('thresholds.');
}

function blockParents(doc: Document, path: string[]): void {
  for (let i = 1; i < path.length; i++) {
    const n = doc.getIn(path.slice(0, i), true) as Node | undefined;
    if (n && (isMap(n) || isSeq(n))) (n as YAMLMap | YAMLSeq).flow = false;
  }
}

const comment = (s: string) => ` tune: ${s.replace(/\s*\n\s*/g, ' ')}`;

/** The Document API's rendering: comments kept, but the layout (spacing, flow lists) normalised. */
function viaDocument(text: string | undefined, edits: ProfileEdit[]): string {
  const doc = text?.trim() ? YAML.parseDocument(text) : new YAML.Document({});
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as YAMLMap;
  for (const e of edits) {
    const path = e.key.split('.');
    const item = doc.createNode(e.value) as Node;
    if (isMap(item)) item.flow = true;
    item.comment = comment(e.evidence);
    blockParents(doc, path);
    if (isListKey(e.key)) {
      let seq = doc.getIn(path, true) as Node | undefined;
      if (!isSeq(seq)) {
        doc.setIn(path, doc.createNode([]));
        seq = doc.getIn(path, true) as YAMLSeq;
      }
      (seq as YAMLSeq).flow = false;
      (seq as YAMLSeq).items.push(item);
    } else doc.setIn(path, item);
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** A scalar as YAML writes it on one line (quoted when it must be: a leading `*`, `: `, ` #`, ...); a mapping as one flow mapping. */
function scalarText(v: ProfileEdit['value']): string {
  if (typeof v === 'object') {
    const doc = new YAML.Document(v);
    (doc.contents as YAMLMap).flow = true;
    return doc.toString({ lineWidth: 0, flowCollectionPadding: true }).trimEnd();
  }
  return YAML.stringify(v, { lineWidth: 0 }).trimEnd();
}

/** Deep equality of plain YAML values (scalars, lists, mappings), key order ignored. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function entryLine(indent: number, e: ProfileEdit): string {
  return `${' '.repeat(indent)}- ${scalarText(e.value)} #${comment(e.evidence)}`;
}

function columnOf(text: string, pos: number): number {
  return pos - (text.lastIndexOf('\n', pos - 1) + 1);
}

function lineIndent(text: string, pos: number): number {
  const start = text.lastIndexOf('\n', pos - 1) + 1;
  return /^ */.exec(text.slice(start))![0].length;
}

interface Patch {
  start: number;
  end: number;
  text: string;
  /** order among patches at the same position: edits in the order given */
  seq: number;
}

type Tree = Map<string, Tree | ProfileEdit[]>;

function renderTree(tree: Tree, indent: number): string[] {
  const out: string[] = [];
  for (const [key, v] of tree) {
    const pad = ' '.repeat(indent);
    if (v instanceof Map) out.push(`${pad}${key}:`, ...renderTree(v, indent + 2));
    else if (isListKey(v[0]!.key)) out.push(`${pad}${key}:`, ...v.map((e) => entryLine(indent + 2, e)));
    else out.push(`${pad}${key}: ${scalarText(v[v.length - 1]!.value)} #${comment(v[v.length - 1]!.evidence)}`);
  }
  return out;
}

/**
 * The edits made in the text itself, so that everything else stays byte for byte as it was:
 * entries appended under a block list, a flow list rewritten as a block list, a threshold's
 * value replaced, missing keys added at the end of their parent. Undefined when the layout is
 * one this does not handle (a flow mapping on the way, a key that is not a list).
 */
function inPlace(text: string, edits: ProfileEdit[]): string | undefined {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length || !isMap(doc.contents)) return undefined;
  const patches: Patch[] = [];
  const byKey = new Map<string, ProfileEdit[]>();
  for (const e of edits) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
  // missing keys, gathered under the deepest existing parent (one insertion per parent)
  const missing = new Map<string, { parent: YAMLMap; path: string[]; tree: Tree }>();
  let n = 0;
  for (const [key, list] of byKey) {
    const path = key.split('.');
    const node = doc.getIn(path, true) as Node | undefined;
    if (node !== undefined && node !== null) {
      if (isListKey(key)) {
        if (!isSeq(node) || !node.range) return undefined;
        const [s, e] = node.range;
        if (!node.flow) {
          const col = columnOf(text, s);
          const at = text[e - 1] === '\n' ? e : e;
          patches.push({ start: at, end: at, text: `${text[at - 1] === '\n' ? '' : '\n'}${list.map((x) => entryLine(col, x)).join('\n')}\n`, seq: n++ });
        } else {
          if (text.slice(s, e).includes('\n')) return undefined;
          const lineEnd = text.indexOf('\n', e) < 0 ? text.length : text.indexOf('\n', e);
          const rest = text.slice(e, lineEnd).trim();
          if (rest && !rest.startsWith('#')) return undefined;
          const col = lineIndent(text, s) + 2;
          const old = node.items.map((i) => {
            const r = (i as Node).range;
            if (!r) throw new Error('no range');
            return `${' '.repeat(col)}- ${text.slice(r[0], r[1]).trim()}`;
          });
          // "key: [a, b]  # note" -> "key: # note" and the entries below it
          let from = s;
          while (from > 0 && text[from - 1] === ' ') from--;
          patches.push({ start: from, end: lineEnd, text: `${rest ? ` ${rest}` : ''}\n${[...old, ...list.map((x) => entryLine(col, x))].join('\n')}`, seq: n++ });
        }
      } else {
        if (!isScalar(node) || !node.range) return undefined;
        const last = list[list.length - 1]!;
        patches.push({ start: node.range[0], end: node.range[1], text: `${scalarText(last.value)} #${comment(`${last.evidence} (was ${String(node.value)})`)}`, seq: n++ });
      }
      continue;
    }
    let depth = path.length - 1;
    while (depth > 0 && doc.getIn(path.slice(0, depth), true) == null) depth--;
    const parent = (depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true)) as Node;
    if (!isMap(parent) || parent.flow) return undefined;
    const id = path.slice(0, depth).join('.');
    const m = missing.get(id) ?? { parent, path: path.slice(0, depth), tree: new Map() };
    missing.set(id, m);
    let t = m.tree;
    for (const p of path.slice(depth, -1)) {
      let next = t.get(p);
      if (!(next instanceof Map)) t.set(p, (next = new Map()));
      t = next;
    }
    t.set(path[path.length - 1]!, list);
  }
  for (const m of missing.values()) {
    const top = m.path.length === 0;
    const first = m.parent.items[0]?.key as Node | undefined;
    const indent = top ? 0 : first?.range ? columnOf(text, first.range[0]) : undefined;
    if (indent === undefined) return undefined;
    const at = top || !m.parent.range ? text.length : m.parent.range[1];
    const before = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
    patches.push({ start: at, end: at, text: `${before}${renderTree(m.tree, indent).join('\n')}\n`, seq: n++ });
  }
  patches.sort((a, b) => b.start - a.start || b.seq - a.seq);
  let out = text;
  for (const p of patches) out = out.slice(0, p.start) + p.text + out.slice(p.end);
  return out;
}

/** Whether every edit is in the profile text: list entries present, thresholds set. */
function holds(text: string, edits: ProfileEdit[]): boolean {
  try {
    const doc = YAML.parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length) return false;
    const js = doc.toJS() as Record<string, unknown>;
    return edits.every((e) => {
      let v: unknown = js;
      for (const p of e.key.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
      return isListKey(e.key) ? Array.isArray(v) && v.some((x) => sameValue(x, e.value)) : v === e.value;
    });
  } catch {
    return false;
  }
}

/**
 * The profile text with the edits applied; `text` undefined or empty starts from an empty
 * profile. Edited in place when the layout allows (the rest of the file unchanged), else
 * through the Document API (comments kept, layout normalised).
 */
export function applyEdits(text: string | undefined, edits: ProfileEdit[]): string {
  const base = text ?? '';
  if (base.trim() && YAML.parseDocument(base).errors.length) throw new Error(`the profile is not valid YAML: ${YAML.parseDocument(base).errors[0]!.message}`);
  if (!edits.length) return base;
  let out: string | undefined;
  try {
    out = inPlace(base.trim() ? base : '{}\n', edits);
  } catch {
    out = undefined;
  }
  if (out !== undefined && !base.trim()) out = undefined; // an empty profile: the Document API writes it whole
  if (out !== undefined && holds(out, edits)) return out;
  const doc = viaDocument(base, edits);
  if (!holds(doc, edits)) throw new Error('the proposals could not be written into the profile');
  return doc;
}
