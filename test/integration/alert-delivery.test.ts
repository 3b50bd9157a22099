import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { readMonitors } from '../../src/deploy/monitors.js';
import { PACK_WEBHOOK_CHANNEL } from '../../src/rules/render/monitor.js';
import { scheduleEveryMinute, webhookReceiver, type WebhookReceiver } from '../harness/alerting.js';
import { adminConnection, adminEnv, clusterPlugins, removePackObjects, runCli, testCluster } from '../harness/cluster.js';

/**
 * An alert that reaches a person: deploy with a profile whose notify.webhook points at a
 * receiver on 127.0.0.1, give two deployed monitors (PROXY-2, a plain rule; PROXY-3, a
 * grouped one) a 1-minute schedule, index one attack event each, and wait for Alerting's own
 * scheduler to run them and Notifications to deliver. Not `_execute`: the real schedule,
 * trigger, action and channel. Then one more run must not report the same event or group
 * again.
 */

const conn: Connection = await adminConnection();
const plugins = await clusterPlugins(conn);
const ready = plugins.includes('opensearch-alerting') && plugins.includes('opensearch-notifications');
const cluster = testCluster();
let receiver: WebhookReceiver | undefined;
let dir = '';

afterAll(async () => {
  if (ready) {
    for (const m of (await readMonitors(conn)).ours) await conn.request('DELETE', `/_plugins/_alerting/monitors/${m.id}`);
    await conn.request('DELETE', `/_plugins/_notifications/configs/${PACK_WEBHOOK_CHANNEL}`);
  }
  await receiver?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  await conn.close();
});

(ready ? test : test.skip)(
  'a monitor on a 1-minute schedule fires on an attack event indexed after deploy, and the webhook brings the check, the entity and the link',
  async () => {
    await removePackObjects(conn);
    receiver = await webhookReceiver();
    const { port, received, messagesOf } = receiver;
    dir = await mkdtemp(path.join(tmpdir(), 'pack-notify-'));
    const profile = path.join(dir, 'profile.yml');
    await writeFile(profile, `notify:\n  webhook: http://127.0.0.1:${port}/jpcert\n  webhook_headers: ["X-Pack-Token: t0ken"]\n  dashboards_url: http://dashboards.example.internal:5601\n`);
    const args = ['--cluster', cluster.url, ...(cluster.insecure ? ['--insecure'] : []), '--profile', profile];
    const r = await runCli('deploy.ts', args, adminEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^  create +channel  ${PACK_WEBHOOK_CHANNEL}  webhook 127\\.0\\.0\\.1:${port}$`, 'm'));
    expect(r.stdout).not.toMatch(/t0ken/);
    const again = await runCli('deploy.ts', args, adminEnv());
    expect(again.stdout).toMatch(/^notification channels: 0 change\(s\): 0 to create, 0 to update, 0 to delete, 1 unchanged$/m);
    expect(again.stdout).toMatch(/^monitors: 0 change\(s\)/m);

    // the test's schedule: every minute (the rules run every 5 and 15)
    expect(await scheduleEveryMinute(conn, /^\[jpcert\] PROXY-[23] /)).toBe(2);

    const now = new Date();
    const squid = (line: string) => conn.request('POST', '/logs-jpcert.squid-default/_doc?refresh=true', { message: line });
    const ua = 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)';
    const clf = now.toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1/$2/$3:$4 +0000');
    expect((await squid(`${Math.floor(now.getTime() / 1000)}.000      0 192.168.100.23 TCP_DENIED/403 3641 CONNECT 203.0.113.50:8443 - HIER_NONE/- text/html`)).status).toBe(201);
    expect((await squid(`192.168.100.23 - - [${clf}] "GET http://apt.example.com/control/apt.zip HTTP/1.1" 200 74769 "-" "${ua}" TCP_MISS:HIER_DIRECT`)).status).toBe(201);

    await receiver.waitFor('webhook for PROXY-2 and PROXY-3', () => messagesOf('PROXY-2').length > 0 && messagesOf('PROXY-3').length > 0, 180_000);
    const plain = messagesOf('PROXY-2')[0]!;
    expect(plain.path).toBe('/jpcert');
    expect(plain.headers['x-pack-token']).toBe('t0ken');
    expect(plain.body).toMatch(/^\[jpcert\] PROXY-2 medium: 80・443番以外のポートへのCONNECT通信 \/ CONNECT through the proxy to a port other than 80 or 443$/m);
    expect(plain.body).toMatch(/^重大度 \/ Severity: 中 \/ medium$/m);
    expect(plain.body).toMatch(/^件数 \/ Count: 1$/m);
    expect(plain.body).toMatch(/^初回検知 \/ First seen: \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
    expect(plain.body).toMatch(/^- [\d-]+T[\d:.]+Z source\.ip=192\.168\.100\.23 .*destination\.port=8443/m);
    expect(plain.body).toMatch(/^Dashboards: http:\/\/dashboards\.example\.internal:5601\/app\/discover#\/view\/dbc6527d-ee21-48cd-b999-50c47d31b403\?_g=\(time:\(from:'[\d-]+T[\d:.]+Z%7C%7C-600s',to:'[\d-]+T[\d:.]+Z'\)\)$/m);
    const grouped = messagesOf('PROXY-3')[0]!;
    expect(grouped.body).toMatch(/^\[jpcert\] PROXY-3 low: /m);
    expect(grouped.body).toContain(`対象 / Entity (user_agent.original): ${ua}`);
    // PROXY-3 weighs prevalence: Alerting gives no sample documents for its buckets, so the message sends the reader to the events
    expect(grouped.body).toMatch(/^Events: the saved search or the link below shows them, with their clients \(source\.ip\) and counts$/m);
    expect(grouped.body).toMatch(/app\/discover#\/view\/2e3e42b7-7329-4c0b-b16b-c2caf14d5468\?/);

    // the next run sees the same event and group again, and reports neither
    const seen = received.length;
    await new Promise((r) => setTimeout(r, 75_000));
    expect(received.slice(seen).map((m) => m.body.split('\n')[0])).toEqual([]);
  },
  400_000,
);
