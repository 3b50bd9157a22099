/**
 * What a hunt finds, per check: the shared shape between the hunt engine (src/hunt/hunt.ts),
 * the report renderers (src/hunt/report/*) and `npm start`'s main job.
 */

export interface Bucket {
  key: string;
  count: number;
}

export interface SampleEvent {
  '@timestamp': string;
  'event.dataset'?: string;
  /** the raw line or event, as the pipeline kept it */
  'event.original'?: string;
  /** the rule's report fields, flattened (dotted names) */
  fields: Record<string, unknown>;
  /** where the event is (document id and backing index), to open it in Discover */
  id?: string;
  index?: string;
}

/** one alert the rule's alerting target would have raised: a window (match rules: the whole period) and an entity */
export interface Detection {
  /** start and end of the window the rule was evaluated over (ISO 8601) */
  windowStart: string;
  windowEnd: string;
  /** the group key (threshold/baseline rules: the entity, e.g. source.ip); absent for match rules */
  entity?: Record<string, string>;
  /** events behind this detection */
  count: number;
}

export interface CheckFinding {
  /** the rule's uuid and check id (MAIL-1, FW-1, ...) */
  ruleId: string;
  check: string;
  title: { en: string; ja: string };
  severity: string;
  riskScore: number;
  /** the rule's logic type */
  type: 'match' | 'threshold' | 'baseline';
  /** events matched by the rule's query over the period (match rules) or behind its detections */
  hits: number;
  firstSeen?: string;
  lastSeen?: string;
  topHosts: Bucket[];
  topUsers: Bucket[];
  /** hits per day (UTC date YYYY-MM-DD), for the timeline */
  perDay: Bucket[];
  /** de-duplicated detections (threshold/baseline rules); match rules give one for the period when hits > 0 */
  detections: Detection[];
  samples: SampleEvent[];
  /** set when the check could not be run (the message says why); the hunt then exits 2 */
  error?: string;
  /** how long this check's searches took, ms */
  tookMs?: number;
}

export interface HuntResult {
  cluster: string;
  from: string;
  to: string;
  generatedAt: string;
  /** every check run, found or not, in rule-file order */
  checks: CheckFinding[];
  /** how long the hunt took, ms */
  tookMs: number;
}

/** exit code for schedulers: 0 nothing found, 1 something found, 2 an error */
export function exitCodeOf(result: HuntResult): 0 | 1 | 2 {
  if (result.checks.some((c) => c.error !== undefined)) return 2;
  return result.checks.some((c) => c.hits > 0) ? 1 : 0;
}
