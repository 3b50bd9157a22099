import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { readMonitors } from '../../src/deploy/monitors.js';
import { PACK_CHANNELS } from '../../src/rules/render/monitor.js';
import { webhookReceiver, type WebhookReceiver } from '../harness/alerting.js';
import { adminConnection, adminEnv, clusterPlugins, removePackObjects, runCli, testCluster } from '../harness/cluster.js';
import { smtpReceiver, type SmtpReceiver } from '../harness/smtp.js';

/**
 * The Notifications channels deploy owns, on the real plugins: a profile naming a webhook,
 * Slack, Teams, Chime and SMTP mail makes six configurations (an SMTP account and five
 * channels); a second deploy changes nothing; a changed Slack URL updates that channel in
 * place; `--prune --yes` with a profile naming none deletes them all. In between, a deployed
 * monitor run for real (`_execute`, not a dry run) on an attack event delivers through each:
 * Notifications takes any http(s) URL for Slack and Chime (no host check beyond the host deny
 * list, empty by default), so their channels point at a receiver on 127.0.0.1 and the bodies
 * are those services' JSON; the mail goes to an SMTP receiver on 127.0.0.1. Teams is the
 * exception: Notifications takes only https://<name>.webhook.office.com, which cannot be
 * reached from here, so its action is expected to fail on the host.
 */

const conn: Connection = await adminConnection();
const plugins = await clusterPlugins(conn);
const ready = plugins.includes('opensearch-alerting') && plugins.includes('opensearch-notifications');
const cluster = testCluster();
const CHANNEL_IDS = Object.values(PACK_CHANNELS);
// Notifications takes only https://*.webhook.office.com for Teams: a name that does not resolve here
const TEAMS = 'https://jpcert-test.webhook.office.com/webhookb2/T0K3N';
let http: WebhookReceiver | undefined;
let smtp: SmtpReceiver | undefined;
let dir = '';

afterAll(async () => {
  if (ready) {
    for (const m of (await readMonitors(conn)).ours) await conn.request('DELETE', `/_plugins/_alerting/monitors/${m.id}`);
    for (const id of [...CHANNEL_IDS].reverse()) await conn.request('DELETE', `/_plugins/_notifications/configs/${id}`);
  }
  await http?.close();
  await smtp?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  await conn.close();
});

async function storedConfig(id: string): Promise<Record<string, unknown> | undefined> {
  const res = await conn.request('GET', `/_plugins/_notifications/configs/${id}`);
  return res.status === 200 ? (res.body as { config_list: Array<{ config: Record<string, unknown> }> }).config_list[0]!.config : undefined;
}

