import { summarize, type PlanEntry } from './plan.js';

/** The plan as a table a person reads before anything changes. */
export function planTable(plan: Array<Pick<PlanEntry, 'action' | 'name' | 'detail'> & { kind: string }>): string {
  const rows = plan.map((e) => [e.action, e.kind, e.name, e.detail ?? '']);
  const header = ['ACTION', 'KIND', 'NAME', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function planSummary(plan: PlanEntry[]): string {
  const s = summarize(plan);
  const changed = s.create + s.update + s.delete;
  return `${changed} change(s): ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged`;
}
