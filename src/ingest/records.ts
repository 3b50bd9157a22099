import { byteLines, type PeekableBytes } from './bytes.js';
import { decodeLine, type Encoding } from './encoding.js';
import type { Format } from './detect.js';

/**
 * The documents an input becomes, one per log line or event, in the shape a live shipper
 * sends them, so that the pipeline (where all parsing lives) gives the same document either
 * way: a plain line as Filebeat's log input sends it (`message`, the time it was read as
 * `@timestamp`, `log.file.path`, `log.offset`), an NDJSON document as it is (Winlogbeat,
 * Elastic Agent, NXLog), a Windows event as its XML in `message` (as NXLog or a forwarder
 * sends the raw event).
 */

export interface LoadRecord {
  doc: Record<string, unknown>;
  /** where the record starts in the (decompressed) input: a byte offset, or the record number of an .evtx */
  offset: number;
  /** the record's text as read, for a dead-letter entry */
  text: string;
}

export interface ReadOptions {
  format: Format;
  encoding: Encoding;
  /** the time the records count as read at (a syslog time stamp takes its year from it), ISO 8601 */
  readTime: string;
  /** `log.file.path` of every document */
  path: string;
  /** `event.timezone` of every plain line: the zone of its time stamps when they carry none */
  timeZone?: string;
}

function lineDoc(text: string, offset: number, o: ReadOptions): Record<string, unknown> {
  return { '@timestamp': o.readTime, message: text, log: { file: { path: o.path }, offset }, ...(o.timeZone ? { event: { timezone: o.timeZone } } : {}) };
}

export interface ReadCounters {
  /** lines that held nothing but white space: skipped, as shippers skip them */
  empty: number;
  /** problems that lost no record but are worth a line in the report (a damaged .evtx chunk) */
  notes: string[];
}

/** Windows event XML exports: one document per <Event> element, its XML as the message */
async function* xmlRecords(bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters): AsyncGenerator<LoadRecord> {
  void bytes; void o; void counters;
  throw new Error('TODO xml');
}

/** binary .evtx: one document per record, its XML as the message */
async function* evtxRecords(bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters): AsyncGenerator<LoadRecord> {
  void bytes; void o; void counters;
  throw new Error('TODO evtx');
}

/** plain lines: one document per non-empty line */
async function* lineRecords(bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters): AsyncGenerator<LoadRecord> {
  for await (const { bytes: b, offset } of byteLines(bytes)) {
    const text = decodeLine(b, o.encoding);
    if (!text.trim()) {
      counters.empty++;
      continue;
    }
    yield { doc: lineDoc(text, offset, o), offset, text };
  }
}

/** NDJSON: each line a document as a shipper sent it; a line that is no JSON object is kept as a plain line */
async function* ndjsonRecords(bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters): AsyncGenerator<LoadRecord> {
  for await (const { bytes: b, offset } of byteLines(bytes)) {
    const text = decodeLine(b, o.encoding);
    if (!text.trim()) {
      counters.empty++;
      continue;
    }
    let doc: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) doc = parsed as Record<string, unknown>;
    } catch {
      // kept as a plain line below: the pipeline marks what it cannot read
    }
    if (!doc) {
      yield { doc: lineDoc(text, offset, o), offset, text };
      continue;
    }
    const log = (doc.log !== null && typeof doc.log === 'object' ? doc.log : {}) as Record<string, unknown>;
    const file = (log.file !== null && typeof log.file === 'object' ? log.file : {}) as Record<string, unknown>;
    // the shipper's own file path and offset win; the archive's are added when it sent none
    doc.log = { ...log, file: { path: o.path, ...file }, ...(log.offset === undefined ? { offset } : {}) };
    yield { doc, offset, text };
  }
}

type RecordReader = (bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters) => AsyncGenerator<LoadRecord>;

const READERS: Record<Format, RecordReader> = { lines: lineRecords, ndjson: ndjsonRecords, xml: xmlRecords, evtx: evtxRecords };

export function readRecords(bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters): AsyncGenerator<LoadRecord> {
  return READERS[o.format](bytes, o, counters);
}
