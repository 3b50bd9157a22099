import { readEvtx, type EvtxProblem, type EvtxRecord } from '../../src/ingest/windows/evtx-reader.js';
import { buildChunk, buildFile, eventTemplate, systemValues, v, EVENT_NS, type El, type RecordSpec, type Value } from './evtx-builder.js';

/**
 * The binary XML reader on small files written for these tests (evtx-builder.ts): every
 * value type, the rendering rules of substitutions, references, nested binary XML, names
 * and templates referenced by offset, and damaged data. The real files are in
 * evtx-samples.test.ts.
 */

function read(records: RecordSpec[], options: { shareNames?: boolean } = {}): { records: EvtxRecord[]; problems: EvtxProblem[] } {
  const problems: EvtxProblem[] = [];
  const out = [...readEvtx(buildFile([buildChunk(records, options)]), { onProblem: (p) => problems.push(p) })];
  return { records: out, problems };
}

const HEAD = `<Event xmlns='${EVENT_NS}'><System><Provider Name='Test-Provider'/><EventID>4624</EventID><TimeCreated SystemTime='2024-01-17T21:20:00.0000000Z'/><EventRecordID>7</EventRecordID><Channel>Test</Channel><Computer>HOST01</Computer></System>`;

/** one record: the System part, then an EventData with one `<Data Name=...>` per value (normal substitutions 4, 5, ...) */
function eventData(values: Array<[string, Value]>): EvtxRecord {
  const data: El = { name: 'EventData', children: values.map(([n], i) => ({ name: 'Data', attrs: [['Name', [{ text: n }]]], children: [{ sub: 4 + i, type: values[i]?.[1].type ?? 0 }] })) };
  const { records, problems } = read([{ id: 7, template: eventTemplate('t', [data]), values: [...systemValues(4624, 7), ...values.map(([, x]) => x)] }]);
  expect(problems).toEqual([]);
  expect(records).toHaveLength(1);
  return records[0] as EvtxRecord;
}

describe('value types, as Windows renders them', () => {
  const r = eventData([
    ['String', v.string('C:\\Windows\\explorer.exe')],
    ['StringNul', v.string('padded\0\0')],
    ['Ansi', v.ansi('caf\u00e9')],
    ['Int8', v.int8(-5)],
    ['UInt8', v.uint8(200)],
    ['Int16', v.int16(-300)],
    ['UInt16', v.uint16(65535)],
    ['Int32', v.int32(-2147483648)],
    ['UInt32', v.uint32(4294967295)],
    ['Int64', v.int64(-9223372036854775808n)],
    ['UInt64', v.uint64(18446744073709551615n)],
    ['Real32', v.real32(0.5)],
    ['Real64', v.real64(-1.25)],
    ['BoolTrue', v.bool(true)],
    ['BoolFalse', v.bool(false)],
    ['Binary', v.binary('00ab10ff')],
    ['Guid', v.guid('{6b1c3f0e-8a4d-0002-2f4c-1c6b4d8ad901}')],
    ['SizeT', v.sizeT64(0xa34n)],
    ['FileTime', v.fileTime(131_124_753_911_081_039n)],
    ['SystemTime', v.systemTime([2016, 7, 5, 8, 22, 16, 31, 245])],
    ['Sid', v.sid('S-1-5-21-1177238915-2519541436-3371652418-1108')],
    ['HexInt32', v.hex32(0x3e7)],
    ['HexInt64', v.hex64(0x8020000000000000n)],
    ['HexInt64Zero', v.hex64(0n)],
  ]);

  test('each value', () => {
    expect(r.event.EventData).toEqual({
      String: 'C:\\Windows\\explorer.exe',
      StringNul: 'padded',
      Ansi: 'café',
      Int8: '-5',
      UInt8: '200',
      Int16: '-300',
      UInt16: '65535',
      Int32: '-2147483648',
      UInt32: '4294967295',
      Int64: '-9223372036854775808',
      UInt64: '18446744073709551615',
      Real32: '0.5',
      Real64: '-1.25',
      BoolTrue: 'true',
      BoolFalse: 'false',
      Binary: '00AB10FF',
      Guid: '{6B1C3F0E-8A4D-0002-2F4C-1C6B4D8AD901}',
      SizeT: '0xa34',
      FileTime: '2016-07-08T18:16:31.1081039Z',
      SystemTime: '2016-07-08T22:16:31.2450000Z',
      Sid: 'S-1-5-21-1177238915-2519541436-3371652418-1108',
      HexInt32: '0x3e7',
      HexInt64: '0x8020000000000000',
      HexInt64Zero: '0x0',
    });
  });

  test('in the XML', () => {
    expect(r.xml.startsWith(`${HEAD}<EventData><Data Name='String'>C:\\Windows\\explorer.exe</Data><Data Name='StringNul'>padded</Data>`)).toBe(true);
    expect(r.xml).toContain("<Data Name='Guid'>{6B1C3F0E-8A4D-0002-2F4C-1C6B4D8AD901}</Data>");
    expect(r.xml.endsWith("<Data Name='HexInt64Zero'>0x0</Data></EventData></Event>")).toBe(true);
  });

  test('the header fields of the record', () => {
    expect(r.recordId).toBe(7);
    expect(r.eventRecordId).toBe(7);
    expect(r.timestamp).toBe('2019-04-17T18:40:00.0000000Z');
    expect(r.event.System).toEqual({
      Provider: { Name: 'Test-Provider' },
      EventID: '4624',
      TimeCreated: { SystemTime: '2024-01-17T21:20:00.0000000Z' },
      EventRecordID: '7',
      Channel: 'Test',
      Computer: 'HOST01',
    });
  });
});

