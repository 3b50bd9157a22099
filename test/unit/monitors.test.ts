import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE, parseHeaders, validateProfile } from '../../src/content/profile.js';
import { channelBody } from '../../src/deploy/channels.js';
import { defaultStream } from '../../src/deploy/data-streams.js';
import { monitorNotes, planMonitors, type RemoteMonitors } from '../../src/deploy/monitors.js';
import { targetSummary } from '../../src/deploy/target.js';
import { compileRules } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';
import { monitorDestinations, monitorMarker, PACK_WEBHOOK_CHANNEL, readMonitorMarker } from '../../src/rules/render/monitor.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const rules = compileRules(loadRules(ROOT), DEFAULT_PROFILE).rules;
const calls: Array<[string, string, unknown]> = [];
const conn = { request: async (method: string, p: string, body?: unknown) => (calls.push([method, p, body]), { status: 200, body: {} }) } as unknown as Connection;

function remote(over: Partial<RemoteMonitors> = {}): RemoteMonitors {
  return { ours: rules.map((r, i) => ({ id: `id-${i}`, name: r.monitor.name, ruleId: r.resolved.rule.id, hash: r.hash })), lookalikes: [], ...over };
}

describe('the pack marker on a monitor', () => {
  test('every rendered monitor carries its rule id and content hash in its input, and reads back', () => {
    for (const r of rules) expect(readMonitorMarker(r.monitor)).toEqual({ ruleId: r.resolved.rule.id, hash: r.hash });
  });

  test('a monitor without it, or with another named query, is not the pack\'s', () => {
    const r = structuredClone(rules[0]!.monitor) as any;
    r.inputs[0].search.query.query.bool._name = 'my own query';
    expect(readMonitorMarker(r)).toBeUndefined();
    delete r.inputs[0].search.query.query.bool._name;
    expect(readMonitorMarker(r)).toBeUndefined();
    expect(readMonitorMarker({ name: '[jpcert] AD-1 x', inputs: [] })).toBeUndefined();
    expect(readMonitorMarker(undefined)).toBeUndefined();
    expect(monitorMarker('abc', '0123')).toBe('jpcert-apt-log-pack rule=abc hash=0123');
  });
});

describe('planMonitors', () => {
  test('a cluster without the pack\'s monitors gets one per rule', () => {
    const plan = planMonitors(conn, rules, { ours: [], lookalikes: [{ id: 'x', name: '[jpcert] AD-1 old' }] }, true);
    expect(plan.map((e) => e.action)).toEqual(rules.map(() => 'create'));
    expect(targetSummary('monitors', plan)).toBe(`monitors: ${rules.length} change(s): ${rules.length} to create, 0 to update, 0 to delete, 0 unchanged`);
  });

  test('the same content is unchanged; a changed hash is an update of the same monitor id', async () => {
    expect(planMonitors(conn, rules, remote(), true).every((e) => e.action === 'unchanged')).toBe(true);
    const changed = remote();
    changed.ours[3]!.hash = 'old';
    const plan = planMonitors(conn, rules, changed, false);
    const update = plan.filter((e) => e.action !== 'unchanged');
    expect(update).toEqual([expect.objectContaining({ kind: 'monitor', name: rules[3]!.resolved.rule.check, action: 'update', detail: `id-3: old -> ${rules[3]!.hash}` })]);
    calls.length = 0;
    await update[0]!.apply();
    expect(calls).toEqual([['PUT', '/_plugins/_alerting/monitors/id-3', rules[3]!.monitor]]);
  });

  test('with prune: the monitors of rules that are gone, and second monitors of one rule, are deleted; lookalikes never', async () => {
    const r = remote({ lookalikes: [{ id: 'hand', name: '[jpcert] AD-1 by hand' }] });
    r.ours.push({ id: 'gone', name: '[jpcert] OLD-1 Old rule', ruleId: 'no-such-rule', hash: 'h' });
    r.ours.push({ ...r.ours[0]!, id: 'twin' });
    expect(planMonitors(conn, rules, r, false).filter((e) => e.action !== 'unchanged')).toEqual([]);
    const deletes = planMonitors(conn, rules, r, true).filter((e) => e.action !== 'unchanged');
    expect(deletes.map((e) => [e.action, e.name, e.detail])).toEqual([
      ['delete', 'OLD-1', 'gone: rule no-such-rule is no longer in the pack'],
      ['delete', rules[0]!.resolved.rule.check, `twin: a second monitor of rule ${rules[0]!.resolved.rule.id}`],
    ]);
    calls.length = 0;
    for (const e of deletes) await e.apply();
    expect(calls.map(([m, p]) => `${m} ${p}`)).toEqual(['DELETE /_plugins/_alerting/monitors/gone', 'DELETE /_plugins/_alerting/monitors/twin']);
    const notes = monitorNotes(rules, r, false).join('\n');
    expect(notes).toMatch(/1 monitor\(s\) named "\[jpcert\] \.\.\." carry no pack marker and are left alone .*: hand$/m);
    expect(notes).toMatch(/2 monitor\(s\) this pack installed have no rule any more \(or are duplicates\): .*\(gone\).*\(twin\); remove them with --prune --yes/);
    expect(monitorNotes(rules, r, true).join('\n')).not.toMatch(/--prune/);
  });
});

