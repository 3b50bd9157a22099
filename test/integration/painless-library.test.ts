import path from 'node:path';
import type { Connection } from '../../src/cluster/connection.js';
import { expandIncludes } from '../../src/content/painless.js';
import { adminConnection, ROOT } from '../harness/cluster.js';

/**
 * The Painless shared between pipelines (`pipelines/common/painless/*.painless`), tested once
 * here on the real engine: each case runs one library function inside an ingest script (the
 * context the pipelines use) through `_simulate`, and compares what it returns and writes.
 */

const conn: Connection = await adminConnection();
const PIPELINES = path.join(ROOT, 'pipelines');

/** runs `call` (a Painless expression over ctx.in and a scratch map t, or statements that set r) for each input; returns [result, t] per input */
async function run(library: string, call: string, inputs: unknown[], doc: (input: unknown) => Record<string, unknown> = (input) => ({ in: input })): Promise<Array<{ r: unknown; t: Record<string, unknown>; ctx: Record<string, unknown> }>> {
  const source = expandIncludes(`// @include common/painless/${library}.painless\nMap t = new HashMap(); def r = null; ${/\br = /.test(call) ? call : `r = ${call}`}; ctx.out = ['r': r, 't': t];`, PIPELINES, 'test');
  const res = await conn.request('POST', '/_ingest/pipeline/_simulate', {
    pipeline: { processors: [{ script: { lang: 'painless', source } }] },
    docs: inputs.map((input) => ({ _source: doc(input) })),
  });
  expect(res.status).toBe(200);
  return (res.body as { docs: Array<{ doc?: { _source: Record<string, any> }; error?: unknown }> }).docs.map((d) => {
    if (!d.doc) throw new Error(`script failed: ${JSON.stringify(d.error)}`);
    const { out, ...ctx } = d.doc._source;
    return { r: out.r, t: out.t, ctx };
  });
}

describe('text.painless', () => {
  it('isDigits and num2', async () => {
    const r = await run('text', "[isDigits(ctx.in, 3), num2(ctx.in, 1)]", ['123', '1234', '', '1a', '9', '07x']);
    expect(r.map((x) => x.r)).toEqual([[true, 23], [false, 23], [false, -1], [false, -1], [true, -1], [false, -1]]);
  });

  it('appendTo behaves as the append processor', async () => {
    const docs = await run('text', "appendTo(obj(ctx, 'related'), 'ip', '10.0.0.1'); r = 0", [0, 1, 2], (i) => (i === 0 ? {} : i === 1 ? { related: { ip: '10.0.0.9' } } : { related: { ip: ['10.0.0.9'] } }));
    expect(docs.map((d) => d.ctx.related)).toEqual([{ ip: ['10.0.0.1'] }, { ip: ['10.0.0.9', '10.0.0.1'] }, { ip: ['10.0.0.9', '10.0.0.1'] }]);
  });
});

describe('ip.painless', () => {
  it('takes what the ip field takes', async () => {
    const good = ['10.0.0.1', '255.255.255.255', '::1', '2001:db8::5', '1:2:3:4:5:6:7:8', '::ffff:192.0.2.1', 'fe80::1:2'];
    const bad = ['10.0.0.256', '10.0.0', '1.2.3.4.5', '1:2:3:4:5:6:7:8:', ':1:2', '1::2::3', 'g::1', '1:2:3:4:5:6:7', 'fe80::1%eth0', '', 'host.example'];
    const r = await run('ip', 'isIp(ctx.in)', [...good, ...bad]);
    expect(r.map((x) => x.r)).toEqual([...good.map(() => true), ...bad.map(() => false)]);
  });
});

