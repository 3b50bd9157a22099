/**
 * Writes small EVTX files for the reader's tests: a file header, chunks, records holding
 * binary XML (template definitions, instances, substitution values), with the offsets and
 * checksums a Windows-written file has. Written for these tests from the format
 * description (libevtx's "Windows XML Event Log (EVTX)" notes, MS-EVEN6 BinXml).
 */
import { crc32 } from 'node:zlib';

/** a part of an element's content or of an attribute value */
export type Part =
  | { text: string }
  | { sub: number; type: number; optional?: boolean }
  | { charRef: number }
  | { entity: string }
  | { cdata: string }
  | { instance: Template; values: Array<Value | BinXmlValue> }
  | El;

export interface El {
  name: string;
  attrs?: Array<[string, Part[]]>;
  children?: Part[];
  /** closed with the empty-element token (`<X/>`) */
  empty?: boolean;
}

export interface Value {
  type: number;
  bytes: Buffer;
}

/** an embedded binary XML value (type 0x21): a fragment with its own template instance */
export interface BinXmlValue {
  binxml: { template: Template; values: Array<Value | BinXmlValue> };
}

export interface Template {
  /** one definition per key: the first record using it stores it, later ones point back to it */
  key: string;
  root: El;
}

export interface RecordSpec {
  id: number;
  /** FILETIME ticks */
  written?: bigint;
  template: Template;
  values: Array<Value | BinXmlValue>;
}

const CHUNK = 0x10000;

/** Bytes written at a known offset in the chunk. */
class Writer {
  bytes: number[] = [];
  constructor(readonly base: number) {}
  get pos(): number {
    return this.base + this.bytes.length;
  }
  u8(v: number): void {
    this.bytes.push(v & 0xff);
  }
  u16(v: number): void {
    this.u8(v);
    this.u8(v >> 8);
  }
  u32(v: number): void {
    this.u16(v & 0xffff);
    this.u16(v >>> 16);
  }
  raw(b: Buffer | number[]): void {
    for (const x of b) this.bytes.push(x);
  }
  utf16(s: string): void {
    this.raw(Buffer.from(s, 'utf16le'));
  }
  at(pos: number, v: number): void {
    const i = pos - this.base;
    this.bytes[i] = v & 0xff;
    this.bytes[i + 1] = (v >> 8) & 0xff;
    this.bytes[i + 2] = (v >> 16) & 0xff;
    this.bytes[i + 3] = (v >>> 24) & 0xff;
  }
}

interface ChunkState {
  names: Map<string, number>;
  templates: Map<string, number>;
  /** store names by reference after their first use (else every name is inline) */
  shareNames: boolean;
}

function name(w: Writer, s: ChunkState, n: string): void {
  const known = s.shareNames ? s.names.get(n) : undefined;
  if (known !== undefined) {
    w.u32(known);
    return;
  }
  const here = w.pos + 4;
  w.u32(here);
  s.names.set(n, here);
  w.u32(0); // next name in the hash bucket
  w.u16(0); // hash
  w.u16(n.length);
  w.utf16(n);
  w.u16(0);
}

function part(w: Writer, s: ChunkState, p: Part, inTemplate: boolean): void {
  if ('name' in p) element(w, s, p, inTemplate);
  else if ('text' in p) {
    w.u8(0x05);
    w.u8(0x01);
    w.u16(p.text.length);
    w.utf16(p.text);
  } else if ('sub' in p) {
    w.u8(p.optional ? 0x0e : 0x0d);
    w.u16(p.sub);
    w.u8(p.type);
  } else if ('charRef' in p) {
    w.u8(0x08);
    w.u16(p.charRef);
  } else if ('instance' in p) {
    templateInstance(w, s, p.instance, p.values);
  } else if ('entity' in p) {
    w.u8(0x09);
    name(w, s, p.entity);
  } else {
    w.u8(0x07);
    w.u16(p.cdata.length);
    w.utf16(p.cdata);
  }
}

function element(w: Writer, s: ChunkState, el: El, inTemplate: boolean): void {
  const attrs = el.attrs ?? [];
  w.u8(attrs.length > 0 ? 0x41 : 0x01);
  if (inTemplate) w.u16(0xffff); // dependency identifier
  const sizeAt = w.pos;
  w.u32(0);
  const start = w.pos;
  name(w, s, el.name);
  if (attrs.length > 0) {
    const listAt = w.pos;
    w.u32(0);
    const listStart = w.pos;
    attrs.forEach(([n, parts], i) => {
      w.u8(i < attrs.length - 1 ? 0x46 : 0x06);
      name(w, s, n);
      for (const p of parts) part(w, s, p, inTemplate);
    });
    w.at(listAt, w.pos - listStart);
  }
  if (el.empty) w.u8(0x03);
  else {
    w.u8(0x02);
    for (const p of el.children ?? []) part(w, s, p, inTemplate);
    w.u8(0x04);
  }
  w.at(sizeAt, w.pos - start);
}

