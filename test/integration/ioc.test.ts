import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { expireIndicators, importIndicators, listIndicators, LISTS_INDEX, removeIndicators } from '../../src/ioc/index.js';
import { compileRules } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';
import { adminConnection, adminEnv, clusterPlugins, ROOT, runCli, testCluster } from '../harness/cluster.js';

/**
 * Indicators on the real engine: each import format with good and bad entries (reported by
 * line), normalisation, idempotent re-import, and the IOC rules (PROXY-1, DNS-1, G4) as
 * Alerting monitors matching planted events through the terms look-ups of the match lists:
 * subdomains, URL hosts, CIDR ranges, mail senders; an expired indicator stops matching
 * after `expire`. Events are planted on 2026-03-10, away from the labelled story's day.
 */

const conn: Connection = await adminConnection();
const dir = mkdtempSync(path.join(tmpdir(), 'ioc-'));
const SOURCE = 'ioc-test';
const NS = 'ioctest';
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

const TEXT = write(
  'feed.txt',
  [
    '# indicators from a partner, defanged',
    'evil-ioc[.]example[.]net',
    'hxxp://files.IOC-drop[.]example.org/a/b.zip',
    '203.0.113.64/26',
    'bad.sender[@]ioc-mail.example.com',
    'not an indicator at all',
    '',
    'd41d8cd98f00b204e9800998ecf8427e',
    '請求書_2026年3月.exe',
  ].join('\n'),
);
const CSV_TYPED = write('typed.csv', ['type,value,confidence', 'domain,Typed-IOC.example.org,80', 'ip,198.51.100.300,', 'subject,"Re: 緊急, ご確認ください",', 'colour,blue,'].join('\n'));
const CSV_HEADER = write('by-header.csv', ['ip,sender', '198.51.100.99,spoof@ioc-mail.example.com', 'not-an-ip,'].join('\n'));
const STIX = write(
  'bundle.json',
  JSON.stringify(
    {
      type: 'bundle',
      id: 'bundle--0b7e3f5c-0000-4000-8000-000000000001',
      objects: [
        { type: 'indicator', spec_version: '2.1', id: 'indicator--00000000-0000-4000-8000-000000000001', pattern_type: 'stix', pattern: "[ipv4-addr:value = '192.0.2.10'] OR [domain-name:value = 'stix-ioc.example.com']", valid_from: '2026-01-01T00:00:00Z', valid_until: '2027-01-01T00:00:00Z', confidence: 85 },
        { type: 'indicator', spec_version: '2.1', id: 'indicator--00000000-0000-4000-8000-000000000002', pattern_type: 'stix', pattern: "[file:name = 'invoice.scr' AND file:size = 1024]", valid_from: '2026-01-01T00:00:00Z' },
        { type: 'indicator', spec_version: '2.1', id: 'indicator--00000000-0000-4000-8000-000000000003', pattern_type: 'stix', pattern: "[url:value = 'https://stix-ioc.example.com/login']", valid_from: '2026-01-01T00:00:00Z' },
        { type: 'indicator', spec_version: '2.1', id: 'indicator--00000000-0000-4000-8000-000000000004', pattern_type: 'sigma', pattern: 'title: x', valid_from: '2026-01-01T00:00:00Z' },
      ],
    },
    null,
    2,
  ),
);

beforeAll(async () => {
  await installPack(conn, ROOT, DEFAULT_PROFILE);
  await removeIndicators(conn, { source: SOURCE });
  await removeIndicators(conn, { source: 'ioc-cli' });
});

afterAll(async () => {
  await removeIndicators(conn, { source: SOURCE });
  await removeIndicators(conn, { source: 'ioc-cli' });
  await conn.close();
});

