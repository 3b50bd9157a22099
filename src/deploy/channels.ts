import type { Connection } from '../cluster/connection.js';
import { contentHash } from '../content/hash.js';
import { parseHeaders, smtpOf, type NotifySettings } from '../content/profile.js';
import { RejectedObjectError } from '../errors.js';
import { PACK_CHANNELS } from '../rules/render/monitor.js';
import { hashFromDescription, tagDescription } from './kinds.js';
import type { DeployTarget, TargetEntry, TargetPlan } from './target.js';

/**
 * The OpenSearch Notifications configurations the pack owns, one per kind the profile's
 * `notify:` names, with fixed ids (PACK_CHANNELS): a webhook channel (`notify.webhook`, with
 * `notify.webhook_headers`), a Slack, a Microsoft Teams and a Chime channel (`notify.slack`,
 * `.teams`, `.chime`: their webhook URLs), and for mail an SMTP sender account
 * (`notify.smtp`) with an e-mail channel to `notify.email` through it. Every monitor's action
 * sends to each channel (monitorDestinations in src/rules/render/monitor.ts).
 *
 * Marked like the pipelines: the content hash at the end of the description. Created, updated
 * in place (same id) or left unchanged; deleted with --prune once the profile no longer names
 * it (only when it carries the pack's marker). URLs and header values can hold secrets (a
 * Slack or Teams URL is one): the plan shows the host and the hash only.
 *
 * SMTP credentials are not part of the profile: Notifications reads them from the OpenSearch
 * keystore, `opensearch.notifications.core.email.<account name>.username` and `.password`,
 * where the account name is the SMTP account's name, `jpcert-apt-log-pack-smtp` (README,
 * "Getting alerts delivered" in rules/README.md).
 */

const BASE = '/_plugins/_notifications/configs';

export interface ChannelConfig {
  config_id: string;
  config: Record<string, unknown> & { description: string };
  /** the profile key it comes from, for error messages */
  key: string;
  /** what the plan line says about it (no secrets) */
  detail: string;
}

function config(id: string, key: string, name: string, what: string, type: string, body: Record<string, unknown>, detail: string, hash = contentHash(body)): ChannelConfig {
  return {
    config_id: id,
    key,
    detail,
    config: {
      name,
      description: tagDescription(`JPCERT APT log pack: ${what} (from ${key} of the profile)`, hash),
      config_type: type,
      is_enabled: true,
      [type]: body,
    },
  };
}

/** The configurations the profile asks for, in dependency order (the SMTP account before the e-mail channel). */
export function channelConfigs(notify: NotifySettings): ChannelConfig[] {
  const out: ChannelConfig[] = [];
  const host = (url: string) => new URL(url).host;
  if (notify.webhook) {
    const webhook = { url: notify.webhook, header_params: { 'Content-Type': 'text/plain; charset=utf-8', ...parseHeaders(notify.webhook_headers) }, method: 'POST' };
    out.push(config(PACK_CHANNELS.webhook, 'notify.webhook', '[jpcert] アラート通知 / Alert webhook', 'where its monitors send their alerts', 'webhook', webhook, `webhook ${host(notify.webhook)}`));
  }
  const chat = [
    ['slack', 'slack', 'Slack'],
    ['teams', 'microsoft_teams', 'Microsoft Teams'],
    ['chime', 'chime', 'Chime'],
  ] as const;
  for (const [key, type, label] of chat) {
    const url = notify[key];
    if (url) out.push(config(PACK_CHANNELS[key], `notify.${key}`, `[jpcert] アラート通知 / Alert ${label}`, `where its monitors send their alerts in ${label}`, type, { url }, `${type} ${host(url)}`));
  }
  const smtp = smtpOf(notify);
  if (smtp && notify.email?.length) {
    const account = { host: smtp.host, port: smtp.port, method: smtp.method, from_address: smtp.from };
    // the account's name is the keystore's name for its credentials: a fixed, plain one
    out.push(config(PACK_CHANNELS.smtp, 'notify.smtp', PACK_CHANNELS.smtp, 'the SMTP server its e-mail channel sends through', 'smtp_account', account, `smtp_account ${smtp.host}:${smtp.port} ${smtp.method}, from ${smtp.from}`));
    const email = { email_account_id: PACK_CHANNELS.smtp, recipient_list: notify.email.map((recipient) => ({ recipient })), email_group_id_list: [] };
    out.push(config(PACK_CHANNELS.email, 'notify.email', '[jpcert] アラート通知 / Alert e-mail', 'where its monitors mail their alerts', 'email', email, `email to ${notify.email.length} recipient(s) through ${PACK_CHANNELS.smtp}`));
  }
  return out;
}

