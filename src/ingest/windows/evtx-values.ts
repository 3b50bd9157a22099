/**
 * Substitution values of Windows binary XML (the "value types" of the EVTX format, MS-EVEN6
 * "Type System"), decoded from their bytes and written as the Windows event renderer
 * writes them in event XML:
 *
 * - strings (UTF-16LE, or a code page for ANSI strings) as they are, without the
 *   terminating NUL characters that many providers store;
 * - integers in decimal; HexInt32/HexInt64 (and SizeT) as `0x` and lower-case hex digits
 *   without leading zeros (`0x3e7`, `0x8020000000000000`);
 * - GUIDs as `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` with upper-case digits (StringFromGUID2);
 * - SIDs as `S-1-5-21-...`;
 * - FILETIME and SYSTEMTIME as ISO 8601 UTC with seven fraction digits (FILETIME's 100 ns
 *   resolution: `2013-10-23T16:22:39.9735000Z`), the form the pack's pipeline reads;
 * - binary data as upper-case hex digits; booleans as `true`/`false`;
 * - arrays (type | 0x80) as one string per item; an array of strings is NUL-separated.
 *
 * A value of type 0x21 (binary XML) is not text: it is a nested binary XML fragment that the
 * caller parses (see binxml.ts).
 */

export const VALUE_TYPE = {
  Null: 0x00,
  String: 0x01,
  AnsiString: 0x02,
  Int8: 0x03,
  UInt8: 0x04,
  Int16: 0x05,
  UInt16: 0x06,
  Int32: 0x07,
  UInt32: 0x08,
  Int64: 0x09,
  UInt64: 0x0a,
  Real32: 0x0b,
  Real64: 0x0c,
  Bool: 0x0d,
  Binary: 0x0e,
  Guid: 0x0f,
  SizeT: 0x10,
  FileTime: 0x11,
  SysTime: 0x12,
  Sid: 0x13,
  HexInt32: 0x14,
  HexInt64: 0x15,
  EvtHandle: 0x20,
  BinXml: 0x21,
  EvtXml: 0x23,
  ArrayFlag: 0x80,
} as const;

/** Thrown for bytes that do not hold what the format says they must. */
export class EvtxFormatError extends Error {
  override name = 'EvtxFormatError';
}

const FILETIME_UNIX_EPOCH_SECONDS = 11_644_473_600;
const TICKS_PER_SECOND = 10_000_000;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DDTHH:MM:SS` of whole seconds since 1970-01-01 (the proleptic Gregorian calendar, negative allowed). */
function isoSeconds(unixSeconds: number): string {
  const days = Math.floor(unixSeconds / 86400);
  const secondOfDay = unixSeconds - days * 86400;
  // civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted)
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(secondOfDay % 60, 2)}`;
}

/** A FILETIME (100 ns ticks since 1601-01-01 UTC) as `2013-10-23T16:22:39.9735000Z`. */
export function fileTimeToIso(ticks: bigint): string {
  const seconds = Number(ticks / 10_000_000n);
  const fraction = Number(ticks % 10_000_000n);
  return `${isoSeconds(seconds - FILETIME_UNIX_EPOCH_SECONDS)}.${pad(fraction, 7)}Z`;
}

/** The FILETIME at `buf[pos..pos+8)`, written as fileTimeToIso writes it. */
export function readFileTime(buf: Buffer, pos: number): string {
  const lo = buf.readUInt32LE(pos);
  const hi = buf.readUInt32LE(pos + 4);
  // 2^32 = 429 * 10^7 + 4967296: exact in doubles while hi * 4967296 + lo < 2^53 (until about year 26000)
  if (hi >= 1_800_000_000) return fileTimeToIso(buf.readBigUInt64LE(pos));
  const rest = hi * 4967296 + lo;
  const seconds = hi * 429 + Math.floor(rest / TICKS_PER_SECOND);
  return `${isoSeconds(seconds - FILETIME_UNIX_EPOCH_SECONDS)}.${pad(rest % TICKS_PER_SECOND, 7)}Z`;
}

