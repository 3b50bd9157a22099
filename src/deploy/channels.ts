import type { Connection } from '../cluster/connection.js';
import { contentHash } from '../content/hash.js';
import { parseHeaders, type NotifySettings } from '../content/profile.js';
import { RejectedObjectError } from '../errors.js';
import { PACK_WEBHOOK_CHANNEL } from '../rules/render/monitor.js';
import { hashFromDescription, tagDescription } from './kinds.js';
import type { TargetEntry } from './target.js';

/**
 * The OpenSearch Notifications channel the pack owns: a webhook channel with the id
 * `jpcert-apt-log-pack-webhook`, made from `notify.webhook` (and `notify.webhook_headers`) of
 * the profile, to which every monitor's `webhook` action sends. Marked like the pipelines: the
 * content hash at the end of its description. Created, updated (same id) or left unchanged;
 * deleted with --prune when the profile no longer names a webhook. Header values (tokens)
 * are never printed; the plan shows the hash only.
 */

const BASE = '/_plugins/_notifications/configs';

export function channelBody(notify: NotifySettings): { config_id: string; config: Record<string, unknown> } | undefined {
  if (!notify.webhook) return undefined;
  const webhook = { url: notify.webhook, header_params: { 'Content-Type': 'text/plain; charset=utf-8', ...parseHeaders(notify.webhook_headers) }, method: 'POST' };
  const hash = contentHash(webhook);
  return {
    config_id: PACK_WEBHOOK_CHANNEL,
    config: {
      name: '[jpcert] アラート通知 / Alert webhook',
      description: tagDescription('JPCERT APT log pack: where its monitors send their alerts (from notify.webhook of the profile)', hash),
      config_type: 'webhook',
      is_enabled: true,
      webhook,
    },
  };
}

async function send(conn: Connection, method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<void> {
  try {
    await conn.request(method, path, body);
  } catch (err) {
    if (err instanceof RejectedObjectError) throw new RejectedObjectError(`Notifications channel ${PACK_WEBHOOK_CHANNEL} was rejected: ${err.message.replace(/^the cluster rejected [^:]*: /, '')}`, 'check notify.webhook and notify.webhook_headers in the profile', { cause: err });
    throw err;
  }
}

export async function planChannels(conn: Connection, notify: NotifySettings, prune: boolean): Promise<TargetEntry[]> {
  const wanted = channelBody(notify);
  const res = await conn.request('GET', `${BASE}/${PACK_WEBHOOK_CHANNEL}`);
  const stored = res.status === 200 ? (res.body as { config_list?: Array<{ config: { description?: string } }> }).config_list?.[0]?.config : undefined;
  const storedHash = stored ? hashFromDescription(stored.description) : undefined;
  const kind = 'channel';
  if (!wanted) {
    if (stored && storedHash !== undefined && prune) return [{ kind, name: PACK_WEBHOOK_CHANNEL, action: 'delete', detail: 'the profile names no notify.webhook', apply: () => send(conn, 'DELETE', `${BASE}/${PACK_WEBHOOK_CHANNEL}`) }];
    return [];
  }
  const hash = hashFromDescription(wanted.config.description)!;
  if (!stored) return [{ kind, name: PACK_WEBHOOK_CHANNEL, action: 'create', detail: `webhook ${new URL(notify.webhook!).host}`, apply: () => send(conn, 'POST', BASE, wanted) }];
  if (storedHash === hash) return [{ kind, name: PACK_WEBHOOK_CHANNEL, action: 'unchanged', apply: async () => {} }];
  return [{ kind, name: PACK_WEBHOOK_CHANNEL, action: 'update', detail: `${storedHash ?? 'not the pack\'s'} -> ${hash}`, apply: () => send(conn, 'PUT', `${BASE}/${PACK_WEBHOOK_CHANNEL}`, { config: wanted.config }) }];
}
