import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { DEFAULT_PROFILE, parseHeaders, validateProfile } from '../../src/content/profile.js';
import { channelBody, channelConfigs, planChannels } from '../../src/deploy/channels.js';
import { defaultStream } from '../../src/deploy/data-streams.js';
import { monitorNotes, planMonitors, type RemoteMonitors } from '../../src/deploy/monitors.js';
import { targetSummary } from '../../src/deploy/target.js';
import { compileRules } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';
import { monitorDestinations, monitorMarker, monitorSubject, PACK_CHANNELS, PACK_WEBHOOK_CHANNEL, readMonitorMarker } from '../../src/rules/render/monitor.js';
import { WATCHER_SLACK_ACCOUNT } from '../../src/rules/render/watch.js';

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

  const ALL = {
    webhook: 'https://soc.example.org/hook',
    slack: 'https://hooks.slack.example/services/T0/B0/s3cretpath',
    teams: 'https://example.webhook.office.com/webhookb2/s3cretpath',
    chime: 'https://chime.example.org/incomingwebhooks/x?token=s3cret',
    email: ['soc@example.org', 'cert@example.org'],
    smtp: { host: 'mail.example.org', from: 'alerts@example.org' },
  };

  test('one configuration per kind the profile names, in dependency order, the SMTP account before the e-mail channel', () => {
    const all = channelConfigs(ALL);
    expect(all.map((c) => [c.config_id, c.config.config_type])).toEqual([
      [PACK_CHANNELS.webhook, 'webhook'],
      [PACK_CHANNELS.slack, 'slack'],
      [PACK_CHANNELS.teams, 'microsoft_teams'],
      [PACK_CHANNELS.chime, 'chime'],
      [PACK_CHANNELS.smtp, 'smtp_account'],
      [PACK_CHANNELS.email, 'email'],
    ]);
    const by = Object.fromEntries(all.map((c) => [c.config_id, c.config]));
    expect(by[PACK_CHANNELS.slack]!.slack).toEqual({ url: ALL.slack });
    expect(by[PACK_CHANNELS.teams]!.microsoft_teams).toEqual({ url: ALL.teams });
    expect(by[PACK_CHANNELS.chime]!.chime).toEqual({ url: ALL.chime });
    // start_tls and its port unless the profile says otherwise; the account's name is the keystore's
    expect(by[PACK_CHANNELS.smtp]).toMatchObject({ name: PACK_CHANNELS.smtp, smtp_account: { host: 'mail.example.org', port: 587, method: 'start_tls', from_address: 'alerts@example.org' } });
    expect(by[PACK_CHANNELS.email]!.email).toEqual({ email_account_id: PACK_CHANNELS.smtp, recipient_list: [{ recipient: 'soc@example.org' }, { recipient: 'cert@example.org' }], email_group_id_list: [] });
    for (const c of all) expect(c.config.description).toMatch(/ \[jpcert-apt-log-pack [0-9a-f]{20}\]$/);
    // what the plan prints names hosts, never a URL's path or query (a Slack URL is its secret)
    expect(all.map((c) => c.detail).join('\n')).not.toMatch(/s3cret/);
    expect(channelConfigs({ email: ['soc@example.org'] })).toEqual([]);
    expect(channelConfigs({ ...ALL, smtp: { ...ALL.smtp, method: 'none' } }).find((c) => c.config_id === PACK_CHANNELS.smtp)!.config.smtp_account).toMatchObject({ port: 25, method: 'none' });
    const moved = channelConfigs({ ...ALL, slack: 'https://hooks.slack.example/services/T0/B0/other' });
    // a changed URL changes that channel's hash only
    const changed = moved.filter((c, i) => c.config.description !== all[i]!.config.description).map((c) => c.config_id);
    expect(changed).toEqual([PACK_CHANNELS.slack]);
  });

  test('the plan per channel: create, unchanged, update in place, and delete only with prune and only the pack\'s', async () => {
    const wanted = channelConfigs(ALL);
    const stored = new Map<string, string>([
      [PACK_CHANNELS.webhook, wanted[0]!.config.description],
      [PACK_CHANNELS.slack, 'an old one [jpcert-apt-log-pack 0123456789abcdef0123]'],
    ]);
    const fake = { request: async (method: string, p: string) => {
      const id = decodeURIComponent(p.split('/').pop()!);
      return stored.has(id) ? { status: 200, body: { config_list: [{ config: { description: stored.get(id) } }] } } : { status: 404, body: {} };
    } } as unknown as Connection;
    const plan = await planChannels(fake, ALL, false);
    expect(plan.map((e) => [e.action, e.name])).toEqual([
      ['unchanged', PACK_CHANNELS.webhook],
      ['update', PACK_CHANNELS.slack],
      ['create', PACK_CHANNELS.teams],
      ['create', PACK_CHANNELS.chime],
      ['create', PACK_CHANNELS.smtp],
      ['create', PACK_CHANNELS.email],
    ]);
    stored.set(PACK_CHANNELS.teams, 'made by hand, no marker');
    const notes: string[] = [];
    expect((await planChannels(fake, {}, false, notes)).map((e) => e.action)).toEqual([]);
    expect(notes).toEqual([`the Notifications channel ${PACK_CHANNELS.webhook} of an earlier deploy is no longer in the profile; remove it with --prune --yes`, `the Notifications channel ${PACK_CHANNELS.slack} of an earlier deploy is no longer in the profile; remove it with --prune --yes`]);
    expect((await planChannels(fake, {}, true)).map((e) => [e.action, e.name])).toEqual([['delete', PACK_CHANNELS.webhook], ['delete', PACK_CHANNELS.slack]]);
  });

  test('every monitor sends to every channel the profile names; Slack, Teams, Chime and e-mail get the message without the subject line, which they show themselves', () => {
    const [r] = compileRules(loadRules(ROOT).filter((l) => l.rule.check === 'PROXY-3'), { ...DEFAULT_PROFILE, notify: ALL }).rules;
    const actions = (Object.values(r!.monitor.triggers[0]!)[0] as { actions: Array<{ name: string; destination_id: string; message_template: { source: string } }> }).actions;
    expect(actions.map((a) => [a.name, a.destination_id])).toEqual([
      ['webhook', PACK_CHANNELS.webhook],
      ['slack', PACK_CHANNELS.slack],
      ['teams', PACK_CHANNELS.teams],
      ['chime', PACK_CHANNELS.chime],
      ['email', PACK_CHANNELS.email],
    ]);
    const subject = monitorSubject(r!.resolved);
    expect(actions[0]!.message_template.source.split('\n')[0]).toBe(subject);
    for (const a of actions.slice(1)) {
      expect(a.message_template.source).not.toContain(subject);
      expect(a.message_template.source.split('\n')[0]).toMatch(/^重大度 \/ Severity: /);
    }
    // e-mail without notify.smtp is Watcher's only
    expect(monitorDestinations({ ...r!.resolved, notify: { email: ['soc@example.org'] } })).toEqual([]);
  });

  test('watches: Slack through Watcher\'s slack account, Teams and Chime as webhook actions with the JSON their webhooks take, mail from notify.smtp.from', () => {
    const [r] = compileRules(loadRules(ROOT).filter((l) => l.rule.check === 'PROXY-3'), { ...DEFAULT_PROFILE, notify: ALL }).rules;
    const a = r!.watch.body.actions as Record<string, Record<string, any>>;
    expect(Object.keys(a)).toEqual(['index_alerts', 'log', 'webhook', 'slack', 'teams', 'chime', 'email']);
    expect(a.slack!.slack).toMatchObject({ account: WATCHER_SLACK_ACCOUNT, message: { text: '{{ctx.payload.text}}' } });
    expect(a.slack!.transform.script.source).toMatch(/return \['text': String\.join\('\n', lines\)\];$/);
    expect(a.teams!.webhook).toMatchObject({ method: 'post', url: ALL.teams, body: '{{#toJson}}ctx.payload{{/toJson}}' });
    expect(a.chime!.transform.script.source).toMatch(/return \['Content': /);
    expect(a.email!.email).toMatchObject({ to: ALL.email, from: 'alerts@example.org' });
  });

  test('notify: bad URLs, addresses and SMTP settings are refused with the key named', () => {
    const bad = (notify: object) => () => validateProfile({ ...DEFAULT_PROFILE, notify } as never, 'p.yml');
    expect(bad({ slack: 'hooks.slack.com/services/x' })).toThrow(/p\.yml: notify\.slack "hooks\.slack\.com\/services\/x" is not an http\(s\) URL/);
    expect(bad({ teams: 'https://' })).toThrow(/notify\.teams "https:\/\/" is not an http\(s\) URL/);
    // what OpenSearch Notifications takes for Teams, said before deploy
    expect(bad({ teams: 'http://example.webhook.office.com/x' })).toThrow(/notify\.teams .* is not a Teams incoming-webhook URL \(https:\/\/<name>\.webhook\.office\.com\/\.\.\.\)/);
    expect(bad({ teams: 'https://127.0.0.1/?u=https://a.webhook.office.com' })).toThrow(/is not a Teams incoming-webhook URL/);
    expect(bad({ chime: 'ftp://chime.example.org/x' })).toThrow(/notify\.chime .* is not an http\(s\) URL/);
    expect(bad({ webhook: 'https://a.example.org/ x' })).toThrow(/notify\.webhook .* is not an http\(s\) URL/);
    expect(bad({ email: ['SOC <soc@example.org>'] })).toThrow(/notify\.email: "SOC <soc@example\.org>" is not a mail address/);
    expect(bad({ smtp: { host: 'mail.example.org', from: 'a@example.org' } })).toThrow(/notify\.smtp without notify\.email/);
    expect(bad({ email: ['a@example.org'], smtp: { host: 'mail.example.org', from: 'a@example.org', method: 'tls' } })).toThrow(/notify\.smtp\.method "tls" is not one of none, ssl, start_tls/);
    expect(bad({ email: ['a@example.org'], smtp: { host: 'mail.example.org', from: 'a@example.org', port: 70000 } })).toThrow(/notify\.smtp\.port must be a whole number from 1 to 65535/);
    expect(bad({ email: ['a@example.org'], smtp: { host: 'mail example', from: 'a@example.org' } })).toThrow(/notify\.smtp\.host "mail example" is not a host name/);
    expect(bad({ email: ['a@example.org'], smtp: { host: 'mail.example.org', from: 'nobody' } })).toThrow(/notify\.smtp\.from "nobody" is not a mail address/);
    expect(bad({ email: ['a@example.org'], smtp: { from: 'a@example.org' } })).toThrow(/notify\.smtp\.host undefined is not a host name/);
    expect(() => validateProfile({ ...DEFAULT_PROFILE, notify: ALL }, 'p.yml')).not.toThrow();
  });
});