test('the data stream made for a rule\'s pattern is its default namespace', () => {
  expect(defaultStream('logs-jpcert.squid-*')).toBe('logs-jpcert.squid-default');
});

describe('notifications', () => {
  test('the pack\'s webhook channel: from notify.webhook and its headers, marked with a hash that follows them', () => {
    expect(channelBody({})).toBeUndefined();
    const a = channelBody({ webhook: 'https://soc.example.org/hook', webhook_headers: ['Authorization: Bearer x'] })!;
    expect(a.config_id).toBe(PACK_WEBHOOK_CHANNEL);
    expect(a.config).toMatchObject({ config_type: 'webhook', is_enabled: true, webhook: { url: 'https://soc.example.org/hook', method: 'POST', header_params: { Authorization: 'Bearer x', 'Content-Type': 'text/plain; charset=utf-8' } } });
    expect(a.config.description).toMatch(/ \[jpcert-apt-log-pack [0-9a-f]{20}\]$/);
    const b = channelBody({ webhook: 'https://soc.example.org/hook', webhook_headers: ['Authorization: Bearer y'] })!;
    expect(b.config.description).not.toBe(a.config.description);
  });

  test('each monitor sends to the channel of its own and to the pack\'s webhook channel, per profile', () => {
    const profile = { ...DEFAULT_PROFILE, notify: { webhook: 'https://soc.example.org/hook', channel_id: 'mine' } };
    const [r] = compileRules(loadRules(ROOT).filter((l) => l.rule.check === 'PROXY-2'), profile).rules;
    const actions = (Object.values(r!.monitor.triggers[0]!)[0] as { actions: Array<{ name: string; destination_id: string }> }).actions;
    expect(actions.map((a) => [a.name, a.destination_id])).toEqual([['notify', 'mine'], ['webhook', PACK_WEBHOOK_CHANNEL]]);
    expect(monitorDestinations(rules[0]!.resolved)).toEqual([]);
  });

  test('header lines must be "Name: value", and need a webhook', () => {
    expect(parseHeaders(['X-A: 1', 'Authorization: Bearer a:b'])).toEqual({ 'X-A': '1', Authorization: 'Bearer a:b' });
    expect(() => parseHeaders(['no colon here'])).toThrow(/is not a header line "Name: value"/);
    expect(() => validateProfile({ ...DEFAULT_PROFILE, notify: { webhook_headers: ['X-A: 1'] } }, 'p.yml')).toThrow(/webhook_headers without notify.webhook/);
    expect(() => validateProfile({ ...DEFAULT_PROFILE, notify: { dashboards_url: 'ftp://x' } }, 'p.yml')).toThrow(/dashboards_url "ftp:\/\/x" is not an http\(s\) URL/);
  });
});
