import type { Connection } from '../../src/cluster/connection.js';
import { loadProfile } from '../../src/content/profile.js';
import { exitCodeOf } from '../../src/hunt/findings.js';
import { parseTime, runHunt, selectRules, windowPlan } from '../../src/hunt/hunt.js';
import { displayWidth, layout, truncate } from '../../src/hunt/table.js';
import { atomOf, detectionsOf, presentIn, prevalenceDetections, type Cell, type EntityBuckets, type OpenWindow, type PrevalenceEngine } from '../../src/hunt/windows.js';
import { compileRules } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';
import type { ResolvedRule } from '../../src/rules/resolve.js';
import { PACK_ROOT } from '../../src/paths.js';

const compiled = compileRules(loadRules(PACK_ROOT), loadProfile());
const rule = (check: string) => compiled.rules.find((r) => r.resolved.rule.check === check)!.resolved;
const M = 60_000;
const H = 60 * M;
const T0 = Date.parse('2026-03-02T00:00:00Z');

function entity(keys: Record<string, string>, cells: Array<[number, Partial<Cell>]>): EntityBuckets {
  return {
    keys,
    buckets: new Map(cells.map(([t, c]) => [t, { count: 0, values: [], upper: [], days: new Set<string>(), ...c }])),
  };
}

function threshold(over: Partial<ResolvedRule>): ResolvedRule {
  return { ...rule('G3'), ...over };
}

describe('parseTime', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  test.each([
    ['now', '2026-03-10T12:00:00.000Z'],
    ['now-30d', '2026-02-08T12:00:00.000Z'],
    ['now-12h', '2026-03-10T00:00:00.000Z'],
    ['2025-01-01', '2025-01-01T00:00:00.000Z'],
    ['2026-02-16T10:00:00+09:00', '2026-02-16T01:00:00.000Z'],
  ])('%s', (v, iso) => expect(new Date(parseTime(v, now, '--from')).toISOString()).toBe(iso));
  test.each(['yesterday', 'now-3x', '2025-13-45', '16/02/2026'])('%s is refused', (v) => expect(() => parseTime(v, now, '--from')).toThrow(/is not a time/));
});

describe('selectRules', () => {
  test('by check id or uuid, --ioc adds the indicator checks, nothing named means every rule', () => {
    const checks = (names?: string[], ioc?: boolean) => selectRules(compiled.rules, names, ioc).map((r) => r.resolved.rule.check);
    expect(checks(['proxy-4', rule('AD-3').rule.id])).toEqual(['AD-3', 'PROXY-4']);
    expect(checks(undefined, true).sort()).toEqual(['DNS-1', 'G4', 'PROXY-1']);
    expect(checks(['MAIL-1'], true).sort()).toEqual(['DNS-1', 'G4', 'MAIL-1', 'PROXY-1']);
    expect(checks().length).toBe(compiled.rules.length);
    expect(() => checks(['NOPE-1'])).toThrow(/no rule "NOPE-1"/);
  });
});

describe('windowPlan', () => {
  test('runs end at to, to - schedule, ... after from', () => {
    const p = windowPlan(rule('G3'), T0, T0 + 2 * H);
    expect(p).toEqual({ step: 15 * M, window: H, lookback: H, firstEnd: T0 + 15 * M, lastEnd: T0 + 2 * H, runs: 8 });
    expect(windowPlan(rule('AD-3'), T0, T0 + 2 * H).lookback).toBe(15 * 24 * H);
  });
});