describe('syslog.painless', () => {
  it('zoneOf takes the zone a shipper sent in event.timezone when it is one', async () => {
    const sent = [undefined, 'Asia/Tokyo', '+09:00', 'Z', '+00:00', 'JST+9', 'Mars/Olympus', 9];
    const r = await run('syslog', "zoneOf(ctx, 'UTC')", sent, (z) => (z === undefined ? {} : { event: { timezone: z } }));
    expect(r.map((x) => x.r)).toEqual(['UTC', 'Asia/Tokyo', '+09:00', 'Z', '+00:00', 'UTC', 'UTC', 'UTC']);
  });

  it('reads a syslog header: priority, BSD or RFC 3339 time, host, program and pid', async () => {
    const lines = [
      'Nov 26 09:00:02 dns1 named[812]: client @0x7f 10.0.0.5#5353 (a.example): query: a.example IN A + (10.0.0.53)',
      'Nov  6 09:00:02 mx1 postfix/smtpd[1234]: connect from unknown[192.0.2.9]',
      '<13>Nov 26 09:00:02.123 fw1 ns5gt: NetScreen device_id=ns5gt  [Root]system-notification-00257(traffic):',
      '2026-11-26T09:00:27.466331+09:00 dns1 named[812]: zone example/IN: loaded',
      '<30>2026-11-26T00:00:27Z proxy1 squid: 1764115200.123 5 10.0.0.7 TCP_MISS/200 1 GET http://a/ - HIER_DIRECT/1.2.3.4 text/html',
      'Nov 26 09:00:02 mx1 postfix/qmgr[0123]: pid starting with 0',
      'Nov 32 09:00:02 mx1 postfix/qmgr[12]: day 32',
      'Nov 26 24:00:02 mx1 postfix/qmgr[12]: hour 24',
      'client @0x7f 10.0.0.5#5353 (a.example): query: a.example IN A +',
      '<192>Nov 26 09:00:02 h p: priority over 191',
      'Nov 26 09:00:02 h p:',
    ];
    const r = await run('syslog', 'syslogHeader(ctx.in, t)', lines);
    const body = (i: number) => (r[i]!.r as number) < 0 ? null : lines[i]!.slice(r[i]!.r as number);
    expect(body(0)).toBe('client @0x7f 10.0.0.5#5353 (a.example): query: a.example IN A + (10.0.0.53)');
    expect(r[0]!.t).toEqual({ syslog_ts: 'Nov 26 09:00:02', hostname: 'dns1', appname: 'named', procid: '812' });
    expect(body(1)).toBe('connect from unknown[192.0.2.9]');
    expect(r[1]!.t).toEqual({ syslog_ts: 'Nov  6 09:00:02', hostname: 'mx1', appname: 'postfix/smtpd', procid: '1234' });
    expect(body(2)).toBe('NetScreen device_id=ns5gt  [Root]system-notification-00257(traffic):');
    expect(r[2]!.t).toEqual({ priority: 13, syslog_ts: 'Nov 26 09:00:02.123', hostname: 'fw1', appname: 'ns5gt' });
    expect(body(3)).toBe('zone example/IN: loaded');
    expect(r[3]!.t).toEqual({ iso_ts: '2026-11-26T09:00:27.466331+09:00', hostname: 'dns1', appname: 'named', procid: '812' });
    expect(r[4]!.t).toMatchObject({ priority: 30, iso_ts: '2026-11-26T00:00:27Z', hostname: 'proxy1', appname: 'squid' });
    expect(r.slice(5).map((x) => x.r)).toEqual([-1, -1, -1, -1, -1, 20]);
  });

  it('reads a program prefix alone (a shipper took the time and host off)', async () => {
    const r = await run('syslog', 'programPrefix(ctx.in, 0, t)', ['postfix/smtpd[1234]: connect from x', 'named[1]: x', 'named: x', 'named x: y', 'named[]: x']);
    expect(r.map((x) => x.r)).toEqual([21, 10, 7, -1, -1]);
    expect(r[0]!.t).toEqual({ appname: 'postfix/smtpd', procid: '1234' });
  });

  it('gives a BSD time stamp its year from the shipper time, one year back across New Year', async () => {
    const r = await run('syslog', "bsdTimeText(ctx.in, ZonedDateTime.parse('2027-01-01T00:10:00+09:00'), null, 'Asia/Tokyo')", [
      'Dec 31 23:59:59',
      'Jan  1 00:09:00',
      'Jan  2 00:00:00',
      'Jan  3 00:00:00.5',
      'Feb 29 12:00:00',
    ]);
    expect(r.map((x) => x.r)).toEqual(['2026-12-31T23:59:59.000+09:00', '2027-01-01T00:09:00.000+09:00', '2027-01-02T00:00:00.000+09:00', '2026-01-03T00:00:00.500+09:00', '2024-02-29T12:00:00.000+09:00']);
  });

  it('parseTime reads what ZonedDateTime.parse reads, alike; isoText writes what the formatter writes', async () => {
    const texts = ['2026-11-26T09:00:27Z', '2026-11-26T09:00:27.5+09:00', '2026-11-26T09:00:27.123456789-03:30', '2026-01-01T00:00:00.000Z', '2026-11-26T09:00:27+0900', '2026-02-30T09:00:27Z', '2026-11-26T09:00:27.1234567891Z', '2026-11-26T09:00:27[Asia/Tokyo]', '2026-11-26T09:00:27+09:00[Asia/Tokyo]', '0999-11-26T09:00:27Z', 'x'];
    const call = `def a; def b;
      try { ZonedDateTime z = parseTime(ctx.in); a = [z.toString(), isoText(z)]; } catch (Exception e) { a = 'error'; }
      try { ZonedDateTime z = ZonedDateTime.parse(ctx.in); b = [z.toString(), DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").format(z)]; } catch (Exception e) { b = 'error'; }
      r = [a, b]`;
    const r = await run('syslog', call, texts);
    for (const [i, x] of r.entries()) expect({ text: texts[i], r: (x.r as unknown[])[0] }).toEqual({ text: texts[i], r: (x.r as unknown[])[1] });
    expect(r.filter((x) => (x.r as unknown[])[0] !== 'error').length).toBeGreaterThanOrEqual(6);
  });

  it('shows an RFC 3339 time stamp in the profile zone', async () => {
    const r = await run('syslog', "isoTimeText(ctx.in, 'Asia/Tokyo')", ['2026-11-26T00:00:27.466331Z', '2026-02-30T00:00:00Z']);
    expect(r.map((x) => x.r)).toEqual(['2026-11-26T09:00:27.466+09:00', null]);
  });

  it('takes the header a shipper sent as fields, in each shipper shape', async () => {
    const shapes: Array<Record<string, unknown>> = [
      // Filebeat syslog input / Elastic Agent
      { '@timestamp': '2026-11-26T00:00:02.000Z', message: 'body', log: { syslog: { appname: 'named', hostname: 'dns1', procid: '812', priority: 30 } } },
      // an ECS-minded shipper
      { '@timestamp': '2026-11-26T00:00:02.000Z', message: 'body', process: { name: 'named', pid: 812 }, host: { hostname: 'dns1' } },
      // Filebeat journald input
      { '@timestamp': '2026-11-26T00:00:02.000Z', message: 'body', syslog: { identifier: 'named', pid: '812', facility: 3 }, host: { hostname: 'dns1' } },
      // rsyslog JSON template
      { timestamp: '2026-11-26T09:00:02+09:00', host: 'dns1', programname: 'named', procid: '812', syslogtag: 'named[812]:', msg: 'body' },
      // Fluent Bit syslog parser
      { '@timestamp': '2026-11-26T00:00:02.000Z', host: 'dns1', ident: 'named', pid: '812', pri: '30', message: 'body' },
      // journald's JSON export
      { __REALTIME_TIMESTAMP: '1764115202000000', _HOSTNAME: 'dns1', SYSLOG_IDENTIFIER: 'named', _PID: '812', MESSAGE: 'body' },
      // rsyslog with the tag alone
      { '@timestamp': '2026-11-26T00:00:02.000Z', hostname: 'dns1', tag: 'named[812]:', message: 'body' },
      // nothing of a header
      { '@timestamp': '2026-11-26T00:00:02.000Z', message: 'body' },
    ];
    const r = await run('syslog', 'shipperHeader(ctx, t)', shapes.map((_, i) => i), (i) => shapes[i as number]!);
    for (const x of r.slice(0, 7)) {
      expect(x.r).toBe(true);
      expect(x.t).toMatchObject({ appname: 'named', hostname: 'dns1', procid: '812', shipped_header: true });
      expect(x.ctx.message).toBe('body');
      expect(x.ctx['@timestamp']).toBeDefined();
      for (const k of ['programname', 'procid', 'syslogtag', 'ident', 'pid', 'pri', 'MESSAGE', 'msg', '_HOSTNAME', 'SYSLOG_IDENTIFIER', '_PID', 'hostname', 'tag', 'syslog', '__REALTIME_TIMESTAMP', 'timestamp']) expect(x.ctx).not.toHaveProperty([k]);
      expect(typeof (x.ctx.host ?? {})).toBe('object');
    }
    expect(r[0]!.t.priority).toBe(30);
    expect(r[4]!.t.priority).toBe(30);
    expect(r[5]!.ctx['@timestamp']).toBe('2025-11-26T00:00:02Z');
    expect(r[3]!.ctx['@timestamp']).toBe('2026-11-26T09:00:02+09:00');
    expect(r[7]!.r).toBe(false);
    expect(r[7]!.t).toEqual({ shipped_header: false });
  });
  it("takes a shipper's header for a source that writes it as from the line, and leaves a file's host alone", async () => {
    const shapes: Array<Record<string, unknown>> = [
      // Filebeat syslog input: log.syslog goes whole (facility and severity too)
      { message: 'body', log: { syslog: { appname: 'squid', hostname: 'proxy1', procid: '77', priority: 30, facility: { code: 3 } }, file: { path: '/x' } } },
      // an ECS-minded shipper: process and host.hostname were the header
      { message: 'body', process: { name: 'squid', pid: 77, title: 'x' }, host: { hostname: 'proxy1', name: 'proxy1' } },
      // the header's host in log.syslog: host.* (the collector) stays
      { message: 'body', log: { syslog: { appname: 'squid', hostname: 'fw1' } }, host: { hostname: 'collector' } },
      // a log file shipped by Filebeat: a host, no program
      { message: 'body', host: { hostname: 'proxy1', name: 'proxy1' }, log: { file: { path: '/var/log/squid/access.log' } } },
    ];
    const r = await run('syslog', 'takeShipperHeader(ctx, t)', shapes.map((_, i) => i), (i) => shapes[i as number]!);
    expect(r.map((x) => x.r)).toEqual([true, true, true, false]);
    expect(r[0]!.t).toMatchObject({ appname: 'squid', hostname: 'proxy1', procid: '77', priority: 30 });
    expect(r[0]!.ctx.log).toEqual({ file: { path: '/x' } });
    expect(r[1]!.ctx.process).toEqual({ title: 'x' });
    expect(r[1]!.ctx.host).toEqual({ name: 'proxy1' });
    expect(r[2]!.ctx.host).toEqual({ hostname: 'collector' });
    expect(r[2]!.ctx.log).toBeUndefined();
    expect(r[3]!.ctx.host).toEqual({ hostname: 'proxy1', name: 'proxy1' });
    expect(r[3]!.ctx.log).toEqual({ file: { path: '/var/log/squid/access.log' } });
  });
  it('takes the zone sent with a line when ZoneId.of takes it, else the fallback', async () => {
    const events: unknown[] = [{ timezone: 'Asia/Tokyo' }, { timezone: '+00:00' }, { timezone: 'Z' }, { timezone: 'Mars/Olympus' }, { timezone: '' }, { timezone: 9 }, {}, 'not a map'];
    const r = await run('syslog', "zoneOf(ctx, 'Asia/Tokyo')", events.map((_, i) => i), (i) => ({ event: events[i as number] }));
    expect(r.map((x) => x.r)).toEqual(['Asia/Tokyo', '+00:00', 'Z', 'Asia/Tokyo', 'Asia/Tokyo', 'Asia/Tokyo', 'Asia/Tokyo', 'Asia/Tokyo']);
  });
  it('writes a time as the date processor does, without a formatter (isoMillis)', async () => {
    const times = ['2015-02-16T09:40:02.5+09:00', '2015-02-16T00:40:02Z', '2015-12-31T23:59:59.999-05:30', '0999-01-01T00:00:00Z', '1880-01-01T00:00:00+09:18:59', '2026-03-03T03:04:05.007+00:00'];
    const r = await run('syslog', 'isoMillis(OffsetDateTime.parse(ctx.in))', times);
    expect(r.map((x) => x.r)).toEqual(['2015-02-16T09:40:02.500+09:00', '2015-02-16T00:40:02.000Z', '2015-12-31T23:59:59.999-05:30', null, null, '2026-03-03T03:04:05.007Z']);
  });

  it('gives the header fields of a shipped line and moves a body sent as msg to event.original', async () => {
    const docs: Array<Record<string, unknown>> = [
      { programname: 'squid', hostname: 'proxy1', procid: '7', pri: '30', msg: '  1424221299.090 452 ...' },
      { event: { original: 'NetScreen device_id=fw1 ...' }, log: { syslog: { appname: 'fw1', hostname: '192.0.2.1' } } },
      { event: { original: 'a line' }, host: { hostname: 'collector' } },
    ];
    const r = await run('syslog', 'shipperHeaderFields(ctx)', docs.map((_, i) => i), (i) => docs[i as number]!);
    expect(r.map((x) => x.r)).toEqual([{ appname: 'squid', hostname: 'proxy1', procid: '7', priority: 30 }, { appname: 'fw1', hostname: '192.0.2.1' }, null]);
    expect(r[0]!.ctx).toEqual({ event: { original: '1424221299.090 452 ...' } });
    expect(r[1]!.ctx).toEqual({ event: { original: 'NetScreen device_id=fw1 ...' } });
    expect(r[2]!.ctx).toEqual({ event: { original: 'a line' }, host: { hostname: 'collector' } });
  });
});

