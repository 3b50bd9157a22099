import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { PACK_ROOT } from '../../src/paths.js';
import { EventXmlSplitter, readEventXml, sniffXmlEncoding, splitEventXml, type EventXml, type EventXmlProblem } from '../../src/ingest/windows/event-xml-splitter.js';

/**
 * Windows event XML exports split into one `<Event>` element each. Fixtures (written for
 * these tests) in test/unit/fixtures/windows-xml/: the same three Security events (4624,
 * 4672 with a multi-line PrivilegeList, 4720 with a multi-line UserAccountControl) as
 * `wevtutil qe /f:xml` prints them (one line, no wrapper), as Event Viewer saves them
 * (declaration, <Events> wrapper, CRLF, UTF-16LE with a byte order mark, double quotes), as
 * PowerShell's ToXml() gives them (a line each), pretty-printed (UTF-8 with BOM, a comment),
 * and cut off in the middle of the third.
 */

const DIR = path.join(PACK_ROOT, 'test', 'unit', 'fixtures', 'windows-xml');
const fixture = (name: string): string => path.join(DIR, name);

async function readAll(source: string | AsyncIterable<Buffer | string>, encoding?: string): Promise<{ events: EventXml[]; problems: EventXmlProblem[] }> {
  const events: EventXml[] = [];
  const problems: EventXmlProblem[] = [];
  for await (const e of readEventXml(source, { onProblem: (p) => problems.push(p), ...(encoding ? { encoding } : {}) })) events.push(e);
  return { events, problems };
}

/** the values that matter, as the pipeline would read them: id, record id, the multi-line values */
function summary(xml: string): string[] {
  const privileges = /<Data Name=['"]PrivilegeList['"]>([^<]*)<\/Data>/.exec(xml)?.[1];
  const uac = /<Data Name=['"]UserAccountControl['"]>([^<]*)<\/Data>/.exec(xml)?.[1];
  return [/<EventID>(\d+)<\/EventID>/.exec(xml)?.[1] ?? '', /<EventRecordID>(\d+)</.exec(xml)?.[1] ?? '', privileges ?? uac ?? ''];
}

const PRIVILEGES = 'SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege';
const UAC = '\r\n\t\t%%2080\r\n\t\t%%2082\r\n\t\t%%2084';
const EXPECTED = [
  ['4624', '20001', ''],
  ['4672', '20002', PRIVILEGES],
  ['4720', '20003', UAC],
];

describe('the export formats', () => {
  test('wevtutil qe /f:xml: three events on one line, no wrapper', async () => {
    const { events, problems } = await readAll(fixture('wevtutil-qe.xml'));
    expect(problems).toEqual([]);
    expect(events.map((e) => summary(e.xml))).toEqual(EXPECTED);
    expect(events.map((e) => [e.line, e.offset])).toEqual([
      [1, 0],
      [1, events[1]?.offset],
      [5, events[2]?.offset],
    ]);
    // each event is exactly its element, as in the file
    const text = readFileSync(fixture('wevtutil-qe.xml'), 'utf8');
    expect(events.map((e) => e.xml).join('')).toBe(text.trimEnd());
    for (const e of events) expect(text.slice(e.offset, e.offset + e.xml.length)).toBe(e.xml);
  });

  test('Event Viewer "Save as XML": UTF-16LE with BOM, declaration, <Events> wrapper, CRLF, double quotes', async () => {
    const bytes = readFileSync(fixture('event-viewer-saved-utf16.xml'));
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xfe]));
    expect(sniffXmlEncoding(bytes)).toBe('utf-16le');
    const { events, problems } = await readAll(fixture('event-viewer-saved-utf16.xml'));
    expect(problems).toEqual([]);
    expect(events.map((e) => summary(e.xml))).toEqual(EXPECTED);
    expect(events.map((e) => e.line)).toEqual([3, 4, 9]);
    expect(events[0]?.xml.startsWith('<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"')).toBe(true);
    expect(events[0]?.xml).toContain('<Data Name="WorkstationName">PC-0142 &lt;lab&gt;</Data>');
    for (const e of events) expect(e.xml.endsWith('</Event>')).toBe(true);
  });

  test('PowerShell ToXml(): an event per line, values keep their line breaks', async () => {
    const { events, problems } = await readAll(fixture('powershell-toxml.xml'));
    expect(problems).toEqual([]);
    expect(events.map((e) => summary(e.xml))).toEqual(EXPECTED);
    expect(events.map((e) => e.line)).toEqual([1, 2, 7]);
  });

  test('pretty-printed, with a UTF-8 BOM and a comment: the indentation is kept inside the event', async () => {
    const { events, problems } = await readAll(fixture('pretty-printed.xml'));
    expect(problems).toEqual([]);
    expect(events.map((e) => summary(e.xml))).toEqual(EXPECTED.slice(1));
    expect(events[0]?.xml).toMatch(/^<Event xmlns='[^']+'>\n {2}<System>\n {4}<Provider /);
    expect(events[0]?.xml).toMatch(/<\/EventData>\n<\/Event>$/);
    expect(events.map((e) => e.line)).toEqual([4, 33]);
  });

  test('the same events whatever the format', async () => {
    const compact = (xml: string): string => xml.replace(/>\s+</g, '><').replace(/"/g, "'");
    const all = await Promise.all(['wevtutil-qe.xml', 'event-viewer-saved-utf16.xml', 'powershell-toxml.xml'].map((f) => readAll(fixture(f))));
    const [first, ...rest] = all.map((r) => r.events.map((e) => compact(e.xml)));
    for (const r of rest) expect(r).toEqual(first);
  });

  test('a file cut off inside the last event: the whole events are kept, the cut one reported with its text', async () => {
    const { events, problems } = await readAll(fixture('truncated.xml'));
    expect(events.map((e) => summary(e.xml))).toEqual(EXPECTED.slice(0, 2));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'truncated', line: 7 });
    expect(problems[0]?.message).toMatch(/^line 7: the input ends inside an <Event> element \(700 characters read/);
    expect(problems[0]?.text.startsWith('<Event ')).toBe(true);
    expect(problems[0]?.text).toHaveLength(700);
  });
});