function templateInstance(w: Writer, s: ChunkState, t: Template, values: Array<Value | BinXmlValue>): void {
  w.u8(0x0c);
  w.u8(0x01);
  w.u32(0x12345678); // template identifier
  const known = s.templates.get(t.key);
  if (known !== undefined) w.u32(known);
  else {
    const here = w.pos + 4;
    w.u32(here);
    s.templates.set(t.key, here);
    w.u32(0); // next template definition
    w.raw(Buffer.alloc(16, 0x5a)); // GUID
    const sizeAt = w.pos;
    w.u32(0);
    const start = w.pos;
    w.raw([0x0f, 0x01, 0x01, 0x00]);
    element(w, s, t.root, true);
    w.u8(0x00);
    w.at(sizeAt, w.pos - start);
  }
  // the values: descriptors, then the data; a binary XML value is written in place
  w.u32(values.length);
  const descriptorsAt = w.pos;
  for (const _ of values) w.u32(0);
  values.forEach((v, i) => {
    const start = w.pos;
    let type: number;
    if ('binxml' in v) {
      type = 0x21;
      w.raw([0x0f, 0x01, 0x01, 0x00]);
      templateInstance(w, s, v.binxml.template, v.binxml.values);
      w.u8(0x00);
    } else {
      type = v.type;
      w.raw(v.bytes);
    }
    const size = w.pos - start;
    const d = descriptorsAt + i * 4 - w.base;
    w.bytes[d] = size & 0xff;
    w.bytes[d + 1] = (size >> 8) & 0xff;
    w.bytes[d + 2] = type;
    w.bytes[d + 3] = 0;
  });
}

/** One 64 KiB chunk holding the records, with its header and checksums. */
export function buildChunk(records: RecordSpec[], options: { shareNames?: boolean } = {}): Buffer {
  const chunk = Buffer.alloc(CHUNK);
  const s: ChunkState = { names: new Map(), templates: new Map(), shareNames: options.shareNames ?? false };
  let pos = 512;
  let last = pos;
  for (const r of records) {
    const w = new Writer(pos);
    w.u32(0x00002a2a);
    w.u32(0); // size, set below
    w.u32(r.id);
    w.u32(0);
    const written = r.written ?? 132_000_000_000_000_000n;
    w.u32(Number(written & 0xffffffffn));
    w.u32(Number(written >> 32n));
    w.raw([0x0f, 0x01, 0x01, 0x00]);
    templateInstance(w, s, r.template, r.values);
    w.u8(0x00);
    while (w.bytes.length % 8 !== 4) w.u8(0);
    w.u32(w.bytes.length + 4);
    w.at(pos + 4, w.bytes.length);
    Buffer.from(w.bytes).copy(chunk, pos);
    last = pos;
    pos += w.bytes.length;
    if (pos > CHUNK) throw new Error('records do not fit in one chunk');
  }
  chunk.write('ElfChnk\0', 0, 'latin1');
  const first = records[0]?.id ?? 0;
  const lastId = records.at(-1)?.id ?? 0;
  for (const [at, v] of [
    [8, first],
    [16, lastId],
    [24, first],
    [32, lastId],
  ] as const)
    chunk.writeBigUInt64LE(BigInt(v), at);
  chunk.writeUInt32LE(128, 40);
  chunk.writeUInt32LE(last, 44);
  chunk.writeUInt32LE(pos, 48);
  chunk.writeUInt32LE(crc32(chunk.subarray(512, pos)), 52);
  chunk.writeUInt32LE(crc32(chunk.subarray(128, 512), crc32(chunk.subarray(0, 120))), 124);
  return chunk;
}

/** A file: header and chunks (a Buffer of zeros is an unused chunk). */
export function buildFile(chunks: Buffer[]): Buffer {
  const head = Buffer.alloc(4096);
  head.write('ElfFile\0', 0, 'latin1');
  head.writeBigUInt64LE(0n, 8);
  head.writeBigUInt64LE(BigInt(Math.max(0, chunks.length - 1)), 16);
  head.writeUInt32LE(128, 32);
  head.writeUInt16LE(1, 36);
  head.writeUInt16LE(3, 38);
  head.writeUInt16LE(4096, 40);
  head.writeUInt16LE(chunks.length, 42);
  head.writeUInt32LE(crc32(head.subarray(0, 120)), 124);
  return Buffer.concat([head, ...chunks]);
}

// ---- values

