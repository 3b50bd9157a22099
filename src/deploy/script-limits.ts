import type { Connection } from '../cluster/connection.js';
import type { CompiledRule } from '../rules/compile.js';

/**
 * The `template` script context's compilation limit (`script.context.template.
 * max_compilations_rate`, 75 per 5 minutes by default), which Alerting's mustache templates
 * count against: each monitor's input search, and the subject and message of each action
 * when it fires.
 *
 * Deploy leaves the setting as it is, and says so. The engine compiles a template once and
 * keeps it in the context's cache (100 entries by default), so the pack's monitors compile
 * each of their templates once and then reuse them: at most 21 inputs plus 2 per action
 * (a text several channels share is one template), spread over the monitors' first runs. A
 * cluster-wide limit is the cluster owner's choice, and raising it would also let other
 * callers compile more. What does reach the limit is
 * running many monitors whose template text differs each time in a row (`_execute` with
 * monitor bodies, as a test may do): such a test raises the limit for itself.
 */

export const TEMPLATE_RATE_SETTING = 'script.context.template.max_compilations_rate';
const DEFAULT_RATE = '75/5m';

/** The rate in force: transient, then persistent, then the global setting unless it defers to the context, then the default. */
export async function templateCompilationRate(conn: Connection): Promise<string> {
  const res = await conn.request('GET', '/_cluster/settings?flat_settings=true');
  const body = res.body as { persistent?: Record<string, string>; transient?: Record<string, string> };
  const get = (k: string) => body.transient?.[k] ?? body.persistent?.[k];
  if (get('script.disable_max_compilations_rate') === 'true') return 'unlimited (script.disable_max_compilations_rate)';
  const own = get(TEMPLATE_RATE_SETTING);
  if (own) return own;
  const global = get('script.max_compilations_rate');
  if (global && global !== 'use-context') return `${global} (script.max_compilations_rate)`;
  return `${DEFAULT_RATE} (the default)`;
}

/**
 * The distinct templates the monitors compile: one input each, and a subject and a message per
 * action (a text sent to several channels, as the same subject is, is compiled once).
 */
export function monitorTemplates(rules: CompiledRule[]): number {
  const sources = new Set<string>();
  for (const r of rules) {
    for (const input of r.monitor.inputs) sources.add(JSON.stringify(input));
    for (const t of r.monitor.triggers) {
      for (const body of Object.values(t)) {
        for (const a of ((body as { actions?: Array<{ subject_template?: { source: string }; message_template?: { source: string } }> }).actions ?? [])) {
          if (a.subject_template) sources.add(a.subject_template.source);
          if (a.message_template) sources.add(a.message_template.source);
        }
      }
    }
  }
  return sources.size;
}

export async function templateRateLine(conn: Connection, rules: CompiledRule[]): Promise<string> {
  const rate = await templateCompilationRate(conn);
  return `cluster setting ${TEMPLATE_RATE_SETTING}: ${rate}, left as it is: the monitors compile their ${monitorTemplates(rules)} templates once each and then reuse them (see README, "Template compilations")`;
}