/** The pack's webhook channel alone (or undefined). */
export function channelBody(notify: NotifySettings): ChannelConfig | undefined {
  return channelConfigs(notify).find((c) => c.config_id === PACK_CHANNELS.webhook);
}

async function send(conn: Connection, method: 'POST' | 'PUT' | 'DELETE', path: string, id: string, key: string, body?: unknown): Promise<void> {
  try {
    await conn.request(method, path, body);
  } catch (err) {
    if (err instanceof RejectedObjectError) {
      const hint = key === 'notify.webhook' ? 'check notify.webhook and notify.webhook_headers in the profile' : `check ${key} in the profile`;
      throw new RejectedObjectError(`Notifications channel ${id} was rejected: ${err.message.replace(/^the cluster rejected [^:]*: /, '')}`, hint, { cause: err });
    }
    throw err;
  }
}

/** The hash the pack stored on a configuration, '' for one that is not the pack's, undefined for none. */
async function storedHash(conn: Connection, id: string): Promise<string | undefined> {
  const res = await conn.request('GET', `${BASE}/${encodeURIComponent(id)}`);
  if (res.status !== 200) return undefined;
  const stored = (res.body as { config_list?: Array<{ config: { description?: string } }> }).config_list?.[0]?.config;
  return stored ? (hashFromDescription(stored.description) ?? '') : undefined;
}

export async function planChannels(conn: Connection, notify: NotifySettings, prune: boolean, notes: string[] = []): Promise<TargetEntry[]> {
  const wanted = new Map(channelConfigs(notify).map((c) => [c.config_id, c]));
  const kind = 'channel';
  const entries: TargetEntry[] = [];
  for (const id of Object.values(PACK_CHANNELS)) {
    const want = wanted.get(id);
    const stored = await storedHash(conn, id);
    const path = `${BASE}/${encodeURIComponent(id)}`;
    if (!want) {
      if (!stored) continue;
      const key = Object.entries(PACK_CHANNELS).find(([, v]) => v === id)![0];
      if (prune) entries.push({ kind, name: id, action: 'delete', detail: `the profile names no notify.${key === 'smtp' ? 'smtp and notify.email' : key}`, apply: () => send(conn, 'DELETE', path, id, `notify.${key}`) });
      else notes.push(`the Notifications channel ${id} of an earlier deploy is no longer in the profile; remove it with --prune --yes`);
      continue;
    }
    const hash = hashFromDescription(want.config.description)!;
    if (stored === undefined) entries.push({ kind, name: id, action: 'create', detail: want.detail, apply: () => send(conn, 'POST', BASE, id, want.key, { config_id: id, config: want.config }) });
    else if (stored === hash) entries.push({ kind, name: id, action: 'unchanged', apply: async () => {} });
    else entries.push({ kind, name: id, action: 'update', detail: `${stored || "not the pack's"} -> ${hash}`, apply: () => send(conn, 'PUT', path, id, want.key, { config: want.config }) });
  }
  return entries;
}

/** The profile keys that ask for a channel, for a note when the cluster cannot take one. */
function namedKeys(n: NotifySettings): string[] {
  return (['webhook', 'slack', 'teams', 'chime', 'smtp'] as const).filter((k) => n[k] !== undefined).map((k) => `notify.${k}`);
}

/** The target: on OpenSearch with Alerting, the channels the monitors send to. */
export const channelsTarget: DeployTarget = {
  async plan(ctx): Promise<TargetPlan> {
    const notify = ctx.compiled.notify;
    const plan: TargetPlan = { label: 'notification channels', show: 'all', entries: [], notes: [] };
    if (ctx.conn.info.engine !== 'opensearch' || !ctx.plugins.includes('opensearch-alerting')) return plan;
    if (!ctx.plugins.includes('opensearch-notifications')) {
      const keys = namedKeys(notify);
      if (keys.length) plan.notes.push(`the profile names ${keys.join(', ')}, but the cluster has no Notifications plugin: the monitors' actions cannot send; install opensearch-notifications (and -core) and deploy again`);
      return plan;
    }
    if (notify.email?.length && !notify.smtp) plan.notes.push('the profile names notify.email without notify.smtp: on OpenSearch the monitors send no mail until notify.smtp names the server to send through (Watcher on Elasticsearch uses its own email account)');
    plan.entries = await planChannels(ctx.conn, notify, ctx.prune, plan.notes);
    return plan;
  },
};
