import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from '../../src/cluster/connection.js';
import { readMonitors } from '../../src/deploy/monitors.js';

/** What the tests on Alerting's own scheduler share: a webhook receiver and a 1-minute schedule. */

export interface Delivery {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request ended */
  at: number;
}

export interface WebhookReceiver {
  /** every request received, in order */
  received: Delivery[];
  /** the port it listens on, on 127.0.0.1 */
  port: number;
  /** the messages of one check (their first line is `[jpcert] <check> ...`) */
  messagesOf(check: string): Delivery[];
  /** polls every 2 s until ok() or ms have passed (then throws, listing what came) */
  waitFor(what: string, ok: () => boolean, ms: number): Promise<void>;
  close(): Promise<void>;
}

/** An HTTP receiver on 127.0.0.1 (a free port) that answers every request `ok` and keeps it. */
export async function webhookReceiver(): Promise<WebhookReceiver> {
  const received: Delivery[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body, at: Date.now() });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    received,
    port: (server.address() as AddressInfo).port,
    messagesOf: (check) => received.filter((r) => r.body.startsWith(`[jpcert] ${check} `)),
    async waitFor(what, ok, ms) {
      const deadline = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`no ${what} within ${ms / 1000}s; received: ${JSON.stringify(received.map((r) => r.body.split('\n')[0]))}`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Gives the pack's deployed monitors whose name matches `name` a 1-minute schedule (the rules
 * run every 5 and 15), through Alerting's update API with the stored body; returns how many.
 */
export async function scheduleEveryMinute(conn: Connection, name: RegExp): Promise<number> {
  const monitors = (await readMonitors(conn)).ours.filter((m) => name.test(m.name));
  for (const m of monitors) {
    const stored = ((await conn.request('GET', `/_plugins/_alerting/monitors/${m.id}`)).body as { monitor: Record<string, unknown> }).monitor;
    const { last_update_time: _l, enabled_time: _e, user: _u, schema_version: _s, data_sources: _d, owner: _o, ...body } = stored;
    const res = await conn.request('PUT', `/_plugins/_alerting/monitors/${m.id}`, { ...body, schedule: { period: { interval: 1, unit: 'MINUTES' } } });
    if (res.status !== 200) throw new Error(`PUT monitor ${m.name}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return monitors.length;
}
