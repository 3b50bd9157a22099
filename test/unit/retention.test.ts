import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProfile, retentionOf, DEFAULT_PROFILE, type Profile } from '../../src/content/profile.js';
import { ContentError } from '../../src/errors.js';
import { ilmPolicy, ismPolicy, slmPolicy } from '../../src/deploy/retention.js';
import { elasticsearchRole, loadRoles, openSearchRole, openSearchRoleMapping, PACK_ROLES } from '../../src/deploy/roles.js';
import { PACK_ROOT } from '../../src/paths.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'retention-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function profile(text: string): Profile {
  const file = path.join(dir, `p${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, text);
  return loadProfile(file);
}

function error(text: string): ContentError {
  try {
    profile(text);
  } catch (err) {
    return err as ContentError;
  }
  throw new Error('expected a ContentError');
}

describe('retention: in the profile', () => {
  it('is off without the section, and takes the guide\'s defaults with an empty one', () => {
    expect(retentionOf(DEFAULT_PROFILE)).toBeUndefined();
    expect(retentionOf(profile('retention: {}\n'))).toEqual({ hot_days: 90, delete_after_days: 365, rollover: { max_age: '30d', max_primary_shard_size: '50gb' } });
  });

  it('keeps what the profile sets, and a rollover with one condition has only that one', () => {
    expect(retentionOf(profile('retention: { hot_days: 30, delete_after_days: 400, rollover: { max_age: 7d }, snapshot_repository: backups }\n'))).toEqual({ hot_days: 30, delete_after_days: 400, rollover: { max_age: '7d' }, snapshot_repository: 'backups' });
  });

  it('refuses what would not keep a year, or cannot be a policy, naming the key', () => {
    expect(error('retention: { delete_after_days: 90 }\n').message).toMatch(/retention\.delete_after_days must be a whole number of days >= 365, got 90$/);
    expect(error('retention: { delete_after_days: 90 }\n').hint).toMatch(/at least a year/);
    expect(error('retention: { hot_days: 0 }\n').message).toMatch(/retention\.hot_days must be a whole number of days >= 1/);
    expect(error('retention: { hot_days: 1.5 }\n').message).toMatch(/retention\.hot_days must be a whole number/);
    expect(error('retention: { hot_days: 400 }\n').message).toMatch(/retention\.hot_days \(400\) must be less than retention\.delete_after_days \(365\)$/);
    expect(error('retention: { rollover: {} }\n').message).toMatch(/retention\.rollover needs max_age or max_primary_shard_size$/);
    expect(error('retention: { rollover: { max_age: 30 days } }\n').message).toMatch(/retention\.rollover\.max_age "30 days" is not a duration$/);
    expect(error('retention: { rollover: { max_primary_shard_size: 50g } }\n').message).toMatch(/max_primary_shard_size "50g" is not a size$/);
    expect(error('retention: { snapshot_repository: "My Repo" }\n').message).toMatch(/retention\.snapshot_repository "My Repo" is not a repository name$/);
    expect(error('retention: { keep_days: 400 }\n').message).toMatch(/unknown setting "retention\.keep_days"$/);
    expect(error('retention: { hot_days: "90" }\n').message).toMatch(/"retention\.hot_days" must be a number/);
  });

  it('is set in the example profile', () => {
    expect(retentionOf(loadProfile(path.join(PACK_ROOT, 'profiles', 'example.yml')))).toEqual({ hot_days: 90, delete_after_days: 365, rollover: { max_age: '30d', max_primary_shard_size: '50gb' } });
  });
});

describe('the retention policies', () => {
  const r = { hot_days: 90, delete_after_days: 365, rollover: { max_age: '30d', max_primary_shard_size: '50gb' } };

  it('ISM: rollover, read-only after hot_days, deleted after delete_after_days (ages from the rollover), template on the data streams', () => {
    expect(ismPolicy({ ...DEFAULT_PROFILE, indices: { prefix: 'siem', number_of_shards: 1 } }, r)).toEqual({
      policy: {
        description: expect.stringContaining('365 days after rollover'),
        default_state: 'hot',
        states: [
          { name: 'hot', actions: [{ rollover: { min_index_age: '30d', min_primary_shard_size: '50gb' } }], transitions: [{ state_name: 'warm', conditions: { min_rollover_age: '90d' } }] },
          { name: 'warm', actions: [{ read_only: {} }], transitions: [{ state_name: 'delete', conditions: { min_rollover_age: '365d' } }] },
          { name: 'delete', actions: [{ delete: {} }], transitions: [] },
        ],
        ism_template: [{ index_patterns: ['siem-jpcert.*'], priority: 100 }],
      },
    });
    const snap = ismPolicy(DEFAULT_PROFILE, { ...r, snapshot_repository: 'backups' }).policy.states as Array<{ name: string; actions: unknown[] }>;
    expect(snap[1]!.actions).toEqual([{ read_only: {} }, { snapshot: { repository: 'backups', snapshot: 'jpcert-retention' } }]);
  });

  it('ILM: the same phases, marked in _meta; with a repository the delete phase waits for the SLM policy', () => {
    const p = ilmPolicy(r).policy as { phases: Record<string, unknown>; _meta: Record<string, string> };
    expect(p.phases).toEqual({
      hot: { min_age: '0ms', actions: { rollover: { max_age: '30d', max_primary_shard_size: '50gb' } } },
      warm: { min_age: '90d', actions: { readonly: {} } },
      delete: { min_age: '365d', actions: { delete: {} } },
    });
    expect(p._meta).toMatchObject({ managed_by: 'jpcert-apt-log-pack', content_hash: expect.stringMatching(/^[0-9a-f]{20}$/) });
    const withSnap = ilmPolicy({ ...r, snapshot_repository: 'backups' }).policy as { phases: { delete: unknown }; _meta: { content_hash: string } };
    expect(withSnap.phases.delete).toEqual({ min_age: '365d', actions: { wait_for_snapshot: { policy: 'jpcert-retention' }, delete: {} } });
    expect(withSnap._meta.content_hash).not.toBe(p._meta.content_hash);
    expect(slmPolicy(DEFAULT_PROFILE, r)).toBeUndefined();
    expect(slmPolicy(DEFAULT_PROFILE, { ...r, snapshot_repository: 'backups' })).toMatchObject({ repository: 'backups', config: { indices: ['logs-jpcert.*'], metadata: { managed_by: 'jpcert-apt-log-pack' } } });
  });
});

describe('the roles of security/roles.yml', () => {
  const roles = loadRoles(PACK_ROOT, { ...DEFAULT_PROFILE, indices: { prefix: 'siem', number_of_shards: 1 } });
  const byName = new Map(roles.map((x) => [x.name, x]));

  it('has the three roles under their stable names, with the profile\'s prefix', () => {
    expect(Object.values(PACK_ROLES).every((n) => byName.has(n))).toBe(true);
    expect(JSON.stringify(roles)).toContain('siem-jpcert.*');
    expect(JSON.stringify(roles)).not.toContain('${profile');
  });

  it('the shipper may append and nothing else: no read, delete, update or template action', () => {
    const os = byName.get(PACK_ROLES.shipper)!.opensearch as { cluster_permissions: string[]; index_permissions: Array<{ index_patterns: string[]; allowed_actions: string[] }> };
    const actions = [...os.cluster_permissions, ...os.index_permissions.flatMap((p) => p.allowed_actions)];
    for (const a of actions) expect(a).not.toMatch(/read|delete|update|template|pipeline|\*|^crud$|^write$|^index$/);
    expect(os.index_permissions.flatMap((p) => p.index_patterns)).toEqual(['siem-jpcert.*']);
    const es = byName.get(PACK_ROLES.shipper)!.elasticsearch as { indices: Array<{ privileges: string[] }> };
    expect(es.indices.flatMap((i) => i.privileges)).toEqual(['create_doc', 'auto_configure']);
  });

  it('the analyst has no write action', () => {
    const os = byName.get(PACK_ROLES.analyst)!.opensearch as { cluster_permissions: string[]; index_permissions: Array<{ allowed_actions: string[] }> };
    for (const a of [...os.cluster_permissions, ...os.index_permissions.flatMap((p) => p.allowed_actions)]) expect(a).not.toMatch(/write|delete|create|put|manage|\*/);
  });

  it('marks every body with the hash of its content; the mapping maps the backend role of the same name', () => {
    const shipper = byName.get(PACK_ROLES.shipper)!;
    expect(openSearchRole(shipper).description).toMatch(/^JPCERT APT log pack: a log shipper.* \[jpcert-apt-log-pack [0-9a-f]{20}\]$/);
    expect(openSearchRoleMapping(shipper)).toEqual({ backend_roles: ['jpcert_shipper'], description: expect.stringMatching(/\[jpcert-apt-log-pack [0-9a-f]{20}\]$/) });
    expect(elasticsearchRole(shipper).metadata).toEqual({ managed_by: 'jpcert-apt-log-pack', content_hash: expect.stringMatching(/^[0-9a-f]{20}$/) });
    const other = loadRoles(PACK_ROOT, DEFAULT_PROFILE).find((x) => x.name === PACK_ROLES.shipper)!;
    expect(openSearchRole(other).description).not.toBe(openSearchRole(shipper).description);
  });
});
