/**
 * One EVTX chunk (64 KiB): its header and the event records in it.
 *
 * Chunk header (512 bytes): "ElfChnk\0", first/last event record number and identifier,
 * header size (128), offset of the last record, free space offset (end of the records),
 * CRC32 of the records (bytes 512..free space), CRC32 of the header (bytes 0..120 and
 * 128..512), then 64 offsets of common strings and 32 of templates (the caches the writer
 * keeps; a reader finds names and templates through the offsets in the records instead).
 *
 * Event record: "\x2a\x2a\0\0", size, record identifier, written time (FILETIME), binary
 * XML, and the size again at its end.
 */
import { readBinXml, newChunkContext } from './binxml.js';
import { renderXml, textOf, windowsEventOf, type WindowsEvent, type XmlElement } from './event-xml.js';
import { latin1Decoder, readFileTime, type AnsiDecoder } from './evtx-values.js';
import { crc32 } from 'node:zlib';

export const CHUNK_SIZE = 0x10000;
export const CHUNK_HEADER_SIZE = 512;
const RECORD_HEADER_SIZE = 24;
const CHUNK_MAGIC = Buffer.from('ElfChnk\0', 'latin1');
const RECORD_MAGIC = 0x00002a2a;

export interface EvtxChunkHeader {
  firstRecordNumber: number;
  lastRecordNumber: number;
  firstRecordId: number;
  lastRecordId: number;
  lastRecordOffset: number;
  freeSpaceOffset: number;
  recordsChecksum: number;
  headerChecksum: number;
}

/** A problem met while reading: what was skipped or may be wrong, and where. */
export interface EvtxProblem {
  /**
   * - `file-header`: the file header is damaged (chunks are still looked for);
   * - `chunk`: a chunk that cannot be read (bad signature or header); it is skipped;
   * - `chunk-checksum`: a checksum does not match; the chunk is read anyway;
   * - `record`: a record that cannot be read (bad signature, size or binary XML); it is
   *   skipped, and the rest of the chunk is searched for the next record;
   * - `records-missing`: the chunk's records end before its header says they do (zeroed or
   *   overwritten space);
   * - `damaged-record`: a record whose trailing size copy is wrong (partly overwritten); it
   *   is read and returned, with `damaged` set;
   * - `truncated-file`: the file ends inside a chunk.
   */
  kind: 'file-header' | 'chunk' | 'chunk-checksum' | 'record' | 'records-missing' | 'damaged-record' | 'truncated-file';
  /** index of the chunk in the file (0 = the chunk at file offset 4096) */
  chunk?: number;
  /** offset in the file of what is wrong (the chunk, or the record) */
  fileOffset: number;
  recordId?: number;
  message: string;
}

/** One event record. */
export interface EvtxRecord {
  /**
   * the record's identifier from the record header: unique in the file, in write order.
   * Usually equal to the event's EventRecordID; a log saved by Event Viewer ("Save All
   * Events As") numbers its records from 1 but keeps each event's EventRecordID.
   */
  recordId: number;
  /** the event's `<EventRecordID>` (System), when it has one */
  eventRecordId: number | undefined;
  /** when the record was written: the record header's FILETIME as ISO 8601 UTC with 7 fraction digits */
  timestamp: string;
  /** the event as Windows renders it: `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>...</Event>` on one line (values keep their own line breaks) */
  xml: string;
  /** the event read into an object (built when first read) */
  readonly event: WindowsEvent;
  /** index of the chunk in the file */
  chunk: number;
  /** offset of the record in the file */
  fileOffset: number;
  /** set when the record is damaged but was read (see EvtxProblem `damaged-record`) */
  damaged?: string;
}

