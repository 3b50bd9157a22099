import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderReport } from '../../src/hunt/report/index.js';
import { Browser, chromiumBinary } from '../harness/chromium.js';
import { ROOT } from '../harness/cluster.js';
import { HUNT_RESULT } from '../unit/fixtures/hunt-result.js';

/**
 * The HTML report opened in a real browser: headless Chromium (Debian's `chromium`; .ci/run
 * installs it) loads the file with no exception, console error or failed load, shows the
 * timeline chart and the Japanese titles, keeps the attacker's <script> as text, and leaves
 * a screenshot in build/test-artifacts/hunt-report.png for a person to look at.
 */

const ARTIFACTS = path.join(ROOT, 'build', 'test-artifacts');
const binary = chromiumBinary();

describe('HTML report in headless Chromium', () => {
  let browser: Browser;
  beforeAll(() => {
    if (!binary) throw new Error('no chromium found: install it (apt-get install chromium; .ci/run does) or set CHROMIUM_BIN');
    browser = Browser.launch(binary);
  });
  afterAll(async () => browser?.close());

  it('opens without errors, with the chart and the Japanese titles in the DOM, and leaves a screenshot', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'hunt-report.html');
    writeFileSync(file, renderReport(HUNT_RESULT, 'html'));

    const session = await browser.newPage();
    const problems: string[] = [];
    browser.on((m) => {
      if (m.sessionId !== session) return;
      const p = m.params ?? {};
      if (m.method === 'Runtime.exceptionThrown') problems.push(`exception: ${JSON.stringify(p.exceptionDetails)}`);
      if (m.method === 'Runtime.consoleAPICalled' && ['error', 'warning', 'assert'].includes(p.type as string)) problems.push(`console.${p.type}: ${JSON.stringify(p.args)}`);
      if (m.method === 'Log.entryAdded') {
        const e = p.entry as { level: string; text: string; url?: string };
        if (e.level === 'error' || e.level === 'warning') problems.push(`log ${e.level}: ${e.text} ${e.url ?? ''}`);
      }
    });
    const loaded = browser.once('Page.loadEventFired', session);
    const nav = await browser.send('Page.navigate', { url: pathToFileURL(file).href }, session);
    expect(nav.errorText).toBeUndefined();
    await loaded;

    const { result } = await browser.send(
      'Runtime.evaluate',
      {
        returnByValue: true,
        expression: `JSON.stringify({
          charset: document.characterSet,
          lang: document.documentElement.lang,
          title: document.title,
          h2: [...document.querySelectorAll('section.check h2')].map((h) => h.textContent),
          svg: !!document.querySelector('svg#timeline'),
          svgBox: (() => { const r = document.querySelector('svg#timeline').getBoundingClientRect(); return [r.width, r.height]; })(),
          bars: [...document.querySelectorAll('svg#timeline rect.bar')].map((r) => [r.dataset.check, r.getBoundingClientRect().height]),
          legend: [...document.querySelectorAll('ul.legend li')].map((l) => l.textContent),
          scripts: document.scripts.length,
          images: document.images.length,
          pre: [...document.querySelectorAll('pre')].map((p) => p.textContent),
          resources: performance.getEntriesByType('resource').map((r) => r.name),
        })`,
      },
      session,
    );
    const dom = JSON.parse((result as { value: string }).value) as {
      charset: string; lang: string; title: string; h2: string[]; svg: boolean; svgBox: [number, number]; bars: Array<[string, number]>; legend: string[]; scripts: number; images: number; pre: string[]; resources: string[];
    };
    expect(dom.charset).toBe('UTF-8');
    expect(dom.lang).toBe('ja');
    expect(dom.title).toContain('標的型攻撃ログ調査報告');
    expect(dom.h2).toEqual(['MAIL-2 実行ファイルが添付されたメール', 'AD-4 特定ホストからの大量の認証イベント', 'G2 通常と比べて大きな通信量']);
    expect(dom.svg).toBe(true);
    expect(dom.svgBox[0]).toBeGreaterThan(300);
    expect(dom.bars.map((b) => b[0])).toEqual(['MAIL-2', 'MAIL-2', 'AD-4']);
    // laid out and drawn: the 31-hit bar is 31 times the 1-hit bar on screen too
    expect(dom.bars[2]![1] / dom.bars[0]![1]).toBeCloseTo(31, 0);
    expect(dom.legend).toEqual(['MAIL-2 実行ファイルが添付されたメール', 'AD-4 特定ホストからの大量の認証イベント']);
    // the sample's <script> and <img onerror> stayed text
    expect(dom.scripts).toBe(0);
    expect(dom.images).toBe(0);
    expect(dom.pre.some((t) => t.includes('<script>alert("x")</script>'))).toBe(true);
    expect(dom.resources).toEqual([]);

    const { cssContentSize } = await browser.send('Page.getLayoutMetrics', {}, session);
    const size = cssContentSize as { width: number; height: number };
    const shot = await browser.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width: Math.ceil(size.width), height: Math.ceil(size.height), scale: 1 } }, session);
    const png = Buffer.from(shot.data as string, 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    writeFileSync(path.join(ARTIFACTS, 'hunt-report.png'), png);

    expect(problems).toEqual([]);
  });
});
