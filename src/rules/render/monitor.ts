import { PACK_ID } from '../../content/load.js';
import type { ResolvedRule } from '../resolve.js';
import { bucketCondition, bucketsPath, lookbackMs, metricAggs, searchQuery } from './aggregations.js';

/**
 * OpenSearch Alerting: a query-level monitor for a plain match, a bucket-level monitor (a
 * composite aggregation over the group fields) for grouped rules, so that every group that
 * passes alerts on its own. The look-back window is the rule's window, longer than the
 * schedule, so late logs are still seen by a later run.
 */

export interface Monitor {
  type: 'monitor';
  monitor_type: 'query_level_monitor' | 'bucket_level_monitor';
  name: string;
  enabled: boolean;
  schedule: { period: { interval: number; unit: 'MINUTES' } };
  inputs: Array<{ search: { indices: string[]; query: Record<string, unknown> } }>;
  triggers: Array<Record<string, unknown>>;
  ui_metadata: Record<string, unknown>;
}

/** Alerting severities run from 1 (highest) to 5. */
export const MONITOR_SEVERITY = { critical: '1', high: '2', medium: '3', low: '4' } as const;

/** Alerting refuses a longer action throttle (plugins.alerting.action_throttle_max_value, 24h by default). */
const MAX_THROTTLE_MINUTES = 24 * 60;

/** A query-level trigger's condition: the search found something. */
export const MONITOR_QUERY_CONDITION = 'ctx.results[0].hits.total.value > 0';

/**
 * How deploy recognises its own monitors: a named query (`_name`) on the input's outer
 * `bool`, `jpcert-apt-log-pack rule=<rule id> hash=<content hash>`.
 *
 * Why there: Alerting keeps no `_meta` or tags on a monitor, and it leaves `ui_metadata` out
 * of GET and `_search` answers unless the caller's User-Agent contains
 * `OpenSearch-Dashboards`, so a marker there is invisible to deploy (pretending to be
 * Dashboards would depend on that undocumented switch). The input's search is stored and
 * returned as sent to every caller with read rights, `_name` changes no result (matching hits
 * only list it in `matched_queries`), and the monitor's name, triggers and actions, which
 * people read and alerts refer to, stay as they are.
 */
export const MONITOR_MARKER = new RegExp(`^${PACK_ID} rule=(\\S+) hash=([0-9a-f]*)$`);

export function monitorMarker(ruleId: string, hash: string): string {
  return `${PACK_ID} rule=${ruleId} hash=${hash}`;
}

/** The rule id and hash of a monitor this pack deployed, read from its input; undefined for any other monitor. */
export function readMonitorMarker(monitor: unknown): { ruleId: string; hash: string } | undefined {
  const inputs = (monitor as { inputs?: Array<{ search?: { query?: { query?: { bool?: { _name?: unknown } } } } }> } | undefined)?.inputs;
  const name = inputs?.[0]?.search?.query?.query?.bool?._name;
  const m = typeof name === 'string' ? MONITOR_MARKER.exec(name) : null;
  return m ? { ruleId: m[1]!, hash: m[2]! } : undefined;
}

/** The Notifications channels deploy creates from the profile's notify (see src/deploy/channels.ts), by their config id. */
export const PACK_CHANNELS = {
  webhook: `${PACK_ID}-webhook`,
  slack: `${PACK_ID}-slack`,
  teams: `${PACK_ID}-teams`,
  chime: `${PACK_ID}-chime`,
  /** the SMTP sender account the e-mail channel sends through (not a destination itself) */
  smtp: `${PACK_ID}-smtp`,
  email: `${PACK_ID}-email`,
} as const;

export const PACK_WEBHOOK_CHANNEL = PACK_CHANNELS.webhook;

export interface MonitorDestination {
  /** the action's name */
  name: string;
  /** the Notifications channel id */
  id: string;
  /** the channel puts the subject above the message itself (Slack, Teams, Chime: the first line; e-mail: the Subject) */
  titled?: boolean;
}

/**
 * Where a monitor's action sends: the channel of your own (`notify.channel_id`), and each of
 * the pack's channels the profile names: webhook, Slack, Teams, Chime, and e-mail (with
 * `notify.smtp`; without it `notify.email` is for Watcher only).
 */