describe('import', () => {
  test('each format: good entries imported, bad ones reported with file:line and reason', async () => {
    const res = await importIndicators(conn, [TEXT, CSV_TYPED, CSV_HEADER, STIX], { source: SOURCE });
    expect(res.files.map((f) => [path.basename(f.file), f.format, f.indicators, f.bad.length])).toEqual([
      ['feed.txt', 'text', 6, 1],
      ['typed.csv', 'csv', 2, 2],
      ['by-header.csv', 'csv', 2, 1],
      ['bundle.json', 'stix', 3, 2],
    ]);
    expect(res.bad.map((b) => `${path.basename(b.where)}`)).toEqual(['feed.txt:6', 'typed.csv:3', 'typed.csv:5', 'by-header.csv:3', 'bundle.json:18', 'bundle.json:34']);
    expect(res.bad[0]!.reason).toMatch(/cannot tell what "not an indicator at all" is/);
    expect(res.bad[1]!.reason).toMatch(/"198.51.100.300" is not an IP address/);
    expect(res.bad[2]!.reason).toMatch(/unknown type "colour"/);
    expect(res.bad[4]!.reason).toMatch(/AND/);
    expect(res.bad[5]!.reason).toMatch(/pattern_type sigma/);
    expect(res.created).toBe(13);
  });

  test('values are normalised and stored with ECS threat.indicator fields', async () => {
    const rows = await listIndicators(conn, { sources: [SOURCE] });
    expect(rows.map((r) => `${r.kind}:${r.value}`).sort()).toEqual(
      [
        'cidr:203.0.113.64/26',
        'domain:evil-ioc.example.net',
        'domain:stix-ioc.example.com',
        'domain:typed-ioc.example.org',
        'email:bad.sender@ioc-mail.example.com',
        'email:spoof@ioc-mail.example.com',
        'file:請求書_2026年3月.exe',
        'hash:d41d8cd98f00b204e9800998ecf8427e',
        'ip:192.0.2.10',
        'ip:198.51.100.99',
        'subject:Re: 緊急, ご確認ください',
        'url:http://files.ioc-drop.example.org/a/b.zip',
        'url:https://stix-ioc.example.com/login',
      ].sort(),
    );
    const stix = rows.find((r) => r.value === '192.0.2.10')!;
    expect([stix.type, stix.confidence, stix.expires]).toEqual(['ipv4-addr', 'High', '2027-01-01T00:00:00.000Z']);
    expect(rows.find((r) => r.value === 'typed-ioc.example.org')!.confidence).toBe('High');
    const doc = (await conn.request('POST', '/jpcert-indicators/_search', { query: { term: { 'jpcert.indicator.value': 'http://files.ioc-drop.example.org/a/b.zip' } } })).body as any;
    expect(doc.hits.hits[0]._source.threat.indicator).toMatchObject({ type: 'url', url: { original: 'http://files.ioc-drop.example.org/a/b.zip', domain: 'files.ioc-drop.example.org' }, provider: [SOURCE] });
    expect(doc.hits.hits[0]._source.threat.feed.name).toEqual([SOURCE]);
    // the URL's host is matched as a domain too; hashes are kept but no log carries them
    const lists = (await conn.request('GET', `/${LISTS_INDEX}/_doc/domains`)).body as any;
    expect(lists._source.values).toEqual(expect.arrayContaining(['files.ioc-drop.example.org', 'evil-ioc.example.net', 'stix-ioc.example.com']));
  });

  test('a re-import updates last_seen and adds nothing', async () => {
    const before = await listIndicators(conn, { sources: [SOURCE] });
    const res = await importIndicators(conn, [TEXT, CSV_TYPED, CSV_HEADER, STIX], { source: SOURCE, now: new Date(Date.now() + 60_000) });
    expect([res.created, res.updated]).toEqual([0, 13]);
    const after = await listIndicators(conn, { sources: [SOURCE] });
    expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id));
    expect(after.every((r, i) => r.firstSeen === before[i]!.firstSeen && r.lastSeen > before[i]!.lastSeen)).toBe(true);
  });
});

