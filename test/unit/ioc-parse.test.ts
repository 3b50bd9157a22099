import { matchLists, type IndicatorRow } from '../../src/ioc/store.js';
import { normalise, refang } from '../../src/ioc/normalise.js';
import { csvRows, parseCsv } from '../../src/ioc/parse-csv.js';
import { parseStix, patternTerms } from '../../src/ioc/parse-stix.js';
import { parseText } from '../../src/ioc/parse-text.js';

/** Indicator files read offline: normalisation, kind inference, bad entries by line. */

test.each([
  ['hxxp://evil[.]example[.]com/a/B.exe', { kind: 'url', value: 'http://evil.example.com/a/B.exe' }],
  ['hXXps://Evil.Example.COM:8443/x?q=1', { kind: 'url', value: 'https://evil.example.com:8443/x?q=1' }],
  ['EXAMPLE[.]com', { kind: 'domain', value: 'example.com' }],
  ['*.c2.example.net.', { kind: 'domain', value: 'c2.example.net' }],
  ['bücher.example', { kind: 'domain', value: 'xn--bcher-kva.example' }],
  ['attacker[@]Example.COM', { kind: 'email', value: 'attacker@example.com' }],
  ['203.0.113.50', { kind: 'ip', value: '203.0.113.50' }],
  ['203.0.113.77/26', { kind: 'cidr', value: '203.0.113.64/26' }],
  ['2001:DB8::1', { kind: 'ip', value: '2001:db8::1' }],
  ['2001:db8::/32', { kind: 'cidr', value: '2001:db8::/32' }],
  ['D41D8CD98F00B204E9800998ECF8427E', { kind: 'hash', value: 'd41d8cd98f00b204e9800998ecf8427e' }],
  ['invoice.exe', { kind: 'file', value: 'invoice.exe' }],
  ['【マル秘】顧客情報！.exe', { kind: 'file', value: '【マル秘】顧客情報！.exe' }],
  ['meeting notes.pdf', { kind: 'file', value: 'meeting notes.pdf' }],
])('infers and normalises %s', (raw, expected) => {
  expect(normalise(raw)).toEqual(expected);
});

test.each([['not an indicator'], ['http://'], ['999.1.1.1'], ['-bad-.example.com'], ['1.2.3.4/40']])('rejects %s with a reason', (raw) => {
  expect(normalise(raw)).toEqual({ error: expect.any(String) });
});

test('a given kind is checked, not guessed', () => {
  expect(normalise('report.zip', 'domain')).toEqual({ kind: 'domain', value: 'report.zip' });
  expect(normalise('report.zip', 'file')).toEqual({ kind: 'file', value: 'report.zip' });
  expect(normalise('Re: 請求書', 'subject')).toEqual({ kind: 'subject', value: 'Re: 請求書' });
  expect(normalise('example.com', 'ip')).toEqual({ error: '"example.com" is not an IP address' });
  expect(refang('hxxps[://]a[.]b(.)c')).toBe('https://a.b.c');
});

test('plain text: comments and blank lines skipped, bad lines by number', () => {
  const r = parseText('# feed\n\nexample[.]com\nnope nope\n10.0.0.0/8\n', 'f.txt');
  expect(r.indicators.map((i) => [i.kind, i.value, i.where])).toEqual([['domain', 'example.com', 'f.txt:3'], ['cidr', '10.0.0.0/8', 'f.txt:5']]);
  expect(r.bad.map((b) => b.where)).toEqual(['f.txt:4']);
});

test('CSV: quoted fields spanning lines keep the line of their row', () => {
  expect(csvRows('a,b\n"x\ny",z\n"q""r",s').map((r) => [r.line, r.cells])).toEqual([[1, ['a', 'b']], [2, ['x\ny', 'z']], [4, ['q"r', 's']]]);
});

test('CSV: a type column, columns named by type, and no header', () => {
  const typed = parseCsv('Type,Value,Expires\nurl,hxxp://a[.]example/x,2027-01-01\nmutex,abc,\n', 't.csv');
  expect(typed.indicators).toEqual([{ kind: 'url', value: 'http://a.example/x', where: 't.csv:2', validUntil: '2027-01-01' }]);
  expect(typed.bad).toEqual([{ where: 't.csv:3', value: 'abc', reason: expect.stringContaining('unknown type "mutex"') }]);
  const cols = parseCsv('domain,ip\nexample.com,192.0.2.1\n,192.0.2.x\n', 'c.csv');
  expect(cols.indicators.map((i) => `${i.kind}:${i.value}`)).toEqual(['domain:example.com', 'ip:192.0.2.1']);
  expect(cols.bad.map((b) => b.where)).toEqual(['c.csv:3']);
  const bare = parseCsv('example.com\n192.0.2.1,ip\n', 'n.csv');
  expect(bare.indicators.map((i) => `${i.kind}:${i.value}`)).toEqual(['domain:example.com', 'ip:192.0.2.1']);
});

test('STIX: patterns joined by OR are split; AND and unknown objects are reported', () => {
  expect(patternTerms("[ipv4-addr:value = '198.51.100.0/24' OR url:value = 'http://x.example/a OR b']")).toEqual([
    { path: 'ipv4-addr:value', value: '198.51.100.0/24' },
    { path: 'url:value', value: 'http://x.example/a OR b' },
  ]);
  expect(patternTerms("[file:name = 'a.exe' AND file:size = 1]")).toEqual({ error: expect.stringContaining('AND') });
  const bundle = JSON.stringify({ type: 'bundle', objects: [{ type: 'indicator', id: 'indicator--1', pattern: "[mutex:name = 'x']", pattern_type: 'stix' }, { type: 'indicator', id: 'indicator--2', pattern: "[email-message:subject = 'Invoice']", pattern_type: 'stix', confidence: 20 }] }, null, 1);
  const r = parseStix(bundle, 'b.json');
  expect(r.indicators).toEqual([{ kind: 'subject', value: 'Invoice', where: 'b.json:12', confidence: 20 }]);
  expect(r.bad).toEqual([{ where: 'b.json:6', value: "mutex:name = 'x'", reason: expect.stringContaining('not an observable the logs carry') }]);
  expect(parseStix('{"type":"report"}', 'r.json').bad[0]!.reason).toMatch(/not a STIX 2.1 bundle/);
});

test('match lists: active values only; URL hosts as domains or addresses; hashes not matched', () => {
  const row = (kind: IndicatorRow['kind'], value: string, expired = false): IndicatorRow => ({ id: value, kind, value, providers: ['t'], firstSeen: '', lastSeen: '', expires: null, expired });
  const lists = matchLists([row('url', 'http://c2.example.com/a'), row('url', 'http://[2001:db8::5]/x'), row('domain', 'old.example', true), row('cidr', '10.0.0.0/8'), row('hash', 'd41d8cd98f00b204e9800998ecf8427e')]);
  expect(lists).toEqual({ ips: ['10.0.0.0/8', '2001:db8::5'], domains: ['c2.example.com'], urls: ['http://[2001:db8::5]/x', 'http://c2.example.com/a'], senders: [], attachment_names: [], subjects: [] });
});
