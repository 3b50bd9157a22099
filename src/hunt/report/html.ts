import type { Bucket, CheckFinding, HuntResult, SampleEvent } from '../findings.js';
import { entityText, MAX_DETECTIONS, reportedChecks, timeFormat, timeNote, tookText, totals, valueText, type ReportOptions, type TimeFormat } from './common.js';

/**
 * The hunt as one self-contained HTML file: inline CSS, an inline SVG timeline of hits per
 * day per check, no script and no external asset, so it opens the same offline, attached to
 * a ticket or mailed. Every text from the logs goes through `esc`: event.original is written
 * by whoever sent the mail or made the request.
 */

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** colours of the chart's series and the legend, in check order: twelve distinct ones, then hues a golden angle apart */
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#393b79', '#ad494a'];
function colour(i: number): string {
  return i < PALETTE.length ? PALETTE[i]! : `hsl(${Math.round((i * 137.508) % 360)} 65% ${i % 2 ? 35 : 55}%)`;
}

const DAY = 86_400_000;

function dayOf(iso: string): number {
  const t = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Math.floor(t / DAY) * DAY;
}

/** 1, 2, 5, 10, 20, 50 ... the smallest such step giving at most 5 ticks */
function tickStep(max: number): number {
  for (let p = 1; ; p *= 10) for (const m of [1, 2, 5]) if (max / (m * p) <= 5) return m * p;
}

/**
 * Stacked bars: one bar per UTC day of the period, one segment per check with hits that day.
 * Each segment carries an SVG <title> (day, check, hits) as its tooltip; no script.
 */
export function timelineSvg(result: HuntResult, checks: CheckFinding[]): string {
  const series = checks.filter((c) => c.perDay.some((b) => b.count > 0));
  const days = new Set<number>();
  for (const c of series) for (const b of c.perDay) days.add(dayOf(b.key));
  // the period's days (its end is exclusive), widened to any day that has hits
  const first = Math.min(dayOf(result.from), ...days);
  const last = Math.max(first, dayOf(new Date(Date.parse(result.to) - 1).toISOString()), ...days);
  const n = Math.round((last - first) / DAY) + 1;
  const perDay = new Map<number, Array<{ c: CheckFinding; i: number; count: number }>>();
  series.forEach((c, i) => {
    for (const b of c.perDay) if (b.count > 0) {
      const d = dayOf(b.key);
      perDay.set(d, [...(perDay.get(d) ?? []), { c, i, count: b.count }]);
    }
  });
  const max = Math.max(1, ...[...perDay.values()].map((v) => v.reduce((s, x) => s + x.count, 0)));
  const step = tickStep(max);
  const top = Math.ceil(max / step) * step;
  const W = 960, H = 280, L = 48, R = 12, T = 12, B = 40;
  const pw = W - L - R, ph = H - T - B, bw = pw / n;
  const y = (v: number) => T + ph - (v / top) * ph;
  const fmt = (x: number) => (Math.round(x * 100) / 100).toString();
  const parts: string[] = [];
  parts.push(`<svg id="timeline" class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="timeline-title">`);
  parts.push(`<title id="timeline-title">Hits per day per check / チェック別の日ごとの件数</title>`);
  for (let v = 0; v <= top; v += step) {
    parts.push(`<line class="grid" x1="${L}" x2="${W - R}" y1="${fmt(y(v))}" y2="${fmt(y(v))}"/><text class="tick" x="${L - 6}" y="${fmt(y(v) + 4)}" text-anchor="end">${v}</text>`);
  }
  // a label every k days so that they do not overlap (about 70 px each)
  const every = Math.max(1, Math.ceil(70 / bw));
  for (let k = 0; k < n; k += every) {
    const d = new Date(first + k * DAY).toISOString().slice(0, 10);
    parts.push(`<text class="tick" x="${fmt(L + k * bw + bw / 2)}" y="${H - B + 16}" text-anchor="middle">${d.slice(5)}</text>`);
  }
  parts.push(`<text class="tick" x="${L}" y="${H - 6}">${new Date(first).toISOString().slice(0, 10)} – ${new Date(last).toISOString().slice(0, 10)} (UTC)</text>`);
  for (const [d, segs] of [...perDay.entries()].sort((a, b) => a[0] - b[0])) {
    const k = Math.round((d - first) / DAY);
    const x = L + k * bw + Math.min(1, bw * 0.1);
    const w = Math.max(1, bw - 2 * Math.min(1, bw * 0.1));
    let base = 0;
    for (const s of segs) {
      const y0 = y(base + s.count), h = y(base) - y0;
      const day = new Date(d).toISOString().slice(0, 10);
      parts.push(`<rect class="bar" data-check="${esc(s.c.check)}" x="${fmt(x)}" y="${fmt(y0)}" width="${fmt(w)}" height="${fmt(h)}" fill="${colour(s.i)}"><title>${day} ${esc(s.c.check)}: ${s.count}</title></rect>`);
      base += s.count;
    }
  }
  parts.push(`<line class="axis" x1="${L}" x2="${W - R}" y1="${T + ph}" y2="${T + ph}"/>`);
  parts.push('</svg>');
  const legend = series.map((c, i) => `<li><span class="swatch" style="background:${colour(i)}"></span>${esc(c.check)} ${esc(c.title.ja)}</li>`);
  return `${parts.join('\n')}\n<ul class="legend">${legend.join('')}</ul>`;
}

