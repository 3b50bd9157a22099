import { EcsFlat } from '@elastic/ecs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { PACK_ROOT } from '../../src/paths.js';

/**
 * Every field a pipeline emits (as recorded in its expected fixture output) is an ECS field
 * or one the source declares in pipelines/<source>/_dev/fields.yml; categorisation fields
 * use ECS allowed values; and the component templates map ECS fields with ECS types.
 */

type EcsField = { type: string; allowed_values?: Array<{ name: string }> };
const ECS = EcsFlat as unknown as Record<string, EcsField>;
const PIPELINES = path.join(PACK_ROOT, 'pipelines');

function flatten(value: unknown, prefix = '', out = new Map<string, unknown[]>()): Map<string, unknown[]> {
  if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object')) {
    for (const v of value) flatten(v, prefix, out);
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, [...(out.get(prefix) ?? []), ...(Array.isArray(value) ? value : [value])]);
  }
  return out;
}

const sources = readdirSync(PIPELINES).filter((s) => existsSync(path.join(PIPELINES, s, '_dev', 'test')));

function declared(source: string): Map<string, string> {
  const file = path.join(PIPELINES, source, '_dev', 'fields.yml');
  if (!existsSync(file)) return new Map();
  return new Map((YAML.parse(readFileSync(file, 'utf8')) as Array<{ name: string; type: string }>).map((f) => [f.name, f.type]));
}

function emitted(source: string): Map<string, unknown[]> {
  const dir = path.join(PIPELINES, source, '_dev', 'test');
  const all = new Map<string, unknown[]>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('-expected.json'))) {
    for (const doc of JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as unknown[]) {
      for (const [k, v] of flatten(doc)) all.set(k, [...(all.get(k) ?? []), ...v]);
    }
  }
  return all;
}

test('there are sources with fixtures', () => {
  expect(sources.length).toBeGreaterThan(0);
});

describe.each(sources)('%s', (source) => {
  const fields = emitted(source);
  const custom = declared(source);

  test('emits only ECS fields and declared custom fields', () => {
    // a declared `object` field (e.g. winlog.event_data) covers what lies under it
    const objects = [...custom].filter(([, type]) => type === 'object').map(([name]) => `${name}.`);
    const unknown = [...fields.keys()].filter((f) => !ECS[f] && !custom.has(f) && !objects.some((o) => f.startsWith(o))).sort();
    expect(unknown).toEqual([]);
  });

  test('declares no custom field that shadows ECS', () => {
    expect([...custom.keys()].filter((f) => ECS[f])).toEqual([]);
  });

  test('uses ECS allowed values for event.kind, category, type and outcome', () => {
    for (const f of ['event.kind', 'event.category', 'event.type', 'event.outcome']) {
      const allowed = new Set((ECS[f]!.allowed_values ?? []).map((a) => a.name));
      const bad = [...new Set(fields.get(f) ?? [])].filter((v) => !allowed.has(String(v)));
      expect({ field: f, bad }).toEqual({ field: f, bad: [] });
    }
  });
});

/** ECS type -> mapping types that carry the same meaning on both engines. */
const COMPATIBLE: Record<string, string[]> = {
  match_only_text: ['match_only_text', 'text'],
  constant_keyword: ['keyword', 'constant_keyword'],
  wildcard: ['wildcard', 'keyword'],
  flattened: ['flat_object', 'flattened'],
  scaled_float: ['scaled_float', 'float', 'double'],
};

function mappingLeaves(props: Record<string, any>, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(props)) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (v.properties) mappingLeaves(v.properties, name, out);
    else if (v.type) out.set(name, v.type);
  }
  return out;
}

const components = readdirSync(path.join(PACK_ROOT, 'mappings', 'component')).filter((f) => f.endsWith('.yml'));
test.each(components)('mappings/component/%s maps ECS fields with ECS types', (file) => {
  const doc = YAML.parse(readFileSync(path.join(PACK_ROOT, 'mappings', 'component', file), 'utf8')) as { template: { mappings?: { properties?: Record<string, unknown> } } };
  const leaves = mappingLeaves(doc.template.mappings?.properties ?? {});
  const wrong = [...leaves].filter(([name, type]) => {
    const ecs = ECS[name];
    if (!ecs) return false;
    return !(COMPATIBLE[ecs.type] ?? [ecs.type]).includes(type);
  });
  expect(wrong.map(([n, t]) => `${n}: ${t}, ECS says ${ECS[n]!.type}`)).toEqual([]);
});
