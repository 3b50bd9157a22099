import type { estypes } from '@elastic/elasticsearch';
import { PACK_ID } from '../../content/load.js';
import { parseHeaders, smtpOf } from '../../content/profile.js';
import type { ResolvedRule } from '../resolve.js';
import { bucketCondition, bucketsPath, lookbackMs, metricAggs, regularityScript, searchQuery } from './aggregations.js';

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
  const query = { bool: { filter: [searchQuery(r), range] } };
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
  const summary = `[${rule.check}] ${rule.name.en} / ${rule.name.ja}`;
  return {
    trigger: { schedule: { interval: seconds(r.scheduleMs) } },
    input: { search: { request: { indices: r.indices, rest_total_hits_as_int: true, body } } },
    condition: { script: { source: watchCondition(r), lang: 'painless' } },
    // after the condition, the payload becomes the alert documents (`_doc`), which every action uses
    // (`total`: how many events matched, of which at most the newest 20 become alerts)
    transform: { script: { source: `${alertDocsScript(r)} return ['_doc': docs, 'total': ctx.payload.hits.total];`, lang: 'painless' } },
    throttle_period: seconds(r.scheduleMs),
    actions: {
      index_alerts: { index: { index: ALERTS_INDEX } },
      log: { logging: { level: 'warn', text: `${summary}: {{ctx.payload.total}} event(s): {{#ctx.payload._doc}}{{summary}}; {{/ctx.payload._doc}}see ${ALERTS_INDEX}` } },
      ...(r.notify.webhook ? { webhook: { webhook: { method: 'post', url: r.notify.webhook, headers: { ...parseHeaders(r.notify.webhook_headers), 'content-type': 'application/json' }, body: '{{#toJson}}ctx.payload._doc{{/toJson}}' } } } : {}),
      ...chatActions(r),
      ...(r.notify.email?.length
        ? {
            email: {
              email: {
                to: r.notify.email,
                ...(smtpOf(r.notify) ? { from: smtpOf(r.notify)!.from } : {}),
                subject: summary,
                body: { text: `${rule.name.ja}\n${rule.name.en}\n\n{{#ctx.payload._doc}}- {{summary}}\n  ${ALERTS_INDEX}: link_back.query = {{link_back.query}} ({{link_back.from}} .. {{link_back.to}})\n{{/ctx.payload._doc}}\n${rule.investigation.ja}\n\n${rule.investigation.en}` },
              },
            },
          }
        : {}),
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
      group_by: r.groupBy,
      lookback_seconds: Math.round(lookbackMs(r) / 1000),
      // with prevalence, what an alert's link back searches: the rule's window, shorter than the look-back
      ...(r.prevalence ? { window_seconds: Math.round(r.windowMs / 1000) } : {}),
    },
  };
}

/** The Watcher account the slack action sends through (README: the keystore's `xpack.notification.slack.account.jpcert.secure_url`). */
export const WATCHER_SLACK_ACCOUNT = 'jpcert';

/**
 * An action-level transform that turns the alert documents into one chat message, under
 * `key`: the check and its title, then each alert's summary and its link back.
 */
function chatText(key: string): estypes.TransformContainer {
  const lines = [
    "List lines = new ArrayList();",
    "lines.add('[jpcert] ' + ctx.metadata.check + ' ' + ctx.metadata.severity + ': ' + ctx.metadata.name_ja + ' / ' + ctx.metadata.name_en);",
    "lines.add('件数 / Count: ' + ctx.payload.total);",
    "for (def d : ctx.payload._doc) { lines.add('- ' + d.summary); lines.add('  " + ALERTS_INDEX + ": link_back.query = ' + d.link_back.query + ' (' + d.link_back.from + ' .. ' + d.link_back.to + ')'); }",
    // a real line break inside the string: Painless strings know no \n escape
    `return ['${key}': String.join('\n', lines)];`,
  ];
  return { script: { source: lines.join(' '), lang: 'painless' } };
}

/**
 * Slack, Teams and Chime on Watcher. Slack: Watcher's slack action, through the account
 * WATCHER_SLACK_ACCOUNT (Watcher takes a Slack URL only from its keystore, and refuses a watch
 * whose account is not configured). Teams and Chime: webhook actions posting the JSON their
 * incoming webhooks take (`text`, `Content`), as OpenSearch Notifications does.
 */
function chatActions(r: ResolvedRule): Record<string, estypes.WatcherAction> {
  const out: Record<string, estypes.WatcherAction> = {};
  const json = { 'content-type': 'application/json' };
  if (r.notify.slack) out.slack = { transform: chatText('text'), slack: { account: WATCHER_SLACK_ACCOUNT, message: { from: 'JPCERT APT log pack', to: [], text: '{{ctx.payload.text}}', attachments: [] } } };
  if (r.notify.teams) out.teams = { transform: chatText('text'), webhook: { method: 'post', url: r.notify.teams, headers: json, body: '{{#toJson}}ctx.payload{{/toJson}}' } };
  if (r.notify.chime) out.chime = { transform: chatText('Content'), webhook: { method: 'post', url: r.notify.chime, headers: json, body: '{{#toJson}}ctx.payload{{/toJson}}' } };
  return out;
}

