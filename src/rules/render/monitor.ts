import { PACK_ID } from '../../content/load.js';
import type { ResolvedRule } from '../resolve.js';
import { bucketCondition, bucketsPath, lookbackMs, metricAggs } from './aggregations.js';

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

export function monitorName(r: ResolvedRule): string {
  return `[jpcert] ${r.rule.check} ${r.rule.name.en}`;
}

export function renderMonitor(r: ResolvedRule, contentHash: string): Monitor {
  const grouped = r.groupBy.length > 0;
  const minutes = Math.max(1, Math.round(r.scheduleMs / 60_000));
  const ago = (ms: number) => `{{period_end}}||-${Math.round(ms / 1000)}s`;
  const range = { range: { '@timestamp': { gte: ago(lookbackMs(r)), lte: '{{period_end}}', format: 'epoch_millis' } } };
  const query = { bool: { filter: [r.query, range], _name: monitorMarker(r.rule.id, contentHash) } };
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
    : { size: 20, query, sort: [{ '@timestamp': { order: 'desc' } }] };
  // what fired: the new groups' keys (in group_by order), or the number of events; the saved
  // search with the rule's id lists the events behind it
  const found = grouped
    ? `new groups (${r.groupBy.join(', ')}):\n{{#ctx.newAlerts}}- {{bucket_keys}}\n{{/ctx.newAlerts}}`
    : '{{ctx.results.0.hits.total.value}} event(s)';
  const message = `[${r.rule.check}] ${r.rule.name.ja} / ${r.rule.name.en}\n{{ctx.monitor.name}}: {{ctx.trigger.name}} at {{ctx.periodEnd}}\n${found}\nsaved search: ${r.rule.id}, over the ${Math.round(lookbackMs(r) / 60_000)} minutes up to {{ctx.periodEnd}}\n\n${r.rule.investigation.ja}\n\n${r.rule.investigation.en}`;
  const actions = r.notify.channel_id
    ? [
        {
          name: 'notify',
          destination_id: r.notify.channel_id,
          subject_template: { source: `[jpcert] ${r.rule.check} ${r.rule.name.en}`, lang: 'mustache' },
          message_template: { source: message, lang: 'mustache' },
          // grouped: notify once per new group; plain: at most once per look-back window, since
          // the overlapping windows of the next runs see the same events again
          ...(grouped
            ? { throttle_enabled: false, action_execution_policy: { action_execution_scope: { per_alert: { actionable_alerts: ['NEW'] } } } }
            : { throttle_enabled: true, throttle: { value: Math.min(MAX_THROTTLE_MINUTES, Math.max(1, Math.round(lookbackMs(r) / 60_000))), unit: 'MINUTES' } }),
        },
      ]
    : [];
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
