import type { CheckFinding, Detection, HuntResult } from '../findings.js';

/** What both report formats say the same way: which checks to show, and how values read. */

/** the checks a report describes in detail: those with hits, then those that failed */
export function reportedChecks(result: HuntResult): CheckFinding[] {
  return result.checks.filter((c) => c.hits > 0 || c.error !== undefined);
}

export const MAX_DETECTIONS = 20;

/** `source.ip=192.0.2.1, user.name=x`, keys in the order given */
export function entityText(d: Detection): string {
  const e = Object.entries(d.entity ?? {});
  return e.length ? e.map(([k, v]) => `${k}=${v}`).join(', ') : '(whole period)';
}

/** a report field's value as one line of text */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(valueText).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** ISO time shown to the second, in UTC, as the hunt gives it: `2026-03-09 01:15:00Z` */
export function timeText(iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export type TimeFormat = (iso: string | undefined) => string;

/**
 * Times in the site's zone (the profile's, as the logs' own local times read), with the
 * offset: `2026-10-08 12:49:40 +09:00`; UTC (`...Z`) without a zone.
 */
export function timeFormat(timeZone?: string): TimeFormat {
  if (!timeZone || timeZone === 'UTC') return timeText;
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return (iso) => {
    if (!iso) return '-';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
    const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
    const off = Math.round((wall - Math.floor(d.getTime() / 1000) * 1000) / 60_000);
    const sign = off < 0 ? '-' : '+';
    const a = Math.abs(off);
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
  };
}

export interface ReportOptions {
  /** IANA zone the times are shown in (the profile's); default UTC */
  timeZone?: string;
}

/** the closing note on times, both languages */
export function timeNote(o: ReportOptions): string {
  return o.timeZone && o.timeZone !== 'UTC'
    ? `Times are ${o.timeZone}; the timeline counts UTC days. / 時刻は ${o.timeZone} です（タイムラインの日付はUTC）。`
    : 'Times are UTC. / 時刻はUTCです。';
}

export function totals(result: HuntResult) {
  return {
    run: result.checks.length,
    found: result.checks.filter((c) => c.hits > 0).length,
    failed: result.checks.filter((c) => c.error !== undefined).length,
    hits: result.checks.reduce((n, c) => n + c.hits, 0),
  };
}

/** `1.2 s` or `850 ms` */
export function tookText(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
