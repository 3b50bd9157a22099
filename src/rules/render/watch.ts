import type { estypes } from '@elastic/elasticsearch';
import { PACK_ID } from '../../content/load.js';
import type { ResolvedRule } from '../resolve.js';
import { bucketCondition, bucketsPath, lookbackMs, metricAggs, regularityScript } from './aggregations.js';

/**
 * Elasticsearch Watcher: one watch per rule. The search input runs the rule's query over the
 * look-back window; grouped rules keep only the groups that pass (bucket_selector); the
 * condition fires when anything is left; the actions write one alert document per hit or
 * group to the alerts index and log a line.
 */

export type WatchBody = Omit<estypes.WatcherPutWatchRequest, 'id' | 'active' | 'if_primary_term' | 'if_seq_no' | 'version'>;

export const ALERTS_INDEX = 'jpcert-alerts';

export function watchId(r: ResolvedRule): string {
  return `jpcert-${r.rule.id}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

export function renderWatch(r: ResolvedRule, contentHash: string): WatchBody {
  const grouped = r.groupBy.length > 0;
  const ago = (ms: number) => `now-${seconds(ms)}`;
  // bounded above as the monitor is ({{period_end}}): a document time-stamped in the future
  // (a clock ahead, a year-less syslog line given the wrong year) must not be reported by
  // every run until its time comes
  const range = { range: { '@timestamp': { gte: ago(lookbackMs(r)), lte: 'now' } } };
  const query = { bool: { filter: [r.query, range] } };
  const groupsAgg: Record<string, unknown> =
    r.groupBy.length === 1
      ? { terms: { field: r.groupBy[0], size: 1000 } }
      : { multi_terms: { terms: r.groupBy.map((field) => ({ field })), size: 1000 } };
  const body: estypes.WatcherSearchInputRequestBody = grouped
    ? ({
        size: 0,
        query,
        aggs: {
          groups: {
            ...groupsAgg,
            aggs: { ...metricAggs(r, ago), alert: { bucket_selector: { buckets_path: bucketsPath(r), script: bucketCondition(r) } } },
          },
        },
      } as estypes.WatcherSearchInputRequestBody)
    : ({ size: 20, query, sort: [{ '@timestamp': { order: 'desc' } }] } as estypes.WatcherSearchInputRequestBody);

  const rule = r.rule;
  const summary = `[${rule.check}] ${rule.name.en} / ${rule.name.ja}: {{ctx.payload.hits.total}} event(s)`;
  // the alert names the rule and its check, and links back to the rule's saved search (same id)
  const common = `'rule': ['id': ctx.metadata.rule_id, 'check': ctx.metadata.check, 'name': ctx.metadata.name_en, 'name_ja': ctx.metadata.name_ja], 'severity': ctx.metadata.severity, 'risk_score': ctx.metadata.risk_score, '@timestamp': ctx.execution_time, 'watch_id': ctx.watch_id, 'saved_search_id': ctx.metadata.rule_id, 'report_fields': ctx.metadata.report_fields`;
  const transform = grouped
    ? `List docs = new ArrayList(); for (def b : ctx.payload.aggregations.groups.buckets) { docs.add([${common}, 'group': b.key, 'count': b.doc_count${r.regularity ? `, 'regularity': ${regularityScript('b')}` : ''}]); } return ['_doc': docs];`
    : `List docs = new ArrayList(); for (def h : ctx.payload.hits.hits) { docs.add([${common}, 'event': ['index': h._index, 'id': h._id], 'source': h._source]); } return ['_doc': docs];`;

  return {
    trigger: { schedule: { interval: seconds(r.scheduleMs) } },
    input: { search: { request: { indices: r.indices, rest_total_hits_as_int: true, body } } },
    condition: grouped
      ? { script: { source: 'return ctx.payload.aggregations.groups.buckets.size() > 0', lang: 'painless' } }
      : { compare: { 'ctx.payload.hits.total': { gt: 0 } } },
    throttle_period: seconds(r.scheduleMs),
    actions: {
      index_alerts: { transform: { script: { source: transform, lang: 'painless' } }, index: { index: ALERTS_INDEX } },
      log: { logging: { level: 'warn', text: `${summary}, see ${ALERTS_INDEX}` } },
      ...(r.notify.webhook ? { webhook: { webhook: { method: 'post', url: r.notify.webhook, headers: { 'content-type': 'application/json' }, body: '{{#toJson}}ctx.payload{{/toJson}}' } } } : {}),
      ...(r.notify.email?.length ? { email: { email: { to: r.notify.email, subject: summary, body: { text: `${rule.name.ja}\n${rule.name.en}\n\n${rule.investigation.ja}\n\n${rule.investigation.en}` } } } } : {}),
    },
    metadata: {
      managed_by: PACK_ID,
      content_hash: contentHash,
      rule_id: rule.id,
      check: rule.check,
      name_en: rule.name.en,
      name_ja: rule.name.ja,
      severity: rule.severity,
      risk_score: rule.risk_score,
      report_fields: rule.logic.report_fields,
    },
  };
}