describe('escaping', () => {
  test('element text: & < > escaped, quotes and line breaks as they are', () => {
    const r = eventData([['CommandLine', v.string(`cmd /c "echo a&b <x> 'y'"\r\n\tnext`)]]);
    expect(r.xml).toContain(`<Data Name='CommandLine'>cmd /c "echo a&amp;b &lt;x&gt; 'y'"\r\n\tnext</Data>`);
    expect(r.event.EventData?.CommandLine).toBe(`cmd /c "echo a&b <x> 'y'"\r\n\tnext`);
  });

  test("attribute values in single quotes: & < > ' \" escaped", () => {
    const data: El = { name: 'EventData', children: [{ name: 'Data', attrs: [['Name', [{ sub: 4, type: 0x01 }]]], children: [{ text: 'v' }] }] };
    const { records } = read([{ id: 1, template: eventTemplate('t', [data]), values: [...systemValues(1, 1), v.string(`it's "a" <b> & c`)] }]);
    expect(records[0]?.xml).toContain(`<Data Name='it&apos;s &quot;a&quot; &lt;b&gt; &amp; c'>v</Data>`);
    expect(records[0]?.event.EventData).toEqual({ [`it's "a" <b> & c`]: 'v' });
  });

  test('character and entity references and CDATA are written as stored', () => {
    const data: El = { name: 'EventData', children: [{ name: 'Data', attrs: [['Name', [{ text: 'x' }]]], children: [{ text: 'a' }, { charRef: 38 }, { entity: 'lt' }, { cdata: 'if (a < b)' }] }] };
    const { records } = read([{ id: 1, template: eventTemplate('t', [data]), values: systemValues(1, 1) }]);
    expect(records[0]?.xml).toContain("<Data Name='x'>a&#38;&lt;<![CDATA[if (a < b)]]></Data>");
    expect(records[0]?.event.EventData).toEqual({ x: 'a&<if (a < b)' });
  });
});

