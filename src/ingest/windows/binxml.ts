/**
 * Windows binary XML (MS-EVEN6 "BinXml", as stored in the records of an EVTX chunk), read
 * into an XML element tree.
 *
 * A record's event is a fragment holding a template instance: a reference to a template
 * definition (an XML skeleton with numbered substitution tokens) and the array of values
 * that fill it. A definition is stored once per chunk, inside the first record that uses
 * it, and later records point back to it by its offset in the chunk; element and attribute
 * names likewise are stored once and referenced by chunk offset. All offsets are relative
 * to the chunk, so everything here works on the chunk's 64 KiB buffer.
 *
 * Reading is in two steps: the tokens are parsed into template nodes (definitions cached
 * per chunk by offset), then instantiated with the substitution values into XmlElements.
 * A value of type binary XML (0x21) holds a nested fragment (usually the EventData or
 * UserData part, as a template instance of its own), parsed when it is instantiated.
 *
 * Rendering rules (MS-EVEN6 and the libevtx format notes):
 * - an optional substitution (token 0x0e) whose value is empty (NULL, an empty string or
 *   array) produces nothing; an attribute whose whole value is such a substitution is left
 *   out (`<Correlation/>`), and so is an element whose whole content is one whose value is
 *   NULL;
 * - a substitution with an array value that is the whole content of its element repeats
 *   the element once per item;
 * - element start tags inside a template definition carry a 2-byte dependency identifier,
 *   those outside (in a record, or in a binary XML value) do not.
 */
import { decodeValue, EvtxFormatError, isEmptyValue, latin1Decoder, NULL_VALUE, VALUE_TYPE, type AnsiDecoder, type EvtxValue } from './evtx-values.js';
import type { XmlAttribute, XmlChild, XmlElement } from './event-xml.js';

// module-local copies of the imported bindings used per token: a transpiler that turns
// imports into getters (tsx, ts-jest) then costs nothing in the loops below
const decode = decodeValue;
const isEmpty = isEmptyValue;
const NULL = NULL_VALUE;
const T_NULL = VALUE_TYPE.Null;
const T_STRING = VALUE_TYPE.String;
const T_ANSI_STRING = VALUE_TYPE.AnsiString;
const T_BINXML = VALUE_TYPE.BinXml;

const TOKEN = {
  EOF: 0x00,
  OpenStartElement: 0x01,
  CloseStartElement: 0x02,
  CloseEmptyElement: 0x03,
  EndElement: 0x04,
  Value: 0x05,
  Attribute: 0x06,
  CDataSection: 0x07,
  CharRef: 0x08,
  EntityRef: 0x09,
  PITarget: 0x0a,
  PIData: 0x0b,
  TemplateInstance: 0x0c,
  NormalSubstitution: 0x0d,
  OptionalSubstitution: 0x0e,
  FragmentHeader: 0x0f,
  /** the "more data follows" / "has attributes" flag of some tokens */
  MoreFlag: 0x40,
} as const;

/** nested templates and binary XML values deeper than this are refused (a loop in a damaged chunk) */
const MAX_DEPTH = 24;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

// ---- template nodes (parsed tokens, before the values are put in)

interface TElement {
  k: 0;
  name: string;
  attributes: TAttribute[];
  children: TNode[];
  empty: boolean;
}
interface TAttribute {
  name: string;
  parts: TNode[];
}
interface TText {
  k: 1;
  text: string;
}
interface TSubstitution {
  k: 2;
  index: number;
  type: number;
  optional: boolean;
}
interface TRaw {
  k: 3;
  xml: string;
  text: string;
}
interface TTemplateInstance {
  k: 4;
  definition: TNode[];
  values: EvtxValue[];
}
type TNode = TElement | TText | TSubstitution | TRaw | TTemplateInstance;

/** What the parser keeps per chunk: the chunk's bytes and the names and template definitions read so far. */
export interface ChunkContext {
  /** the whole chunk; offsets in binary XML are relative to its start */
  buf: Buffer;
  names: Map<number, string>;
  templates: Map<number, TNode[]>;
  ansi: AnsiDecoder;
}

