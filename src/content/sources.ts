import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ContentError } from '../errors.js';

/**
 * A log source is a folder `pipelines/<source>/` with a `manifest.yml` (its title and the
 * constant fields every document of it carries), a `fields.yml` (every field its pipelines
 * write beyond the ECS base: the one list its mapping is generated from), its pipelines, and
 * its fixtures and benchmark corpus under `_dev/`. What all sources share stays in
 * `mappings/`: the ECS base, the settings and the index template's shape.
 */

export interface SourceManifest {
  /** the folder name: bind, netscreen, postfix, squid, windows */
  name: string;
  title: string;
  /** field (dotted) -> value, set on every document, a failed line's too */
  constants: Record<string, string>;
}

export interface FieldSpec {
  name: string;
  type: string;
  description?: string;
  /** any other mapping parameter (index, doc_values, ignore_above, ...) */
  [param: string]: unknown;
}

/** The folders of `pipelines/` that are log sources (have a manifest), sorted. */
export function sourceNames(pipelinesDir: string): string[] {
  if (!existsSync(pipelinesDir)) return [];
  return readdirSync(pipelinesDir)
    .filter((d) => statSync(path.join(pipelinesDir, d)).isDirectory() && existsSync(path.join(pipelinesDir, d, 'manifest.yml')))
    .sort();
}

export function readManifest(pipelinesDir: string, name: string): SourceManifest {
  const file = path.join(pipelinesDir, name, 'manifest.yml');
  const doc = YAML.parse(readFileSync(file, 'utf8')) as Partial<SourceManifest> | null;
  if (!doc || typeof doc.title !== 'string') throw new ContentError(`${file}: needs a title`);
  const constants = doc.constants ?? {};
  for (const [k, v] of Object.entries(constants)) {
    if (typeof v !== 'string') throw new ContentError(`${file}: constants.${k} must be a text`);
  }
  return { name, title: doc.title, constants };
}

/** The field list of a source, checked: a name and a type each, no name twice, no field inside another. */
export function readFields(pipelinesDir: string, name: string): FieldSpec[] {
  const file = path.join(pipelinesDir, name, 'fields.yml');
  if (!existsSync(file)) throw new ContentError(`${file}: missing`, 'every source lists the fields its pipelines write in fields.yml');
  const list = YAML.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(list)) throw new ContentError(`${file}: must be a list of fields`);
  const seen = new Set<string>();
  for (const [i, f] of (list as FieldSpec[]).entries()) {
    if (!f || typeof f.name !== 'string' || typeof f.type !== 'string') throw new ContentError(`${file}: entry ${i + 1} needs a name and a type`);
    if (seen.has(f.name)) throw new ContentError(`${file}: ${f.name} is listed twice`);
    seen.add(f.name);
  }
  for (const n of seen) {
    const parent = n.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.')).find((p) => seen.has(p));
    if (parent) throw new ContentError(`${file}: ${n} is inside ${parent}, which is listed as a field of its own`);
  }
  return list as FieldSpec[];
}

/** The mapping properties a field list gives: `a.b.c` as properties.a.properties.b.properties.c. */
export function mappingOf(fields: FieldSpec[]): Record<string, unknown> {
  const properties: Record<string, any> = {};
  for (const { name, description: _description, ...params } of fields) {
    const parts = name.split('.');
    let node = properties;
    for (const p of parts.slice(0, -1)) {
      node[p] ??= { properties: {} };
      node = node[p].properties;
    }
    node[parts[parts.length - 1]!] = params;
  }
  return properties;
}

/** `${source.name}` and `${source.title}` in every text of value. */
export function fillSource(value: unknown, source: SourceManifest): unknown {
  if (typeof value === 'string') return value.replace(/\$\{source\.(name|title)\}/g, (_, k: 'name' | 'title') => source[k]);
  if (Array.isArray(value)) return value.map((v) => fillSource(v, source));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillSource(v, source)]));
  return value;
}

/**
 * The one `on_failure` block of every source's router (`on_failure: !on_failure`, or
 * `!on_failure { first: [processors] }` for what a source must do before the rest): the line
 * is kept, marked `event.kind: pipeline_error`, with the source's constants, an
 * `error.message` naming the processor type, its tag and the pipeline, a time stamp (data
 * streams refuse documents without one) and the common last step.
 */
export function onFailureBlock(source: SourceManifest, pipeline: string, first: unknown[] = []): unknown[] {
  return [
    { set: { tag: 'set_pipeline_error_kind', field: 'event.kind', value: 'pipeline_error' } },
    ...first,
    ...Object.entries(source.constants).map(([field, value]) => ({ set: { tag: `set_${field.replace(/\./g, '_')}_on_failure`, field, value } })),
    // OpenSearch leaves _ingest.on_failure_pipeline empty when the failing processor is in
    // this pipeline itself (it is set for the pipelines called from here): name it then
    {
      append: {
        tag: 'append_pipeline_error_message',
        field: 'error.message',
        value:
          "Processor '{{{ _ingest.on_failure_processor_type }}}' with tag '{{{ _ingest.on_failure_processor_tag }}}' " +
          `in pipeline '{{#_ingest.on_failure_pipeline}}{{{ _ingest.on_failure_pipeline }}}{{/_ingest.on_failure_pipeline}}{{^_ingest.on_failure_pipeline}}${pipeline}{{/_ingest.on_failure_pipeline}}' ` +
          "failed with message '{{{ _ingest.on_failure_message }}}'",
      },
    },
    { set: { tag: 'set_timestamp_on_failure', field: '@timestamp', value: '{{{_ingest.timestamp}}}', override: false } },
    { remove: { tag: 'remove_tmp_on_failure', field: '_tmp', ignore_missing: true } },
    { pipeline: { tag: 'pipeline_common_final_on_failure', name: 'jpcert-common-final' } },
  ];
}

/**
 * The YAML tag `!on_failure` for a pipeline file of a source. The YAML parser turns an error
 * thrown inside a tag into a parse error of its own, so a wrong use is kept in `errors` (the
 * caller throws the first after parsing) and the tag resolves to nothing.
 */
export function onFailureTag(source: SourceManifest | undefined, pipeline: string, file: string): { tag: YAML.CollectionTag; errors: ContentError[] } {
  const errors: ContentError[] = [];
  const tag = {
    tag: '!on_failure',
    collection: 'map',
    resolve(map: YAML.YAMLMap.Parsed) {
      if (!source) {
        errors.push(new ContentError(`${file}: !on_failure needs the source's manifest.yml beside the pipeline`));
        return [];
      }
      const opts = (map.toJSON() ?? {}) as { first?: unknown[] };
      const unknown = Object.keys(opts).find((k) => k !== 'first');
      if (unknown) errors.push(new ContentError(`${file}: !on_failure takes only "first", not "${unknown}"`));
      // a value that is no node is kept as the scalar's value: the block as plain data
      return onFailureBlock(source, pipeline, opts.first);
    },
  } as unknown as YAML.CollectionTag;
  return { tag, errors };
}