describe('detectionsOf: windows slid over buckets as the monitor runs', () => {
  const noExact = async (): Promise<boolean[]> => {
    throw new Error('no exact check expected');
  };

  test('count >= 10 in 1 h every 15 m: consecutive firing runs are one detection, a gap makes a new one', async () => {
    const r = threshold({ conditions: [{ metric: 'count', gte: 10 }] });
    const plan = windowPlan(r, T0, T0 + 6 * H);
    const a = entity({ 'source.ip': '10.0.0.1' }, [
      [T0 + H, { count: 10 }], // fires in the runs ending 01:15 .. 02:00
      [T0 + 4 * H, { count: 6 }],
      [T0 + 4 * H + 45 * M, { count: 4 }], // together in the runs ending 05:00 only
    ]);
    const b = entity({ 'source.ip': '10.0.0.2' }, [[T0 + 2 * H, { count: 9 }]]);
    const { detections, hits } = await detectionsOf(r, plan, new Map([['a', a], ['b', b]]), noExact);
    expect(detections).toEqual([
      { windowStart: '2026-03-02T00:15:00.000Z', windowEnd: '2026-03-02T02:00:00.000Z', entity: { 'source.ip': '10.0.0.1' }, count: 10 },
      { windowStart: '2026-03-02T04:00:00.000Z', windowEnd: '2026-03-02T05:00:00.000Z', entity: { 'source.ip': '10.0.0.1' }, count: 10 },
    ]);
    expect(hits).toBe(20);
  });

  test('a run before from is not counted, nor a bucket after to', async () => {
    const r = threshold({ conditions: [{ metric: 'count', gte: 1 }] });
    const plan = windowPlan(r, T0 + H, T0 + 2 * H);
    const a = entity({ 'source.ip': '10.0.0.1' }, [[T0 + 15 * M, { count: 1 }]]);
    // its windows end at 00:30 .. 01:15; runs in the period end 01:15 .. 02:00
    expect((await detectionsOf(r, plan, new Map([['a', a]]), noExact)).detections).toEqual([
      { windowStart: '2026-03-02T00:15:00.000Z', windowEnd: '2026-03-02T01:15:00.000Z', entity: { 'source.ip': '10.0.0.1' }, count: 1 },
    ]);
  });

  test('sums add up over buckets', async () => {
    const r = threshold({ conditions: [{ metric: 'sum', field: 'source.bytes', gte: 100 }] });
    const plan = windowPlan(r, T0, T0 + 2 * H);
    const a = entity({ 'source.ip': '10.0.0.1' }, [
      [T0, { count: 1, values: [60] }],
      [T0 + 45 * M, { count: 1, values: [50] }],
    ]);
    expect((await detectionsOf(r, plan, new Map([['a', a]]), noExact)).detections.map((d) => [d.windowStart, d.windowEnd, d.count])).toEqual([['2026-03-02T00:00:00.000Z', '2026-03-02T01:00:00.000Z', 2]]);
  });

  test('distinct counts: the bounds settle most windows, the rest are asked exactly', async () => {
    const r = threshold({ conditions: [{ metric: 'cardinality', field: 'destination.ip', gte: 5 }] });
    const plan = windowPlan(r, T0, T0 + 2 * H);
    const sure = entity({ 'source.ip': '10.0.0.1' }, [[T0 + 30 * M, { count: 5, values: [5], upper: [5] }]]);
    const maybe = entity({ 'source.ip': '10.0.0.2' }, [
      [T0, { count: 3, values: [3], upper: [3] }],
      [T0 + 15 * M, { count: 3, values: [3], upper: [3] }],
    ]);
    const never = entity({ 'source.ip': '10.0.0.3' }, [[T0, { count: 4, values: [4], upper: [4] }]]);
    const asked: OpenWindow[] = [];
    const { detections } = await detectionsOf(r, plan, new Map([['s', sure], ['m', maybe], ['n', never]]), async (open) => {
      asked.push(...open);
      // the same three addresses in both buckets: 3 distinct, silent
      return open.map(() => false);
    });
    expect(asked.map((w) => [w.keys['source.ip'], new Date(w.end).toISOString()])).toEqual([
      ['10.0.0.2', '2026-03-02T00:30:00.000Z'],
      ['10.0.0.2', '2026-03-02T00:45:00.000Z'],
      ['10.0.0.2', '2026-03-02T01:00:00.000Z'],
    ]);
    expect(detections.map((d) => d.entity!['source.ip'])).toEqual(['10.0.0.1']);
  });

  test('distinct counts with the values per bucket: united exactly, nothing asked', async () => {
    const r = threshold({ conditions: [{ metric: 'cardinality', field: 'destination.ip', gte: 5 }] });
    const plan = windowPlan(r, T0, T0 + 2 * H);
    const ips = (...n: number[]) => [new Set(n.map((x) => `10.1.0.${x}`))];
    // 3 + 3 values, 2 shared: 4 distinct, silent; 3 + 3 apart: 6, fires in the runs whose hour holds both (ending 00:30 .. 01:00)
    const same = entity({ 'source.ip': '10.0.0.2' }, [[T0, { count: 3, distinct: ips(1, 2, 3) }], [T0 + 15 * M, { count: 3, distinct: ips(2, 3, 4) }]]);
    const apart = entity({ 'source.ip': '10.0.0.3' }, [[T0, { count: 3, distinct: ips(1, 2, 3) }], [T0 + 15 * M, { count: 3, distinct: ips(4, 5, 6) }]]);
    const { detections } = await detectionsOf(r, plan, new Map([['s', same], ['a', apart]]), noExact);
    expect(detections.map((d) => [d.entity!['source.ip'], d.windowStart, d.windowEnd])).toEqual([['10.0.0.3', '2026-03-01T23:30:00.000Z', '2026-03-02T01:00:00.000Z']]);
  });

  test('distinct local days unite over buckets', async () => {
    const r = threshold({ conditions: [{ metric: 'distinct_days', gte: 3 }], windowMs: 7 * 24 * H, scheduleMs: 24 * H });
    const plan = windowPlan(r, T0, T0 + 10 * 24 * H);
    const day = (d: number, days: string[]): [number, Partial<Cell>] => [T0 + d * 24 * H, { count: days.length, days: new Set(days) }];
    const a = entity({ 'source.ip': '10.0.0.1', 'url.domain': 'c2.example' }, [day(0, ['2026-03-02', '2026-03-03']), day(1, ['2026-03-03']), day(2, ['2026-03-04'])]);
    const b = entity({ 'source.ip': '10.0.0.2', 'url.domain': 'news.example' }, [day(0, ['2026-03-02', '2026-03-03']), day(1, ['2026-03-03'])]);
    const { detections } = await detectionsOf(r, plan, new Map([['a', a], ['b', b]]), noExact);
    // a: 3 local days in every window holding its three buckets, the runs ending 03-05 .. 03-09
    expect(detections.map((d) => [d.entity!['source.ip'], d.windowStart, d.windowEnd])).toEqual([['10.0.0.1', '2026-02-26T00:00:00.000Z', '2026-03-09T00:00:00.000Z']]);
  });

  test('baseline: the latest window against the mean of the earlier ones', async () => {
    const r = { ...rule('AD-3'), baseline: { history: 14, ratio: 5, minCount: 10 } };
    const plan = windowPlan(r, T0, T0 + 24 * H);
    const hourly = (from: number, hours: number, n: number): Array<[number, Partial<Cell>]> => Array.from({ length: hours }, (_, i) => [from + i * H, { count: n }]);
    // 14 quiet days, 1 an hour (24 a day), then 30 in one hour: 30 + 23 >= 5 x (24 x 14 ...)? no; 200 in one hour: fires
    const steady = entity({ 'source.ip': '10.0.0.1' }, [...hourly(T0 - 14 * 24 * H, 14 * 24, 1), [T0 + 12 * H, { count: 30 }]]);
    const jump = entity({ 'source.ip': '10.0.0.2' }, [...hourly(T0 - 14 * 24 * H, 14 * 24, 1), [T0 + 12 * H, { count: 200 }]]);
    const fresh = entity({ 'source.ip': '10.0.0.3' }, [[T0 + 3 * H, { count: 9 }]]);
    const { detections } = await detectionsOf(r, plan, new Map([['s', steady], ['j', jump], ['f', fresh]]), noExact);
    expect([...new Set(detections.map((d) => d.entity!['source.ip']))]).toEqual(['10.0.0.2']);
  });

  test('a window that is not a multiple of the schedule is refused', async () => {
    const r = threshold({ windowMs: 50 * M });
    await expect(detectionsOf(r, windowPlan(r, T0, T0 + H), new Map(), noExact)).rejects.toThrow(/whole multiples of the schedule/);
  });
});

