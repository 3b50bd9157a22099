/**
 * Reads a Windows event log file (`.evtx`) record by record, without Windows or any other
 * tool, a 64 KiB chunk at a time: memory stays the same whatever the file's size.
 *
 * File layout: a 4096-byte file header ("ElfFile\0", first and last chunk number, next
 * record identifier, header size 128, version 3.1 or 3.2, header block size 4096, chunk
 * count, flags, CRC32 of its first 120 bytes), then 64 KiB chunks (see evtx-chunk.ts).
 *
 * The log is circular: once full, Windows overwrites its oldest chunk, so file order is
 * not time order. Records are read from the chunk holding the oldest records (the lowest
 * first record identifier) onwards, wrapping around the end of the file: the order
 * Windows reads them in. Every chunk present in the file is read, also past the chunk
 * count of the header (a "dirty" file that was copied while being written). Chunks of
 * zero bytes are unused and skipped silently; a damaged chunk is reported and skipped,
 * and the records of the other chunks are kept.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { CHUNK_SIZE, isZeroChunk, readChunkRecords, type ChunkReadOptions, type EvtxProblem, type EvtxRecord } from './evtx-chunk.js';
import { EvtxFormatError } from './evtx-values.js';

export type { EvtxProblem, EvtxRecord } from './evtx-chunk.js';
export { EvtxFormatError } from './evtx-values.js';

export const FILE_HEADER_SIZE = 4096;
const FILE_MAGIC = Buffer.from('ElfFile\0', 'latin1');

export interface EvtxFileHeader {
  firstChunkNumber: number;
  lastChunkNumber: number;
  nextRecordId: number;
  majorVersion: number;
  minorVersion: number;
  /** chunks according to the header (the file may hold more, see readEvtx) */
  chunkCount: number;
  /** the file was not closed cleanly (flag 0x1) */
  dirty: boolean;
  /** the log is full (flag 0x2) */
  full: boolean;
  /** the header's CRC32 matches its first 120 bytes */
  checksumOk: boolean;
}

/** Whether the bytes start an EVTX file (the "ElfFile\0" signature). */
export function isEvtx(head: Buffer): boolean {
  return head.length >= 8 && head.subarray(0, 8).equals(FILE_MAGIC);
}

/** The file header from the first 128 (or more) bytes of the file; throws EvtxFormatError for a file that is not EVTX. */
export function readEvtxFileHeader(head: Buffer): EvtxFileHeader {
  if (!isEvtx(head)) throw new EvtxFormatError(`not an EVTX file (no "ElfFile" signature; it starts with ${head.toString('hex', 0, Math.min(8, head.length))})`);
  if (head.length < 128) throw new EvtxFormatError(`EVTX file header cut off after ${head.length} bytes`);
  const flags = head.readUInt32LE(120);
  return {
    firstChunkNumber: Number(head.readBigUInt64LE(8)),
    lastChunkNumber: Number(head.readBigUInt64LE(16)),
    nextRecordId: Number(head.readBigUInt64LE(24)),
    minorVersion: head.readUInt16LE(36),
    majorVersion: head.readUInt16LE(38),
    chunkCount: head.readUInt16LE(42),
    dirty: (flags & 1) !== 0,
    full: (flags & 2) !== 0,
    checksumOk: crc32(head.subarray(0, 120)) === head.readUInt32LE(124),
  };
}

export interface EvtxReadOptions extends ChunkReadOptions {
  /** called for each problem met (see EvtxProblem); default: problems are not reported */
  onProblem?: (problem: EvtxProblem) => void;
  /** `oldest-first` (default): from the chunk with the oldest records, wrapping around; `file`: in file order */
  order?: 'oldest-first' | 'file';
}

/** Positioned reads of the file (or of a buffer holding it). */
interface SyncSource {
  size: number;
  read(into: Buffer, length: number, position: number): number;
  close(): void;
}

function bufferSource(buf: Buffer): SyncSource {
  return {
    size: buf.length,
    read: (into, length, position) => buf.copy(into, 0, position, Math.min(position + length, buf.length)),
    close: () => undefined,
  };
}

