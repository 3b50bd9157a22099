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
  return aggs;
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