describe('prevalenceDetections: a prevalence rule judged at every run as its monitor judges it', () => {
  // PROXY-3: count >= 1 in 1 h every 15 m, fewer than 5 clients of the User-Agent in 7 days
  const r = rule('PROXY-3');
  const D = 24 * H;
  const block = 3.5 * D;
  const ua = (name: string) => ({ 'user_agent.original': name });
  const id = (name: string) => JSON.stringify([name]);
  /** atoms of events at these times, one event each */
  const atoms = (name: string, times: number[]): EntityBuckets => {
    const e: EntityBuckets = { keys: ua(name), buckets: new Map() };
    for (const t of times) {
      const k = atomOf(t, r.scheduleMs, 0);
      const c = e.buckets.get(k) ?? { count: 0, values: [0], upper: [0], days: new Set<string>() };
      c.count++;
      e.buckets.set(k, c);
    }
    return e;
  };
  /** an engine over events (group, client, time): block counts and spans computed from them, with the groups asked recorded */
  function engineOf(events: Array<[string, string, number]>, asked: { blocks: string[]; spans: string[] }): PrevalenceEngine {
    const blockOf = (t: number) => t - (((t % block) + block) % block);
    return {
      exact: async () => {
        throw new Error('no exact check expected');
      },
      blockClients: async (ids) => {
        asked.blocks.push(...ids);
        const out = new Map<string, Map<number, Set<string>>>();
        for (const [g, c, t] of events) {
          if (!ids.includes(id(g))) continue;
          const m = out.get(id(g)) ?? new Map<number, Set<string>>();
          out.set(id(g), m);
          m.set(blockOf(t), (m.get(blockOf(t)) ?? new Set()).add(c));
        }
        return new Map([...out].map(([k, m]) => [k, new Map([...m].map(([s, set]) => [s, set.size]))]));
      },
      clientSpans: async (ids) => {
        asked.spans.push(...ids);
        const out = new Map<string, Map<string, Map<number, [number, number]>>>();
        for (const [g, c, t] of events) {
          if (!ids.includes(id(g))) continue;
          const m = out.get(id(g)) ?? new Map<string, Map<number, [number, number]>>();
          out.set(id(g), m);
          const b = m.get(c) ?? new Map<number, [number, number]>();
          m.set(c, b);
          const [lo, hi] = b.get(blockOf(t)) ?? [t, t];
          b.set(blockOf(t), [Math.min(lo, t), Math.max(hi, t)]);
        }
        return out;
      },
    };
  }

  test('atoms: a run time\'s instant apart from the rest of its bucket', () => {
    expect(atomOf(T0, 15 * M, 0)).toBe(2 * T0);
    expect(atomOf(T0 + 1, 15 * M, 0)).toBe(2 * T0 + 1);
    expect(atomOf(T0 + 15 * M - 1, 15 * M, 0)).toBe(2 * T0 + 1);
    expect(atomOf(T0 + 7, 15 * M, 7)).toBe(2 * (T0 + 7));
  });

  test('a client is in a window closed at both ends when its first or last event of an edge block is', () => {
    const blocks = new Map<number, [number, number]>([[0, [10, 40]]]);
    expect(presentIn(blocks, 100, 40, 140)).toBe(true); // the block crosses the start; its last event is the start
    expect(presentIn(blocks, 100, 41, 141)).toBe(false);
    expect(presentIn(blocks, 100, -90, 10)).toBe(true); // across the end; its first event is the end
    expect(presentIn(blocks, 100, -91, 9)).toBe(false);
    expect(presentIn(blocks, 100, 0, 100)).toBe(true); // inside
  });

  test('the monitor\'s runs: a group fires while fewer than lt clients saw it in the 7 days, at both closed ends of its windows', async () => {
    const plan = windowPlan(r, T0, T0 + 2 * D);
    const events: Array<[string, string, number]> = [];
    // rare: one client, two events; fires in the runs whose [end - 1 h, end] holds one of them
    events.push(['rare', 'pc1', T0 + 2 * H], ['rare', 'pc1', T0 + 30 * H + 5 * M]);
    // common: 8 clients every day: never (settled by the block counts alone)
    for (let d = -8; d < 2; d++) for (let c = 0; c < 8; c++) events.push(['common', `pc${c}`, T0 + d * D + (10 + c) * H]);
    // fading: 4 clients once, exactly 7 days before a run (still counted then), and one client
    // at that run's instant: silent at that run (5 clients), fires at the next (1 client)
    const edge = T0 + 20 * H;
    for (let c = 2; c < 6; c++) events.push(['fading', `pc${c}`, edge - 7 * D]);
    events.push(['fading', 'pc1', edge]);
    const entities = new Map<string, EntityBuckets>();
    for (const g of ['rare', 'common', 'fading']) {
      const recent = events.filter(([x, , t]) => x === g && t >= plan.firstEnd - plan.window).map(([, , t]) => t);
      if (recent.length) entities.set(id(g), atoms(g, recent));
    }
    const asked = { blocks: [] as string[], spans: [] as string[] };
    const { detections, hits } = await prevalenceDetections(r, plan, entities, block, engineOf(events, asked));
    const iso = (t: number) => new Date(t).toISOString();
    expect(detections.map((d) => [d.entity!['user_agent.original'], d.windowStart, d.windowEnd, d.count])).toEqual([
      ['rare', iso(T0 + H), iso(T0 + 3 * H), 1],
      ['fading', iso(edge - 45 * M), iso(edge + H), 1],
      ['rare', iso(T0 + 29 * H + 15 * M), iso(T0 + 31 * H), 1],
    ]);
    expect(hits).toBe(3);
    expect(asked.blocks.sort()).toEqual([id('common'), id('fading'), id('rare')]);
    // only the group whose windows the block counts leave open is asked client by client
    expect(asked.spans).toEqual([id('fading')]);
  });
});

