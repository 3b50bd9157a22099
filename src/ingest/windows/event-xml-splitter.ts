/**
 * Splits exports of Windows event XML into one string per `<Event>` element, streaming:
 * `wevtutil qe <log> /f:xml` (events one after the other, often on one line, no wrapper),
 * Event Viewer "Save All Events As... XML" (`<?xml ...?><Events><Event>...</Event>...</Events>`,
 * UTF-8 or UTF-16 with a byte order mark), PowerShell `Get-WinEvent | % { $_.ToXml() }` (one
 * event per line, or pretty-printed over many).
 *
 * An event may span lines (PrivilegeList, UserAccountControl and other values carry line
 * breaks, and a pretty-printed export indents every element); its text is returned as it is
 * in the input, whitespace and line breaks included, from `<Event` to `</Event>`. What
 * stands outside events (XML declaration, `<Events>` wrapper, comments, whitespace) is
 * skipped; other text there is reported. An event cut off by the end of the input, or one
 * larger than `maxEventChars`, is reported (with its text, so that it is not lost), not
 * returned.
 *
 * Memory holds at most one event (and a partial tag) at a time, whatever the input's size.
 */
import { createReadStream } from 'node:fs';

/** One event of the export. */
export interface EventXml {
  /** the `<Event ...>...</Event>` element as it is in the input */
  xml: string;
  /** line (1-based) of the input where the event starts */
  line: number;
  /** offset in characters of the decoded input where the event starts */
  offset: number;
}

/** Something in the input that is not a whole event. */
export interface EventXmlProblem {
  /**
   * - `truncated`: the input ends inside an event (its text is in `text`);
   * - `too-large`: an event longer than maxEventChars (its beginning is in `text`); the
   *   reader looks for the next event after its start tag;
   * - `unexpected-text`: text outside events that is not markup (the first 200 characters in `text`).
   */
  kind: 'truncated' | 'too-large' | 'unexpected-text';
  line: number;
  offset: number;
  message: string;
  text: string;
}

export interface EventXmlSplitOptions {
  /** longest event kept, in characters (default 16 Mi) */
  maxEventChars?: number;
  onProblem?: (problem: EventXmlProblem) => void;
}

const DEFAULT_MAX_EVENT_CHARS = 16 * 1024 * 1024;
const SAMPLE = 200;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x2e || c === 0x3a || c > 0x7f;
}

function countLines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * The splitter: `push` text as it comes, take the events it returns; `end` at the end of
 * the input.
 */
export class EventXmlSplitter {
  private buf = '';
  /** characters dropped from the front of buf, and the line breaks they held */
  private dropped = 0;
  private droppedLines = 0;
  /** line breaks in buf[0..countedTo) */
  private countedTo = 0;
  private counted = 0;
  /** scan position in buf */
  private pos = 0;
  /** start of the event being read in buf, or -1 outside events */
  private start = -1;
  private depth = 0;
  /** inside a run of unexpected text (reported once per run) */
  private junk = false;
  private readonly max: number;
  private readonly report: (p: EventXmlProblem) => void;

  constructor(options: EventXmlSplitOptions = {}) {
    this.max = options.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS;
    this.report = options.onProblem ?? (() => undefined);
  }

  /** line breaks in buf before index i (counted once, forward) */
  private linesBefore(i: number): number {
    if (i < this.countedTo) {
      this.countedTo = 0;
      this.counted = 0;
    }
    this.counted += countLines(this.buf, this.countedTo, i);
    this.countedTo = i;
    return this.counted;
  }

  private lineAt(i: number): number {
    return 1 + this.droppedLines + this.linesBefore(i);
  }

  private problem(kind: EventXmlProblem['kind'], at: number, message: string, text: string): void {
    const line = this.lineAt(at);
    this.report({ kind, line, offset: this.dropped + at, message: `line ${line}: ${message}`, text });
  }