export function newChunkContext(buf: Buffer, ansi: AnsiDecoder = latin1Decoder): ChunkContext {
  return { buf, names: new Map(), templates: new Map(), ansi };
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** A cursor over `ctx.buf[pos..end)`. */
class Cursor {
  constructor(
    readonly ctx: ChunkContext,
    public pos: number,
    readonly end: number,
    /** inside a template definition: element start tags carry a dependency identifier */
    readonly inTemplate: boolean,
    readonly depth: number,
  ) {
    if (depth > MAX_DEPTH) throw new EvtxFormatError(`binary XML nested deeper than ${MAX_DEPTH} levels at ${hex(pos)}`);
    if (end > ctx.buf.length) throw new EvtxFormatError(`binary XML at ${hex(pos)} runs past the end of the chunk`);
  }
  need(n: number): void {
    if (this.pos + n > this.end) throw new EvtxFormatError(`binary XML cut off at ${hex(this.pos)} (needs ${n} more bytes, ${this.end - this.pos} left)`);
  }
  peek(): number {
    this.need(1);
    return this.ctx.buf[this.pos] as number;
  }
  u8(): number {
    this.need(1);
    return this.ctx.buf[this.pos++] as number;
  }
  u16(): number {
    this.need(2);
    const v = this.ctx.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.ctx.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  /** `count` UTF-16LE characters */
  utf16(count: number): string {
    this.need(count * 2);
    const s = this.ctx.buf.toString('utf16le', this.pos, this.pos + count * 2);
    this.pos += count * 2;
    return s;
  }
}

/**
 * The name at chunk offset `offset` (4 bytes link to the next name of its hash bucket,
 * 2 bytes hash, 2 bytes length in characters, the UTF-16LE characters, a NUL), cached.
 */
function nameAt(ctx: ChunkContext, offset: number): string {
  const cached = ctx.names.get(offset);
  if (cached !== undefined) return cached;
  if (offset + 8 > ctx.buf.length) throw new EvtxFormatError(`name offset ${hex(offset)} is outside the chunk`);
  const length = ctx.buf.readUInt16LE(offset + 6);
  if (offset + 8 + length * 2 > ctx.buf.length) throw new EvtxFormatError(`name at ${hex(offset)} runs past the end of the chunk`);
  const name = ctx.buf.toString('utf16le', offset + 8, offset + 8 + length * 2);
  ctx.names.set(offset, name);
  return name;
}

/** A name reference: its chunk offset, and the name itself when it is stored right here. */
function readName(c: Cursor): string {
  const offset = c.u32();
  const name = nameAt(c.ctx, offset);
  if (offset === c.pos) c.skip(8 + name.length * 2 + 2);
  return name;
}

/** A value text token's value (after the token byte): a string type and its characters. */
function readValueText(c: Cursor): string {
  const type = c.u8();
  if (type === T_STRING) return c.utf16(c.u16());
  if (type === T_ANSI_STRING) {
    const size = c.u16();
    c.need(size);
    const s = c.ctx.ansi(c.ctx.buf.subarray(c.pos, c.pos + size));
    c.pos += size;
    return s;
  }
  throw new EvtxFormatError(`value token of type ${hex(type)} at ${hex(c.pos - 1)}`);
}

/** The text-like token at the cursor (value, substitution, character or entity reference, CDATA), or null when the next token is not one. */
function readTextToken(c: Cursor): TNode | null {
  const token = c.peek();
  switch (token & ~TOKEN.MoreFlag) {
    case TOKEN.Value:
      c.pos++;
      return { k: 1, text: readValueText(c) };
    case TOKEN.CharRef: {
      c.pos++;
      const code = c.u16();
      return { k: 3, xml: `&#${code};`, text: String.fromCharCode(code) };
    }
    case TOKEN.EntityRef: {
      c.pos++;
      const name = readName(c);
      return { k: 3, xml: `&${name};`, text: ENTITIES[name] ?? `&${name};` };
    }
    case TOKEN.CDataSection: {
      c.pos++;
      const text = c.utf16(c.u16());
      return { k: 3, xml: `<![CDATA[${text}]]>`, text };
    }
  }
  if (token === TOKEN.NormalSubstitution || token === TOKEN.OptionalSubstitution) {
    c.pos++;
    const index = c.u16();
    const type = c.u8();
    return { k: 2, index, type, optional: token === TOKEN.OptionalSubstitution };
  }
  return null;
}

/** A processing instruction: target token, then (optionally) its data token. */
function readProcessingInstruction(c: Cursor): TRaw {
  c.pos++;
  const target = readName(c);
  let data = '';
  if (c.pos < c.end && c.peek() === TOKEN.PIData) {
    c.pos++;
    data = c.utf16(c.u16());
  }
  return { k: 3, xml: `<?${target}${data ? ` ${data}` : ''}?>`, text: '' };
}

function readElement(c: Cursor): TElement {
  const start = c.pos;
  const token = c.u8();
  if (c.inTemplate) c.skip(2); // dependency identifier
  c.u32(); // data size
  const name = readName(c);
  const attributes: TAttribute[] = [];
  if (token & TOKEN.MoreFlag) {
    const size = c.u32();
    const end = c.pos + size;
    if (end > c.end) throw new EvtxFormatError(`attribute list of <${name}> at ${hex(start)} runs past its data`);
    while (c.pos < end && (c.peek() & ~TOKEN.MoreFlag) === TOKEN.Attribute) {
      c.pos++;
      const attributeName = readName(c);
      const parts: TNode[] = [];
      for (let part = readTextToken(c); part; part = c.pos < end ? readTextToken(c) : null) parts.push(part);
      attributes.push({ name: attributeName, parts });
    }
    if (c.pos !== end) throw new EvtxFormatError(`attribute list of <${name}> at ${hex(start)} does not end where its size says`);
  }
  const close = c.u8();
  if (close === TOKEN.CloseEmptyElement) return { k: 0, name, attributes, children: [], empty: true };
  if (close !== TOKEN.CloseStartElement) throw new EvtxFormatError(`<${name}> at ${hex(start)}: token ${hex(close)} where its start tag should close`);
  const children: TNode[] = [];
  for (;;) {
    const t = c.peek();
    if (t === TOKEN.EndElement) {
      c.pos++;
      break;
    }
    if ((t & ~TOKEN.MoreFlag) === TOKEN.OpenStartElement) children.push(readElement(c));
    else if (t === TOKEN.TemplateInstance) children.push(readTemplateInstance(c));
    else if (t === TOKEN.PITarget) children.push(readProcessingInstruction(c));
    else {
      const text = readTextToken(c);
      if (!text) throw new EvtxFormatError(`<${name}> at ${hex(start)}: unexpected token ${hex(t)} at ${hex(c.pos)}`);
      children.push(text);
    }
  }
  return { k: 0, name, attributes, children, empty: false };
}

/**
 * The template definition at chunk offset `offset` (4 bytes link to the next definition,
 * 16 bytes GUID, 4 bytes data size, then a fragment: header, element, EOF), cached.
 */
function templateAt(ctx: ChunkContext, offset: number, depth: number): TNode[] {
  const cached = ctx.templates.get(offset);
  if (cached) return cached;
  if (offset + 24 > ctx.buf.length) throw new EvtxFormatError(`template definition offset ${hex(offset)} is outside the chunk`);
  const size = ctx.buf.readUInt32LE(offset + 20);
  const nodes = readFragment(ctx, offset + 24, offset + 24 + size, true, depth + 1);
  ctx.templates.set(offset, nodes);
  return nodes;
}

function readTemplateInstance(c: Cursor): TTemplateInstance {
  c.pos++;
  c.u8(); // unknown, 1
  c.u32(); // template identifier (the first 4 bytes of its GUID)
  const offset = c.u32();
  let definition: TNode[];
  if (offset === c.pos) {
    // the definition is stored right here
    c.need(24);
    const size = c.ctx.buf.readUInt32LE(c.pos + 20);
    definition = templateAt(c.ctx, offset, c.depth);
    c.skip(24 + size);
  } else {
    definition = templateAt(c.ctx, offset, c.depth);
  }
  const count = c.u32();
  c.need(count * 4);
  const descriptors: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    const size = c.u16();
    const type = c.u8();
    c.u8();
    descriptors.push([size, type]);
  }
  const values: EvtxValue[] = [];
  for (const [size, type] of descriptors) {
    c.need(size);
    values.push(decode(type, c.ctx.buf, c.pos, size, c.ctx.ansi));
    c.pos += size;
  }
  return { k: 4, definition, values };
}

/** The nodes of a fragment (or of a template definition's data) at `ctx.buf[start..end)`, up to its EOF token. */
function readFragment(ctx: ChunkContext, start: number, end: number, inTemplate: boolean, depth: number): TNode[] {
  const c = new Cursor(ctx, start, end, inTemplate, depth);
  const nodes: TNode[] = [];
  while (c.pos < c.end) {
    const t = c.peek();
    if (t === TOKEN.EOF) break;
    if (t === TOKEN.FragmentHeader) c.skip(4);
    else if (t === TOKEN.TemplateInstance) nodes.push(readTemplateInstance(c));
    else if ((t & ~TOKEN.MoreFlag) === TOKEN.OpenStartElement) nodes.push(readElement(c));
    else if (t === TOKEN.PITarget) nodes.push(readProcessingInstruction(c));
    else {
      const text = readTextToken(c);
      if (!text) throw new EvtxFormatError(`unexpected token ${hex(t)} at ${hex(c.pos)}`);
      nodes.push(text);
    }
  }
  return nodes;
}

// ---- instantiation (values put into the templates)

function valueOf(values: EvtxValue[], s: TSubstitution): EvtxValue {
  return values[s.index] ?? NULL;
}

/** the nodes a substitution stands for, appended to `out` */
function instantiateSubstitution(ctx: ChunkContext, s: TSubstitution, values: EvtxValue[], out: XmlChild[], depth: number): void {
  const v = valueOf(values, s);
  if (s.optional && isEmpty(v)) return;
  if (v.type === T_BINXML) {
    if (v.size > 0) instantiate(ctx, readFragment(ctx, v.offset, v.offset + v.size, false, depth + 1), [], out, depth + 1);
    return;
  }
  if (v.text !== null && v.text !== '') out.push(v.text);
}

/** an attribute's value text; null when the attribute is left out */
function attributeValue(ctx: ChunkContext, parts: TNode[], values: EvtxValue[], depth: number): string | null {
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only && only.k === 2 && only.optional && isEmpty(valueOf(values, only))) return null;
  let s = '';
  for (const p of parts) {
    if (p.k === 1) s += p.text;
    else if (p.k === 3) s += p.text;
    else if (p.k === 2) {
      const nodes: XmlChild[] = [];
      instantiateSubstitution(ctx, p, values, nodes, depth);
      // a value's text; a binary XML value has no place in an attribute and gives nothing
      for (const n of nodes) if (typeof n === 'string') s += n;
    }
  }
  return s;
}

