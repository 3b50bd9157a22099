import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { byteLines, PeekableBytes } from '../../src/ingest/bytes.js';
import { decodeLine, detectEncoding, parseEncoding } from '../../src/ingest/encoding.js';
import { detectFormat, placeSample, sourceOfDocument, sourceOfLine, type SourceName } from '../../src/ingest/detect.js';
import { placeInput, inputIdPrefix, recordId } from '../../src/ingest/ingest.js';
import { PACK_ROOT } from '../../src/paths.js';

const PIPELINES = path.join(PACK_ROOT, 'pipelines');
const SAMPLES = path.join(PACK_ROOT, '..', 'shared', 'samples');

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').trimEnd().split('\n').filter((l) => l.trim());
}

/** the good lines each source's fixtures and benchmark corpus hold (bad input aside) */
function corpusOf(source: string): string[] {
  const out: string[] = [];
  for (const sub of ['_dev/test', '_dev/benchmark']) {
    const dir = path.join(PIPELINES, source, sub);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.log') && !n.includes('bad-input'))) out.push(...lines(path.join(dir, f)));
  }
  return out;
}

describe('source detection', () => {
  const sources: SourceName[] = ['postfix', 'netscreen', 'squid', 'bind'];

  it.each(sources)('places every fixture and corpus file of %s as that source', (source) => {
    const dir = path.join(PIPELINES, source, '_dev');
    for (const sub of ['test', 'benchmark']) {
      if (!existsSync(path.join(dir, sub))) continue;
      for (const f of readdirSync(path.join(dir, sub)).filter((n) => n.endsWith('.log') && !n.includes('bad-input'))) {
        const head = readFileSync(path.join(dir, sub, f));
        expect({ f, source: placeInput('lines', head, 'utf-8').source }).toEqual({ f, source });
      }
    }
  });

  it('claims no line of one source for another', () => {
    for (const source of sources) {
      const wrong = corpusOf(source).map((l) => [l, sourceOfLine(l)] as const).filter(([, s]) => s !== undefined && s !== source);
      expect({ source, wrong }).toEqual({ source, wrong: [] });
    }
  });

  it('places the public samples nobody on the team wrote', () => {
    for (const [dir, source] of [['postfix', 'postfix'], ['netscreen', 'netscreen'], ['squid', 'squid'], ['bind9', 'bind']] as const) {
      for (const f of readdirSync(path.join(SAMPLES, dir))) expect({ f, source: placeInput('lines', readFileSync(path.join(SAMPLES, dir, f)), 'utf-8').source }).toEqual({ f, source });
    }
  });

  it('places Windows documents from Winlogbeat and NXLog, and shippers\' documents by their program', () => {
    expect(sourceOfDocument({ winlog: { event_id: '4624' } })).toBe('windows');
    expect(sourceOfDocument({ EventID: 4624, Channel: 'Security', Hostname: 'dc1' })).toBe('windows');
    expect(sourceOfDocument({ message: 'client @0x1 10.0.0.1#53 (a.example): query: a.example IN A +', process: { name: 'named' } })).toBe('bind');
    expect(sourceOfDocument({ msg: 'connect from x[1.2.3.4]', programname: 'postfix/smtpd' })).toBe('postfix');
    expect(sourceOfDocument({ message: 'hello' })).toBeUndefined();
  });

  it('does not place a file of unknown lines, nor one where a stray line matches', () => {
    expect(placeSample([undefined, undefined]).source).toBeUndefined();
    expect(placeSample(['squid', ...Array(9).fill(undefined)]).source).toBeUndefined();
    expect(placeSample(['squid', 'squid', ...Array(8).fill(undefined)]).source).toBe('squid');
    expect(placeSample(['squid', 'bind', 'bind']).source).toBe('bind');
  });
});