function fileSource(path: string): SyncSource {
  const fd = openSync(path, 'r');
  try {
    return {
      size: fstatSync(fd).size,
      read: (into, length, position) => {
        let done = 0;
        while (done < length) {
          const n = readSync(fd, into, done, length - done, position + done);
          if (n === 0) break;
          done += n;
        }
        return done;
      },
      close: () => closeSync(fd),
    };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The chunk index to start from: the valid chunk with the lowest first record identifier. */
function oldestChunk(firstIds: Array<number | undefined>): number {
  let best = 0;
  let bestId = Infinity;
  firstIds.forEach((id, i) => {
    if (id !== undefined && id < bestId) {
      bestId = id;
      best = i;
    }
  });
  return best;
}

/** the chunk order, and the problems of the file itself */
function plan(head: Buffer, size: number, firstIdOf: (chunk: number) => number | undefined, options: EvtxReadOptions): number[] {
  const header = readEvtxFileHeader(head);
  const report = options.onProblem ?? (() => undefined);
  if (!header.checksumOk) report({ kind: 'file-header', fileOffset: 0, message: 'file header checksum does not match (the header may be damaged; all chunks in the file are read)' });
  const chunks = Math.max(0, Math.floor((size - FILE_HEADER_SIZE) / CHUNK_SIZE));
  const rest = size - FILE_HEADER_SIZE - chunks * CHUNK_SIZE;
  if (rest > 0) report({ kind: 'truncated-file', chunk: chunks, fileOffset: FILE_HEADER_SIZE + chunks * CHUNK_SIZE, message: `the file ends ${rest} bytes into chunk ${chunks} (file cut off?); that chunk is skipped` });
  const indices = Array.from({ length: chunks }, (_, i) => i);
  if (options.order === 'file') return indices;
  const start = oldestChunk(indices.map(firstIdOf));
  return [...indices.slice(start), ...indices.slice(0, start)];
}

const CHUNK_MAGIC = Buffer.from('ElfChnk\0', 'latin1');

/** the first record identifier of a chunk from its first 32 bytes, if it has a chunk signature */
function firstIdOfHead(head: Buffer): number | undefined {
  return head.subarray(0, 8).equals(CHUNK_MAGIC) ? Number(head.readBigUInt64LE(24)) : undefined;
}

/**
 * The records of an EVTX file (a path, or a Buffer holding the whole file), one at a time.
 * Problems (damaged chunks and records, see EvtxProblem) go to `options.onProblem`; a file
 * that is not EVTX throws EvtxFormatError. The file is closed when the iteration ends,
 * also when it is stopped early.
 */
export function* readEvtx(source: string | Buffer, options: EvtxReadOptions = {}): Generator<EvtxRecord> {
  const src = typeof source === 'string' ? fileSource(source) : bufferSource(source);
  try {
    const head = Buffer.alloc(FILE_HEADER_SIZE);
    src.read(head, FILE_HEADER_SIZE, 0);
    const probe = Buffer.alloc(32);
    const order = plan(head, src.size, (i) => (src.read(probe, 32, FILE_HEADER_SIZE + i * CHUNK_SIZE) === 32 ? firstIdOfHead(probe) : undefined), options);
    const report = options.onProblem ?? (() => undefined);
    const chunk = Buffer.alloc(CHUNK_SIZE);
    for (const i of order) {
      const offset = FILE_HEADER_SIZE + i * CHUNK_SIZE;
      if (src.read(chunk, CHUNK_SIZE, offset) !== CHUNK_SIZE || isZeroChunk(chunk)) continue;
      yield* readChunkRecords(chunk, i, offset, report, options);
    }
  } finally {
    src.close();
  }
}

async function readFully(fh: FileHandle, into: Buffer, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(into, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** readEvtx with asynchronous file reads (the parsing of each chunk is synchronous). */
export async function* readEvtxAsync(source: string | Buffer, options: EvtxReadOptions = {}): AsyncGenerator<EvtxRecord> {
  if (Buffer.isBuffer(source)) {
    yield* readEvtx(source, options);
    return;
  }
  const fh = await open(source, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(FILE_HEADER_SIZE);
    await readFully(fh, head, FILE_HEADER_SIZE, 0);
    const chunks = Math.max(0, Math.floor((size - FILE_HEADER_SIZE) / CHUNK_SIZE));
    const firstIds: Array<number | undefined> = [];
    if (options.order !== 'file' && isEvtx(head)) {
      const probe = Buffer.alloc(32);
      for (let i = 0; i < chunks; i++) firstIds.push((await readFully(fh, probe, 32, FILE_HEADER_SIZE + i * CHUNK_SIZE)) === 32 ? firstIdOfHead(probe) : undefined);
    }
    const order = plan(head, size, (i) => firstIds[i], options);
    const report = options.onProblem ?? (() => undefined);
    const chunk = Buffer.alloc(CHUNK_SIZE);
    for (const i of order) {
      const offset = FILE_HEADER_SIZE + i * CHUNK_SIZE;
      if ((await readFully(fh, chunk, CHUNK_SIZE, offset)) !== CHUNK_SIZE || isZeroChunk(chunk)) continue;
      yield* readChunkRecords(chunk, i, offset, report, options);
    }
  } finally {
    await fh.close();
  }
}