/** A SYSTEMTIME (eight little-endian 16-bit fields) as `2016-07-08T22:16:31.2450000Z`. */
export function readSystemTime(buf: Buffer, pos: number): string {
  const year = buf.readUInt16LE(pos);
  const month = buf.readUInt16LE(pos + 2);
  const day = buf.readUInt16LE(pos + 6);
  const hour = buf.readUInt16LE(pos + 8);
  const minute = buf.readUInt16LE(pos + 10);
  const second = buf.readUInt16LE(pos + 12);
  const ms = buf.readUInt16LE(pos + 14);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(ms, 3)}0000Z`;
}

/** upper-case hex digits of each byte value */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).toUpperCase().padStart(2, '0'));

function hexBytes(buf: Buffer, from: number, to: number, step = 1): string {
  let s = '';
  for (let i = from; i !== to; i += step) s += HEX[buf[i] as number];
  return s;
}

/** A GUID (little-endian Data1..Data3, then 8 bytes) as `{54849625-5478-4994-A5BA-3E3B0328C30D}`. */
export function readGuid(buf: Buffer, pos: number): string {
  if (pos + 16 > buf.length) throw new RangeError(`GUID at ${pos} runs past the end of the buffer`);
  return `{${hexBytes(buf, pos + 3, pos - 1, -1)}-${hexBytes(buf, pos + 5, pos + 3, -1)}-${hexBytes(buf, pos + 7, pos + 5, -1)}-${hexBytes(buf, pos + 8, pos + 10)}-${hexBytes(buf, pos + 10, pos + 16)}}`;
}

/**
 * The SID at `buf[pos..end)` as `S-1-5-21-...`, and its length in bytes. The identifier
 * authority (48 bits, big-endian) is written in decimal below 2^32 and in hex above, as
 * ConvertSidToStringSid does.
 */
export function readSid(buf: Buffer, pos: number, end: number): { text: string; size: number } {
  if (end - pos < 8) throw new EvtxFormatError(`SID of ${end - pos} bytes`);
  const revision = buf.readUInt8(pos);
  const count = buf.readUInt8(pos + 1);
  const size = 8 + 4 * count;
  if (end - pos < size) throw new EvtxFormatError(`SID with ${count} sub-authorities in ${end - pos} bytes`);
  const authority = buf.readUIntBE(pos + 2, 6);
  let text = `S-${revision}-${authority < 2 ** 32 ? authority : `0x${authority.toString(16).toUpperCase().padStart(12, '0')}`}`;
  for (let i = 0; i < count; i++) text += `-${buf.readUInt32LE(pos + 8 + 4 * i)}`;
  return { text, size };
}

/** Removes the NUL characters that end a stored string (a C string terminator and padding). */
export function trimNul(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** How an 8-bit ("ANSI") string is decoded; the file does not say which code page wrote it. */
export type AnsiDecoder = (bytes: Buffer) => string;
export const latin1Decoder: AnsiDecoder = (bytes) => bytes.toString('latin1');

/** fixed sizes of the scalar types (an array of them is a multiple) */
const FIXED_SIZE: Record<number, number> = {
  [VALUE_TYPE.Int8]: 1,
  [VALUE_TYPE.UInt8]: 1,
  [VALUE_TYPE.Int16]: 2,
  [VALUE_TYPE.UInt16]: 2,
  [VALUE_TYPE.Int32]: 4,
  [VALUE_TYPE.UInt32]: 4,
  [VALUE_TYPE.Int64]: 8,
  [VALUE_TYPE.UInt64]: 8,
  [VALUE_TYPE.Real32]: 4,
  [VALUE_TYPE.Real64]: 8,
  [VALUE_TYPE.Bool]: 4,
  [VALUE_TYPE.Guid]: 16,
  [VALUE_TYPE.FileTime]: 8,
  [VALUE_TYPE.SysTime]: 16,
  [VALUE_TYPE.HexInt32]: 4,
  [VALUE_TYPE.HexInt64]: 8,
};

/** A real number as the Windows renderer writes it (%g-like for ordinary values; infinities and NaN as 1.#INF, -1.#INF, -1.#IND). */
function real(n: number): string {
  if (Number.isNaN(n)) return '-1.#IND';
  if (n === Infinity) return '1.#INF';
  if (n === -Infinity) return '-1.#INF';
  return String(n);
}

/** One scalar of a fixed-size type at `buf[pos..pos+size)`. */
function scalar(type: number, buf: Buffer, pos: number, size: number): string {
  switch (type) {
    case VALUE_TYPE.Int8:
      return String(buf.readInt8(pos));
    case VALUE_TYPE.UInt8:
      return String(buf.readUInt8(pos));
    case VALUE_TYPE.Int16:
      return String(buf.readInt16LE(pos));
    case VALUE_TYPE.UInt16:
      return String(buf.readUInt16LE(pos));
    case VALUE_TYPE.Int32:
      return String(buf.readInt32LE(pos));
    case VALUE_TYPE.UInt32:
      return String(buf.readUInt32LE(pos));
    case VALUE_TYPE.Int64:
      return buf.readBigInt64LE(pos).toString();
    case VALUE_TYPE.UInt64:
      return buf.readBigUInt64LE(pos).toString();
    case VALUE_TYPE.Real32:
      return real(buf.readFloatLE(pos));
    case VALUE_TYPE.Real64:
      return real(buf.readDoubleLE(pos));
    case VALUE_TYPE.Bool:
      return buf.readUInt32LE(pos) !== 0 ? 'true' : 'false';
    case VALUE_TYPE.Guid:
      return readGuid(buf, pos);
    case VALUE_TYPE.FileTime:
      return readFileTime(buf, pos);
    case VALUE_TYPE.SysTime:
      return readSystemTime(buf, pos);
    case VALUE_TYPE.HexInt32:
      return `0x${buf.readUInt32LE(pos).toString(16)}`;
    case VALUE_TYPE.HexInt64:
    case VALUE_TYPE.SizeT:
      return size === 4 ? `0x${buf.readUInt32LE(pos).toString(16)}` : `0x${buf.readBigUInt64LE(pos).toString(16)}`;
    default:
      throw new EvtxFormatError(`value type 0x${type.toString(16)} is not a fixed-size type`);
  }
}

/**
 * A decoded substitution value. `text` is the rendered text (null for the NULL type and for
 * binary XML); `items` is set for arrays (one text per item); `binxml` marks a nested binary
 * XML fragment at `buf[offset..offset+size)`.
 */
export interface EvtxValue {
  type: number;
  text: string | null;
  items?: string[];
  offset: number;
  size: number;
}

/** The NULL value (also what a missing substitution stands for). */
export const NULL_VALUE: EvtxValue = { type: VALUE_TYPE.Null, text: null, offset: 0, size: 0 };

/**
 * Decodes the value of type `type` stored at `buf[pos..pos+size)`. Binary XML (0x21) is
 * returned undecoded (text null, offset/size kept) for the caller to parse.
 */
export function decodeValue(type: number, buf: Buffer, pos: number, size: number, ansi: AnsiDecoder = latin1Decoder): EvtxValue {
  const end = pos + size;
  if (end > buf.length) throw new EvtxFormatError(`value of ${size} bytes at 0x${pos.toString(16)} runs past the end of the chunk`);
  switch (type) {
    case VALUE_TYPE.Null:
      return { type, text: null, offset: pos, size };
    case VALUE_TYPE.String:
      return { type, text: trimNul(buf.toString('utf16le', pos, pos + (size & ~1))), offset: pos, size };
    case VALUE_TYPE.AnsiString:
      return { type, text: trimNul(ansi(buf.subarray(pos, end))), offset: pos, size };
    case VALUE_TYPE.Binary:
    case VALUE_TYPE.EvtHandle:
    case VALUE_TYPE.EvtXml:
      return { type, text: buf.toString('hex', pos, end).toUpperCase(), offset: pos, size };
    case VALUE_TYPE.Sid:
      return { type, text: size === 0 ? '' : readSid(buf, pos, end).text, offset: pos, size };
    case VALUE_TYPE.SizeT:
      if (size !== 4 && size !== 8) throw new EvtxFormatError(`SizeT of ${size} bytes`);
      return { type, text: scalar(type, buf, pos, size), offset: pos, size };
    case VALUE_TYPE.BinXml:
      return { type, text: null, offset: pos, size };
    case VALUE_TYPE.String | VALUE_TYPE.ArrayFlag: {
      const parts = trimNul(buf.toString('utf16le', pos, pos + (size & ~1))).split('\u0000');
      const items = size === 0 ? [] : parts;
      return { type, text: items.join(','), items, offset: pos, size };
    }
    case VALUE_TYPE.AnsiString | VALUE_TYPE.ArrayFlag: {
      const items = size === 0 ? [] : trimNul(ansi(buf.subarray(pos, end))).split('\u0000');
      return { type, text: items.join(','), items, offset: pos, size };
    }
    case VALUE_TYPE.Sid | VALUE_TYPE.ArrayFlag: {
      const items: string[] = [];
      for (let p = pos; p < end; ) {
        const sid = readSid(buf, p, end);
        items.push(sid.text);
        p += sid.size;
      }
      return { type, text: items.join(','), items, offset: pos, size };
    }
    case VALUE_TYPE.SizeT | VALUE_TYPE.ArrayFlag:
      return fixedArray(type, buf, pos, size, size % 8 === 0 ? 8 : 4);
  }
  if (type & VALUE_TYPE.ArrayFlag) {
    const itemSize = FIXED_SIZE[type & ~VALUE_TYPE.ArrayFlag];
    if (itemSize === undefined) throw new EvtxFormatError(`unknown array value type 0x${type.toString(16)}`);
    return fixedArray(type, buf, pos, size, itemSize);
  }
  const fixed = FIXED_SIZE[type];
  if (fixed === undefined) throw new EvtxFormatError(`unknown value type 0x${type.toString(16)}`);
  if (size === 0) return { type, text: '', offset: pos, size };
  if (size < fixed) throw new EvtxFormatError(`value of type 0x${type.toString(16)} in ${size} bytes (needs ${fixed})`);
  return { type, text: scalar(type, buf, pos, fixed), offset: pos, size };
}

function fixedArray(type: number, buf: Buffer, pos: number, size: number, itemSize: number): EvtxValue {
  if (size % itemSize !== 0) throw new EvtxFormatError(`array of type 0x${type.toString(16)} in ${size} bytes (items of ${itemSize})`);
  const items: string[] = [];
  const base = type & ~VALUE_TYPE.ArrayFlag;
  for (let p = pos; p < pos + size; p += itemSize) items.push(scalar(base, buf, p, itemSize));
  return { type, text: items.join(','), items, offset: pos, size };
}

/** The value is empty in the sense of an optional substitution (it then produces nothing). */
export function isEmptyValue(v: EvtxValue): boolean {
  if (v.type === VALUE_TYPE.Null) return true;
  if (v.type === VALUE_TYPE.BinXml) return v.size === 0;
  if (v.items) return v.items.length === 0;
  return v.text === '';
}