describe('format detection', () => {
  it('tells .evtx, XML exports (UTF-8 or UTF-16 with a BOM), NDJSON and plain lines apart', () => {
    expect(detectFormat(Buffer.from('ElfFile\0\0\0\0\0', 'latin1'))).toBe('evtx');
    expect(detectFormat(Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\r\n<Events><Event xmlns=...'))).toBe('xml');
    expect(detectFormat(Buffer.from('\uFEFF<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">'))).toBe('xml');
    expect(detectFormat(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<?xml version="1.0" encoding="UTF-16"?>', 'utf16le')]))).toBe('xml');
    expect(detectFormat(Buffer.from('  {"@timestamp":"2026-01-01"}\n'))).toBe('ndjson');
    expect(detectFormat(Buffer.from('Nov 26 09:00:00 h p: x\n'))).toBe('lines');
  });
});

describe('encodings', () => {
  const text = 'Subject: 【至急】顧客情報の確認';
  it('detects UTF-8, Shift_JIS and EUC-JP', () => {
    expect(detectEncoding(Buffer.from(`${text}\n`))).toBe('utf-8');
    expect(detectEncoding(iconv.encode(`${text}\n${text}\n`, 'cp932'))).toBe('shift_jis');
    expect(detectEncoding(iconv.encode(`${text}\n${text}\n`, 'euc-jp'))).toBe('euc-jp');
    expect(detectEncoding(Buffer.from('plain ascii\n'))).toBe('utf-8');
  });

  it('decodes each, and keeps bytes that are not UTF-8 visible as \\xNN', () => {
    expect(decodeLine(iconv.encode(text, 'cp932'), 'shift_jis')).toBe(text);
    expect(decodeLine(iconv.encode(text, 'euc-jp'), 'euc-jp')).toBe(text);
    expect(decodeLine(Buffer.from([0x61, 0xff, 0x62, 0xe3, 0x81, 0x82, 0xe3, 0x81]), 'utf-8')).toBe('a\\xffbあ\\xe3\\x81');
  });

  it('takes the spellings people use for --encoding', () => {
    expect(['SJIS', 'cp932', 'Shift_JIS', 'windows-31j', 'EUC-JP', 'utf8', 'auto'].map(parseEncoding)).toEqual(['shift_jis', 'shift_jis', 'shift_jis', 'shift_jis', 'euc-jp', 'utf-8', 'auto']);
    expect(() => parseEncoding('latin1')).toThrow('--encoding latin1 is not one this loader reads');
  });
});

describe('byteLines', () => {
  async function collect(chunks: string[]) {
    const out: Array<[string, number]> = [];
    for await (const l of byteLines(new PeekableBytes((async function* () { for (const c of chunks) yield Buffer.from(c); })()))) out.push([l.bytes.toString(), l.offset]);
    return out;
  }

  it('splits on LF across chunks, drops a CR before it, gives byte offsets, keeps a last line without LF', async () => {
    expect(await collect(['ab\r\ncd', 'e\n\nあ', 'い\nlast'])).toEqual([['ab', 0], ['cde', 4], ['', 8], ['あい', 9], ['last', 16]]);
    expect(await collect([])).toEqual([]);
    expect(await collect(['x\n'])).toEqual([['x', 0]]);
  });

  it('peeks without consuming', async () => {
    const p = new PeekableBytes((async function* () { yield Buffer.from('abc'); yield Buffer.from('def'); })());
    expect((await p.peek(4)).toString()).toBe('abcdef');
    const all: string[] = [];
    for await (const c of p) all.push(c.toString());
    expect(all.join('')).toBe('abcdef');
  });
});

describe('record ids', () => {
  it('are the same for the same source, content and offset, and differ otherwise', () => {
    const id = (source: 'squid' | 'bind', fp: string, offset: number) => recordId(inputIdPrefix(source, fp), offset);
    const a = id('squid', 'f1', 10);
    expect(id('squid', 'f1', 10)).toBe(a);
    expect(new Set([a, id('squid', 'f1', 11), id('squid', 'f2', 10), id('bind', 'f1', 10)]).size).toBe(4);
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('sort by offset within an input, past 32-bit offsets', () => {
    const p = inputIdPrefix('squid', 'f1');
    const offsets = [0, 9, 10, 35, 36, 1295, 2 ** 31, 5 * 2 ** 30, 2 ** 40];
    const ids = offsets.map((o) => recordId(p, o));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(offsets.length);
  });
});