export function monitorDestinations(r: ResolvedRule): MonitorDestination[] {
  const n = r.notify;
  return [
    ...(n.channel_id ? [{ name: 'notify', id: n.channel_id }] : []),
    ...(n.webhook ? [{ name: 'webhook', id: PACK_CHANNELS.webhook }] : []),
    ...(n.slack ? [{ name: 'slack', id: PACK_CHANNELS.slack, titled: true }] : []),
    ...(n.teams ? [{ name: 'teams', id: PACK_CHANNELS.teams, titled: true }] : []),
    ...(n.chime ? [{ name: 'chime', id: PACK_CHANNELS.chime, titled: true }] : []),
    ...(n.email?.length && n.smtp ? [{ name: 'email', id: PACK_CHANNELS.email, titled: true }] : []),
  ];
}

const SEVERITY_JA = { critical: '緊急', high: '高', medium: '中', low: '低' } as const;

export function monitorSubject(r: ResolvedRule): string {
  return `[jpcert] ${r.rule.check} ${r.rule.severity}: ${r.rule.name.ja} / ${r.rule.name.en}`;
}

/** One line per event: its time and the rule's report fields, from a hit (`_source`) in mustache. */
function eventLine(r: ResolvedRule): string {
  return `- {{_source.@timestamp}}${r.rule.logic.report_fields.map((f) => ` ${f}={{_source.${f}}}`).join('')}`;
}

/**
 * The message a person reads, in Japanese and English: the check and its title, severity,
 * what was found (the offending entity and its events), when, the saved search and a
 * Dashboards link, and what to look at. `titled`: leave out the first line, the subject, for a
 * channel that shows the subject itself.
 *
 * A plain rule's run has the whole answer: the count, first and last seen (aggregations of
 * the input) and the newest 20 events with the rule's report fields. A grouped rule sends one
 * message per new group; Alerting's per-alert context carries the group's keys and sample
 * documents (newest first, which Alerting fetches because the template names
 * `sample_documents`) but not the group's aggregations, so the message gives the keys, the
 * last seen time and the sample events, and the link shows the rest. A rule with prevalence
 * gets no sample documents from Alerting 2.19 (see below): its message gives the keys and
 * the way to the events.
 */
export function monitorMessage(r: ResolvedRule, titled = false): string {
  const grouped = r.groupBy.length > 0;
  const lookbackS = Math.round(lookbackMs(r) / 1000);
  const minutes = Math.round(lookbackS / 60);
  const dashboards = r.notify.dashboards_url?.replace(/\/+$/, '');
  const link = dashboards
    ? `${dashboards}/app/discover#/view/${r.rule.id}?_g=(time:(from:'{{ctx.periodEnd}}%7C%7C-${lookbackS}s',to:'{{ctx.periodEnd}}'))`
    : undefined;
  const head = [
    // a channel that shows the subject itself (Slack, e-mail, ...) does not get it twice
    ...(titled ? [] : [monitorSubject(r)]),
    `重大度 / Severity: ${SEVERITY_JA[r.rule.severity]} / ${r.rule.severity}`,
    `検知時刻 / Run at: {{ctx.periodEnd}} (${minutes} 分間 / minutes up to then)`,
  ];
  // Alerting 2.19 fetches no sample documents for a bucket whose aggregation has a filter
  // sub-aggregation (prevalence's `recent`), and `sample_documents.0` of an empty list fails the
  // whole message: such a rule's message names the entity and sends the reader to the events
  const found = r.prevalence
    ? [
        '{{#ctx.newAlerts}}',
        `対象 / Entity (${r.groupBy.join(', ')}): {{bucket_keys}}`,
        '{{/ctx.newAlerts}}',
        '該当イベント: 下の保存済み検索またはリンクで、クライアント (source.ip) と件数を確認してください',
        'Events: the saved search or the link below shows them, with their clients (source.ip) and counts',
      ]
    : grouped
    ? [
        '{{#ctx.newAlerts}}',
        `対象 / Entity (${r.groupBy.join(', ')}): {{bucket_keys}}`,
        '最終検知 / Last seen: {{sample_documents.0._source.@timestamp}}',
        '該当イベントの例 (新しい順) / Sample events (newest first):',
        `{{#sample_documents}}${eventLine(r)}\n{{/sample_documents}}`,
        '{{/ctx.newAlerts}}',
      ]
    : [
        '件数 / Count: {{ctx.results.0.hits.total.value}}',
        '初回検知 / First seen: {{ctx.results.0.aggregations.first_seen.value_as_string}}',
        '最終検知 / Last seen: {{ctx.results.0.aggregations.last_seen.value_as_string}}',
        '該当イベント (新しい順、最大20件) / Events (newest first, up to 20):',
        `{{#ctx.results.0.hits.hits}}${eventLine(r)}\n{{/ctx.results.0.hits.hits}}`,
      ];
  const where = [
    `保存済み検索 / Saved search: ${r.rule.id} ("[jpcert] ${r.rule.check} ...")`,
    ...(link ? [`Dashboards: ${link}`] : []),
    `モニター / Monitor: {{ctx.monitor.name}}`,
  ];
  return [...head, '', ...found, '', ...where, '', `調査 / Investigation: ${r.rule.investigation.ja}`, '', r.rule.investigation.en].join('\n');
}