function buckets(label: string, b: Bucket[]): string {
  if (!b.length) return '';
  return `<table class="top"><thead><tr><th>${label}</th><th>events</th></tr></thead><tbody>${b.map((x) => `<tr><td>${esc(x.key)}</td><td class="n">${x.count}</td></tr>`).join('')}</tbody></table>`;
}

function sample(s: SampleEvent, T: TimeFormat): string {
  const fields = Object.entries(s.fields).filter(([, v]) => valueText(v) !== '');
  return [
    '<div class="sample">',
    `<div class="when">${esc(T(s['@timestamp']))}${s['event.dataset'] ? ` · ${esc(s['event.dataset'])}` : ''}</div>`,
    fields.length ? `<dl>${fields.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(valueText(v))}</dd>`).join('')}</dl>` : '',
    s['event.original'] !== undefined ? `<pre><code>${esc(s['event.original'])}</code></pre>` : '<p class="none">(no event.original kept)</p>',
    '</div>',
  ].join('\n');
}

function anchor(c: CheckFinding): string {
  return `check-${c.check.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function check(c: CheckFinding, T: TimeFormat): string {
  const shown = c.detections.slice(0, MAX_DETECTIONS);
  return [
    `<section class="check" id="${esc(anchor(c))}">`,
    `<h2><span class="id">${esc(c.check)}</span> ${esc(c.title.ja)}</h2>`,
    `<p class="en" lang="en">${esc(c.title.en)}</p>`,
    '<table class="facts"><tbody>',
    `<tr><th>severity</th><td><span class="sev sev-${esc(c.severity)}">${esc(c.severity)}</span> (risk ${c.riskScore})</td></tr>`,
    `<tr><th>rule</th><td>${esc(c.ruleId)} (${esc(c.type)})</td></tr>`,
    `<tr><th>hits</th><td class="n">${c.hits}</td></tr>`,
    `<tr><th>first seen</th><td>${esc(T(c.firstSeen))}</td></tr>`,
    `<tr><th>last seen</th><td>${esc(T(c.lastSeen))}</td></tr>`,
    c.error !== undefined ? `<tr><th>error</th><td class="error">${esc(c.error)}</td></tr>` : '',
    '</tbody></table>',
    c.topHosts.length || c.topUsers.length ? `<div class="tops">${buckets('host', c.topHosts)}${buckets('user', c.topUsers)}</div>` : '',
    shown.length
      ? `<h3>Detections / 検知 (${c.detections.length})</h3><table class="detections"><thead><tr><th>window start</th><th>window end</th><th>entity</th><th>events</th></tr></thead><tbody>${shown
          .map((d) => `<tr><td>${esc(T(d.windowStart))}</td><td>${esc(T(d.windowEnd))}</td><td>${esc(entityText(d))}</td><td class="n">${d.count}</td></tr>`)
          .join('')}</tbody></table>${c.detections.length > shown.length ? `<p>… ${c.detections.length - shown.length} more</p>` : ''}`
      : '',
    c.samples.length ? `<h3>Sample events / イベント例 (${c.samples.length})</h3>\n${c.samples.map((s) => sample(s, T)).join('\n')}` : '',
    '</section>',
  ]
    .filter((x) => x !== '')
    .join('\n');
}

const CSS = `
body{font-family:"Hiragino Kaku Gothic ProN","Hiragino Sans","Noto Sans CJK JP","IPAexGothic","IPAGothic",Meiryo,"Yu Gothic",sans-serif;margin:2em auto;max-width:1000px;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.5em;border-bottom:2px solid #333;padding-bottom:.2em}
h2{font-size:1.2em;margin:0}h3{font-size:1em;margin:1em 0 .3em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.summary td:first-child,.summary td:nth-child(n+5),.detections td:nth-child(-n+2){white-space:nowrap}
.check{border:1px solid #bbb;border-radius:6px;padding:1em;margin:1.5em 0;page-break-inside:avoid}
.check .id{font-family:monospace;background:#333;color:#fff;padding:0 .4em;border-radius:3px}
.en{color:#555;margin:.2em 0 .6em}
.sev{padding:0 .5em;border-radius:3px;color:#fff;background:#777}
.sev-critical{background:#7b0000}.sev-high{background:#c62828}.sev-medium{background:#ef6c00}.sev-low{background:#1565c0}
.tops{display:flex;gap:2em;flex-wrap:wrap}
.sample{border-left:3px solid #999;padding-left:.8em;margin:.8em 0}.when{font-weight:bold}
dl{display:grid;grid-template-columns:max-content 1fr;gap:0 1em;margin:.3em 0;font-size:.9em}dt{color:#555}dd{margin:0;word-break:break-all}
pre{background:#f6f6f6;border:1px solid #ddd;padding:.5em;white-space:pre-wrap;word-break:break-all;font-size:.85em}
.error{color:#b00}.none{color:#777}
svg.timeline{max-width:100%;height:auto;font-family:inherit}
svg .grid{stroke:#e5e5e5}svg .axis{stroke:#333}svg .tick{font-size:11px;fill:#444}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3em 1.2em;font-size:.9em}
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}
@media print{body{margin:0}}
`.trim();

export function renderHtml(result: HuntResult, o: ReportOptions = {}): string {
  const T = timeFormat(o.timeZone);
  const t = totals(result);
  const shown = reportedChecks(result);
  const quiet = result.checks.filter((c) => c.hits === 0 && c.error === undefined);
  const title = `標的型攻撃ログ調査報告 ${T(result.from)} – ${T(result.to)}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="ja">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>\n${CSS}\n</style>`,
    '</head>',
    '<body>',
    `<h1>標的型攻撃ログ調査報告 <span lang="en">/ Targeted-attack log hunt</span></h1>`,
    '<table class="meta"><tbody>',
    `<tr><th>period / 期間</th><td>${esc(T(result.from))} – ${esc(T(result.to))}</td></tr>`,
    `<tr><th>cluster</th><td>${esc(result.cluster)}</td></tr>`,
    `<tr><th>generated / 作成</th><td>${esc(T(result.generatedAt))}</td></tr>`,
    `<tr><th>checks run / 実行</th><td class="n">${t.run}</td></tr>`,
    `<tr><th>checks with hits / 検出あり</th><td class="n">${t.found}</td></tr>`,
    t.failed ? `<tr><th>checks failed / 失敗</th><td class="n error">${t.failed}</td></tr>` : '',
    `<tr><th>hunt took / 所要時間</th><td>${esc(tookText(result.tookMs))}</td></tr>`,
    '</tbody></table>',
    '<h2>Timeline / タイムライン</h2>',
    timelineSvg(result, shown),
    '<h2>Summary / 概要</h2>',
    shown.length
      ? `<table class="summary"><thead><tr><th>check</th><th>title</th><th>severity</th><th>hits</th><th>first seen</th><th>last seen</th></tr></thead><tbody>${shown
          .map((c) => `<tr><td><a href="#${esc(anchor(c))}">${esc(c.check)}</a></td><td>${esc(c.title.ja)}<br><span class="en" lang="en">${esc(c.title.en)}</span></td><td><span class="sev sev-${esc(c.severity)}">${esc(c.severity)}</span></td><td class="n">${c.error !== undefined ? '<span class="error">error</span>' : c.hits}</td><td>${esc(T(c.firstSeen))}</td><td>${esc(T(c.lastSeen))}</td></tr>`)
          .join('')}</tbody></table>`
      : '<p>No check found anything in the period. / 期間内に検出はありませんでした。</p>',
    quiet.length ? `<p>Nothing found by / 検出なし: ${quiet.map((c) => esc(c.check)).join(', ')}</p>` : '',
    ...shown.map((c) => check(c, T)),
    `<p class="none">${esc(timeNote(o))}</p>`,
    '</body>',
    '</html>',
    '',
  ]
    .filter((x) => x !== '')
    .join('\n');
}
