import { existsSync, readFileSync } from 'node:fs';
import YAML from 'yaml';
import { ContentError, UsageError } from '../errors.js';

/**
 * Site settings (`--profile FILE`): what differs from one organisation to the next.
 * Later issues add business hours, address ranges, accounts and thresholds here.
 */
export interface Profile {
  /** Zone for timestamps that carry none (syslog, BIND, ScreenOS). */
  timezone: string;
  indices: {
    /** First part of every index / data stream name: `<prefix>-<source>-<namespace>`. */
    prefix: string;
    number_of_shards: number;
    /** Fixed replica count; when absent, replicas follow the node count (0-1). */
    number_of_replicas?: number;
  };
}

export const DEFAULT_PROFILE: Profile = {
  timezone: 'Asia/Tokyo',
  indices: { prefix: 'logs', number_of_shards: 1 },
};

type Shape = { [key: string]: 'string' | 'number' | Shape };
const SHAPE: Shape = { timezone: 'string', indices: { prefix: 'string', number_of_shards: 'number', number_of_replicas: 'number' } };

function checkShape(value: unknown, shape: Shape, where: string, file: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ContentError(`${file}: ${where || 'the profile'} must be a mapping`);
  for (const [key, v] of Object.entries(value)) {
    const expected = shape[key];
    const at = where ? `${where}.${key}` : key;
    if (!expected) throw new ContentError(`${file}: unknown setting "${at}"`, `known settings: ${Object.keys(shape).map((k) => (where ? `${where}.${k}` : k)).join(', ')}`);
    if (typeof expected === 'object') checkShape(v, expected, at, file);
    else if (typeof v !== expected) throw new ContentError(`${file}: "${at}" must be a ${expected}, got ${JSON.stringify(v)}`);
  }
}

export function validateProfile(p: Profile, file: string): Profile {
  try {
    new Intl.DateTimeFormat('en', { timeZone: p.timezone });
  } catch {
    throw new ContentError(`${file}: timezone "${p.timezone}" is not an IANA time zone`, 'use a name such as Asia/Tokyo or UTC');
  }
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(p.indices.prefix)) throw new ContentError(`${file}: indices.prefix "${p.indices.prefix}" is not a valid index name part`, 'use lower-case letters, digits, "-", "_" or "."');
  if (!Number.isInteger(p.indices.number_of_shards) || p.indices.number_of_shards < 1) throw new ContentError(`${file}: indices.number_of_shards must be a whole number >= 1`);
  const r = p.indices.number_of_replicas;
  if (r !== undefined && (!Number.isInteger(r) || r < 0)) throw new ContentError(`${file}: indices.number_of_replicas must be a whole number >= 0`);
  return p;
}

export function loadProfile(file?: string): Profile {
  if (!file) return DEFAULT_PROFILE;
  if (!existsSync(file)) throw new UsageError(`profile file ${file} does not exist`, 'pass --profile with the path of a YAML file; see profiles/example.yml');
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new ContentError(`${file} is not valid YAML: ${(err as Error).message}`, undefined, { cause: err });
  }
  checkShape(raw, SHAPE, '', file);
  const r = raw as Partial<Profile>;
  return validateProfile({ ...DEFAULT_PROFILE, ...r, indices: { ...DEFAULT_PROFILE.indices, ...r.indices } }, file);
}

/** Looks up a dotted path such as `indices.prefix` in the profile. */
export function profileValue(p: Profile, dotted: string): unknown {
  let cur: unknown = p;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