export function monitorName(r: ResolvedRule): string {
  return `[jpcert] ${r.rule.check} ${r.rule.name.en}`;
}

export function renderMonitor(r: ResolvedRule, contentHash: string): Monitor {
  const grouped = r.groupBy.length > 0;
  const minutes = Math.max(1, Math.round(r.scheduleMs / 60_000));
  const ago = (ms: number) => `{{period_end}}||-${Math.round(ms / 1000)}s`;
  const range = { range: { '@timestamp': { gte: ago(lookbackMs(r)), lte: '{{period_end}}', format: 'epoch_millis' } } };
  const query = { bool: { filter: [searchQuery(r), range], _name: monitorMarker(r.rule.id, contentHash) } };
  const severity = MONITOR_SEVERITY[r.rule.severity];
  const triggerName = `${r.rule.check} ${r.rule.name.en}`;
  const search = grouped
    ? {
        size: 0,
        query,
        aggregations: {
          composite_agg: {
            composite: { size: 1000, sources: r.groupBy.map((field, i) => ({ [`g${i}`]: { terms: { field } } })) },
            aggs: metricAggs(r, ago),
          },
        },
      }
    : { size: 20, query, sort: [{ '@timestamp': { order: 'desc' } }], aggregations: { first_seen: { min: { field: '@timestamp' } }, last_seen: { max: { field: '@timestamp' } } } };
  const actions = monitorDestinations(r).map((d) => ({
    name: d.name,
    destination_id: d.id,
    subject_template: { source: monitorSubject(r), lang: 'mustache' },
    message_template: { source: monitorMessage(r, d.titled), lang: 'mustache' },
    // grouped: notify once per new group; plain: at most once per look-back window, since
    // the overlapping windows of the next runs see the same events again
    ...(grouped
      ? { throttle_enabled: false, action_execution_policy: { action_execution_scope: { per_alert: { actionable_alerts: ['NEW'] } } } }
      : { throttle_enabled: true, throttle: { value: Math.min(MAX_THROTTLE_MINUTES, Math.max(1, Math.round(lookbackMs(r) / 60_000))), unit: 'MINUTES' } }),
  }));
  const trigger = grouped
    ? {
        bucket_level_trigger: {
          name: triggerName,
          severity,
          condition: { buckets_path: bucketsPath(r), parent_bucket_path: 'composite_agg', script: { source: bucketCondition(r), lang: 'painless' } },
          actions,
        },
      }
    : {
        query_level_trigger: {
          name: triggerName,
          severity,
          condition: { script: { source: MONITOR_QUERY_CONDITION, lang: 'painless' } },
          actions,
        },
      };
  return {
    type: 'monitor',
    monitor_type: grouped ? 'bucket_level_monitor' : 'query_level_monitor',
    name: monitorName(r),
    enabled: true,
    schedule: { period: { interval: minutes, unit: 'MINUTES' } },
    inputs: [{ search: { indices: r.indices, query: search } }],
    triggers: [trigger],
    ui_metadata: { managed_by: PACK_ID, content_hash: contentHash, rule_id: r.rule.id, check: r.rule.check, name_ja: r.rule.name.ja, report_fields: r.rule.logic.report_fields },
  };
}
