import { EcsFlat } from '@elastic/ecs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadDesiredObjects } from '../../src/content/load.js';
import { DEFAULT_PROFILE } from '../../src/content/profile.js';
import { readFields, sourceNames } from '../../src/content/sources.js';
import { PACK_ROOT } from '../../src/paths.js';

/**
 * Every field a pipeline emits (as recorded in its expected fixture output) is mapped: by the
 * ECS base or by the source's one field list, pipelines/<source>/fields.yml (from which its
 * component template is generated, so the two cannot disagree); a field of the pack's own is
 * described there; categorisation fields use ECS allowed values; ECS fields have ECS types.
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

const sources = sourceNames(PIPELINES);

function declared(source: string): Map<string, string> {
  return new Map(readFields(PIPELINES, source).map((f) => [f.name, f.type]));
}

/** the leaves the ECS base component template maps */
const BASE = mappingLeaves(
  (YAML.parse(readFileSync(path.join(PACK_ROOT, 'mappings', 'component', 'ecs-base.yml'), 'utf8')) as { template: { mappings: { properties: Record<string, unknown> } } }).template.mappings.properties,
);

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

  test('emits only fields its field list or the ECS base maps', () => {
    // a declared `object` field (e.g. winlog.event_data) covers what lies under it
    const objects = [...custom].filter(([, type]) => type === 'object').map(([name]) => `${name}.`);
    const unmapped = [...fields.keys()].filter((f) => !BASE.has(f) && !custom.has(f) && !objects.some((o) => f.startsWith(o))).sort();
    expect(unmapped).toEqual([]);
  });

  test('describes every field of its own; lists no field the ECS base maps already', () => {
    const list = readFields(PIPELINES, source);
    expect(list.filter((f) => !ECS[f.name] && !f.description).map((f) => f.name)).toEqual([]);
    expect(list.filter((f) => BASE.has(f.name)).map((f) => f.name)).toEqual([]);
  });

  test('maps ECS fields with ECS types', () => {
    const wrong = readFields(PIPELINES, source).filter((f) => ECS[f.name] && !(COMPATIBLE[ECS[f.name]!.type] ?? [ECS[f.name]!.type]).includes(f.type));
    expect(wrong.map((f) => `${f.name}: ${f.type}, ECS says ${ECS[f.name]!.type}`)).toEqual([]);
  });

  test('its component template is its field list', () => {
    const template = loadDesiredObjects(PACK_ROOT, DEFAULT_PROFILE).find((o) => o.kind === 'component_template' && o.name === `jpcert-${source}`)!;
    const leaves = mappingLeaves((template.body as { template: { mappings: { properties: Record<string, unknown> } } }).template.mappings.properties);
    expect([...leaves].sort()).toEqual([...custom].sort());
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

test('the ECS base maps ECS fields with ECS types', () => {
  const wrong = [...BASE].filter(([name, type]) => ECS[name] && !(COMPATIBLE[ECS[name]!.type] ?? [ECS[name]!.type]).includes(type));
  expect(wrong.map(([n, t]) => `${n}: ${t}, ECS says ${ECS[n]!.type}`)).toEqual([]);
});