describe('streaming', () => {
  test('any split of the input gives the same events (one character at a time, random pieces)', () => {
    for (const name of ['wevtutil-qe.xml', 'powershell-toxml.xml', 'pretty-printed.xml']) {
      const text = readFileSync(fixture(name), 'utf8');
      const whole = splitEventXml(text);
      const one = new EventXmlSplitter();
      const byChar = [...[...text].flatMap((c) => one.push(c)), ...one.end()];
      expect(byChar).toEqual(whole);
      let seed = 7;
      const s = new EventXmlSplitter();
      const pieces: EventXml[] = [];
      for (let i = 0; i < text.length; ) {
        seed = (seed * 48271) % 2147483647;
        const n = 1 + (seed % 97);
        pieces.push(...s.push(text.slice(i, i + n)));
        i += n;
      }
      pieces.push(...s.end());
      expect(pieces).toEqual(whole);
    }
  });

  test('UTF-16 bytes split inside characters and inside the byte order mark', async () => {
    const bytes = readFileSync(fixture('event-viewer-saved-utf16.xml'));
    const pieces = async function* (): AsyncGenerator<Buffer> {
      for (let i = 0; i < bytes.length; i += 33) yield bytes.subarray(i, i + 33);
    };
    const whole = await readAll(fixture('event-viewer-saved-utf16.xml'));
    expect((await readAll(pieces())).events).toEqual(whole.events);
    const tiny = async function* (): AsyncGenerator<Buffer> {
      for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
    };
    expect((await readAll(tiny())).events).toEqual(whole.events);
  });

  test('a stream of text, and UTF-16 without a byte order mark', async () => {
    const text = readFileSync(fixture('powershell-toxml.xml'), 'utf8');
    expect((await readAll(Readable.from([text.slice(0, 1000), text.slice(1000)]))).events.map((e) => summary(e.xml))).toEqual(EXPECTED);
    const utf16 = Buffer.from(text, 'utf16le');
    expect(sniffXmlEncoding(utf16)).toBe('utf-16le');
    expect((await readAll(Readable.from([utf16]))).events.map((e) => summary(e.xml))).toEqual(EXPECTED);
  });

  test('the encoding of the XML declaration, or the one given', async () => {
    const sjis = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="Shift_JIS"?><Events><Event><System><EventID>4624</EventID></System><EventData><Data Name=\'TargetUserName\'>', 'latin1'),
      Buffer.from([0x8e, 0x52, 0x93, 0x63]), // 山田 in Shift_JIS
      Buffer.from('</Data></EventData></Event></Events>', 'latin1'),
    ]);
    expect(sniffXmlEncoding(sjis)).toBe('shift_jis');
    expect((await readAll(Readable.from([sjis]))).events[0]?.xml).toContain('>山田</Data>');
    const latin = Buffer.from('<Event><EventData><Data>caf\u00e9</Data></EventData></Event>', 'latin1');
    expect((await readAll(Readable.from([latin]), 'latin1')).events[0]?.xml).toContain('café');
    // bytes that are not UTF-8 stay visible
    expect((await readAll(Readable.from([latin]))).events[0]?.xml).toContain('caf\ufffd');
  });
});

describe('odd input', () => {
  test('text outside events is reported once per run and skipped; markup outside is skipped silently', () => {
    const problems: EventXmlProblem[] = [];
    const events = splitEventXml("<?xml version='1.0'?>\n<!-- c --><Events>\nnot xml at all\n<Event><EventID>1</EventID></Event> x < y <Event/>\n</Events>", { onProblem: (p) => problems.push(p) });
    expect(events.map((e) => e.xml)).toEqual(['<Event><EventID>1</EventID></Event>', '<Event/>']);
    expect(problems.map((p) => [p.kind, p.line, p.text.slice(0, 14)])).toEqual([
      ['unexpected-text', 3, 'not xml at all'],
      ['unexpected-text', 4, 'x < y <Event/>'],
    ]);
  });

  test('markup inside events: comments, CDATA, quoted ">" and "</Event>" in attributes, nested elements named Event', () => {
    const e = `<Event><EventData><!-- </Event> --><Data Name='a>b'>x</Data><Data Name="</Event>">y</Data><![CDATA[</Event>]]><Event><Inner/></Event></EventData></Event>`;
    expect(splitEventXml(`${e}\n${e}`).map((x) => x.xml)).toEqual([e, e]);
  });

  test('an event longer than the limit is reported and skipped; the next one is read', () => {
    const problems: EventXmlProblem[] = [];
    const big = `<Event><EventData><Data Name='x'>${'a'.repeat(5000)}</Data></EventData></Event>`;
    const small = '<Event><EventID>2</EventID></Event>';
    const s = new EventXmlSplitter({ maxEventChars: 1000, onProblem: (p) => problems.push(p) });
    const out: EventXml[] = [];
    for (let i = 0; i < big.length; i += 100) out.push(...s.push(big.slice(i, i + 100)));
    out.push(...s.push(`\n${small}\n`), ...s.end());
    expect(out.map((e) => e.xml)).toEqual([small]);
    expect(problems.map((p) => p.kind)).toEqual(['too-large', 'unexpected-text']);
    expect(problems[0]?.text.startsWith('<Event><EventData>')).toBe(true);
  });
});