(ready ? test : test.skip)(
  'deploy owns Slack, Teams, Chime, webhook and SMTP mail channels (create, unchanged, update in place, prune), and a monitor run delivers through each',
  async () => {
    await removePackObjects(conn);
    for (const id of [...CHANNEL_IDS].reverse()) await conn.request('DELETE', `/_plugins/_notifications/configs/${id}`);
    http = await webhookReceiver();
    smtp = await smtpReceiver();
    dir = await mkdtemp(path.join(tmpdir(), 'pack-channels-'));
    const base = `http://127.0.0.1:${http.port}`;
    const profileText = (slackPath: string) =>
      [
        'notify:',
        `  webhook: ${base}/webhook`,
        `  slack: ${base}/slack/${slackPath}`,
        `  teams: ${TEAMS}`,
        `  chime: ${base}/chime?token=T0K3N`,
        '  email: [soc@example.org, cert@example.org]',
        `  smtp: { host: 127.0.0.1, port: ${smtp!.port}, method: none, from: jpcert-alerts@example.org }`,
        '',
      ].join('\n');
    const profile = path.join(dir, 'profile.yml');
    await writeFile(profile, profileText('T0K3N'));
    const args = (p: string) => ['--cluster', cluster.url, ...(cluster.insecure ? ['--insecure'] : []), '--profile', p];

    const first = await runCli('deploy.ts', args(profile), adminEnv());
    expect(first.code).toBe(0);
    const host = `127\\.0\\.0\\.1:${http.port}`;
    expect(first.stdout).toMatch(new RegExp(`^  create +channel  ${PACK_CHANNELS.webhook}  webhook ${host}$`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^  create +channel  ${PACK_CHANNELS.slack}  slack ${host}$`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^  create +channel  ${PACK_CHANNELS.teams}  microsoft_teams jpcert-test\\.webhook\\.office\\.com$`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^  create +channel  ${PACK_CHANNELS.chime}  chime ${host}$`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^  create +channel  ${PACK_CHANNELS.smtp}  smtp_account 127\\.0\\.0\\.1:${smtp.port} none, from jpcert-alerts@example\\.org$`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^  create +channel  ${PACK_CHANNELS.email}  email to 2 recipient\\(s\\) through ${PACK_CHANNELS.smtp}$`, 'm'));
    expect(first.stdout).toMatch(/^notification channels: 6 change\(s\): 6 to create, 0 to update, 0 to delete, 0 unchanged$/m);
    // a Slack or Teams URL is its own secret: only hosts are printed
    expect(first.stdout + first.stderr).not.toMatch(/T0K3N/);
    // created before the monitors that send to them
    const created = first.stderr.split('\n').filter((l) => /^created (channel|monitor) /.test(l));
    expect(created.slice(0, 6)).toEqual(CHANNEL_IDS.map((id) => `created channel ${id}`));
    expect((await storedConfig(PACK_CHANNELS.teams))!).toMatchObject({ config_type: 'microsoft_teams', microsoft_teams: { url: TEAMS } });
    expect((await storedConfig(PACK_CHANNELS.email))!).toMatchObject({ config_type: 'email', email: { email_account_id: PACK_CHANNELS.smtp } });

    const again = await runCli('deploy.ts', args(profile), adminEnv());
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^notification channels: 0 change\(s\): 0 to create, 0 to update, 0 to delete, 6 unchanged$/m);
    expect(again.stdout).toMatch(/^monitors: 0 change\(s\)/m);

    await writeFile(profile, profileText('N3W'));
    const moved = await runCli('deploy.ts', args(profile), adminEnv());
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(new RegExp(`^  update +channel  ${PACK_CHANNELS.slack}  [0-9a-f]{20} -> [0-9a-f]{20}$`, 'm'));
    expect(moved.stdout).toMatch(/^notification channels: 1 change\(s\): 0 to create, 1 to update, 0 to delete, 5 unchanged$/m);
    expect((await storedConfig(PACK_CHANNELS.slack))!).toMatchObject({ config_type: 'slack', slack: { url: `${base}/slack/N3W` } });

    // one real run of a deployed monitor (PROXY-2, a plain rule) on an attack event
    const now = new Date();
    const event = `${Math.floor(now.getTime() / 1000)}.000      0 192.168.100.23 TCP_DENIED/403 3641 CONNECT 203.0.113.50:8443 - HIER_NONE/- text/html`;
    expect((await conn.request('POST', '/logs-jpcert.squid-default/_doc?refresh=true', { message: event })).status).toBe(201);
    const monitor = (await readMonitors(conn)).ours.find((m) => m.name.startsWith('[jpcert] PROXY-2 '))!;
    const run = await conn.request('POST', `/_plugins/_alerting/monitors/${monitor.id}/_execute`);
    const result = run.body as { error: unknown; trigger_results: Record<string, { triggered: boolean; action_results: Record<string, { name: string; error: unknown; throttled: boolean }> }> };
    expect(result.error).toBeNull();
    const trigger = Object.values(result.trigger_results)[0]!;
    expect(trigger.triggered).toBe(true);
    // each action's result by its name: all delivered but Teams, whose host cannot be reached from here
    const errors = Object.fromEntries(Object.values(trigger.action_results).map((a) => [a.name, a.error]));
    expect(Object.keys(errors).sort()).toEqual(['chime', 'email', 'slack', 'teams', 'webhook']);
    expect({ ...errors, teams: null }).toEqual({ chime: null, email: null, slack: null, teams: null, webhook: null });
    expect(JSON.stringify(errors.teams)).toMatch(/jpcert-test\.webhook\.office\.com|resolve|host/i);

    await http.waitFor('Slack, Chime and webhook deliveries', () => ['/slack/N3W', '/chime?token=T0K3N', '/webhook'].every((p) => http!.received.some((d) => d.path === p)), 60_000);
    const bodyOf = (p: string) => http!.received.find((d) => d.path === p)!;
    const subject = /^\[jpcert\] PROXY-2 medium: 80・443番以外のポートへのCONNECT通信 \/ CONNECT through the proxy to a port other than 80 or 443$/;
    for (const [p, key] of [['/slack/N3W', 'text'], ['/chime?token=T0K3N', 'Content']] as const) {
      const d = bodyOf(p);
      // the body is the JSON those services take (Notifications labels it text/plain)
      const text = (JSON.parse(d.body) as Record<string, string>)[key]!;
      // Notifications puts the subject above the message: once
      const [first, blank, ...rest] = text.split('\n');
      expect(first).toMatch(subject);
      expect(blank).toBe('');
      expect(rest.join('\n')).not.toMatch(/^\[jpcert\] PROXY-2/m);
      expect(text).toMatch(/^件数 \/ Count: 1$/m);
      expect(text).toMatch(/^- [\d-]+T[\d:.]+Z source\.ip=192\.168\.100\.23 .*destination\.port=8443/m);
    }
    expect(bodyOf('/webhook').body.split('\n')[0]).toMatch(subject);

    const waitMail = async () => {
      const deadline = Date.now() + 60_000;
      while (smtp!.mails.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    };
    await waitMail();
    // one message per recipient
    expect(smtp.mails.map((m) => m.to).flat().sort()).toEqual(['cert@example.org', 'soc@example.org']);
    for (const m of smtp.mails) {
      expect(m.from).toBe('jpcert-alerts@example.org');
      expect(m.subject).toMatch(subject);
      expect(m.text).toMatch(/^重大度 \/ Severity: 中 \/ medium$/m);
      expect(m.text).toMatch(/^- [\d-]+T[\d:.]+Z source\.ip=192\.168\.100\.23 .*destination\.port=8443/m);
    }

    // the default profile names no channel: without --prune a note, with it all six go, e-mail before its account
    const bare = ['--cluster', cluster.url, ...(cluster.insecure ? ['--insecure'] : [])];
    const kept = await runCli('deploy.ts', bare, adminEnv());
    expect(kept.code).toBe(0);
    expect(kept.stderr).toMatch(new RegExp(`^note: the Notifications channel ${PACK_CHANNELS.slack} of an earlier deploy is no longer in the profile; remove it with --prune --yes$`, 'm'));
    for (const id of CHANNEL_IDS) expect(await storedConfig(id)).toBeDefined();
    const pruned = await runCli('deploy.ts', [...bare, '--prune', '--yes'], adminEnv());
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(/^notification channels: 6 change\(s\): 0 to create, 0 to update, 6 to delete, 0 unchanged$/m);
    const deleted = pruned.stderr.split('\n').filter((l) => l.startsWith('deleted channel '));
    expect(deleted.indexOf(`deleted channel ${PACK_CHANNELS.email}`)).toBeLessThan(deleted.indexOf(`deleted channel ${PACK_CHANNELS.smtp}`));
    for (const id of CHANNEL_IDS) expect(await storedConfig(id)).toBeUndefined();
  },
  600_000,
);