describe('final.painless', () => {
  // what jpcert-common-final does (pipelines/common/final.yml), for a fast path that skips it
  it('finishDocument sets event.ingested and a missing @timestamp, removes _tmp and repeats in related.*', async () => {
    const now = '2026-12-03T01:02:03.456789Z';
    const docs = await run('final', "finishDocument(ctx, ctx.in); r = 0", [now, now, null], (input) => ({
      in: input,
      event: { kind: 'event' },
      _tmp: { now },
      ...(input === null ? {} : { related: { ip: ['10.0.0.1', '10.0.0.2', '10.0.0.1'], user: [], hosts: ['a'], hash: 'x' } }),
    }));
    expect(docs[0]!.ctx).toEqual({ in: now, event: { kind: 'event', ingested: now }, '@timestamp': now, related: { ip: ['10.0.0.1', '10.0.0.2'], hosts: ['a'], hash: 'x' } });
    // without the time nothing is done: the source pipeline then calls jpcert-common-final
    expect(docs[2]!.ctx).toEqual({ in: null, event: { kind: 'event' }, _tmp: { now } });
  });

  it('gives what jpcert-common-final gives', async () => {
    const source = { event: { kind: 'event' }, '@timestamp': '2026-11-26T09:00:00.000+09:00', _tmp: { x: 1 }, related: { ip: ['10.0.0.1', '10.0.0.1'], user: ['u', 'v'] } };
    const script = expandIncludes("// @include common/painless/final.painless\nfinishDocument(ctx, ctx._tmp.now);", PIPELINES, 'test');
    const res = await conn.request('POST', '/_ingest/pipeline/_simulate', {
      pipeline: { processors: [{ convert: { field: '_ingest.timestamp', target_field: '_tmp.now', type: 'string' } }, { script: { lang: 'painless', source: script } }] },
      docs: [{ _source: source }],
    });
    const viaFinal = await conn.request('POST', '/_ingest/pipeline/_simulate', { pipeline: { processors: [{ pipeline: { name: 'jpcert-common-final' } }] }, docs: [{ _source: source }] });
    const docs = [res, viaFinal].map((r) => (r.body as { docs: Array<{ doc: { _source: Record<string, any> } }> }).docs[0]!.doc._source);
    for (const d of docs) d.event.ingested = typeof d.event.ingested === 'string' ? '<ingest time>' : d.event.ingested;
    expect(docs[0]).toEqual(docs[1]);
    expect(docs[0]).toEqual({ event: { kind: 'event', ingested: '<ingest time>' }, '@timestamp': '2026-11-26T09:00:00.000+09:00', related: { ip: ['10.0.0.1'], user: ['u', 'v'] } });
  });
});

