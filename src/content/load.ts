import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Engine } from '../cluster/connection.js';
import { ContentError } from '../errors.js';
import { contentHash } from './hash.js';
import { expandPipelineScripts } from './painless.js';
import { fillSource, mappingOf, onFailureTag, readFields, readManifest, sourceNames, type SourceManifest } from './sources.js';
import { profileValue, retentionOf, type Profile } from './profile.js';

/**
 * Reads the pack's content folders into the objects a cluster should have. Content is data:
 * a YAML file per object, with `${profile.x.y}` placeholders filled from the site profile.
 */

export const PACK_ID = 'jpcert-apt-log-pack';
export const NAME_PREFIX = 'jpcert';
/** The retention policy (ISM on OpenSearch, ILM on Elasticsearch): src/deploy/retention.ts. */
export const RETENTION_POLICY = `${NAME_PREFIX}-retention`;

export type ObjectKindName = 'component_template' | 'ingest_pipeline' | 'index_template';

export interface DesiredObject {
  kind: ObjectKindName;
  name: string;
  body: Record<string, unknown>;
  /** hash of `body` as built from content, before any marker is added */
  hash: string;
  source: string;
}

const PLACEHOLDER = /\$\{profile\.([a-zA-Z0-9_.]+)\}/g;

export function interpolate(value: unknown, profile: Profile, file: string): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{profile\.([a-zA-Z0-9_.]+)\}$/.exec(value);
    const lookup = (key: string) => {
      const v = profileValue(profile, key);
      if (v === undefined) throw new ContentError(`${file}: placeholder \${profile.${key}} names no profile setting, or one the profile leaves unset`);
      return v;
    };
    if (whole?.[1]) return lookup(whole[1]);
    return value.replace(PLACEHOLDER, (_, key: string) => String(lookup(key)));
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, profile, file));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, profile, file)]));
  }
  return value;
}

/**
 * `!include path.json` puts the parsed JSON file (relative to the YAML file) in place: for
 * generated data such as charset tables that a pipeline script takes as params.
 */
function includeTag(file: string): YAML.ScalarTag {
  return {
    tag: '!include',
    resolve(relative: string) {
      const target = path.resolve(path.dirname(file), relative);
      if (!existsSync(target)) throw new ContentError(`${file}: !include ${relative}: no such file`, 'run the generator that writes it (see the README)');
      return JSON.parse(readFileSync(target, 'utf8')) as unknown;
    },
  } as YAML.ScalarTag;
}

