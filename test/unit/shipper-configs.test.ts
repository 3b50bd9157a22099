import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { PACK_ROOT } from '../../src/paths.js';
import { loadRules } from '../../src/rules/load.js';

/**
 * The shipper configurations under shippers/ that cannot run here (Filebeat, Winlogbeat,
 * Fluent Bit: no such program on the test machine) are checked for what can be checked
 * without them: they parse, every input reaches a data stream the pack has
 * (`logs-jpcert.<source>-<namespace>` with a folder under pipelines/), the line travels as
 * `message` and a file's path as log.file.path (what the pipelines' fixtures send, see
 * their `-config.yml` fields), nothing names a pipeline other than the source's own, and
 * writes are `create`. The rsyslog configuration runs for real in
 * test/integration/rsyslog-live-path.test.ts; here only its names are checked.
 */

const SHIPPERS = path.join(PACK_ROOT, 'shippers');
const SOURCES = readdirSync(path.join(PACK_ROOT, 'pipelines'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'common')
  .map((d) => d.name);
const DATA_STREAM = /^logs-jpcert\.([a-z]+)-default$/;
const yamlOf = (file: string) => YAML.parse(readFileSync(path.join(SHIPPERS, file), 'utf8')) as Record<string, any>;

/** the source a data stream name belongs to, or a message saying why it is not one of the pack's */
function sourceOf(index: unknown, where: string): string {
  const m = typeof index === 'string' ? DATA_STREAM.exec(index) : null;
  if (!m) throw new Error(`${where}: index ${JSON.stringify(index)} is not logs-jpcert.<source>-default`);
  if (!SOURCES.includes(m[1]!)) throw new Error(`${where}: ${index} names no source of the pack (pipelines/: ${SOURCES.join(', ')})`);
  return m[1]!;
}

describe('Filebeat', () => {
  const fb = yamlOf('filebeat/filebeat.yml');
  const inputs = fb['filebeat.inputs'] as Array<Record<string, any>>;

  test('every input is a filestream into a data stream of its own source, ids unique', () => {
    expect(inputs.map((i) => sourceOf(i.index, `filebeat input ${i.id}`)).sort()).toEqual(['bind', 'netscreen', 'postfix', 'squid']);
    expect(new Set(inputs.map((i) => i.id)).size).toBe(inputs.length);
    for (const i of inputs) expect({ id: i.id, type: i.type, paths: Array.isArray(i.paths) && i.paths.length > 0 }).toEqual({ id: i.id, type: 'filestream', paths: true });
  });

  test('the line stays whole in message: no parser, processor or pipeline of Filebeat reshapes it', () => {
    for (const i of inputs) expect({ id: i.id, parsers: i.parsers, processors: i.processors, pipeline: i.pipeline }).toEqual({ id: i.id });
    expect(fb.processors).toEqual([{ add_locale: null }]);
    const out = fb['output.elasticsearch'];
    expect(out.pipeline).toBeUndefined();
    expect(out.hosts.every((h: string) => h.startsWith('https://'))).toBe(true);
    expect(out['ssl.certificate_authorities']).toHaveLength(1);
    expect(fb['setup.template.enabled']).toBe(false);
    expect(fb['setup.ilm.enabled']).toBe(false);
  });
});

describe('Winlogbeat', () => {
  const wb = yamlOf('winlogbeat/winlogbeat.yml');

  test('Security goes to the windows data stream through the pack pipeline', () => {
    const out = wb['output.elasticsearch'];
    expect(sourceOf(out.index, 'winlogbeat output')).toBe('windows');
    expect(out.pipeline).toBe('jpcert-windows');
    expect(out.hosts.every((h: string) => h.startsWith('https://'))).toBe(true);
    expect(wb['winlogbeat.event_logs'].map((l: { name: string }) => l.name)).toEqual(['Security']);
  });

  test('its event ids include every event code a rule on the windows source uses', () => {
    const ids = String(wb['winlogbeat.event_logs'][0].event_id).split(',').map((s) => s.trim());
    // Windows takes at most 22 ids in one query (Winlogbeat's documented limit)
    expect(ids.length).toBeLessThanOrEqual(22);
    const codes = new Set<string>();
    const walk = (o: unknown): void => {
      if (Array.isArray(o)) o.forEach(walk);
      else if (o && typeof o === 'object')
        for (const [k, v] of Object.entries(o)) {
          if (k === 'event.code' && (typeof v === 'string' || typeof v === 'number')) codes.add(String(v));
          else if (k === 'event.code' && Array.isArray(v)) v.forEach((x) => codes.add(String(x)));
          else walk(v);
        }
    };
    for (const { rule } of loadRules(PACK_ROOT)) if ((rule.logic.sources as string[]).includes('windows')) walk(rule.logic);
    expect(codes.size).toBeGreaterThanOrEqual(10);
    expect([...codes].filter((c) => !ids.includes(c))).toEqual([]);
  });
});

describe('Fluent Bit', () => {
  const fl = yamlOf('fluent-bit/fluent-bit.yaml');
  const { inputs, filters, outputs } = fl.pipeline as Record<string, Array<Record<string, any>>>;

  test('every input tag reaches exactly one output, which writes with create to a data stream of that source', () => {
    for (const i of inputs!) {
      const matching = outputs!.filter((o) => o.match === i.tag);
      expect({ tag: i.tag, outputs: matching.length }).toEqual({ tag: i.tag, outputs: 1 });
      expect(`jpcert.${sourceOf(matching[0]!.index, `fluent-bit output ${matching[0]!.match}`)}`).toBe(i.tag);
    }
    for (const o of outputs!) {
      expect({ match: o.match, write_operation: o.write_operation, suppress_type_name: o.suppress_type_name, tls: o.tls, verify: o['tls.verify'], pipeline: o.pipeline, time_key: o.time_key })
        .toEqual({ match: o.match, write_operation: 'create', suppress_type_name: 'on', tls: 'on', verify: 'on', time_key: '@timestamp' });
    }
  });

  test('the line travels as message, a file path as log.file.path', () => {
    const parsers = Object.fromEntries((fl.parsers as Array<Record<string, string>>).map((p) => [p.name, p]));
    for (const i of inputs!) {
      if (i.name === 'syslog') {
        // the parser keeps the whole line, header included, under message
        const p = parsers[i.parser]!;
        expect(p.format).toBe('regex');
        expect(new RegExp(p.regex!).exec('<134>fw1: NetScreen device_id=fw1 x')?.groups).toEqual({ message: '<134>fw1: NetScreen device_id=fw1 x' });
        expect(p.time_key).toBeUndefined();
      } else {
        expect({ name: i.name, key: i.key }).toEqual({ name: 'tail', key: 'message' });
        // nest the path key under file, then file under log
        let record: Record<string, unknown> = { message: 'line', [i.path_key]: '/var/log/squid/access.log' };
        for (const f of filters!.filter((x) => x.match === i.tag)) {
          expect({ name: f.name, operation: f.operation }).toEqual({ name: 'nest', operation: 'nest' });
          const { [f.wildcard]: moved, ...rest } = record;
          record = { ...rest, [f.nest_under]: { [f.wildcard]: moved } };
        }
        expect(record).toEqual({ message: 'line', log: { file: { path: '/var/log/squid/access.log' } } });
      }
    }
  });
});

describe('rsyslog (names only; it runs in the integration test)', () => {
  const conf = readFileSync(path.join(SHIPPERS, 'rsyslog', 'jpcert.conf'), 'utf8');

  test('every source it routes to is a source of the pack, and the host table is valid', () => {
    const routed = [...conf.matchAll(/set \$\.source = "([a-z]+)"/g)].map((m) => m[1]!);
    expect([...new Set(routed)].sort()).toEqual(['bind', 'netscreen', 'postfix', 'squid']);
    const table = JSON.parse(readFileSync(path.join(SHIPPERS, 'rsyslog', 'jpcert-hosts.json'), 'utf8'));
    expect({ version: table.version, type: table.type, nomatch: table.nomatch }).toEqual({ version: 1, type: 'string', nomatch: '' });
  });

  test('every setting it reads is in the example environment file', () => {
    const read = new Set([...conf.matchAll(/`echo \$(JPCERT_[A-Z_]+)`|getenv\("(JPCERT_[A-Z_]+)"\)/g)].map((m) => m[1] ?? m[2]!));
    const example = readFileSync(path.join(SHIPPERS, 'rsyslog', 'jpcert.env.example'), 'utf8');
    const given = new Set([...example.matchAll(/^#?(JPCERT_[A-Z_]+)=/gm)].map((m) => m[1]!));
    expect([...read].filter((k) => !given.has(k))).toEqual([]);
    expect([...given].filter((k) => !read.has(k))).toEqual([]);
  });
});
