import type { ResolvedRule } from '../resolve.js';

/**
 * What every target needs for a grouped rule: one metric aggregation per condition (named
 * c0, c1, ...), and a Painless expression over them that says whether a group alerts.
 */

/** `ago(ms)` writes "that long before the run's reference time" in the target's date math. */
export function metricAggs(r: ResolvedRule, ago: (ms: number) => string | number): Record<string, Record<string, unknown>> {
  const aggs: Record<string, Record<string, unknown>> = {};
  // prevalence: the conditions' metrics under a filter of the recent events (the rule's whole
  // selection in its own window); the distinct clients over everything the search read
  const cond: Record<string, Record<string, unknown>> = r.prevalence ? {} : aggs;
  r.conditions.forEach((c, i) => {
    if (c.metric === 'cardinality') cond[`c${i}`] = { cardinality: { field: c.field } };
    else if (c.metric === 'sum') cond[`c${i}`] = { sum: { field: c.field } };
    else if (c.metric === 'distinct_days') {
      cond[`c${i}`] = {
        cardinality: {
          script: {
            lang: 'painless',
            source: "doc['@timestamp'].value.withZoneSameInstant(ZoneId.of(params.tz)).toLocalDate().toString()",
            params: { tz: r.timezone },
          },
        },
      };
    }
  });
  if (r.prevalence) {
    aggs.recent = { filter: { bool: { filter: [r.query, { range: { '@timestamp': { gte: ago(r.windowMs) } } }] } }, ...(Object.keys(cond).length ? { aggs: cond } : {}) };
    aggs.clients = { cardinality: { field: r.prevalence.field } };
  }
  if (r.baseline) {
    aggs.latest = { filter: { range: { '@timestamp': { gte: ago(r.windowMs) } } } };
  }
  if (r.regularity) {
    // one bucket per local day with activity, the spread of the daily counts, first and last request
    aggs.per_day = { date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: r.timezone, min_doc_count: 1 } };
    aggs.daily = { extended_stats_bucket: { buckets_path: 'per_day>_count' } };
    aggs.first_seen = { min: { field: '@timestamp' } };
    aggs.last_seen = { max: { field: '@timestamp' } };
  }
  return aggs;
}

/**
 * The regularity score (0-100) of a group, in Painless, from the aggregations metricAggs
 * adds: the share of days with activity between the group's first and last request in the
 * window (a bot that started three days ago and called every day since has 3 of 3), damped
 * by how uneven the daily counts are (their coefficient of variation). A daily beacon scores
 * high; a person who visited twice, once heavily, a week apart scores low.
 */
export function regularityScript(bucket: string): string {
  const b = bucket;
  const span = `(Math.floor((${b}.last_seen.value - ${b}.first_seen.value) / 86400000.0) + 1)`;
  return `(${b}.daily.avg == null || ${b}.daily.avg == 0 ? 0 : Math.round(100.0 * Math.min(1.0, ${b}.daily.count / ${span}) / (1.0 + ${b}.daily.std_deviation / ${b}.daily.avg)))`;
}

/** buckets_path of each variable the condition script reads. */
export function bucketsPath(r: ResolvedRule): Record<string, string> {
  const path: Record<string, string> = {};
  const under = r.prevalence ? 'recent' : undefined;
  r.conditions.forEach((c, i) => (path[`c${i}`] = c.metric === 'count' ? (under ? `${under}._count` : '_count') : under ? `${under}>c${i}` : `c${i}`));
  if (r.prevalence) {
    path.recent = 'recent._count';
    path.clients = 'clients';
  }
  if (r.baseline) {
    path.total = '_count';
    path.latest = 'latest._count';
  }
  return path;
}

/** The Painless condition over the bucket's variables (params.c0, ...). */
export function bucketCondition(r: ResolvedRule): string {
  const parts = r.conditions.map((c, i) => `params.c${i} >= ${c.gte}`);
  // prevalence: recent events, from fewer distinct clients than the organisation's normal
  if (r.prevalence) parts.push('params.recent >= 1', `params.clients < ${r.prevalence.lt}`);
  if (r.baseline) {
    const { history, ratio, minCount } = r.baseline;
    // the mean of the earlier windows is (total - latest) / history
    parts.push(`params.latest >= ${minCount}`, `params.latest * ${history} >= ${ratio} * (params.total - params.latest)`);
  }
  return parts.join(' && ');
}

/** How far back the search looks: one window, for a baseline the window plus its history, with prevalence the prevalence window. */
export function lookbackMs(r: ResolvedRule): number {
  if (r.prevalence) return Math.max(r.windowMs, r.prevalence.windowMs);
  return r.baseline ? r.windowMs * (r.baseline.history + 1) : r.windowMs;
}

/** The query a grouped rule's search runs (before its time range): the rule's selection, or with prevalence its filter and exclude only. */
export function searchQuery(r: ResolvedRule): Record<string, unknown> {
  return r.prevalence ? r.prevalence.query : r.query;
}