describe('substitutions', () => {
  const optional = (sub: number, type: number) => ({ sub, type, optional: true });

  test('an optional substitution without a value: the attribute is left out, and an element that holds nothing else is not created', () => {
    const rest: El[] = [
      { name: 'Correlation', attrs: [['ActivityID', [optional(4, 0x0f)]], ['RelatedActivityID', [optional(5, 0x0f)]]], empty: true },
      { name: 'Keywords', children: [optional(6, 0x15)] },
      { name: 'Security', attrs: [['UserID', [optional(7, 0x13)]]], empty: true },
    ];
    const { records } = read([
      { id: 1, template: eventTemplate('t', rest), values: [...systemValues(1, 1), v.null(), v.null(), v.null(), v.sid('S-1-5-18')] },
      { id: 2, template: eventTemplate('t', rest), values: [...systemValues(2, 2), v.guid('{00000000-0000-0000-0000-0000000000AB}'), v.null(), v.hex64(0x10n), v.null()] },
    ]);
    expect(records[0]?.xml).toBe(`${HEAD.replace('4624', '1').replace('>7<', '>1<')}<Correlation/><Security UserID='S-1-5-18'/></Event>`);
    expect(records[1]?.xml).toBe(`${HEAD.replace('4624', '2').replace('>7<', '>2<')}<Correlation ActivityID='{00000000-0000-0000-0000-0000000000AB}'/><Keywords>0x10</Keywords><Security/></Event>`);
  });

  test('an empty value: an element that the template does not close empty stays <X></X>', () => {
    const r = eventData([
      ['Empty', v.string('')],
      ['Null', v.null()],
    ]);
    expect(r.xml).toContain("<EventData><Data Name='Empty'></Data><Data Name='Null'></Data></EventData>");
    expect(r.event.EventData).toEqual({ Empty: '', Null: '' });
  });

  test('an array value that is the whole content of its element repeats the element per item', () => {
    const data: El = {
      name: 'EventData',
      children: [
        { name: 'Data', attrs: [['Name', [{ text: 'Privileges' }]]], children: [{ sub: 4, type: 0x81 }] },
        { name: 'Data', attrs: [['Name', [{ text: 'Ports' }]]], children: [{ sub: 5, type: 0x86 }] },
        { name: 'Data', attrs: [['Name', [{ text: 'None' }]]], children: [{ sub: 6, type: 0x81 }] },
      ],
    };
    const { records } = read([{ id: 1, template: eventTemplate('t', [data]), values: [...systemValues(1, 1), v.stringArray(['SeTcbPrivilege', 'SeDebugPrivilege']), v.uint16Array([80, 443]), v.stringArray([])] }]);
    expect(records[0]?.xml).toContain(
      "<EventData><Data Name='Privileges'>SeTcbPrivilege</Data><Data Name='Privileges'>SeDebugPrivilege</Data><Data Name='Ports'>80</Data><Data Name='Ports'>443</Data><Data Name='None'></Data></EventData>",
    );
    expect(records[0]?.event.EventData).toEqual({ Privileges: ['SeTcbPrivilege', 'SeDebugPrivilege'], Ports: ['80', '443'], None: '' });
  });

  test('unnamed Data are param1, param2, ...; Binary by its name', () => {
    const data: El = {
      name: 'EventData',
      children: [
        { name: 'Data', children: [{ sub: 4, type: 0x01 }] },
        { name: 'Data', children: [{ sub: 5, type: 0x01 }] },
        { name: 'Binary', children: [{ sub: 6, type: 0x0e }] },
      ],
    };
    const { records } = read([{ id: 1, template: eventTemplate('t', [data]), values: [...systemValues(7036, 1), v.string('Windows Update'), v.string('running'), v.binary('7700750061007500')] }]);
    expect(records[0]?.xml).toContain('<EventData><Data>Windows Update</Data><Data>running</Data><Binary>7700750061007500</Binary></EventData>');
    expect(records[0]?.event.EventData).toEqual({ param1: 'Windows Update', param2: 'running', Binary: '7700750061007500' });
  });

  test('a binary XML value (0x21) holds a fragment with its own template instance: UserData', () => {
    const user: El = {
      name: 'LogFileCleared',
      attrs: [['xmlns', [{ text: 'http://manifests.microsoft.com/win/2004/08/windows/eventlog' }]]],
      children: [
        { name: 'SubjectUserSid', children: [{ sub: 0, type: 0x13 }] },
        { name: 'SubjectUserName', children: [{ sub: 1, type: 0x01 }] },
        { name: 'SubjectLogonId', children: [{ sub: 2, type: 0x15 }] },
      ],
    };
    const outer = eventTemplate('outer', [{ name: 'UserData', children: [{ sub: 4, type: 0x21 }] }]);
    const inner = { key: 'inner', root: user };
    const { records, problems } = read([
      { id: 1, template: outer, values: [...systemValues(1102, 1), { binxml: { template: inner, values: [v.sid('S-1-5-21-1-2-3-500'), v.string('Administrator'), v.hex64(0x2f6a81cn)] } }] },
      { id: 2, template: outer, values: [...systemValues(1102, 2), { binxml: { template: inner, values: [v.sid('S-1-5-18'), v.string('SYSTEM'), v.hex64(0x3e7n)] } }] },
    ]);
    expect(problems).toEqual([]);
    expect(records[0]?.xml).toContain(
      "<UserData><LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'><SubjectUserSid>S-1-5-21-1-2-3-500</SubjectUserSid><SubjectUserName>Administrator</SubjectUserName><SubjectLogonId>0x2f6a81c</SubjectLogonId></LogFileCleared></UserData></Event>",
    );
    expect(records[1]?.event.UserData).toEqual({ LogFileCleared: { SubjectUserSid: 'S-1-5-18', SubjectUserName: 'SYSTEM', SubjectLogonId: '0x3e7' } });
  });
});

