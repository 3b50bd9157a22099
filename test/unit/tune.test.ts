import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadProfile, withRuleDefaults } from '../../src/content/profile.js';
import { unifiedDiff } from '../../src/tune/diff.js';
import { coveredBy, isProposable, overlaps, registeredDomain } from '../../src/tune/domains.js';
import { applyEdits, type ProfileEdit } from '../../src/tune/profile-edit.js';
import { isBusinessDay, nightOf } from '../../src/tune/tune.js';
import { generalise, groupUserAgents, uaShape, wildcardMatch } from '../../src/tune/user-agents.js';

/** The pure parts of `npm run tune`: registered domains, User-Agent patterns, the profile edit and its diff. */

const ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('registered domains', () => {
  test.each([
    ['fe2cr.update.microsoft.com', 'microsoft.com'],
    ['www.yahoo.co.jp', 'yahoo.co.jp'],
    ['news.yahoo.co.jp', 'yahoo.co.jp'],
    ['www3.nhk.or.jp', 'nhk.or.jp'],
    ['www.jma.go.jp', 'jma.go.jp'],
    ['www.u-tokyo.ac.jp', 'u-tokyo.ac.jp'],
    ['www.docomo.ne.jp', 'docomo.ne.jp'],
    ['www.abc.net.au', 'abc.net.au'],
    ['www.bbc.co.uk', 'bbc.co.uk'],
    ['shop.example.com.br', 'example.com.br'],
    ['a.b.example.co.kr', 'example.co.kr'],
    ['midori.example.jp', 'example.jp'],
    ['r10.o.lencr.org', 'lencr.org'],
    ['Zoom.US.', 'zoom.us'],
    ['zoom.us', 'zoom.us'],
    ['localhost', 'localhost'],
  ])('%s -> %s', (host, domain) => {
    expect(registeredDomain(host)).toBe(domain);
  });

  test('an address has none', () => {
    expect(registeredDomain('203.0.113.50')).toBeUndefined();
    expect(registeredDomain('[2001:db8::1]')).toBeUndefined();
    expect(registeredDomain('')).toBeUndefined();
  });

  test('a public suffix or a single label is never proposable', () => {
    expect(isProposable('co.jp')).toBe(false);
    expect(isProposable('com.au')).toBe(false);
    expect(isProposable('com.xx')).toBe(false);
    expect(isProposable('jp')).toBe(false);
    expect(isProposable('www.example.com')).toBe(false);
    expect(isProposable('example.co.jp')).toBe(true);
    expect(isProposable('lencr.org')).toBe(true);
  });

  test('coverage and overlap follow the rules\' domain_any: the domain and its subdomains', () => {
    expect(coveredBy('ctldl.windowsupdate.com', 'windowsupdate.com')).toBe(true);
    expect(coveredBy('windowsupdate.com', 'windowsupdate.com')).toBe(true);
    expect(coveredBy('notwindowsupdate.com', 'windowsupdate.com')).toBe(false);
    expect(overlaps('example.com', 'apt.example.com')).toBe(true);
    expect(overlaps('apt.example.com', 'example.com')).toBe(true);
    expect(overlaps('example.com', 'example.net')).toBe(false);
  });
});