function instantiateElement(ctx: ChunkContext, el: TElement, values: EvtxValue[], out: XmlChild[], depth: number): void {
  const only = el.children.length === 1 ? el.children[0] : undefined;
  if (only && only.k === 2) {
    const v = valueOf(values, only);
    // an element whose whole content is an optional substitution with a NULL value is not created
    if (only.optional && v.type === T_NULL) return;
    // an array fills one element per item (an empty array: one empty element)
    if (v.items) {
      const attributes = instantiateAttributes(ctx, el, values, depth);
      const items = v.items.length > 0 ? v.items : [''];
      for (const item of items) out.push({ name: el.name, attributes, children: item === '' ? [] : [item], empty: false });
      return;
    }
  }
  const children: XmlChild[] = [];
  instantiate(ctx, el.children, values, children, depth);
  out.push({ name: el.name, attributes: instantiateAttributes(ctx, el, values, depth), children, empty: el.empty });
}

function instantiateAttributes(ctx: ChunkContext, el: TElement, values: EvtxValue[], depth: number): XmlAttribute[] {
  const attributes: XmlAttribute[] = [];
  for (const a of el.attributes) {
    const value = attributeValue(ctx, a.parts, values, depth);
    if (value !== null) attributes.push({ name: a.name, value });
  }
  return attributes;
}

function instantiate(ctx: ChunkContext, nodes: TNode[], values: EvtxValue[], out: XmlChild[], depth: number): void {
  if (depth > MAX_DEPTH) throw new EvtxFormatError(`binary XML nested deeper than ${MAX_DEPTH} levels`);
  for (const n of nodes) {
    switch (n.k) {
      case 0:
        instantiateElement(ctx, n, values, out, depth);
        break;
      case 1:
        out.push(n.text);
        break;
      case 2:
        instantiateSubstitution(ctx, n, values, out, depth);
        break;
      case 3:
        out.push({ xml: n.xml, text: n.text });
        break;
      case 4:
        instantiate(ctx, n.definition, n.values, out, depth + 1);
        break;
    }
  }
}

/**
 * The XML nodes of the binary XML at `ctx.buf[start..end)` (a record's event data: a
 * fragment header, a template instance, an EOF token).
 */
export function readBinXml(ctx: ChunkContext, start: number, end: number): XmlChild[] {
  const out: XmlChild[] = [];
  instantiate(ctx, readFragment(ctx, start, end, false, 0), [], out, 0);
  return out;
}