export const v = {
  string: (s: string): Value => ({ type: 0x01, bytes: Buffer.from(s, 'utf16le') }),
  ansi: (s: string): Value => ({ type: 0x02, bytes: Buffer.from(s, 'latin1') }),
  null: (size = 0): Value => ({ type: 0x00, bytes: Buffer.alloc(size) }),
  int8: (n: number): Value => ({ type: 0x03, bytes: Buffer.from([n & 0xff]) }),
  uint8: (n: number): Value => ({ type: 0x04, bytes: Buffer.from([n]) }),
  int16: (n: number): Value => {
    const b = Buffer.alloc(2);
    b.writeInt16LE(n);
    return { type: 0x05, bytes: b };
  },
  uint16: (n: number): Value => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return { type: 0x06, bytes: b };
  },
  int32: (n: number): Value => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return { type: 0x07, bytes: b };
  },
  uint32: (n: number): Value => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return { type: 0x08, bytes: b };
  },
  int64: (n: bigint): Value => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n);
    return { type: 0x09, bytes: b };
  },
  uint64: (n: bigint): Value => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return { type: 0x0a, bytes: b };
  },
  real32: (n: number): Value => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    return { type: 0x0b, bytes: b };
  },
  real64: (n: number): Value => {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    return { type: 0x0c, bytes: b };
  },
  bool: (x: boolean): Value => ({ type: 0x0d, bytes: Buffer.from([x ? 1 : 0, 0, 0, 0]) }),
  binary: (hex: string): Value => ({ type: 0x0e, bytes: Buffer.from(hex, 'hex') }),
  /** a GUID written as text, stored little-endian */
  guid: (g: string): Value => {
    const h = g.replace(/[{}-]/g, '');
    const b = Buffer.from(h, 'hex');
    const out = Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
    return { type: 0x0f, bytes: out };
  },
  sizeT64: (n: bigint): Value => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return { type: 0x10, bytes: b };
  },
  fileTime: (ticks: bigint): Value => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(ticks);
    return { type: 0x11, bytes: b };
  },
  systemTime: (f: [number, number, number, number, number, number, number, number]): Value => {
    const b = Buffer.alloc(16);
    f.forEach((x, i) => b.writeUInt16LE(x, i * 2));
    return { type: 0x12, bytes: b };
  },
  /** a SID from its text (authority below 2^32) */
  sid: (s: string): Value => {
    const [, rev, auth, ...subs] = s.split('-');
    const b = Buffer.alloc(8 + 4 * subs.length);
    b[0] = Number(rev);
    b[1] = subs.length;
    b.writeUIntBE(Number(auth), 2, 6);
    subs.forEach((x, i) => b.writeUInt32LE(Number(x), 8 + 4 * i));
    return { type: 0x13, bytes: b };
  },
  hex32: (n: number): Value => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return { type: 0x14, bytes: b };
  },
  hex64: (n: bigint): Value => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return { type: 0x15, bytes: b };
  },
  stringArray: (items: string[]): Value => ({ type: 0x81, bytes: Buffer.from(items.map((x) => `${x}\0`).join(''), 'utf16le') }),
  uint16Array: (items: number[]): Value => {
    const b = Buffer.alloc(2 * items.length);
    items.forEach((x, i) => b.writeUInt16LE(x, 2 * i));
    return { type: 0x86, bytes: b };
  },
};

/** the usual System part of a template, values 0..3: EventID (UInt16), TimeCreated (FILETIME), EventRecordID (UInt64), Computer (string) */
export function systemPart(): El {
  return {
    name: 'System',
    children: [
      { name: 'Provider', attrs: [['Name', [{ text: 'Test-Provider' }]]], empty: true },
      { name: 'EventID', children: [{ sub: 0, type: 0x06 }] },
      { name: 'TimeCreated', attrs: [['SystemTime', [{ sub: 1, type: 0x11, optional: true }]]], empty: true },
      { name: 'EventRecordID', children: [{ sub: 2, type: 0x0a, optional: true }] },
      { name: 'Channel', children: [{ text: 'Test' }] },
      { name: 'Computer', children: [{ sub: 3, type: 0x01 }] },
    ],
  };
}

export const EVENT_NS = 'http://schemas.microsoft.com/win/2004/08/events/event';

/** an `<Event>` template: the usual System part, then `rest` */
export function eventTemplate(key: string, rest: El[]): Template {
  return { key, root: { name: 'Event', attrs: [['xmlns', [{ text: EVENT_NS }]]], children: [systemPart(), ...rest] } };
}

/** values 0..3 of systemPart */
export function systemValues(eventId: number, recordId: number, computer = 'HOST01'): Value[] {
  return [v.uint16(eventId), v.fileTime(133_500_000_000_000_000n), v.uint64(BigInt(recordId)), v.string(computer)];
}