describe('rules through the match lists', () => {
  const compiled = compileRules(loadRules(ROOT), DEFAULT_PROFILE);
  const RUN_AT = Date.parse('2026-03-10T10:40:00+09:00');
  const planted: Array<{ id: string; source: string; line: string }> = [
    { id: 'sub', source: 'squid', line: '192.168.100.23 - - [10/Mar/2026:10:33:00 +0900] "GET http://cdn.evil-ioc.example.net/x/payload.bin HTTP/1.1" 200 1234 "-" "Mozilla/5.0" TCP_MISS:HIER_DIRECT' },
    { id: 'suffix-miss', source: 'squid', line: '192.168.100.23 - - [10/Mar/2026:10:33:01 +0900] "GET http://notevil-ioc.example.net/ HTTP/1.1" 200 1234 "-" "Mozilla/5.0" TCP_MISS:HIER_DIRECT' },
    { id: 'url-host', source: 'squid', line: '192.168.100.24 - - [10/Mar/2026:10:33:02 +0900] "GET http://files.ioc-drop.example.org/other.html HTTP/1.1" 200 99 "-" "Mozilla/5.0" TCP_MISS:HIER_DIRECT' },
    { id: 'dns-sub', source: 'bind', line: '10-Mar-2026 10:32:10.113 queries: info: client @0x7f3a1c00d2a0 192.168.100.23#53412 (www.evil-ioc.example.net): query: www.evil-ioc.example.net IN A +E(0)K (192.168.200.53)' },
    { id: 'dns-miss', source: 'bind', line: '10-Mar-2026 10:32:11.113 queries: info: client @0x7f3a1c00d2a0 192.168.100.23#53413 (evil-ioc.example.net.example.org): query: evil-ioc.example.net.example.org IN A +E(0)K (192.168.200.53)' },
    { id: 'fw-in', source: 'netscreen', line: '2026-03-10T10:34:11.258000+09:00 192.168.1.1 ssg140-hq: NetScreen device_id=ssg140-hq [Root]system-notification-00257(traffic): start_time="2026-03-10 10:34:11" duration=0 policy_id=36 service=http proto=6 src zone=SHANAI dst zone=Untrust action=Deny sent=0 rcvd=0 src=192.168.100.23 dst=203.0.113.77 src_port=58461 dst_port=80 session_id=0' },
    { id: 'fw-out', source: 'netscreen', line: '2026-03-10T10:34:12.258000+09:00 192.168.1.1 ssg140-hq: NetScreen device_id=ssg140-hq [Root]system-notification-00257(traffic): start_time="2026-03-10 10:34:12" duration=0 policy_id=36 service=http proto=6 src zone=SHANAI dst zone=Untrust action=Deny sent=0 rcvd=0 src=192.168.100.23 dst=203.0.113.200 src_port=58462 dst_port=80 session_id=0' },
    { id: 'fw-expiring', source: 'netscreen', line: '2026-03-10T10:34:13.258000+09:00 192.168.1.1 ssg140-hq: NetScreen device_id=ssg140-hq [Root]system-notification-00257(traffic): start_time="2026-03-10 10:34:13" duration=0 policy_id=36 service=http proto=6 src zone=SHANAI dst zone=Untrust action=Deny sent=0 rcvd=0 src=192.168.100.23 dst=198.51.100.150 src_port=58463 dst_port=80 session_id=0' },
    { id: 'mail', source: 'postfix', line: 'Mar 10 10:15:31 mail-gw postfix/qmgr[2210]: C1D2E3F4A5: from=<bad.sender@ioc-mail.example.com>, size=48211, nrcpt=1 (queue active)' },
  ];

  beforeAll(async () => {
    for (const source of new Set(planted.map((p) => p.source))) await conn.request('DELETE', `/_data_stream/logs-jpcert.${source}-${NS}`);
    for (const p of planted) {
      const res = await conn.request('POST', `/logs-jpcert.${p.source}-${NS}/_doc?refresh=true`, { message: p.line, labels: { ioc_test: p.id } });
      expect({ id: p.id, status: res.status }).toEqual({ id: p.id, status: 201 });
    }
  });

  /** The labelled planted events a rule's monitor finds when run at RUN_AT through Alerting's _execute. */
  async function monitorHits(check: string): Promise<string[]> {
    const rule = compiled.rules.find((r) => r.resolved.rule.check === check)!;
    const monitor = JSON.parse(JSON.stringify(rule.monitor).replaceAll('{{period_end}}', String(RUN_AT)));
    const res = await conn.request('POST', '/_plugins/_alerting/monitors/_execute?dryrun=true', monitor);
    const body = res.body as any;
    expect(body.input_results.error).toBeNull();
    const hits = body.input_results.results[0].hits.hits as Array<{ _source: { labels?: { ioc_test?: string } } }>;
    return hits.map((h) => h._source.labels?.ioc_test).filter((x): x is string => x !== undefined).sort();
  }

  let alerting = false;
  beforeAll(async () => {
    alerting = (await clusterPlugins(conn)).includes('opensearch-alerting');
  });

  test('a terms look-up search: CIDR matches addresses in the range only', async () => {
    const res = (await conn.request('POST', `/logs-jpcert.netscreen-${NS}/_search`, { query: { terms: { 'destination.ip': { index: LISTS_INDEX, id: 'ips', path: 'values' } } }, _source: ['labels'] })).body as any;
    expect(res.hits.hits.map((h: any) => h._source.labels.ioc_test)).toEqual(['fw-in']);
  });

  test('PROXY-1, DNS-1 and G4 monitors find the planted events through the match lists', async () => {
    if (!alerting) {
      process.stderr.write('ioc.test: no Alerting plugin in the test cluster, monitors not run\n');
      return;
    }
    expect(await monitorHits('PROXY-1')).toEqual(['sub', 'url-host']);
    expect(await monitorHits('DNS-1')).toEqual(['dns-sub']);
    expect(await monitorHits('G4')).toEqual(['dns-sub', 'fw-in', 'mail', 'sub', 'url-host']);
  });

  test('an expired indicator stops matching after expire', async () => {
    const f = write('expiring.txt', '198.51.100.150\n');
    const now = Date.now();
    await importIndicators(conn, [f], { source: SOURCE, expires: new Date(now + 3_600_000), now: new Date(now) });
    const search = async () => ((await conn.request('POST', `/logs-jpcert.netscreen-${NS}/_search`, { query: { terms: { 'destination.ip': { index: LISTS_INDEX, id: 'ips', path: 'values' } } }, _source: ['labels'] })).body as any).hits.hits.map((h: any) => h._source.labels.ioc_test).sort();
    expect(await search()).toEqual(['fw-expiring', 'fw-in']);
    const res = await expireIndicators(conn, { now: new Date(now + 2 * 3_600_000) });
    expect(res.expired).toBeGreaterThanOrEqual(1);
    expect(res.dropped).toBe(1);
    expect(await search()).toEqual(['fw-in']);
    const listed = await listIndicators(conn, { values: ['198.51.100.150'], now: new Date(now + 2 * 3_600_000) });
    expect(listed.map((r) => r.expired)).toEqual([true]);
    if (alerting) expect(await monitorHits('G4')).not.toContain('fw-expiring');
  });
});

