import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_PROFILE, loadProfile, packDefaults, profileValue, RULE_DEFAULTS, withRuleDefaults } from '../../src/content/profile.js';
import { PACK_ROOT } from '../../src/paths.js';
import { ContentError, ExitCode, UsageError } from '../../src/errors.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'profile-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function profileFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('loadProfile', () => {
  it('returns the defaults without a file', () => {
    expect(loadProfile()).toBe(DEFAULT_PROFILE);
    expect(loadProfile(undefined)).toEqual({ timezone: 'Asia/Tokyo', indices: { prefix: 'logs', number_of_shards: 1 } });
  });

  it('merges a YAML file over the defaults', () => {
    const file = profileFile('site.yml', 'timezone: UTC\nindices:\n  number_of_replicas: 2\n');
    expect(loadProfile(file)).toEqual({ timezone: 'UTC', indices: { prefix: 'logs', number_of_shards: 1, number_of_replicas: 2 } });
  });

  it('does not change DEFAULT_PROFILE when merging', () => {
    loadProfile(profileFile('site2.yml', 'indices:\n  prefix: siem\n  number_of_shards: 3\n'));
    expect(DEFAULT_PROFILE).toEqual({ timezone: 'Asia/Tokyo', indices: { prefix: 'logs', number_of_shards: 1 } });
  });

  it('treats an empty file as the defaults', () => {
    expect(loadProfile(profileFile('empty.yml', ''))).toEqual(DEFAULT_PROFILE);
  });

  it('rejects an unknown top-level key', () => {
    const file = profileFile('unknown-top.yml', 'timezon: UTC\n');
    const err = thrown(() => loadProfile(file));
    expect(err).toBeInstanceOf(ContentError);
    expect(err).toMatchObject({ message: `${file}: unknown setting "timezon"`, hint: expect.stringMatching(/^known settings: timezone, indices, business_hours, /), exitCode: ExitCode.content });
  });

  it('rejects an unknown nested key, naming its dotted path', () => {
    const file = profileFile('unknown-nested.yml', 'indices:\n  shards: 2\n');
    const err = thrown(() => loadProfile(file));
    expect(err).toBeInstanceOf(ContentError);
    expect(err).toMatchObject({
      message: `${file}: unknown setting "indices.shards"`,
      hint: 'known settings: indices.prefix, indices.number_of_shards, indices.number_of_replicas',
    });
  });

  it('rejects a value of the wrong type', () => {
    const file = profileFile('wrong-type.yml', 'indices:\n  number_of_shards: two\n');
    const err = thrown(() => loadProfile(file));
    expect(err).toBeInstanceOf(ContentError);
    expect((err as Error).message).toBe(`${file}: "indices.number_of_shards" must be a number, got "two"`);
  });

  it('rejects a scalar where a mapping is expected', () => {
    const file = profileFile('indices-scalar.yml', 'indices: 3\n');
    expect(() => loadProfile(file)).toThrow(new ContentError(`${file}: indices must be a mapping`));
  });

  it('rejects a profile that is not a mapping', () => {
    const file = profileFile('list.yml', '- a\n- b\n');
    expect(() => loadProfile(file)).toThrow(`${file}: the profile must be a mapping`);
  });

  it('rejects invalid YAML', () => {
    const file = profileFile('bad.yml', 'timezone: [UTC\n');
    const err = thrown(() => loadProfile(file));
    expect(err).toBeInstanceOf(ContentError);
    expect((err as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid YAML: `));
  });

  it('rejects a time zone that is not IANA', () => {
    const file = profileFile('mars.yml', 'timezone: Mars/Base\n');
    const err = thrown(() => loadProfile(file));
    expect(err).toBeInstanceOf(ContentError);
    expect(err).toMatchObject({ message: `${file}: timezone "Mars/Base" is not an IANA time zone`, hint: 'use a name such as Asia/Tokyo or UTC' });
  });

  it('rejects a prefix that is not a valid index name part', () => {
    const file = profileFile('prefix.yml', "indices:\n  prefix: 'Logs!'\n");
    const err = thrown(() => loadProfile(file));
    expect(err).toBeInstanceOf(ContentError);
    expect((err as Error).message).toBe(`${file}: indices.prefix "Logs!" is not a valid index name part`);
  });

  it('rejects zero shards and fractional or negative replicas', () => {
    const shards = profileFile('shards.yml', 'indices:\n  number_of_shards: 0\n');
    expect(() => loadProfile(shards)).toThrow(`${shards}: indices.number_of_shards must be a whole number >= 1`);
    const frac = profileFile('frac.yml', 'indices:\n  number_of_replicas: 0.5\n');
    expect(() => loadProfile(frac)).toThrow(`${frac}: indices.number_of_replicas must be a whole number >= 0`);
    const neg = profileFile('neg.yml', 'indices:\n  number_of_replicas: -1\n');
    expect(() => loadProfile(neg)).toThrow(`${neg}: indices.number_of_replicas must be a whole number >= 0`);
  });

  it('accepts zero replicas', () => {
    expect(loadProfile(profileFile('zero.yml', 'indices:\n  number_of_replicas: 0\n')).indices.number_of_replicas).toBe(0);
  });

  it('throws a UsageError for a missing file', () => {
    const file = path.join(dir, 'does-not-exist.yml');
    const err = thrown(() => loadProfile(file));
    expect(err).toBeInstanceOf(UsageError);
    expect(err).toMatchObject({ message: `profile file ${file} does not exist`, exitCode: ExitCode.usage });
  });
});

describe('profileValue', () => {
  it('looks up dotted paths', () => {
    expect(profileValue(DEFAULT_PROFILE, 'timezone')).toBe('Asia/Tokyo');
    expect(profileValue(DEFAULT_PROFILE, 'indices.number_of_shards')).toBe(1);
  });

  it('returns undefined for unknown paths, also through a scalar', () => {
    expect(profileValue(DEFAULT_PROFILE, 'indices.nope')).toBeUndefined();
    expect(profileValue(DEFAULT_PROFILE, 'timezone.length.x')).toBeUndefined();
  });
});

describe('the settings the rules need', () => {
  it('the documented example profile loads, and its values come through', () => {
    const p = loadProfile(path.join(PACK_ROOT, 'profiles', 'example.yml'));
    expect(p.business_hours).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '20:00' });
    expect(p.accounts?.admins).toEqual([{ name: 'Administrator', hosts: ['192.168.1.20', 'ADMIN-PC01'] }]);
    expect(p.indicators?.attachment_names).toEqual(['【マル秘】顧客情報！.exe']);
  });

  it('withRuleDefaults fills what a profile leaves out, section by section', () => {
    const p = withRuleDefaults({ ...DEFAULT_PROFILE, thresholds: { ...RULE_DEFAULTS.thresholds, beacon_days: 5 }, firewall: { internal_zones: ['LAN'], external_zones: ['WAN'] } });
    expect(p.thresholds.beacon_days).toBe(5);
    expect(p.thresholds.many_auth).toBe(RULE_DEFAULTS.thresholds.many_auth);
    expect(p.firewall).toEqual({ internal_zones: ['LAN'], external_zones: ['WAN'], expected_denies: [] });
    expect(p.business_hours).toEqual(RULE_DEFAULTS.business_hours);
  });

  it.each([
    ['bad-day.yml', 'business_hours: { days: [monday], start: "08:00", end: "18:00" }\n', 'business_hours.days: "monday" is not one of mon, tue, wed, thu, fri, sat, sun'],
    ['bad-time.yml', 'business_hours: { days: [mon], start: "8:00", end: "18:00" }\n', 'business_hours: "8:00" is not a time HH:MM'],
    ['backwards.yml', 'maintenance_windows: [{ days: [sat], start: "06:00", end: "02:00" }]\n', 'maintenance_windows[0]: start 06:00 must come before end 02:00'],
    ['holiday.yml', 'holidays: ["2026-13-45"]\n', 'holidays: "2026-13-45" is not a date YYYY-MM-DD'],
    ['cidr.yml', 'networks: { internal: [10.0.0.0/33] }\n', 'networks.internal: "10.0.0.0/33" is not an address range such as 10.0.0.0/8'],
    ['admins.yml', 'accounts: { admins: [Administrator] }\n', 'accounts.admins[0] must be a mapping'],
    ['list.yml', 'business_domains: example.com\n', '"business_domains" must be a list of strings, got "example.com"'],
    ['unknown.yml', 'thresholds: { beacon_dayz: 3 }\n', 'unknown setting "thresholds.beacon_dayz"'],
  ])('%s is refused, naming the setting', (name, text, message) => {
    const file = profileFile(name, text);
    expect(() => loadProfile(file)).toThrow(`${file}: ${message}`);
  });
});

describe('the pack\'s default lists (profiles/pack-defaults.yml)', () => {
  it('gives every entry a reason in English and Japanese', () => {
    const d = packDefaults();
    expect(d.software.domains.length).toBeGreaterThan(0);
    expect(d.software.user_agents.length).toBeGreaterThan(0);
    for (const e of [...d.software.domains, ...d.software.user_agents]) {
      expect(e.reason.en.length).toBeGreaterThan(10);
      expect(e.reason.ja).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    }
    for (const e of d.software.domains) expect(e.value).toMatch(/^[a-z0-9.-]+$/);
    // G2's direct services: address ranges, each with its reason
    expect(d.software.addresses.length).toBeGreaterThan(0);
    for (const e of d.software.addresses) {
      expect(e.value).toMatch(/^[0-9a-f.:]+\/\d+$/);
      expect(e.reason.ja).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    }
  });

  it('refuses an entry without its reason, naming it', () => {
    const file = profileFile('bad-defaults.yml', 'software:\n  domains:\n    - value: example.com\n      reason: { en: because }\n');
    expect(() => packDefaults(file)).toThrow(`${file}: software.domains[0] must be { value, reason: { en, ja } } with every part filled in`);
  });

  it('adds the profile\'s software entries to the pack\'s, or uses them alone with use_pack_defaults: false', () => {
    const pack = packDefaults().software.domains.map((e) => e.value);
    const merged = withRuleDefaults({ ...DEFAULT_PROFILE, software: { user_agents: [], domains: ['vendor.example'] } }).software;
    expect(merged.domains).toEqual([...pack, 'vendor.example']);
    expect(withRuleDefaults(DEFAULT_PROFILE).software.domains).toEqual(pack);
    const own = withRuleDefaults({ ...DEFAULT_PROFILE, software: { user_agents: ['MyAgent/*'], domains: ['vendor.example'], use_pack_defaults: false } }).software;
    expect(own).toEqual({ user_agents: ['MyAgent/*'], domains: ['vendor.example'], addresses: [], use_pack_defaults: false });
    const addresses = withRuleDefaults({ ...DEFAULT_PROFILE, software: { user_agents: [], domains: [], addresses: ['198.51.100.0/24'] } }).software.addresses;
    expect(addresses).toEqual([...packDefaults().software.addresses.map((e) => e.value), '198.51.100.0/24']);
  });

  it('refuses a software address that is not an address or a range, naming it', () => {
    const bad = profileFile('bad-address.yml', 'software: { addresses: [zoom.us] }\n');
    expect(() => loadProfile(bad)).toThrow(`${bad}: software.addresses: "zoom.us" is not an address or an address range such as 170.114.0.0/16`);
    expect(withRuleDefaults(loadProfile(profileFile('ok-address.yml', 'software: { addresses: [192.0.2.7, "2001:db8::/32"] }\n'))).software.addresses).toContain('192.0.2.7');
  });

  it('reads the new sections from a profile file and refuses a wrong type', () => {
    const p = loadProfile(profileFile('roles.yml', 'organization: { domains: [midori.example.jp], partner_domains: [torihiki.example.co.jp] }\nhosts: { servers: [FS01], always_on: [10.0.0.9] }\nsoftware: { use_pack_defaults: false }\n'));
    expect(withRuleDefaults(p).hosts).toEqual({ servers: ['FS01'], always_on: ['10.0.0.9'] });
    expect(withRuleDefaults(p).organization).toEqual({ domains: ['midori.example.jp'], partner_domains: ['torihiki.example.co.jp'] });
    expect(withRuleDefaults(DEFAULT_PROFILE).organization).toEqual({ domains: [], partner_domains: [] });
    const bad = profileFile('bad-bool.yml', 'software: { use_pack_defaults: "no" }\n');
    expect(() => loadProfile(bad)).toThrow(`${bad}: "software.use_pack_defaults" must be a boolean, got "no"`);
  });
});

describe('firewall.expected_denies (FW-1)', () => {
  const ok = 'firewall:\n  expected_denies:\n    - { source: 10.20.10.18, port: 443, protocol: tcp, reason: { en: "CAD licence check", ja: "CADのライセンス確認" } }\n    - { source: 10.20.30.0/24, port: 8883, reason: { ja: "監視装置のMQTT" } }\n';

  it('loads entries with a reason in either language; the zones keep their defaults', () => {
    const p = withRuleDefaults(loadProfile(profileFile('denies.yml', ok)));
    expect(p.firewall.expected_denies).toEqual([
      { source: '10.20.10.18', port: 443, protocol: 'tcp', reason: { en: 'CAD licence check', ja: 'CADのライセンス確認' } },
      { source: '10.20.30.0/24', port: 8883, reason: { ja: '監視装置のMQTT' } },
    ]);
    expect(p.firewall.internal_zones).toEqual(RULE_DEFAULTS.firewall.internal_zones);
    expect(withRuleDefaults(DEFAULT_PROFILE).firewall.expected_denies).toEqual([]);
  });

  it.each([
    ['no reason', '{ source: 10.20.10.18, port: 443 }', 'firewall.expected_denies[0] has no reason'],
    ['an empty reason', '{ source: 10.20.10.18, port: 443, reason: { en: " " } }', 'firewall.expected_denies[0] has no reason'],
    ['a name as source', '{ source: PC-0018, port: 443, reason: { en: x } }', 'firewall.expected_denies[0].source "PC-0018" is not an address or an address range'],
    ['a port out of range', '{ source: 10.20.10.18, port: 70000, reason: { en: x } }', 'firewall.expected_denies[0].port must be a port number from 0 to 65535, got 70000'],
    ['a protocol in capitals', '{ source: 10.20.10.18, port: 443, protocol: TCP, reason: { en: x } }', 'firewall.expected_denies[0].protocol "TCP" is not a protocol name'],
    ['a port as text', '{ source: 10.20.10.18, port: "443", reason: { en: x } }', '"firewall.expected_denies[0].port" must be a number'],
    ['an unknown key', '{ source: 10.20.10.18, port: 443, until: 2027-01-01, reason: { en: x } }', 'unknown setting "firewall.expected_denies[0].until"'],
  ])('refuses %s, naming the entry', (_what, entry, message) => {
    const file = profileFile('bad-deny.yml', `firewall:\n  expected_denies:\n    - ${entry}\n`);
    expect(() => loadProfile(file)).toThrow(message);
  });

  it('FW-1 leaves out exactly the listed source, port and protocol', async () => {
    const { loadRules } = await import('../../src/rules/load.js');
    const { resolveRule } = await import('../../src/rules/resolve.js');
    const fw1 = loadRules(PACK_ROOT).find((r) => r.rule.check === 'FW-1')!;
    const mustNot = (resolveRule(fw1.rule, loadProfile(profileFile('denies2.yml', ok))).query.bool as { must_not: unknown[] }).must_not;
    expect(mustNot).toContainEqual({
      bool: {
        should: [
          { bool: { filter: [{ terms: { 'source.ip': ['10.20.10.18'] } }, { term: { 'destination.port': 443 } }, { term: { 'network.transport': 'tcp' } }] } },
          { bool: { filter: [{ terms: { 'source.ip': ['10.20.30.0/24'] } }, { term: { 'destination.port': 8883 } }] } },
        ],
        minimum_should_match: 1,
      },
    });
    // none listed: the clause excludes nothing
    expect((resolveRule(fw1.rule, DEFAULT_PROFILE).query.bool as { must_not: unknown[] }).must_not).toContainEqual({ match_none: {} });
  });
});
