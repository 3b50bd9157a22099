import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACK_ROOT } from '../../src/paths.js';
import { readEvtx, readEvtxAsync, readEvtxFileHeader, EvtxFormatError, type EvtxProblem, type EvtxRecord } from '../../src/ingest/windows/evtx-reader.js';

/**
 * The pack's EVTX reader against real `.evtx` files and the reference reading of each by an
 * independent parser (`evtx_dump -o jsonl`, Rust `evtx` crate 0.15.1), in
 * `../shared/samples/windows-evtx/`: the same records in the same order, and in each the
 * same System header and every EventData / UserData value.
 *
 * Representation differences normalised before comparing (and only these):
 * - the reference types values by their binary type (EventID 4624 is a JSON number, a
 *   HexInt32 a string "0x3e7"); the XML that Windows renders, and this reader, give text:
 *   reference numbers are compared as their decimal text;
 * - GUID-typed values: Windows renders them with upper-case hex digits (StringFromGUID2,
 *   `ActivityID='{1F5DF8FF-...}'`), the reference with lower-case ones: GUID-shaped strings
 *   are compared case-insensitively;
 * - the reference's JSON shapes: an element's attributes under `#attributes` (here flat
 *   keys), an empty element as null (here ''), the element under UserData as an object
 *   (namespace declarations, `xmlns` and `xmlns:*`, are not data and are left out here).
 */

const SAMPLES = path.join(PACK_ROOT, '..', 'shared', 'samples', 'windows-evtx');
const sample = (name: string): string => path.join(SAMPLES, name);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function oracle(name: string): Array<Record<string, Json>> {
  return readFileSync(sample(`${name}.oracle.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { Event: Record<string, Json> }).Event);
}

const GUID = /^\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}$/;

/** a scalar as text, GUIDs in lower case */
function text(v: Json | undefined): string {
  const s = v === null || v === undefined ? '' : String(v);
  return GUID.test(s) ? s.toLowerCase() : s;
}

/** a reference element value in this reader's shape (see the header) */
function element(v: Json | undefined): Json {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) return text(v);
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '#attributes' && x && typeof x === 'object' && !Array.isArray(x)) {
      for (const [a, av] of Object.entries(x)) if (a !== 'xmlns' && !a.startsWith('xmlns:')) out[a] = text(av);
    } else out[k] = element(x);
  }
  return out;
}

/** this reader's plain values with GUIDs in lower case */
function mine(v: unknown): Json {
  if (typeof v === 'string') return text(v);
  if (Array.isArray(v)) return v.map(mine);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mine(x)]));
  return text(v as Json);
}

/** the reference event in this reader's shape */
function expected(event: Record<string, Json>): Json {
  const out: Record<string, Json> = {};
  for (const [part, v] of Object.entries(event)) {
    if (part === '#attributes') continue;
    if (part === 'EventData') {
      out.EventData = Object.fromEntries(Object.entries((v ?? {}) as Record<string, Json>).map(([k, x]) => [k, text(x)]));
    } else if (part === 'UserData') {
      out.UserData = Object.fromEntries(Object.entries((v ?? {}) as Record<string, Json>).map(([k, x]) => {
        const e = element(x);
        return [k, typeof e === 'string' ? (e === '' ? {} : { '#text': e }) : e];
      }));
    } else out[part] = element(v);
  }
  return out;
}

/** `&lt;` `&gt;` `&amp;` `&apos;` `&quot;` and character references, as an XML reader decodes them */
function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
    e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'amp' ? '&' : e === 'apos' ? "'" : e === 'quot' ? '"' : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)),
  );
}

/** What the rendered XML says, read back the way the pack's pipeline reads it (Data by Name, System texts and attributes). */
function readBack(xml: string): { data: Record<string, string>; eventId?: string; recordId?: string; systemTime?: string; computer?: string; channel?: string; provider?: string } {
  const data: Record<string, string> = {};
  const ed = /<EventData>([\s\S]*)<\/EventData>/.exec(xml)?.[1] ?? '';
  for (const m of ed.matchAll(/<Data Name='([^']*)'(?:\/>|>([^<]*)<\/Data>)/g)) data[unescapeXml(m[1] as string)] = unescapeXml(m[2] ?? '');
  const tag = (name: string): string | undefined => {
    const m = new RegExp(`<${name}(?: [^>]*)?>([^<]*)</${name}>`).exec(xml);
    return m ? unescapeXml(m[1] as string) : undefined;
  };
  const attr = (el: string, name: string): string | undefined => {
    const m = new RegExp(`<${el} [^>]*${name}='([^']*)'`).exec(xml);
    return m ? unescapeXml(m[1] as string) : undefined;
  };
  return { data, eventId: tag('EventID'), recordId: tag('EventRecordID'), systemTime: attr('TimeCreated', 'SystemTime'), computer: tag('Computer'), channel: tag('Channel'), provider: attr('Provider', 'Name') };
}

