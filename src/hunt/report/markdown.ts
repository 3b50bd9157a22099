import type { Bucket, CheckFinding, HuntResult, SampleEvent } from '../findings.js';
import { entityText, MAX_DETECTIONS, reportedChecks, timeFormat, timeNote, tookText, totals, valueText, type ReportOptions, type TimeFormat } from './common.js';

/**
 * The hunt as a Markdown report to attach to an incident ticket: the period and cluster, a
 * summary table, then per check with hits its titles (ja/en), severity, counts, first/last
 * seen, top hosts and users, detections and sample events with their raw lines.
 *
 * Everything from the logs is attacker-controlled text: in running text and table cells the
 * characters Markdown (and the HTML it may carry) acts on are backslash-escaped, line breaks
 * become spaces; raw lines go into fenced code blocks whose fence is longer than any run of
 * backticks inside.
 */

/** one line of inline text: Markdown's active characters escaped, line breaks flattened */
export function mdText(s: string): string {
  return s.replace(/\r\n|\r|\n/g, ' ').replace(/[\\`*_[\]<>|#!~&]/g, (c) => `\\${c}`);
}

/** a fenced code block that no backtick run inside can close */
export function mdCode(s: string, info = 'text'): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${s.replace(/\r\n?/g, '\n')}\n${fence}`;
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function bucketTable(label: string, buckets: Bucket[]): string[] {
  if (!buckets.length) return [];
  return ['', ...table([label, 'events'], buckets.map((b) => [mdText(b.key), String(b.count)]))];
}

function sample(s: SampleEvent, i: number, T: TimeFormat): string[] {
  const out = ['', `**${i + 1}.** ${mdText(T(s['@timestamp']))}${s['event.dataset'] ? ` · ${mdText(s['event.dataset'])}` : ''}`];
  const fields = Object.entries(s.fields).filter(([, v]) => valueText(v) !== '');
  if (fields.length) out.push('', `${fields.map(([k, v]) => `${mdText(k)}: ${mdText(valueText(v))}`).join(' · ')}`);
  out.push('', s['event.original'] !== undefined ? mdCode(s['event.original']) : '_(no event.original kept)_');
  return out;
}

function check(c: CheckFinding, T: TimeFormat): string[] {
  const out = ['', `## ${mdText(c.check)}: ${mdText(c.title.ja)}`, '', `*${mdText(c.title.en)}*`, ''];
  out.push(
    `- severity: **${mdText(c.severity)}** (risk ${c.riskScore})`,
    `- rule: ${mdText(c.ruleId)} (${c.type})`,
    `- hits: **${c.hits}**`,
    `- first seen: ${mdText(T(c.firstSeen))}`,
    `- last seen: ${mdText(T(c.lastSeen))}`,
  );
  if (c.error !== undefined) out.push(`- **error**: ${mdText(c.error)}`);
  if (c.topHosts.length || c.topUsers.length) {
    out.push('', '### Top hosts and users / 上位ホスト・ユーザー');
    out.push(...bucketTable('host', c.topHosts), ...bucketTable('user', c.topUsers));
  }
  if (c.detections.length) {
    out.push('', `### Detections / 検知 (${c.detections.length})`, '');
    const shown = c.detections.slice(0, MAX_DETECTIONS);
    out.push(...table(['window start', 'window end', 'entity', 'events'], shown.map((d) => [mdText(T(d.windowStart)), mdText(T(d.windowEnd)), mdText(entityText(d)), String(d.count)])));
    if (c.detections.length > shown.length) out.push('', `… ${c.detections.length - shown.length} more`);
  }
  if (c.samples.length) {
    out.push('', `### Sample events / イベント例 (${c.samples.length})`);
    c.samples.forEach((s, i) => out.push(...sample(s, i, T)));
  }
  return out;
}

export function renderMarkdown(result: HuntResult, o: ReportOptions = {}): string {
  const T = timeFormat(o.timeZone);
  const t = totals(result);
  const shown = reportedChecks(result);
  const out = ['# 標的型攻撃ログ調査報告 / Targeted-attack log hunt', ''];
  out.push(
    ...table(
      ['', ''],
      [
        ['period / 期間', `${mdText(T(result.from))} – ${mdText(T(result.to))}`],
        ['cluster', mdText(result.cluster)],
        ['generated / 作成', mdText(T(result.generatedAt))],
        ['checks run / 実行', String(t.run)],
        ['checks with hits / 検出あり', String(t.found)],
        ...(t.failed ? [['checks failed / 失敗', String(t.failed)]] : []),
        ['hunt took / 所要時間', tookText(result.tookMs)],
      ],
    ),
  );
  out.push('', '## Summary / 概要', '');
  if (!shown.length) out.push('No check found anything in the period. / 期間内に検出はありませんでした。');
  else out.push(...table(['check', 'title', 'severity', 'hits', 'first seen', 'last seen'], shown.map((c) => [mdText(c.check), mdText(c.title.ja), mdText(c.severity), c.error !== undefined ? 'error' : String(c.hits), mdText(T(c.firstSeen)), mdText(T(c.lastSeen))])));
  const quiet = result.checks.filter((c) => c.hits === 0 && c.error === undefined);
  if (quiet.length) out.push('', `Nothing found by / 検出なし: ${quiet.map((c) => mdText(c.check)).join(', ')}`);
  for (const c of shown) out.push(...check(c, T));
  out.push('', '---', '', timeNote(o), '');
  return out.join('\n');
}
