import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderReport } from '../../src/hunt/report/index.js';
import { timeFormat } from '../../src/hunt/report/common.js';
import { mdCode, mdText } from '../../src/hunt/report/markdown.js';
import { EMPTY_RESULT, HUNT_RESULT } from './fixtures/hunt-result.js';

/**
 * A fixed hunt result in, the exact report out (test/unit/golden/hunt-report.*); regenerate
 * with PACK_UPDATE_GOLDEN=1 and review the diff. The report opened in a real browser is
 * test/integration/report-browser.test.ts.
 */

const GOLDEN = path.join(path.dirname(new URL(import.meta.url).pathname), 'golden');
const UPDATE = process.env.PACK_UPDATE_GOLDEN === '1';

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (UPDATE) writeFileSync(file, actual);
  if (!existsSync(file)) throw new Error(`${file} is missing: run with PACK_UPDATE_GOLDEN=1 and review it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('renderReport: golden files', () => {
  it('markdown', () => golden('hunt-report.md', renderReport(HUNT_RESULT, 'markdown')));
  it('html', () => golden('hunt-report.html', renderReport(HUNT_RESULT, 'html')));
  it('markdown, nothing found', () => golden('hunt-report-empty.md', renderReport(EMPTY_RESULT, 'markdown')));
  it('html, nothing found', () => golden('hunt-report-empty.html', renderReport(EMPTY_RESULT, 'html')));
  it('markdown, times in the site\'s zone', () => golden('hunt-report-tokyo.md', renderReport(HUNT_RESULT, 'markdown', { timeZone: 'Asia/Tokyo' })));
});

describe('times', () => {
  it('are UTC without a zone, and the zone\'s wall time with its offset with one', () => {
    expect(timeFormat()('2026-10-08T03:49:40.123Z')).toBe('2026-10-08 03:49:40Z');
    expect(timeFormat('Asia/Tokyo')('2026-10-08T03:49:40.123Z')).toBe('2026-10-08 12:49:40 +09:00');
    expect(timeFormat('Asia/Tokyo')('2026-12-31T15:00:00Z')).toBe('2027-01-01 00:00:00 +09:00');
    // daylight saving time changes the offset
    expect(timeFormat('America/New_York')('2026-07-01T12:00:00Z')).toBe('2026-07-01 08:00:00 -04:00');
    expect(timeFormat('America/New_York')('2026-12-01T12:00:00Z')).toBe('2026-12-01 07:00:00 -05:00');
    expect(timeFormat('Asia/Kolkata')('2026-12-01T12:00:00Z')).toBe('2026-12-01 17:30:00 +05:30');
    expect(timeFormat('Asia/Tokyo')(undefined)).toBe('-');
  });
});

describe('markdown escaping', () => {
  const md = renderReport(HUNT_RESULT, 'markdown');

  it('escapes pipes, backticks and HTML in table cells', () => {
    expect(mdText('a|b`c<d>')).toBe('a\\|b\\`c\\<d\\>');
    expect(md).toContain('| a\\|b\\`c | 1 |');
    // every table row still has its columns: no cell pipe left unescaped
    for (const row of md.split('\n').filter((l) => l.startsWith('| a\\|b'))) expect(row.split(/(?<!\\)\|/).length).toBe(4);
  });

  it('puts a raw line into a fence longer than its longest backtick run', () => {
    expect(mdCode('x ```y``` z')).toBe('````text\nx ```y``` z\n````');
    expect(mdCode('plain')).toBe('```text\nplain\n```');
    expect(md).toContain('````text\nwarning: header Subject: <script>alert("x")</script> | ```rm -rf``` & <img src=x onerror=alert(1)>\n````');
  });

  it('flattens line breaks in inline text', () => {
    expect(mdText('one\ntwo\r\nthree')).toBe('one two three');
  });

  it('lists only checks with hits or errors in detail, the rest by id', () => {
    expect(md).toContain('## MAIL-2: 実行ファイルが添付されたメール');
    expect(md).toContain('## AD-4: 特定ホストからの大量の認証イベント');
    expect(md).toContain('## G2: 通常と比べて大きな通信量');
    expect(md).not.toContain('## FW-1');
    expect(md).toContain('Nothing found by / 検出なし: FW-1');
  });
});

describe('html', () => {
  const html = renderReport(HUNT_RESULT, 'html');

  it('is one self-contained file: charset, language, no script, no external asset', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed|use)\b|url\(|@import/i);
    // the only URLs are the SVG namespace and the cluster address, as text
    expect([...html.matchAll(/https?:\/\/[^\s"<]+/g)].map((m) => m[0]).sort()).toEqual(['http://127.0.0.1:9200', 'http://www.w3.org/2000/svg']);
  });

  it('renders an attacker\'s <script> in a sample as text', () => {
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; | ```rm -rf``` &amp; &lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
  });

  it('draws one bar segment per check and day with hits, stacked to the day\'s total', () => {
    const bars = [...html.matchAll(/<rect class="bar" data-check="([^"]+)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)];
    expect(bars.map((b) => b[1])).toEqual(['MAIL-2', 'MAIL-2', 'AD-4']);
    const h = (i: number) => Number(bars[i]![5]);
    // 31 hits against 1: the AD-4 bar is 31 times as high
    expect(h(2) / h(0)).toBeCloseTo(31, 5);
    // four days in the period, left to right
    const xs = bars.map((b) => Number(b[2]));
    expect(xs[0]! < xs[1]! && xs[1]! < xs[2]!).toBe(true);
    expect(html).toContain('<title>2026-03-04 AD-4: 31</title>');
  });

  it('says so when nothing was found', () => {
    const empty = renderReport(EMPTY_RESULT, 'html');
    expect(empty).toContain('期間内に検出はありませんでした');
    expect(empty).not.toContain('class="bar"');
  });
});