  /** forget what has been read (keeps the event being read, if any) */
  private compact(): void {
    const keep = this.start >= 0 ? this.start : this.pos;
    if (keep === 0) return;
    this.droppedLines += this.linesBefore(keep);
    this.dropped += keep;
    this.buf = this.buf.slice(keep);
    this.countedTo = 0;
    this.counted = 0;
    this.pos -= keep;
    if (this.start >= 0) this.start -= keep;
  }

  /** Adds text; returns the events completed by it. */
  push(text: string): EventXml[] {
    const out: EventXml[] = [];
    this.buf += text;
    this.scan(out, false);
    this.compact();
    return out;
  }

  /** Ends the input: reports an event left open (kind `truncated`). */
  end(): EventXml[] {
    const out: EventXml[] = [];
    this.scan(out, true);
    if (this.start >= 0) {
      const partial = this.buf.slice(this.start);
      this.problem('truncated', this.start, `the input ends inside an <Event> element (${partial.length} characters read; file cut off?)`, partial);
      this.start = -1;
    }
    this.pos = this.buf.length;
    this.compact();
    return out;
  }

  /**
   * The markup construct at buf[i] (a '<'): its end (the index after it) and kind; a '<'
   * that starts no markup is `stray`; null when the buffer ends before the construct does.
   */
  private construct(i: number): { end: number; kind: 'open' | 'empty' | 'close' | 'other' | 'stray'; name: string } | null {
    const b = this.buf;
    const n = b.length;
    if (i + 1 >= n) return null;
    const c = b.charCodeAt(i + 1);
    if (c === 0x21 /* ! */) {
      for (const [open, close] of [
        ['<!--', '-->'],
        ['<![CDATA[', ']]>'],
      ] as const) {
        if (b.startsWith(open, i)) {
          const e = b.indexOf(close, i + open.length);
          return e < 0 ? null : { end: e + close.length, kind: 'other', name: '' };
        }
        if (n - i < open.length && open.startsWith(b.slice(i))) return null;
      }
      const e = b.indexOf('>', i + 2);
      return e < 0 ? null : { end: e + 1, kind: 'other', name: '' };
    }
    if (c === 0x3f /* ? */) {
      const e = b.indexOf('?>', i + 2);
      return e < 0 ? null : { end: e + 2, kind: 'other', name: '' };
    }
    const close = c === 0x2f; /* / */
    let j = close ? i + 2 : i + 1;
    const nameStart = j;
    while (j < n && isNameChar(b.charCodeAt(j))) j++;
    if (j >= n) return null;
    if (j === nameStart) return { end: i + 1, kind: 'stray', name: '' };
    const name = b.slice(nameStart, j);
    // to the end of the tag, past quoted attribute values
    let quote = 0;
    for (; j < n; j++) {
      const d = b.charCodeAt(j);
      if (quote) {
        if (d === quote) quote = 0;
      } else if (d === 0x22 || d === 0x27) quote = d;
      else if (d === 0x3e /* > */) return { end: j + 1, kind: close ? 'close' : b.charCodeAt(j - 1) === 0x2f ? 'empty' : 'open', name };
      else if (d === 0x3c /* < */) return { end: i + 1, kind: 'stray', name: '' };
    }
    return null;
  }

  private scan(out: EventXml[], atEnd: boolean): void {
    const b = this.buf;
    for (;;) {
      if (this.start >= 0 && this.pos - this.start > this.max) {
        this.problem('too-large', this.start, `an <Event> element longer than ${this.max} characters: skipped`, b.slice(this.start, this.start + SAMPLE));
        this.pos = this.start + 1;
        this.start = -1;
        this.depth = 0;
        this.junk = true;
      }
      const lt = b.indexOf('<', this.pos);
      if (this.start < 0) this.skipText(this.pos, lt < 0 ? b.length : lt);
      if (lt < 0) {
        this.pos = b.length;
        return;
      }
      this.pos = lt;
      const m = this.construct(lt);
      if (!m) {
        if (atEnd) this.pos = b.length;
        return;
      }
      if (this.start >= 0) {
        if (m.kind === 'open') this.depth++;
        else if (m.kind === 'close' && --this.depth === 0) {
          this.emit(out, this.start, m.end);
          this.start = -1;
        }
      } else if (m.name === 'Event' && m.kind === 'open') {
        this.start = lt;
        this.depth = 1;
        this.junk = false;
      } else if (m.name === 'Event' && m.kind === 'empty') {
        this.emit(out, lt, m.end);
        this.junk = false;
      } else if (m.kind === 'stray') {
        this.skipText(lt, lt + 1);
      } else {
        // outside events: the <Events> wrapper, the XML declaration, comments
        this.junk = false;
      }
      this.pos = m.end;
    }
  }