function readYaml(file: string, tags: YAML.Tags = []): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'), { customTags: [includeTag(file), ...tags] });
  } catch (err) {
    if (err instanceof ContentError) throw err;
    throw new ContentError(`${file} is not valid YAML: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new ContentError(`${file} must hold a YAML mapping`);
  return doc as Record<string, unknown>;
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml') && statSync(path.join(dir, f)).isFile())
    .sort()
    .map((f) => path.join(dir, f));
}

function object(kind: ObjectKindName, name: string, body: Record<string, unknown>, source: string): DesiredObject {
  return { kind, name, body, hash: contentHash(body), source };
}

/** Index settings that depend on the site profile, as a component template of their own. */
function settingsTemplate(profile: Profile): DesiredObject {
  const index: Record<string, unknown> = { number_of_shards: profile.indices.number_of_shards };
  if (profile.indices.number_of_replicas === undefined) index.auto_expand_replicas = '0-1';
  else index.number_of_replicas = profile.indices.number_of_replicas;
  return object('component_template', `${NAME_PREFIX}-settings`, { template: { settings: { index } } }, 'profile (indices.*)');
}

/**
 * The component template every data stream's index template is composed of: on
 * Elasticsearch it names the ILM policy (when the profile has retention:); on OpenSearch it
 * is empty, since ISM finds the indices by the policy's own ism_template.
 */
export function lifecycleTemplate(profile: Profile, engine: Engine): DesiredObject {
  const body = engine === 'elasticsearch' && retentionOf(profile)
    ? { template: { settings: { index: { lifecycle: { name: RETENTION_POLICY } } } }, _meta: { description: 'JPCERT APT log pack: the ILM policy of the data streams (retention: of the profile)' } }
    : { template: {}, _meta: { description: 'JPCERT APT log pack: retention of the data streams (on OpenSearch an ISM policy with its own ism_template; empty without retention: in the profile)' } };
  return object('component_template', `${NAME_PREFIX}-lifecycle`, body, 'profile (retention)');
}

export function requireKeys(doc: Record<string, unknown>, keys: string[], file: string): void {
  for (const k of keys) if (!(k in doc)) throw new ContentError(`${file}: missing "${k}"`);
}

/** `engine` decides the one engine-specific object, the lifecycle component template. */
export function loadDesiredObjects(root: string, profile: Profile, engine: Engine = 'opensearch'): DesiredObject[] {
  const objects: DesiredObject[] = [settingsTemplate(profile), lifecycleTemplate(profile, engine)];

  for (const file of yamlFiles(path.join(root, 'mappings', 'component'))) {
    const doc = interpolate(readYaml(file), profile, file) as Record<string, unknown>;
    requireKeys(doc, ['template'], file);
    objects.push(object('component_template', `${NAME_PREFIX}-${path.basename(file, '.yml')}`, doc, file));
  }

  const pipelinesDir = path.join(root, 'pipelines');
  const sources = new Map<string, SourceManifest>(sourceNames(pipelinesDir).map((s) => [s, readManifest(pipelinesDir, s)]));
  for (const source of sources.keys()) {
    const file = path.join(pipelinesDir, source, 'fields.yml');
    const body = { template: { mappings: { properties: mappingOf(readFields(pipelinesDir, source)) } }, _meta: { description: `Fields of ${sources.get(source)!.title}, generated from pipelines/${source}/fields.yml` } };
    objects.push(object('component_template', `${NAME_PREFIX}-${source}`, body, file));
  }

  const folders = existsSync(pipelinesDir) ? readdirSync(pipelinesDir).filter((d) => statSync(path.join(pipelinesDir, d)).isDirectory()).sort() : [];
  for (const folder of folders) {
    for (const file of yamlFiles(path.join(pipelinesDir, folder))) {
      const base = path.basename(file, '.yml');
      if (base === 'manifest' || base === 'fields') continue;
      const name = base === 'default' ? `${NAME_PREFIX}-${folder}` : `${NAME_PREFIX}-${folder}-${base}`;
      const onFailure = onFailureTag(sources.get(folder), name, file);
      const raw = readYaml(file, [onFailure.tag]);
      if (onFailure.errors[0]) throw onFailure.errors[0];
      const doc = expandPipelineScripts(interpolate(raw, profile, file) as Record<string, unknown>, pipelinesDir, file);
      requireKeys(doc, ['description', 'processors'], file);
      objects.push(object('ingest_pipeline', name, doc, file));
    }
  }

  const shape = path.join(root, 'mappings', 'source-template.yml');
  if (sources.size && !existsSync(shape)) throw new ContentError(`${shape}: missing`, 'the index template of every log source is made from it');
  for (const source of sources.values()) {
    const doc = interpolate(fillSource(readYaml(shape), source), profile, shape) as Record<string, unknown>;
    objects.push(object('index_template', `${NAME_PREFIX}-${source.name}`, doc, shape));
  }
  for (const file of yamlFiles(path.join(root, 'mappings', 'index'))) {
    const doc = interpolate(readYaml(file), profile, file) as Record<string, unknown>;
    requireKeys(doc, ['index_patterns'], file);
    objects.push(object('index_template', `${NAME_PREFIX}-${path.basename(file, '.yml')}`, doc, file));
  }

  const seen = new Set<string>();
  for (const o of objects) {
    const key = `${o.kind}/${o.name}`;
    if (seen.has(key)) throw new ContentError(`two content files define ${key}`, `rename one of them (${o.source})`);
    seen.add(key);
  }
  return objects;
}