function read(name: string): { records: EvtxRecord[]; problems: EvtxProblem[] } {
  const problems: EvtxProblem[] = [];
  const records = [...readEvtx(sample(`${name}.evtx`), { onProblem: (p) => problems.push(p) })];
  return { records, problems };
}

const CASES: Array<[string, number]> = [
  ['new-user-security', 4],
  ['Security_short_selected', 7],
  ['security', 2261],
  ['sample_with_a_bad_chunk_magic', 301],
];

describe.each(CASES)('%s.evtx against its reference reading', (name, count) => {
  const ref = oracle(name);
  const { records } = read(name);

  test(`${count} records, as many as the reference`, () => {
    expect(ref).toHaveLength(count);
    expect(records).toHaveLength(count);
  });

  test('the same records in the same order: EventRecordID, EventID, TimeCreated, Computer, Channel, Provider', () => {
    const ids = (e: Record<string, Json>): unknown[] => {
      const s = e.System as Record<string, Json>;
      const id = s.EventID && typeof s.EventID === 'object' ? (s.EventID as Record<string, Json>)['#text'] : s.EventID;
      const attrs = (k: string): Record<string, Json> => ((s[k] as Record<string, Json> | null)?.['#attributes'] ?? {}) as Record<string, Json>;
      return [text(s.EventRecordID), text(id), text(attrs('TimeCreated').SystemTime), text(s.Computer), text(s.Channel), text(attrs('Provider').Name)];
    };
    const got = records.map((r) => {
      const s = r.event.System as Record<string, any>;
      return [text(r.eventRecordId), text(typeof s.EventID === 'object' ? s.EventID['#text'] : s.EventID), text(s.TimeCreated?.SystemTime), text(s.Computer), text(s.Channel), text(s.Provider?.Name)];
    });
    expect(got).toEqual(ref.map(ids));
  });

  test('every System, EventData and UserData value equals the reference', () => {
    const mismatches: string[] = [];
    records.forEach((r, i) => {
      const want = expected(ref[i] as Record<string, Json>);
      const got = mine(r.event);
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`record ${r.recordId}:\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
    });
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  test('the XML holds the same values (read back as the pipeline reads it)', () => {
    for (const r of records) {
      expect(r.xml.startsWith("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>")).toBe(true);
      expect(r.xml.endsWith('</Event>')).toBe(true);
      expect(r.xml.indexOf('</Event>')).toBe(r.xml.length - 8);
      const back = readBack(r.xml);
      const s = r.event.System as Record<string, any>;
      expect(back).toEqual({
        data: Object.fromEntries(Object.entries(r.event.EventData ?? {}).filter(([, v]) => typeof v === 'string')),
        eventId: typeof s.EventID === 'string' ? s.EventID : s.EventID?.['#text'],
        recordId: s.EventRecordID,
        systemTime: s.TimeCreated?.SystemTime,
        computer: s.Computer,
        channel: s.Channel,
        provider: s.Provider?.Name,
      });
    }
  });

  test('record header fields: identifier, written time, position', () => {
    for (const r of records) {
      expect(r.recordId).toBeGreaterThan(0);
      expect(r.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
      expect(r.fileOffset).toBeGreaterThanOrEqual(4096 + 512);
      expect(Math.floor((r.fileOffset - 4096) / 65536)).toBe(r.chunk);
    }
  });
});

describe('particular records', () => {
  test('an exported log: record header identifiers from 1, the events keep their EventRecordID', () => {
    const { records, problems } = read('new-user-security');
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.recordId, r.eventRecordId])).toEqual([
      [1, 111],
      [2, 112],
      [3, 113],
      [4, 116],
    ]);
    // the written time of the record header, not the event's TimeCreated
    expect(records[1]?.timestamp).toBe('2013-10-23T16:22:39.9891250Z');
    expect((records[1]?.event.System.TimeCreated as Record<string, string>).SystemTime).toBe('2013-10-23T16:22:39.9735000Z');
  });

  test('a 4720 as Windows renders it, line breaks of UserAccountControl kept', () => {
    const r = read('new-user-security').records[1] as EvtxRecord;
    expect(r.xml).toContain(
      "<System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/><EventID>4720</EventID><Version>0</Version><Level>0</Level><Task>13824</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime='2013-10-23T16:22:39.9735000Z'/><EventRecordID>112</EventRecordID><Correlation/><Execution ProcessID='508' ThreadID='1032'/><Channel>Security</Channel><Computer>IE8Win7</Computer><Security/></System>",
    );
    expect(r.xml).toContain("<Data Name='UserAccountControl'>\r\n\t\t%%2080\r\n\t\t%%2082\r\n\t\t%%2084</Data>");
    expect(r.event.EventData?.SamAccountName).toBe('IEUser');
  });

  test('UserData (1100 service shutdown) keeps its element and namespaces in the XML', () => {
    const r = read('security').records.find((x) => x.eventRecordId === 38) as EvtxRecord;
    expect(r.xml).toContain("<UserData><ServiceShutdown xmlns:auto-ns3='http://schemas.microsoft.com/win/2004/08/events' xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'></ServiceShutdown></UserData>");
    expect(r.event.UserData).toEqual({ ServiceShutdown: {} });
  });

  test('FILETIME values in EventData (4616 PreviousTime/NewTime)', () => {
    const r = read('security').records.find((x) => x.eventRecordId === 143) as EvtxRecord;
    expect(r.event.EventData).toMatchObject({ PreviousTime: '2016-07-08T18:16:31.1081039Z', NewTime: '2016-07-08T22:16:31.2450000Z' });
  });
});

describe('the damaged file (sample_with_a_bad_chunk_magic.evtx)', () => {
  const { records, problems } = read('sample_with_a_bad_chunk_magic');
  const hex = (n: number): string => `0x${n.toString(16)}`;

  test('reads from the chunk with the oldest records, wrapping around: chunks 8, 9, 0, 7', () => {
    const chunks = [...new Set(records.map((r) => r.chunk))];
    expect(chunks).toEqual([8, 9, 0, 7]);
    expect(records[0]?.eventRecordId).toBe(45691);
    const inFileOrder = [...readEvtx(sample('sample_with_a_bad_chunk_magic.evtx'), { order: 'file' })];
    expect([...new Set(inFileOrder.map((r) => r.chunk))]).toEqual([0, 7, 8, 9]);
    expect(inFileOrder.map((r) => r.recordId).sort()).toEqual(records.map((r) => r.recordId).sort());
  });

  test('reports what the reference reports: chunks 6 and 10 skipped, the record at 0x2060 of chunk 7 (file offset 0x73060)', () => {
    const stderr = readFileSync(sample('sample_with_a_bad_chunk_magic.oracle.stderr'), 'utf8');
    const refChunks = [...stderr.matchAll(/Failed to parse chunk number (\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
    const refRecords = [...stderr.matchAll(/record at offset (0x[0-9a-f]+) of chunk (\d+) \(file offset (0x[0-9a-f]+)\)/g)].map((m) => [Number(m[2]), m[3]]);
    expect(refChunks).toEqual([6, 10]);
    expect(refRecords).toEqual([[7, '0x73060']]);

    const bad = problems.filter((p) => p.kind === 'chunk');
    expect(bad.map((p) => [p.chunk, hex(p.fileOffset)])).toEqual([
      [10, '0xa1000'],
      [6, '0x61000'],
    ]);
    for (const p of bad) expect(p.message).toContain('bad chunk signature');
    const record = problems.filter((p) => p.kind === 'record');
    expect(record.map((p) => [p.chunk, hex(p.fileOffset)])).toEqual(refRecords);
    expect(record[0]?.message).toContain('bad record signature');
    expect(record[0]?.message).toContain('reading goes on at offset 0x61d0');
  });

  test('and says more than the reference: checksums, partly overwritten records, records lost before the free space', () => {
    expect(problems.map((p) => [p.kind, p.chunk, hex(p.fileOffset), p.recordId])).toEqual([
      ['chunk-checksum', 9, '0x91000', undefined],
      ['damaged-record', 9, '0x9ee40', 45933],
      ['records-missing', 9, '0x9f038', undefined],
      ['chunk', 10, '0xa1000', undefined],
      ['chunk-checksum', 0, '0x1000', undefined],
      ['damaged-record', 0, '0x2fc0', 46741],
      ['records-missing', 0, '0x3198', undefined],
      ['chunk', 6, '0x61000', undefined],
      ['chunk-checksum', 7, '0x71000', undefined],
      ['damaged-record', 7, '0x72e68', 47640],
      ['record', 7, '0x73060', undefined],
    ]);
    expect(problems.find((p) => p.kind === 'records-missing' && p.chunk === 0)?.message).toContain("the header says the chunk's records go on to 46857, the last read is 46741");
  });

  test('the records around the damage are kept, partly overwritten ones marked', () => {
    const ids = records.map((r) => r.recordId);
    expect(ids.slice(0, 3)).toEqual([45691, 45692, 45693]);
    expect(ids).toContain(47640);
    expect(ids).toContain(47675);
    expect(ids.at(-1)).toBe(47705);
    expect(records.filter((r) => r.damaged).map((r) => r.recordId)).toEqual([45933, 46741, 47640]);
    // half of 46741 is zeros: its template's substitutions are missing (no time, no EventRecordID)
    const r = records.find((x) => x.recordId === 46741) as EvtxRecord;
    expect(r.eventRecordId).toBeUndefined();
    expect(r.xml).toBe(
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider/><EventID>0</EventID><Level>0</Level><Task>0</Task><Opcode>0</Opcode><TimeCreated/><Correlation/><Execution/><Computer>DESKTOP-1N4R894</Computer><Security/></System></Event>",
    );
  });
});

describe('reading', () => {
  test('from a Buffer and asynchronously: the same records', async () => {
    const file = sample('security.evtx');
    const fromFile = [...readEvtx(file)].map((r) => r.xml);
    expect([...readEvtx(readFileSync(file))].map((r) => r.xml)).toEqual(fromFile);
    const async: string[] = [];
    for await (const r of readEvtxAsync(file)) async.push(r.xml);
    expect(async).toEqual(fromFile);
    const damaged: number[] = [];
    for await (const r of readEvtxAsync(sample('sample_with_a_bad_chunk_magic.evtx'))) damaged.push(r.recordId);
    expect(damaged).toEqual(read('sample_with_a_bad_chunk_magic').records.map((r) => r.recordId));
  });

  test('stopping early is allowed', () => {
    let n = 0;
    for (const r of readEvtx(sample('security.evtx'))) {
      expect(r.recordId).toBe(n + 1);
      if (++n === 10) break;
    }
    expect(n).toBe(10);
  });

  test('the file header', () => {
    expect(readEvtxFileHeader(readFileSync(sample('security.evtx')))).toEqual({
      firstChunkNumber: 0,
      lastChunkNumber: 25,
      nextRecordId: 2226,
      majorVersion: 3,
      minorVersion: 1,
      chunkCount: 26,
      dirty: true,
      full: false,
      checksumOk: true,
    });
  });

  test('a file that is not EVTX is refused', () => {
    expect(() => [...readEvtx(Buffer.from('<Events><Event/></Events>'))]).toThrow(EvtxFormatError);
    expect(() => [...readEvtx(Buffer.alloc(0))]).toThrow(/not an EVTX file/);
  });

  test('a file cut off inside a chunk: the whole chunks are read, the cut one reported', () => {
    const whole = readFileSync(sample('security.evtx'));
    const problems: EvtxProblem[] = [];
    const records = [...readEvtx(whole.subarray(0, 4096 + 2 * 65536 + 1000), { onProblem: (p) => problems.push(p) })];
    expect(records.map((r) => r.recordId)).toEqual(Array.from({ length: 177 }, (_, i) => i + 1));
    expect(problems.map((p) => [p.kind, p.chunk, p.fileOffset])).toEqual([['truncated-file', 2, 4096 + 2 * 65536]]);
  });

  test('a damaged record in a chunk is skipped and reported, the records after it are read', () => {
    const buf = Buffer.from(readFileSync(sample('Security_short_selected.evtx')));
    const offsets = [...readEvtx(buf)].map((r) => r.fileOffset);
    buf.write('XXXX', offsets[2] as number, 'latin1'); // the third record's signature
    const problems: EvtxProblem[] = [];
    const records = [...readEvtx(buf, { onProblem: (p) => problems.push(p), checksums: false })];
    expect(records.map((r) => r.recordId)).toEqual([1, 2, 4, 5, 6, 7]);
    expect(problems.map((p) => [p.kind, p.chunk, p.fileOffset])).toEqual([['record', 0, offsets[2]]]);
    expect(problems[0]?.message).toContain('found 58585858');
  });

  test('a record whose binary XML cannot be read is skipped and reported', () => {
    const buf = Buffer.from(readFileSync(sample('Security_short_selected.evtx')));
    const offsets = [...readEvtx(buf)].map((r) => r.fileOffset);
    buf[(offsets[4] as number) + 24] = 0x77; // not a binary XML token where the fragment header should be
    const problems: EvtxProblem[] = [];
    const records = [...readEvtx(buf, { onProblem: (p) => problems.push(p) })];
    expect(records.map((r) => r.recordId)).toEqual([1, 2, 3, 4, 6, 7]);
    expect(problems.map((p) => [p.kind, p.recordId])).toEqual([
      ['chunk-checksum', undefined],
      ['record', 5],
    ]);
    expect(problems[1]?.message).toContain('unexpected token 0x77');
  });
});