/** The watch's condition, on the search input's payload: anything found (grouped: any group left). */
export function watchCondition(r: ResolvedRule): string {
  return r.groupBy.length ? 'return ctx.payload.aggregations.groups.buckets.size() > 0;' : 'return ctx.payload.hits.total > 0;';
}

/**
 * Painless statements that turn the search input's payload into a list `docs` of alert
 * documents, one per hit or group. Each names the rule and its check, the offending
 * host/user (the group's fields, or the hit's report fields), and links back: the saved
 * search's id (the rule's id), a Lucene query that selects the group's events (or the event)
 * and the window searched. Each has a deterministic `_id` (which Watcher's index action takes
 * as the document id), so that the overlapping look-back windows of successive runs update an
 * alert instead of repeating it. Reads only ctx.payload, ctx.metadata, ctx.watch_id and
 * ctx.execution_time.
 */
export function alertDocsScript(r: ResolvedRule): string {
  const common = [
    `'rule': ['id': ctx.metadata.rule_id, 'check': ctx.metadata.check, 'name': ctx.metadata.name_en, 'name_ja': ctx.metadata.name_ja]`,
    `'severity': ctx.metadata.severity`,
    `'risk_score': ctx.metadata.risk_score`,
    `'@timestamp': ctx.execution_time`,
    `'watch_id': ctx.watch_id`,
  ].join(', ');
  const link = `'saved_search_id': ctx.metadata.rule_id, 'from': ctx.execution_time.minusSeconds((long) ctx.metadata.${r.prevalence ? 'window_seconds' : 'lookback_seconds'}).toInstant().toString(), 'to': ctx.execution_time.toInstant().toString()`;
  // a value inside a Lucene phrase: backslash and double quote escaped
  const quoted = (v: string) => `'"' + String.valueOf(${v}).replace('\\\\', '\\\\\\\\').replace('"', '\\\\"') + '"'`;
  if (r.groupBy.length) {
    return [
      'List docs = new ArrayList();',
      'for (def b : ctx.payload.aggregations.groups.buckets) {',
      '  List keys = b.key instanceof List ? b.key : [b.key];',
      '  Map group = new LinkedHashMap(); List terms = new ArrayList(); List parts = new ArrayList();',
      '  for (int i = 0; i < ctx.metadata.group_by.size(); i++) {',
      '    String f = ctx.metadata.group_by[i]; def v = keys[i];',
      `    group[f] = v; terms.add(f + ':' + ${quoted('v')}); parts.add(f + '=' + v);`,
      '  }',
      // one alert per group and look-back period (periods aligned to the epoch): a later run in
      // the same period updates it; a group still firing in the next period alerts again
      // (a document id has at most 512 bytes: a long key, a user agent say, is cut to 100 UTF-16
      // units, at most 300 bytes of UTF-8, and hashed)
      "  String key = String.join('|', parts); if (key.length() > 100) { key = key.substring(0, 100) + '#' + Integer.toHexString(key.hashCode()); }",
      `  String id = ctx.metadata.rule_id + ':' + key + ':' + (ctx.execution_time.toInstant().toEpochMilli() / (1000L * (long) ctx.metadata.lookback_seconds));`,
      // with prevalence: the group's events in the rule's window, and how many distinct clients the group had in the look-back
      r.prevalence
        ? `  docs.add(['_id': id, ${common}, 'group': group, 'count': b.recent.doc_count, 'clients': b.clients.value, 'summary': String.join(' ', parts) + ': ' + b.recent.doc_count + ' event(s) from ' + b.clients.value + ' client(s)', 'link_back': [${link}, 'query': String.join(' AND ', terms)]${r.regularity ? `, 'regularity': ${regularityScript('b')}` : ''}]);`
        : `  docs.add(['_id': id, ${common}, 'group': group, 'count': b.doc_count, 'summary': String.join(' ', parts) + ': ' + b.doc_count + ' event(s)', 'link_back': [${link}, 'query': String.join(' AND ', terms)]${r.regularity ? `, 'regularity': ${regularityScript('b')}` : ''}]);`,
      '}',
    ].join(' ');
  }
  return [
    'List docs = new ArrayList();',
    'for (def h : ctx.payload.hits.hits) {',
    '  Map fields = new LinkedHashMap(); List parts = new ArrayList();',
    '  for (String f : ctx.metadata.report_fields) {',
    // walk the dotted name; through a list (nested attachments), collect from each element
    '    def v = h._source;',
    "    for (String p : f.splitOnToken('.')) {",
    '      if (v instanceof Map) { v = v[p]; }',
    '      else if (v instanceof List) { List out = new ArrayList(); for (def e : v) { if (e instanceof Map && e[p] != null) { out.add(e[p]); } } v = out.isEmpty() ? null : out; }',
    '      else { v = null; }',
    '    }',
    "    if (v != null) { fields[f] = v; parts.add(f + '=' + v); }",
    '  }',
    // one alert per event: the overlapping look-back of the next run finds it again and overwrites it
    `  docs.add(['_id': ctx.metadata.rule_id + ':' + h._index + ':' + h._id, ${common}, 'event': ['index': h._index, 'id': h._id], 'fields': fields, 'summary': String.join(' ', parts), 'link_back': [${link}, 'query': '_id:' + ${quoted('h._id')}], 'source': h._source]);`,
    '}',
  ].join(' ');
}