describe('names and templates stored once per chunk', () => {
  const data: El = { name: 'EventData', children: [{ name: 'Data', attrs: [['Name', [{ text: 'TargetUserName' }]]], children: [{ sub: 4, type: 0x01 }] }] };
  const specs = (n: number): RecordSpec[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, template: eventTemplate('t', [data]), values: [...systemValues(4624, i + 1), v.string(`user${i + 1}`)] }));

  test('later records point back to the template definition and to names by offset', () => {
    for (const shareNames of [false, true]) {
      const { records, problems } = read(specs(50), { shareNames });
      expect(problems).toEqual([]);
      expect(records.map((r) => r.event.EventData?.TargetUserName)).toEqual(Array.from({ length: 50 }, (_, i) => `user${i + 1}`));
      expect(records[49]?.xml).toBe(`${HEAD.replace('>7<', '>50<')}<EventData><Data Name='TargetUserName'>user50</Data></EventData></Event>`);
    }
  });

  test('several chunks, an unused (zero) chunk between them, each with its own templates', () => {
    const first = buildChunk(specs(3));
    const second = buildChunk(specs(5).slice(3));
    const problems: EvtxProblem[] = [];
    const records = [...readEvtx(buildFile([first, Buffer.alloc(65536), second]), { onProblem: (p) => problems.push(p) })];
    expect(records.map((r) => [r.chunk, r.recordId])).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [2, 4],
      [2, 5],
    ]);
    expect(problems).toEqual([]);
  });

  test('a wrapped log is read from its oldest chunk', () => {
    const newer = buildChunk(specs(6).slice(3));
    const older = buildChunk(specs(3));
    expect([...readEvtx(buildFile([newer, older]))].map((r) => r.recordId)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...readEvtx(buildFile([newer, older]), { order: 'file' })].map((r) => r.recordId)).toEqual([4, 5, 6, 1, 2, 3]);
  });
});

describe('damaged binary XML is reported, never a crash', () => {
  const data: El = { name: 'EventData', children: [{ name: 'Data', attrs: [['Name', [{ text: 'X' }]]], children: [{ sub: 4, type: 0x01 }] }] };
  const good = (id: number): RecordSpec => ({ id, template: eventTemplate('t', [data]), values: [...systemValues(1, id), v.string('ok')] });

  test('a value size that runs past the record', () => {
    const chunk = buildChunk([good(1), good(2), good(3)]);
    const file = buildFile([chunk]);
    const offsets = [...readEvtx(file)].map((r) => r.fileOffset);
    // record 2's value descriptors: find the 'ok' value's descriptor (size 4, type 1) and make it huge
    const at = file.indexOf(Buffer.from([4, 0, 1, 0]), (offsets[1] as number) + 24);
    file.writeUInt16LE(0xfff0, at);
    const problems: EvtxProblem[] = [];
    const records = [...readEvtx(file, { onProblem: (p) => problems.push(p), checksums: false })];
    expect(records.map((r) => r.recordId)).toEqual([1, 3]);
    expect(problems.map((p) => [p.kind, p.recordId])).toEqual([['record', 2]]);
    expect(problems[0]?.message).toMatch(/record 2 .* skipped: binary XML cut off/);
  });

  test('a template definition offset outside the chunk', () => {
    const file = buildFile([buildChunk([good(1), good(2)])]);
    const second = [...readEvtx(file)][1]?.fileOffset as number;
    file.writeUInt32LE(0x20000, second + 24 + 4 + 6); // fragment header, then the instance: token, 1, id, offset
    const problems: EvtxProblem[] = [];
    expect([...readEvtx(file, { onProblem: (p) => problems.push(p), checksums: false })].map((r) => r.recordId)).toEqual([1]);
    expect(problems[0]?.message).toContain('template definition offset 0x20000 is outside the chunk');
  });

  test('a template that contains itself (a loop) stops at a depth limit', () => {
    // the definition of 'loop' holds an instance of 'loop': it points back at its own definition
    const loop = { key: 'loop', root: { name: 'Event', children: [] as El['children'] } };
    loop.root.children = [{ instance: loop, values: [] }];
    const file = buildFile([buildChunk([good(1), { id: 2, template: loop, values: [] }, good(3)])]);
    const problems: EvtxProblem[] = [];
    expect([...readEvtx(file, { onProblem: (p) => problems.push(p) })].map((r) => r.recordId)).toEqual([1, 3]);
    expect(problems.map((p) => [p.kind, p.recordId])).toEqual([['record', 2]]);
    expect(problems[0]?.message).toContain('nested deeper than');
  });
});
