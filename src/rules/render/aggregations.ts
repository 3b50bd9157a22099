import type { ResolvedRule } from '../resolve.js';

/**
 * What every target needs for a grouped rule: one metric aggregation per condition (named
 * c0, c1, ...), and a Painless expression over them that says whether a group alerts.
 */

/** `ago(ms)` writes "that long before the run's reference time" in the target's date math. */
export function metricAggs(r: ResolvedRule, ago: (ms: number) => string): Record<string, Record<string, unknown>> {
  const aggs: Record<string, Record<string, unknown>> = {};
  r.conditions.forEach((c, i) => {
    if (c.metric === 'cardinality') aggs[`c${i}`] = { cardinality: { field: c.field } };
    else if (c.metric === 'sum') aggs[`c${i}`] = { sum: { field: c.field } };
    else if (c.metric === 'distinct_days') {
      aggs[`c${i}`] = {
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
  r.conditions.forEach((c, i) => (path[`c${i}`] = c.metric === 'count' ? '_count' : `c${i}`));
  if (r.baseline) {
    path.total = '_count';
    path.latest = 'latest._count';
  }
  return path;
}

/** The Painless condition over the bucket's variables (params.c0, ...). */
export function bucketCondition(r: ResolvedRule): string {
  const parts = r.conditions.map((c, i) => `params.c${i} >= ${c.gte}`);
  if (r.baseline) {
    const { history, ratio, minCount } = r.baseline;
    // the mean of the earlier windows is (total - latest) / history
    parts.push(`params.latest >= ${minCount}`, `params.latest * ${history} >= ${ratio} * (params.total - params.latest)`);
  }
  return parts.join(' && ');
}

/** How far back the search looks: one window, or for a baseline the window plus its history. */
export function lookbackMs(r: ResolvedRule): number {
  return r.baseline ? r.windowMs * (r.baseline.history + 1) : r.windowMs;
}