describe('runHunt: a check that errors is reported, the rest still run', () => {
  test('the squid searches fail', async () => {
    const conn = {
      url: 'http://fake',
      info: { engine: 'opensearch', version: '2.19.4', major: 2, clusterName: 'fake' },
      async request(_method: string, path: string) {
        if (path.includes('squid')) throw new Error('boom');
        return { status: 200, body: { hits: { total: { value: 0 }, hits: [] }, aggregations: { g: { buckets: [] } } } };
      },
      bulk: async () => ({ status: 200, body: {} }),
      close: async () => {},
    } as unknown as Connection;
    const result = await runHunt(conn, { from: 'now-1d', rules: ['PROXY-1', 'PROXY-4', 'DNS-1', 'G3'] });
    expect(result.checks.map((c) => [c.check, c.error])).toEqual([
      ['DNS-1', undefined],
      ['G3', undefined],
      ['PROXY-1', 'boom'],
      ['PROXY-4', 'boom'],
    ]);
    expect(exitCodeOf(result)).toBe(2);
  });
});

describe('table layout by display width', () => {
  test('wide characters count two columns, combining marks none', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('実行形式')).toBe(8);
    expect(displayWidth('ﾏﾙﾋ')).toBe(3); // halfwidth katakana
    expect(displayWidth('【マル秘】')).toBe(10);
    expect(displayWidth('ＡＢ')).toBe(4); // fullwidth forms
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('가')).toBe(2);
  });
  test('columns line up after Japanese cells, and a cut never splits a wide character', () => {
    const lines = layout(['a', 'b'], [['日本語', 'x'], ['abc', 'y']]);
    expect(lines.map((l) => displayWidth(l.slice(0, l.length - 1)))).toEqual([8, 8, 8, 8]);
    expect(truncate('通常と異なる端末', 7)).toBe('通常と…');
    expect(displayWidth(truncate('通常と異なる端末', 7))).toBeLessThanOrEqual(7);
  });
});
