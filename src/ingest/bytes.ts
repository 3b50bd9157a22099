import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';

/**
 * The bytes of one input, streamed: a file or standard input, gunzipped when it starts with
 * the gzip magic (whatever its name), with the first bytes readable before the rest (to
 * detect the format, the source and the encoding) without reading the input twice.
 */

export const STDIN = '-';

const GZIP_MAGIC = [0x1f, 0x8b];

/** A byte stream whose first bytes can be looked at before it is consumed. */
export class PeekableBytes implements AsyncIterable<Buffer> {
  private readonly it: AsyncIterator<Buffer>;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private done = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** at least n bytes from the start (fewer when the input is shorter), not consumed */
  async peek(n: number): Promise<Buffer> {
    while (this.headBytes < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else {
        this.head.push(r.value);
        this.headBytes += r.value.length;
      }
    }
    return Buffer.concat(this.head);
  }

  /** closes the input without reading the rest */
  async close(): Promise<void> {
    this.done = true;
    await this.it.return?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    while (this.head.length) yield this.head.shift()!;
    if (this.done) return;
    for (;;) {
      const r = await this.it.next();
      if (r.done) return;
      yield r.value;
    }
  }
}

function raw(path: string): Readable {
  return path === STDIN ? process.stdin : createReadStream(path, { highWaterMark: 256 * 1024 });
}

/** The (decompressed) bytes of a file or of standard input (`-`). */
export async function openInput(path: string): Promise<{ bytes: PeekableBytes; gzip: boolean }> {
  const file = new PeekableBytes(raw(path));
  const start = await file.peek(2);
  const gzip = start.length >= 2 && start[0] === GZIP_MAGIC[0] && start[1] === GZIP_MAGIC[1];
  if (!gzip) return { bytes: file, gzip };
  const gunzip = Readable.from(file).pipe(createGunzip());
  return { bytes: new PeekableBytes(gunzip), gzip };
}

/**
 * Lines of a byte stream, split on LF (a CR before it is dropped), with the byte offset where
 * each starts, as Filebeat reports `log.offset`. The split is on bytes, before decoding: LF
 * is never part of a multi-byte character in UTF-8, Shift_JIS or EUC-JP. A last line without
 * LF is a line too; an empty input has none. The lines come in batches, one per chunk read,
 * so that a large file does not cost an asynchronous step per line.
 */
export async function* byteLineBatches(bytes: AsyncIterable<Buffer>): AsyncGenerator<Array<{ bytes: Buffer; offset: number }>> {
  let carry: Buffer = Buffer.alloc(0);
  let offset = 0;
  for await (const chunk of bytes) {
    const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const batch: Array<{ bytes: Buffer; offset: number }> = [];
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl < 0) break;
      const end = nl > start && data[nl - 1] === 0x0d ? nl - 1 : nl;
      batch.push({ bytes: data.subarray(start, end), offset });
      offset += nl + 1 - start;
      start = nl + 1;
    }
    carry = Buffer.from(data.subarray(start));
    if (batch.length) yield batch;
  }
  if (carry.length) {
    const end = carry[carry.length - 1] === 0x0d ? carry.length - 1 : carry.length;
    yield [{ bytes: carry.subarray(0, end), offset }];
  }
}

/** the same lines one by one */
export async function* byteLines(bytes: AsyncIterable<Buffer>): AsyncGenerator<{ bytes: Buffer; offset: number }> {
  for await (const batch of byteLineBatches(bytes)) yield* batch;
}