class ChunkRecord implements EvtxRecord {
  damaged?: string;
  #event: WindowsEvent | undefined;
  constructor(
    readonly recordId: number,
    readonly eventRecordId: number | undefined,
    readonly timestamp: string,
    readonly xml: string,
    readonly chunk: number,
    readonly fileOffset: number,
    private readonly root: XmlElement,
  ) {}
  get event(): WindowsEvent {
    return (this.#event ??= windowsEventOf(this.root));
  }
  toJSON(): object {
    const { recordId, eventRecordId, timestamp, xml, event, chunk, fileOffset, damaged } = this;
    return { recordId, eventRecordId, timestamp, xml, event, chunk, fileOffset, ...(damaged ? { damaged } : {}) };
  }
}

/** the System/EventRecordID of an Event element, without building the whole object */
function eventRecordIdOf(event: XmlElement): number | undefined {
  for (const part of event.children) {
    if (typeof part !== 'object' || !('children' in part) || part.name !== 'System') continue;
    for (const c of part.children) {
      if (typeof c === 'object' && 'children' in c && c.name === 'EventRecordID') {
        const text = textOf(c);
        return /^\d+$/.test(text) ? Number(text) : undefined;
      }
    }
  }
  return undefined;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Whether `buf` (a whole chunk) is nothing but zero bytes: an unused chunk. */
export function isZeroChunk(buf: Buffer): boolean {
  return buf.length === CHUNK_SIZE ? buf.equals(ZERO_CHUNK) : buf.every((b) => b === 0);
}
const ZERO_CHUNK = Buffer.alloc(CHUNK_SIZE);

const u64 = (buf: Buffer, pos: number): number => Number(buf.readBigUInt64LE(pos));

/** The chunk header, or the reason it cannot be read. */
export function readChunkHeader(buf: Buffer): EvtxChunkHeader | string {
  if (buf.length < CHUNK_HEADER_SIZE) return `only ${buf.length} bytes`;
  if (!buf.subarray(0, 8).equals(CHUNK_MAGIC)) return `bad chunk signature (expected "ElfChnk\\0", found ${buf.toString('hex', 0, 8)})`;
  return {
    firstRecordNumber: u64(buf, 8),
    lastRecordNumber: u64(buf, 16),
    firstRecordId: u64(buf, 24),
    lastRecordId: u64(buf, 32),
    lastRecordOffset: buf.readUInt32LE(44),
    freeSpaceOffset: buf.readUInt32LE(48),
    recordsChecksum: buf.readUInt32LE(52),
    headerChecksum: buf.readUInt32LE(124),
  };
}

/** Options of the chunk reader. */
export interface ChunkReadOptions {
  /** decodes 8-bit strings (default latin1) */
  ansi?: AnsiDecoder;
  /** check the header and records CRC32 and report mismatches (default true) */
  checksums?: boolean;
}

/** a plausible record header at `pos` (signature, size that fits, size copy) */
function recordLooksWhole(buf: Buffer, pos: number, end: number): boolean {
  if (pos + RECORD_HEADER_SIZE > end || buf.readUInt32LE(pos) !== RECORD_MAGIC) return false;
  const size = buf.readUInt32LE(pos + 4);
  return size >= RECORD_HEADER_SIZE + 4 && pos + size <= end && buf.readUInt32LE(pos + size - 4) === size;
}

/**
 * The records of one chunk, in order. `buf` is the chunk's 64 KiB; `index` and
 * `fileOffset` say where it is in the file. A chunk that cannot be read is reported and
 * yields nothing. A record that cannot be read is reported and skipped; reading goes on
 * at the next whole record after it (records are 8-byte aligned), up to the chunk's free
 * space offset.
 */
export function* readChunkRecords(buf: Buffer, index: number, fileOffset: number, onProblem: (p: EvtxProblem) => void, options: ChunkReadOptions = {}): Generator<EvtxRecord> {
  const header = readChunkHeader(buf);
  if (typeof header === 'string') {
    onProblem({ kind: 'chunk', chunk: index, fileOffset, message: `chunk ${index} at file offset ${hex(fileOffset)} skipped: ${header}` });
    return;
  }
  const end = Math.min(Math.max(header.freeSpaceOffset, CHUNK_HEADER_SIZE), buf.length);
  if (options.checksums !== false) {
    const headerCrc = crc32(buf.subarray(128, CHUNK_HEADER_SIZE), crc32(buf.subarray(0, 120)));
    if (headerCrc !== header.headerChecksum) {
      onProblem({ kind: 'chunk-checksum', chunk: index, fileOffset, message: `chunk ${index} at file offset ${hex(fileOffset)}: header checksum ${hex(headerCrc)} differs from the stored ${hex(header.headerChecksum)}` });
    }
    const recordsCrc = crc32(buf.subarray(CHUNK_HEADER_SIZE, end));
    if (recordsCrc !== header.recordsChecksum) {
      onProblem({ kind: 'chunk-checksum', chunk: index, fileOffset, message: `chunk ${index} at file offset ${hex(fileOffset)}: records checksum ${hex(recordsCrc)} differs from the stored ${hex(header.recordsChecksum)} (records may be damaged)` });
    }
  }
  const ctx = newChunkContext(buf, options.ansi ?? latin1Decoder);
  let pos = CHUNK_HEADER_SIZE;
  let lastId: number | undefined;
  while (pos + RECORD_HEADER_SIZE <= end) {
    const where = fileOffset + pos;
    const magic = buf.readUInt32LE(pos);
    const size = buf.readUInt32LE(pos + 4);
    let reason: string | undefined;
    if (magic !== RECORD_MAGIC) reason = `bad record signature (expected 2a2a0000, found ${buf.toString('hex', pos, pos + 4)})`;
    else if (size < RECORD_HEADER_SIZE + 4 || pos + size > buf.length) reason = `bad record size ${size}`;
    if (reason !== undefined) {
      // look for the next whole record in the rest of the chunk
      let next = pos + 8;
      while (next + RECORD_HEADER_SIZE <= end && !recordLooksWhole(buf, next, end)) next += 8;
      const lost = lastId !== undefined && lastId < header.lastRecordId ? ` (the header says the chunk's records go on to ${header.lastRecordId}, the last read is ${lastId})` : '';
      if (next + RECORD_HEADER_SIZE > end) {
        onProblem({ kind: 'records-missing', chunk: index, fileOffset: where, message: `chunk ${index}: no record at offset ${hex(pos)} (file offset ${hex(where)}), before the end of its records at ${hex(end)}: ${reason}${lost}` });
        return;
      }
      onProblem({ kind: 'record', chunk: index, fileOffset: where, message: `chunk ${index}: cannot read the record at offset ${hex(pos)} (file offset ${hex(where)}): ${reason}; reading goes on at offset ${hex(next)}` });
      pos = next;
      continue;
    }
    const recordId = u64(buf, pos + 8);
    let record: ChunkRecord;
    try {
      const nodes = readBinXml(ctx, pos + RECORD_HEADER_SIZE, pos + size - 4);
      const event = nodes.find((n): n is XmlElement => typeof n === 'object' && 'children' in n);
      if (!event) throw new Error('no element in the record');
      record = new ChunkRecord(recordId, eventRecordIdOf(event), readFileTime(buf, pos + 16), renderXml(event), index, where, event);
    } catch (err) {
      onProblem({ kind: 'record', chunk: index, fileOffset: where, recordId, message: `chunk ${index}: record ${recordId} at offset ${hex(pos)} (file offset ${hex(where)}) skipped: ${(err as Error).message}` });
      pos += size;
      continue;
    }
    if (buf.readUInt32LE(pos + size - 4) !== size) {
      record.damaged = `its size copy ${buf.readUInt32LE(pos + size - 4)} differs from its size ${size}: the record was partly overwritten`;
      onProblem({ kind: 'damaged-record', chunk: index, fileOffset: where, recordId, message: `chunk ${index}: record ${recordId} at offset ${hex(pos)} (file offset ${hex(where)}): ${record.damaged}` });
    }
    lastId = recordId;
    yield record;
    pos += size;
  }
}