describe('User-Agent patterns', () => {
  test('a single User-Agent stays as it is', () => {
    expect(generalise(['ApexOne/14.0.12932 (Windows NT 10.0)'])).toBe('ApexOne/14.0.12932 (Windows NT 10.0)');
  });

  test('only the numbers that differ become *', () => {
    const p = generalise([
      'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)',
      'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18025; Pro)',
    ]);
    expect(p).toBe('Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.*; Pro)');
    expect(wildcardMatch(p, 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.19000; Pro)')).toBe(true);
    expect(wildcardMatch(p, 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Word 16.0.19000; Pro)')).toBe(false);
  });

  test('a whole version that differs is one *, not *.*.*', () => {
    expect(generalise(['Agent/1.2.3 (x)', 'Agent/4.5.6 (x)'])).toBe('Agent/* (x)');
    expect(generalise(['Agent/1.2.3', 'Agent/1.5.6'])).toBe('Agent/1.*');
  });

  test('User-Agents of different shapes are different groups; the wildcard characters of a User-Agent are not wildcards', () => {
    const g = groupUserAgents(['A/1.0', 'A/2.0', 'B/1.0 (x)', 'C/1.0 *star?']);
    expect([...g.values()].map((x) => x.pattern).sort()).toEqual(['A/*.0', 'B/1.0 (x)', 'C/1.0 ?star?']);
    expect(uaShape('A/1.0')).toBe(uaShape('A/22.7'));
    expect(() => generalise(['A/1.0', 'B/1.0'])).toThrow(/shape/);
  });

  test('the pack\'s browser patterns match the way the rules\' wildcard queries do', () => {
    const p = withRuleDefaults(loadProfile(path.join(ROOT, 'test', 'scenarios', 'benign-profile.yml')));
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    expect(p.browsers.user_agents.some((b) => wildcardMatch(b, chrome))).toBe(true);
    expect(p.browsers.user_agents.some((b) => wildcardMatch(b, 'ApexOne/14.0.12932 (Windows NT 10.0)'))).toBe(false);
  });
});

describe('days and nights', () => {
  const p = withRuleDefaults(loadProfile(path.join(ROOT, 'profiles', 'example.yml')));
  test('business days are the profile\'s weekdays without its holidays', () => {
    expect(isBusinessDay('2026-11-09', p)).toBe(true); // Monday
    expect(isBusinessDay('2026-11-14', p)).toBe(false); // Saturday
    expect(isBusinessDay('2026-05-05', p)).toBe(false); // a holiday of the example profile (Tuesday)
  });
  test('a night runs from local noon to noon and is named by its evening', () => {
    expect(nightOf(Date.parse('2026-11-09T23:30:00+09:00'), 'Asia/Tokyo')).toBe('2026-11-09');
    expect(nightOf(Date.parse('2026-11-10T03:00:00+09:00'), 'Asia/Tokyo')).toBe('2026-11-09');
    expect(nightOf(Date.parse('2026-11-10T07:55:00+09:00'), 'Asia/Tokyo')).toBe('2026-11-09');
    expect(nightOf(Date.parse('2026-11-10T20:05:00+09:00'), 'Asia/Tokyo')).toBe('2026-11-10');
  });
});

describe('the proposed profile and its diff', () => {
  const edits: ProfileEdit[] = [
    { key: 'business_domains', value: 'lencr.org', evidence: '19 clients' },
    { key: 'software.user_agents', value: '*Agent/1.*', evidence: '7 clients' },
    { key: 'software.domains', value: 'trendmicro.com', evidence: '19 clients' },
    { key: 'hosts.servers', value: '10.20.1.30', evidence: '19 users a day' },
    { key: 'hosts.always_on', value: '10.20.10.14', evidence: '8 of 8 nights' },
    { key: 'thresholds.many_auth', value: 60, evidence: 'FS01: 48 in 10 minutes' },
  ];

  test('the example profile keeps every line and comment; the entries arrive with their evidence', () => {
    const text = readFileSync(path.join(ROOT, 'profiles', 'example.yml'), 'utf8');
    const out = applyEdits(text, edits);
    const parsed = YAML.parse(out);
    expect(parsed.business_domains).toEqual(['example.co.jp', 'windowsupdate.com', 'lencr.org']);
    expect(parsed.software).toEqual({ user_agents: ['*Agent/1.*'], domains: ['trendmicro.com'], addresses: [], use_pack_defaults: true });
    expect(parsed.hosts).toEqual({ servers: ['10.20.1.30'], always_on: ['10.20.10.14'] });
    expect(parsed.thresholds.many_auth).toBe(60);
    expect(parsed.thresholds.common_clients).toBe(5);
    // every comment line of the original is still there, unchanged
    const comments = (s: string) => s.split('\n').filter((l) => l.trim().startsWith('#'));
    expect(comments(out)).toEqual(comments(text));
    expect(out).toContain('  - lencr.org # tune: 19 clients\n');
    expect(out).toContain('  large_bytes: 104857600      # 100 MiB');
    expect(out).toMatch(/many_auth: 60 # tune: FS01: 48 in 10 minutes \(was 40\)/);
    // the proposal is a valid profile
    expect(() => loadProfile).not.toThrow();
  });

  test('keys the profile lacks are added under their parent; the result loads as a profile', () => {
    const text = readFileSync(path.join(ROOT, 'test', 'scenarios', 'benign-profile.yml'), 'utf8');
    const out = applyEdits(text, edits);
    const parsed = YAML.parse(out);
    expect(parsed.software).toEqual({ user_agents: ['*Agent/1.*'], domains: ['trendmicro.com'] });
    expect(parsed.hosts).toEqual({ servers: ['10.20.1.30'], always_on: ['10.20.10.14'] });
    expect(parsed.business_domains).toEqual(['midori.example.jp', 'windowsupdate.com', 'lencr.org']);
    const diff = unifiedDiff(text, out, 'a.yml', 'b.yml');
    expect(diff).toMatch(/^--- a.yml\n\+\+\+ b.yml\n@@ /);
    expect(diff).toContain('-business_domains: [midori.example.jp, windowsupdate.com]\n+business_domains:\n+  - midori.example.jp\n');
    expect(diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'))).toEqual(['-business_domains: [midori.example.jp, windowsupdate.com]', '-  many_auth: 40']);
  });

  test('no profile: the proposals make a profile of their own', () => {
    const out = applyEdits(undefined, edits);
    expect(YAML.parse(out).hosts.servers).toEqual(['10.20.1.30']);
    expect(unifiedDiff('', out, '/dev/null', 'b').split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'))).toEqual([]);
  });

  test('an expected deny is one flow mapping on its line, with its evidence, and the result loads as a profile', () => {
    const text = readFileSync(path.join(ROOT, 'test', 'scenarios', 'benign-profile.yml'), 'utf8');
    const deny = { source: '10.20.10.18', port: 443, protocol: 'tcp', reason: { en: 'proposed by npm run tune: denied on 5 of 5 business days', ja: 'npm run tune による提案: 5営業日中5日拒否' } };
    const out = applyEdits(text, [{ key: 'firewall.expected_denies', value: deny, evidence: 'denied on 5 of 5 business days' }]);
    expect(out).toContain('  external_zones: [Untrust]\n  expected_denies:\n    - { source: 10.20.10.18, port: 443, protocol: tcp, reason: { en: "proposed by npm run tune: denied on 5 of 5 business days", ja: "npm run tune による提案: 5営業日中5日拒否" } } # tune: denied on 5 of 5 business days\n');
    expect(YAML.parse(out).firewall.expected_denies).toEqual([deny]);
    const file = path.join(os.tmpdir(), `tune-deny-${process.pid}.yml`);
    writeFileSync(file, out);
    try {
      expect(withRuleDefaults(loadProfile(file)).firewall.expected_denies).toEqual([deny]);
    } finally {
      rmSync(file, { force: true });
    }
    // the same entry again is already there: written once through the Document API too
    expect(applyEdits(undefined, [{ key: 'firewall.expected_denies', value: deny, evidence: 'x' }])).toContain('expected_denies:\n    - {');
  });

  test('no proposals, no diff', () => {
    expect(applyEdits('a: 1\n', [])).toBe('a: 1\n');
    expect(unifiedDiff('a: 1\n', 'a: 1\n', 'x', 'y')).toBe('');
  });
});
