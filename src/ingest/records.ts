import { byteLineBatches, type PeekableBytes } from './bytes.js';
import { decodeLine, type Encoding } from './encoding.js';
import type { Format } from './detect.js';
import { readEventXml, readEvtxAsync, type EventXmlProblem, type EvtxProblem } from './windows/index.js';

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
  /** the file itself, when it can be read at any offset (not standard input, not gzipped): for .evtx */
  file?: string;
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

/** a Windows event as NXLog or a forwarder sends the raw event: its XML as the message */
function eventDoc(xml: string, offset: number, o: ReadOptions): Record<string, unknown> {
  return { message: xml, log: { file: { path: o.path }, offset } };
}

/**
 * Windows event XML exports (wevtutil, Event Viewer's "Save as XML", PowerShell): one
 * document per <Event> element, however many lines it spans; the encoding from the byte
 * order mark or the XML declaration (UTF-16 from Event Viewer). A cut-off last event is
 * reported; it is not an event the pipeline could read.
 */
async function* xmlRecords(bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters): AsyncGenerator<LoadRecord> {
  const problems: EventXmlProblem[] = [];
  for await (const e of readEventXml(bytes, { onProblem: (p) => problems.push(p) })) {
    yield { doc: eventDoc(e.xml, e.offset, o), offset: e.offset, text: e.xml };
  }
  for (const p of problems) counters.notes.push(`line ${p.line}: ${p.message}`);
}

/**
 * Binary .evtx files, read by the pack itself (src/ingest/windows/): one document per
 * record, in the order Windows reads them; a damaged chunk is reported and skipped, the
 * records of the others kept. The record number is the offset (the id of the document).
 */
async function* evtxRecords(bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters): AsyncGenerator<LoadRecord> {
  let source: string | Buffer;
  if (o.file) {
    source = o.file;
    await bytes.close();
  } else {
    // standard input or a gzipped file: the reader needs to seek, so the file is held whole
    const parts: Buffer[] = [];
    for await (const b of bytes) parts.push(b);
    source = Buffer.concat(parts);
  }
  const problems: EvtxProblem[] = [];
  for await (const r of readEvtxAsync(source, { onProblem: (p) => problems.push(p) })) {
    yield { doc: eventDoc(r.xml, r.recordId, o), offset: r.recordId, text: r.xml };
  }
  for (const p of problems) counters.notes.push(`${p.chunk !== undefined ? `chunk ${p.chunk} ` : ''}(byte ${p.fileOffset}): ${p.message}`);
}

/** the decoded lines that hold more than white space (the others counted, as shippers skip them), a batch per chunk read */
async function* textLines(bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters): AsyncGenerator<Array<{ text: string; offset: number }>> {
  for await (const batch of byteLineBatches(bytes)) {
    const out: Array<{ text: string; offset: number }> = [];
    for (const { bytes: b, offset } of batch) {
      const text = decodeLine(b, o.encoding);
      if (text.trim()) out.push({ text, offset });
      else counters.empty++;
    }
    if (out.length) yield out;
  }
}

/** plain lines: one document per non-empty line */
async function* lineRecords(bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters): AsyncGenerator<LoadRecord[]> {
  for await (const batch of textLines(bytes, o, counters)) yield batch.map(({ text, offset }) => ({ doc: lineDoc(text, offset, o), offset, text }));
}

/** a line of NDJSON as the document a shipper sent; a line that is no JSON object is kept as a plain line */
function ndjsonRecord(text: string, offset: number, o: ReadOptions): LoadRecord {
  let doc: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) doc = parsed as Record<string, unknown>;
  } catch {
    // kept as a plain line below: the pipeline marks what it cannot read
  }
  if (!doc) return { doc: lineDoc(text, offset, o), offset, text };
  const log = (doc.log !== null && typeof doc.log === 'object' ? doc.log : {}) as Record<string, unknown>;
  const file = (log.file !== null && typeof log.file === 'object' ? log.file : {}) as Record<string, unknown>;
  // the shipper's own file path and offset win; the archive's are added when it sent none
  doc.log = { ...log, file: { path: o.path, ...file }, ...(log.offset === undefined ? { offset } : {}) };
  return { doc, offset, text };
}

/** NDJSON: each line a document as a shipper sent it */
async function* ndjsonRecords(bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters): AsyncGenerator<LoadRecord[]> {
  for await (const batch of textLines(bytes, o, counters)) yield batch.map(({ text, offset }) => ndjsonRecord(text, offset, o));
}

/** records one by one, in batches of up to n */
async function* batchesOf(records: AsyncGenerator<LoadRecord>, n: number): AsyncGenerator<LoadRecord[]> {
  let batch: LoadRecord[] = [];
  for await (const r of records) {
    batch.push(r);
    if (batch.length >= n) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

type RecordReader = (bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters) => AsyncGenerator<LoadRecord[]>;

const READERS: Record<Format, RecordReader> = {
  lines: lineRecords,
  ndjson: ndjsonRecords,
  xml: (b, o, c) => batchesOf(xmlRecords(b, o, c), 100),
  evtx: (b, o, c) => batchesOf(evtxRecords(b, o, c), 100),
};

/** an input's documents, in batches (a chunk's lines, or up to 100 Windows events) */
export function readRecordBatches(bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters): AsyncGenerator<LoadRecord[]> {
  return READERS[o.format](bytes, o, counters);
}

/** an input's documents one by one */
export async function* readRecords(bytes: PeekableBytes, o: ReadOptions, counters: ReadCounters): AsyncGenerator<LoadRecord> {
  for await (const batch of readRecordBatches(bytes, o, counters)) yield* batch;
}
