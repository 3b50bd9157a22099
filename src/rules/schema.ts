import { z } from 'zod';

/**
 * The detection rule schema: one definition gives the TypeScript types and the validation of
 * every file under rules/. A rule is content (YAML); its logic is engine-neutral and later
 * compiled into saved searches, Watcher watches and OpenSearch Alerting monitors.
 */

/** The checks of the JPCERT/CC guide (../shared/JPCERT-CHECKS.md): every one has a rule. */
export const CHECK_IDS = [
  'MAIL-1', 'MAIL-2',
  'FW-1', 'FW-2', 'FW-3',
  'PROXY-1', 'PROXY-2', 'PROXY-3', 'PROXY-4', 'PROXY-5', 'PROXY-6',
  'DNS-1',
  'AD-1', 'AD-2', 'AD-3', 'AD-4', 'AD-5',
  'G1', 'G2', 'G3', 'G4',
] as const;

export const SOURCES = ['postfix', 'netscreen', 'squid', 'bind', 'windows'] as const;

/** Kill-chain stages as the guide names them (§3.1). */
export const KILL_CHAIN = ['reconnaissance', 'weaponization', 'delivery', 'exploitation', 'installation', 'command_and_control', 'actions_on_objectives'] as const;

const bilingual = z.strictObject({ en: z.string().min(1), ja: z.string().min(1) });

/** A duration such as 15m, 1h, 24h, 14d. */
export const duration = z.string().regex(/^\d+[smhd]$/, 'a duration such as 15m, 1h or 7d');

/** A query DSL fragment: kept as data, checked by the compilers and by a live search. */
const dsl = z.record(z.string(), z.unknown());

const condition = z.strictObject({
  /** count: documents; cardinality: distinct values of `field`; sum: total of `field`;
   *  distinct_days: distinct local calendar days (profile time zone) */
  metric: z.enum(['count', 'cardinality', 'sum', 'distinct_days']),
  field: z.string().optional(),
  gte: z.union([z.number(), z.string()]),
});

const logic = z
  .strictObject({
    /** match: every document that passes the filter; threshold: groups whose metrics pass
     *  every condition; baseline: groups whose count in the latest window jumps against their
     *  own earlier windows */
    type: z.enum(['match', 'threshold', 'baseline']),
    /** which source data streams: logs-jpcert.<source>-* */
    sources: z.array(z.enum(SOURCES)).min(1),
    filter: dsl,
    /** documents to leave out (a bool must_not clause) */
    exclude: z.array(dsl).optional(),
    /** only documents outside business hours (profile), evaluated at query time */
    outside_business_hours: z.boolean().optional(),
    group_by: z.array(z.string()).optional(),
    conditions: z.array(condition).optional(),
    /** baseline: the latest window's count must be at least `ratio` times the mean of the
     *  `history` earlier windows, and at least `min_count` */
    baseline: z.strictObject({ history: z.number().int().min(1), ratio: z.union([z.number(), z.string()]), min_count: z.union([z.number(), z.string()]) }).optional(),
    /** how far back one run looks */
    window: duration,
    /** how often it runs */
    schedule: duration,
    /** fields an alert reports for the offending host or user */
    report_fields: z.array(z.string()).min(1),
    /** grouped rules: also report how regular each group's activity is (0-100), from its
     *  active days in the window and how even its daily counts are */
    regularity: z.boolean().optional(),
    /** grouped rules: the group alerts only while fewer than `lt` distinct values of `field`
     *  (the internal clients, source.ip) have events of the group in the longer `window`
     *  (at any hour: the rule's filter and exclude, without outside_business_hours); the
     *  conditions are judged on the group's events of the rule's own window, as before */
    prevalence: z.strictObject({ field: z.string(), window: duration, lt: z.union([z.number(), z.string()]) }).optional(),
  })
  .superRefine((l, ctx) => {
    if (l.type !== 'match' && !(l.group_by && l.group_by.length)) ctx.addIssue({ code: 'custom', message: `a ${l.type} rule needs group_by` });
    if (l.type === 'threshold' && !(l.conditions && l.conditions.length)) ctx.addIssue({ code: 'custom', message: 'a threshold rule needs conditions' });
    if (l.type === 'baseline' && !l.baseline) ctx.addIssue({ code: 'custom', message: 'a baseline rule needs baseline: {history, ratio, min_count}' });
    if (l.prevalence && !(l.group_by && l.group_by.length)) ctx.addIssue({ code: 'custom', message: 'prevalence needs group_by (the destination or User-Agent whose clients are counted)' });
    if (l.prevalence && l.type === 'baseline') ctx.addIssue({ code: 'custom', message: 'prevalence is for match-like threshold rules, not baseline' });
    for (const c of l.conditions ?? []) {
      if ((c.metric === 'cardinality' || c.metric === 'sum') && !c.field) ctx.addIssue({ code: 'custom', message: `condition ${c.metric} needs a field` });
    }
  });

export const ruleSchema = z.strictObject({
  id: z.uuid(),
  check: z.enum(CHECK_IDS),
  name: bilingual,
  description: bilingual,
  kill_chain: z.array(z.enum(KILL_CHAIN)).min(1),
  attack: z.array(z.strictObject({ id: z.string().regex(/^T\d{4}(\.\d{3})?$/), name: z.string() })).min(1),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  risk_score: z.number().int().min(0).max(100),
  false_positives: z.array(bilingual).min(1),
  investigation: bilingual,
  setup: bilingual,
  references: z.array(z.string().url()).min(1),
  logic,
});

export type Rule = z.infer<typeof ruleSchema>;
export type RuleLogic = Rule['logic'];
export type Condition = NonNullable<RuleLogic['conditions']>[number];