  /** text outside events: only whitespace is expected; anything else is reported once per run */
  private skipText(from: number, to: number): void {
    let k = from;
    while (k < to && isSpace(this.buf.charCodeAt(k))) k++;
    if (k < to && !this.junk) {
      this.junk = true;
      this.problem('unexpected-text', k, 'text outside any <Event> element is skipped', this.buf.slice(k, Math.min(this.buf.length, k + SAMPLE)));
    }
  }

  private emit(out: EventXml[], from: number, to: number): void {
    out.push({ xml: this.buf.slice(from, to), line: this.lineAt(from), offset: this.dropped + from });
  }
}

/** The events of a whole text (see EventXmlSplitter). */
export function splitEventXml(text: string, options: EventXmlSplitOptions = {}): EventXml[] {
  const s = new EventXmlSplitter(options);
  return [...s.push(text), ...s.end()];
}

/**
 * The encoding of an XML export from its first bytes: a byte order mark (UTF-8, UTF-16LE
 * or BE), UTF-16 without one (`<` followed or preceded by a zero byte), else the
 * `encoding` of the XML declaration when the platform can decode it, else UTF-8.
 */
export function sniffXmlEncoding(head: Buffer): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if (head[0] === 0x3c && head[1] === 0x00) return 'utf-16le';
  if (head[0] === 0x00 && head[1] === 0x3c) return 'utf-16be';
  const declaration = /^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head.toString('latin1', 0, Math.min(head.length, 256)));
  const named = declaration?.[1]?.toLowerCase();
  if (named && !named.startsWith('utf-16')) {
    try {
      return new TextDecoder(named).encoding;
    } catch {
      // an encoding the platform does not know: read as UTF-8 (bytes that do not decode show as U+FFFD)
    }
  }
  return 'utf-8';
}

export interface EventXmlReadOptions extends EventXmlSplitOptions {
  /** the input's encoding (default: sniffXmlEncoding of its first bytes) */
  encoding?: string;
}

/**
 * The events of an XML export: a file path, or a stream of bytes (or of already decoded
 * text). Bytes are decoded as `options.encoding` or as sniffXmlEncoding finds; bytes that
 * do not decode stay visible as U+FFFD.
 */
export async function* readEventXml(source: string | AsyncIterable<Buffer | string>, options: EventXmlReadOptions = {}): AsyncGenerator<EventXml> {
  const input: AsyncIterable<Buffer | string> = typeof source === 'string' ? createReadStream(source, { highWaterMark: 1 << 20 }) : source;
  const splitter = new EventXmlSplitter(options);
  let decoder: TextDecoder | undefined = options.encoding ? new TextDecoder(options.encoding) : undefined;
  let head = Buffer.alloc(0);
  for await (const piece of input) {
    let text: string;
    if (typeof piece === 'string') text = piece;
    else {
      if (!decoder) {
        // wait for enough bytes to see a byte order mark and the XML declaration
        head = Buffer.concat([head, piece]);
        if (head.length < 256) continue;
        decoder = new TextDecoder(sniffXmlEncoding(head));
        text = decoder.decode(head, { stream: true });
      } else text = decoder.decode(piece, { stream: true });
    }
    yield* splitter.push(text);
  }
  if (!decoder && head.length > 0) {
    decoder = new TextDecoder(sniffXmlEncoding(head));
    yield* splitter.push(decoder.decode(head, { stream: true }));
  }
  if (decoder) yield* splitter.push(decoder.decode());
  yield* splitter.end();
}