describe('the CLI', () => {
  const c = testCluster();
  const flags = ['--cluster', c.url, ...(c.insecure ? ['--insecure'] : [])];
  // a cluster without security ignores the credentials; they must still never be printed
  const env = adminEnv().PACK_PASSWORD ? adminEnv() : { ...adminEnv(), PACK_USERNAME: 'admin', PACK_PASSWORD: 'not-a-real-secret-1234' };

  test('import, list, remove: exit codes and output', async () => {
    const f = write('cli.txt', 'cli-ioc.example.com\nnot valid\n');
    const imp = await runCli('ioc.ts', ['import', ...flags, '--source', 'ioc-cli', '--ttl', '30d', f], env);
    expect(imp.stderr).toContain(`${f}:2: "not valid": cannot tell what`);
    expect(imp.stdout).toMatch(/imported: 1 new, 0 updated, 1 bad entry skipped/);
    expect(imp.code).toBe(0);
    const list = await runCli('ioc.ts', ['list', ...flags, '--source', 'ioc-cli', '--output', 'json'], env);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ value: string }>).map((r) => r.value)).toEqual(['cli-ioc.example.com']);
    const rm = await runCli('ioc.ts', ['remove', ...flags, 'cli-ioc[.]example[.]com'], env);
    expect([rm.code, rm.stdout.trim()]).toEqual([0, 'removed: 1 deleted']);
    const exp = await runCli('ioc.ts', ['expire', ...flags], env);
    expect([exp.code, exp.stdout]).toEqual([0, expect.stringMatching(/^0 value\(s\) dropped from matching now; \d+ indicator\(s\) expired in all/)]);
  });

  test('nothing importable is an error; a bad flag and a missing file are clear usage errors; no secret is printed', async () => {
    const bad = write('bad.txt', 'not valid\n');
    const none = await runCli('ioc.ts', ['import', ...flags, '--source', 'ioc-cli', bad], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('nothing could be imported');
    const flag = await runCli('ioc.ts', ['import', ...flags, '--ttl', 'soon', bad], env);
    expect([flag.code, flag.stderr]).toEqual([2, expect.stringContaining('--ttl soon is not a duration')]);
    const unknown = await runCli('ioc.ts', ['import', ...flags, '--colour', bad], env);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining("unknown option '--colour'")]);
    const missing = await runCli('ioc.ts', ['import', ...flags, path.join(dir, 'missing.csv')], env);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('missing.csv: no such file')]);
    for (const r of [none, flag, unknown, missing]) expect(r.stdout + r.stderr).not.toContain(env.PACK_PASSWORD!);
  });
});
