import { ContentError } from '../errors.js';

/**
 * The part of the query DSL a rule may use (rules/README.md, "Query DSL subset"): what
 * Elasticsearch 8+ and OpenSearch 2+ both accept and every target (a saved search, a watch's
 * search input, a monitor's query) can carry, plus the pack's extensions. A rule outside it
 * fails the build here, naming the file and the clause's path, instead of being weakened or
 * failing later on one engine only.
 */

type Options = readonly string[];

/** Leaf clauses: `{ <kind>: { <field>: value | { options } } }`, with the options each takes. */
interface FieldClause {
  /** the short form `{ <kind>: { <field>: value } }` */
  bare: (v: unknown) => boolean;
  /** the object form's options and the type each must have */
  options: Record<string, (v: unknown) => boolean>;
  /** the object form's option that must be there */
  required?: string;
}
const isString = (v: unknown) => typeof v === 'string';
const isBoolean = (v: unknown) => typeof v === 'boolean';
const FIELD_CLAUSES: Record<string, FieldClause> = {
  term: { bare: isScalar, options: { value: isScalar, case_insensitive: isBoolean }, required: 'value' },
  // the object form is a terms look-up: the values are read from a document at search time
  terms: { bare: (v) => Array.isArray(v) && v.every(isScalar), options: { index: isString, id: isString, path: isString, routing: isString } },
  range: { bare: () => false, options: { gte: isScalar, gt: isScalar, lte: isScalar, lt: isScalar } },
  wildcard: { bare: isString, options: { value: isString, case_insensitive: isBoolean }, required: 'value' },
  prefix: { bare: isString, options: { value: isString, case_insensitive: isBoolean }, required: 'value' },
  match_phrase: { bare: isString, options: { query: isString }, required: 'query' },
};

/** The pack's extensions and the keys each takes (expanded by resolve.ts). */
const EXTENSIONS: Record<string, { required: Options; optional: Options } | 'true'> = {
  wildcard_any: { required: ['field', 'patterns'], optional: [] },
  domain_any: { required: ['field'], optional: ['domains', 'urls'] },
  // written `{ not_from_admin_hosts: true }`: it reads the profile only
  not_from_admin_hosts: 'true',
  // written `{ expected_denies: true }`: it reads firewall.expected_denies of the profile
  expected_denies: 'true',
};

const BOOL_KEYS = ['filter', 'must', 'should', 'must_not', 'minimum_should_match'];

const SUBSET = `bool, ${Object.keys(FIELD_CLAUSES).join(', ')}, exists, and the extensions ${Object.keys(EXTENSIONS).join(', ')}`;

function isScalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Throws a ContentError for the first clause outside the subset. `path` names where it stands. */
export function checkQuerySubset(clause: unknown, path: string, file: string): void {
  const fail: (what: string, fix?: string) => never = (what, fix = `use only ${SUBSET} (rules/README.md, "Query DSL subset")`) => {
    throw new ContentError(`${file}: ${path}: ${what}`, fix);
  };
  if (!isObject(clause)) fail(`a query clause must be an object with one key, got ${JSON.stringify(clause)}`);
  const keys = Object.keys(clause);
  if (keys.length !== 1) fail(`a query clause has exactly one key, got ${keys.length ? keys.join(', ') : 'none'}`);
  const kind = keys[0]!;
  const body = clause[kind];
  const at = `${path}.${kind}`;

  if (kind === 'bool') {
    if (!isObject(body)) fail('bool takes an object');
    for (const k of Object.keys(body)) if (!BOOL_KEYS.includes(k)) fail(`bool.${k} is not supported`, `bool takes ${BOOL_KEYS.join(', ')}`);
    for (const occur of ['filter', 'must', 'should', 'must_not']) {
      const v = body[occur];
      if (v === undefined) continue;
      const list = Array.isArray(v) ? v : [v];
      list.forEach((c, i) => checkQuerySubset(c, Array.isArray(v) ? `${at}.${occur}[${i}]` : `${at}.${occur}`, file));
    }
    // the default differs between query and filter context: a rule must not depend on it
    if (body.should !== undefined && body.minimum_should_match === undefined) fail('bool.should without minimum_should_match', 'state minimum_should_match (usually 1)');
    return;
  }
  if (kind === 'exists') {
    if (!isObject(body) || typeof body.field !== 'string' || Object.keys(body).length !== 1) fail('exists takes { field: <name> } only');
    return;
  }
  const ext = EXTENSIONS[kind];
  if (ext === 'true') {
    if (body !== true) fail(`${kind} is written { ${kind}: true }`);
    return;
  }
  if (ext) {
    if (!isObject(body)) fail(`${kind} takes an object`);
    for (const k of ext.required) if (body[k] === undefined) fail(`${kind} needs ${k}`);
    for (const k of Object.keys(body)) if (![...ext.required, ...ext.optional].includes(k)) fail(`${kind}.${k} is not an option of the extension`, `${kind} takes ${[...ext.required, ...ext.optional].join(', ') || 'no option'}`);
    return;
  }
  const leaf = FIELD_CLAUSES[kind];
  if (!leaf) fail(`"${kind}" is not in the pack's query subset`);
  if (!isObject(body) || Object.keys(body).length !== 1) fail(`${kind} takes exactly one field`);
  const [field, value] = Object.entries(body)[0]!;
  // the compiler adds the time window; a rule that sets its own would fight it
  if (kind === 'range' && field === '@timestamp') fail('a range on @timestamp: the window is the rule\'s `window`', 'remove the range; set logic.window instead');
  if (leaf.bare(value)) return;
  if (!isObject(value)) fail(`${kind}.${field} has a value of the wrong form: ${JSON.stringify(value)}`);
  const names = Object.keys(leaf.options);
  for (const [k, v] of Object.entries(value)) {
    const ok = leaf.options[k];
    if (!ok) fail(`${kind}.${field}.${k} is not supported`, `${kind} takes ${names.join(', ')}`);
    if (!ok(v)) fail(`${kind}.${field}.${k} has a value of the wrong type: ${JSON.stringify(v)}`);
  }
  if (Object.keys(value).length === 0) fail(`${kind}.${field} is empty`);
  if (leaf.required && value[leaf.required] === undefined) fail(`${kind}.${field} needs ${leaf.required}`);
  if (kind === 'terms') for (const k of ['index', 'id', 'path']) if (value[k] === undefined) fail(`terms.${field} is a terms look-up and needs ${k}`, 'write { terms: { <field>: { index: <index>, id: <document id>, path: <field of that document> } } }');
}
