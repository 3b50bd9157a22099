import { EcsFlat } from '@elastic/ecs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { interpolate } from '../../src/content/load.js';
import { DEFAULT_PROFILE, profileValue, withRuleDefaults } from '../../src/content/profile.js';
import { LISTS, LISTS_INDEX } from '../../src/ioc/store.js';
import { PACK_ROOT } from '../../src/paths.js';
import { ATTACK_TECHNIQUES, RISK_SCORE_BY_SEVERITY } from '../../src/rules/attack.js';
import { loadRules, type LoadedRule } from '../../src/rules/load.js';
import { CHECK_IDS, type Rule } from '../../src/rules/schema.js';

/**
 * Every rule under rules/: one per JPCERT check, ids and names unique, ATT&CK and risk score
 * consistent, placeholders that name profile settings, queries in the DSL subset and its pack
 * extensions (rules/README.md), and fields that the pipelines of the rule's sources write.
 * Each failure names the rule file and says how to fix it.
 */

const PIPELINES = path.join(PACK_ROOT, 'pipelines');
const PROFILE = withRuleDefaults(DEFAULT_PROFILE);
const JPCERT_DOC = 'https://www.jpcert.or.jp/research/APT-loganalysis_Report_20151117.pdf';
const PLACEHOLDER = /\$\{profile\.([a-zA-Z0-9_.]+)\}/g;
const DOMAIN_BY_PREFIX: Record<string, string> = { MAIL: 'mail', FW: 'firewall', PROXY: 'proxy', DNS: 'dns', AD: 'ad', G: 'general' };

const ECS = EcsFlat as unknown as Record<string, { type: string }>;

let rules: LoadedRule[];
beforeAll(() => {
  rules = loadRules(PACK_ROOT);
});

const rel = (file: string) => path.relative(PACK_ROOT, file);

/** Runs `check` over every rule and returns the problems it reports, one line each. */
function problems(check: (rule: Rule, file: string) => string[]): string[] {
  return rules.flatMap(({ rule, file }) => check(rule, rel(file)));
}

// ---------------------------------------------------------------------------------------------
// Fields each source writes

function flatten(value: unknown, prefix: string, out: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    if (value.some((v) => v !== null && typeof v === 'object')) for (const v of value) flatten(v, prefix, out);
    else out.add(prefix);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.add(prefix);
  return out;
}

interface SourceFields {
  exact: Set<string>;
  /** declared `object` fields cover everything under them (winlog.event_data.*) */
  objects: string[];
  from: string;
}

function declaredFields(file: string): Array<{ name: string; type: string }> {
  return YAML.parse(readFileSync(file, 'utf8')) as Array<{ name: string; type: string }>;
}

function pipelineFields(source: string): SourceFields | undefined {
  const dev = path.join(PIPELINES, source, '_dev');
  if (!existsSync(dev)) return undefined;
  const exact = new Set<string>();
  const objects: string[] = [];
  const testDir = path.join(dev, 'test');
  if (existsSync(testDir)) {
    for (const f of readdirSync(testDir).filter((n) => n.endsWith('-expected.json'))) {
      for (const doc of JSON.parse(readFileSync(path.join(testDir, f), 'utf8')) as unknown[]) flatten(doc, '', exact);
    }
  }
  const fieldsYml = path.join(PIPELINES, source, 'fields.yml');
  if (existsSync(fieldsYml)) {
    for (const f of declaredFields(fieldsYml)) {
      exact.add(f.name);
      if (f.type === 'object') objects.push(`${f.name}.`);
    }
  }
  return { exact, objects, from: `the expected fixtures of pipelines/${source}/_dev and pipelines/${source}/fields.yml` };
}

/**
 * Postfix is finished on another branch. Until its pipeline is in this repository, accept the
 * ECS email.* fields, source.ip, and the postfix.* names that branch declares (its fields.yml in
 * the sibling worktree), or, without that worktree, the names the MAIL rules were written for.
 */
function postfixFallback(): SourceFields {
  const exact = new Set<string>(['source.ip', ...Object.keys(ECS).filter((f) => f.startsWith('email.'))]);
  const sibling = path.join(PACK_ROOT, '..', 'wt-postfix', 'pipelines', 'postfix', '_dev', 'fields.yml');
  if (existsSync(sibling)) {
    for (const f of declaredFields(sibling)) exact.add(f.name);
    return { exact, objects: [], from: `ECS email.*, source.ip and ${sibling}` };
  }
  for (const f of ['postfix.from_mismatch', 'postfix.display_name_spoof', 'postfix.header.from_display_name']) exact.add(f);
  return { exact, objects: [], from: 'ECS email.*, source.ip and the MAIL-1 flags (no postfix fields.yml found)' };
}

const sourceFieldCache = new Map<string, SourceFields>();
function fieldsOf(source: string): SourceFields {
  let f = sourceFieldCache.get(source);
  if (!f) {
    f = pipelineFields(source) ?? (source === 'postfix' ? postfixFallback() : { exact: new Set<string>(), objects: [], from: `pipelines/${source}/_dev (missing)` });
    sourceFieldCache.set(source, f);
  }
  return f;
}

const writes = (source: string, field: string) => {
  const f = fieldsOf(source);
  return f.exact.has(field) || f.objects.some((o) => field.startsWith(o));
};

// ---------------------------------------------------------------------------------------------
// Query clauses: the DSL subset and the pack extensions (rules/README.md)

const LEAF_QUERIES = new Set(['term', 'terms', 'range', 'wildcard', 'prefix', 'match_phrase']);
const BOOL_KEYS = new Set(['filter', 'must', 'should', 'must_not', 'minimum_should_match']);
const QUERY_OPTIONS = new Set(['boost', '_name']);
const ADMIN_HOST_FIELDS = ['user.name', 'source.ip', 'source.domain'];
const EXPECTED_DENY_FIELDS = ['source.ip', 'destination.port', 'network.transport'];

interface ClauseScan {
  fields: Set<string>;
  problems: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Walks one clause (after interpolation), collecting the fields it names and what is wrong with it. */
function scanClause(clause: unknown, at: string, scan: ClauseScan): void {
  if (!isRecord(clause) || Object.keys(clause).length !== 1) {
    scan.problems.push(`${at} must be a mapping with exactly one query type (bool, term, terms, ...), got ${JSON.stringify(clause)}`);
    return;
  }
  const [type, body] = Object.entries(clause)[0]!;
  const where = `${at}.${type}`;
  if (type === 'bool') {
    if (!isRecord(body)) return void scan.problems.push(`${where} must be a mapping`);
    for (const k of Object.keys(body)) if (!BOOL_KEYS.has(k)) scan.problems.push(`${where} has "${k}"; a bool takes only ${[...BOOL_KEYS].join(', ')}`);
    if ('should' in body && body.minimum_should_match === undefined) {
      scan.problems.push(`${where} has should but no minimum_should_match; add minimum_should_match: 1 (the default differs between query and filter context)`);
    }
    for (const k of ['filter', 'must', 'should', 'must_not']) {
      const v = body[k];
      if (v === undefined) continue;
      (Array.isArray(v) ? v : [v]).forEach((c, i) => scanClause(c, Array.isArray(v) ? `${where}.${k}[${i}]` : `${where}.${k}`, scan));
    }
  } else if (type === 'exists') {
    if (!isRecord(body) || typeof body.field !== 'string') return void scan.problems.push(`${where} must be { field: <name> }`);
    scan.fields.add(body.field);
  } else if (LEAF_QUERIES.has(type)) {
    if (!isRecord(body)) return void scan.problems.push(`${where} must be a mapping { <field>: <value> }`);
    const names = Object.keys(body).filter((k) => !QUERY_OPTIONS.has(k));
    if (names.length !== 1) return void scan.problems.push(`${where} must name exactly one field, got ${JSON.stringify(names)}`);
    const field = names[0]!;
    scan.fields.add(field);
    const value = body[field];
    // the object form is a terms look-up of one of the indicator match lists
    const lookup = isRecord(value) && value.index === LISTS_INDEX && (LISTS as readonly unknown[]).includes(value.id) && value.path === 'values';
    if (type === 'terms' && !Array.isArray(value) && !lookup) {
      scan.problems.push(`${where}.${field} must be a list (or a placeholder naming a list setting), got ${JSON.stringify(value)}`);
    }
    if (type !== 'terms' && type !== 'range' && Array.isArray(value)) {
      scan.problems.push(`${where}.${field} takes one value, got a list; use terms, or wildcard_any / domain_any for a list of patterns`);
    }
  } else if (type === 'wildcard_any') {
    if (!isRecord(body) || typeof body.field !== 'string' || !Array.isArray(body.patterns) || Object.keys(body).some((k) => k !== 'field' && k !== 'patterns')) {
      return void scan.problems.push(`${where} must be { field: <name>, patterns: <list> } (rules/README.md, pack extensions)`);
    }
    scan.fields.add(body.field);
  } else if (type === 'domain_any') {
    const ok = isRecord(body) && typeof body.field === 'string' && Object.keys(body).every((k) => ['field', 'domains', 'urls'].includes(k)) &&
      (Array.isArray(body.domains) || Array.isArray(body.urls)) && ['domains', 'urls'].every((k) => body[k] === undefined || Array.isArray(body[k]));
    if (!ok) return void scan.problems.push(`${where} must be { field: <name>, domains: <list>, urls: <list> } with at least one list (rules/README.md, pack extensions)`);
    scan.fields.add((body as { field: string }).field);
  } else if (type === 'not_from_admin_hosts') {
    if (body !== true) return void scan.problems.push(`${where} must be true`);
    for (const f of ADMIN_HOST_FIELDS) scan.fields.add(f);
  } else if (type === 'expected_denies') {
    if (body !== true) return void scan.problems.push(`${where} must be true`);
    for (const f of EXPECTED_DENY_FIELDS) scan.fields.add(f);
  } else {
    scan.problems.push(`${where}: "${type}" is neither in the query DSL subset (bool, term, terms, range, exists, wildcard, prefix, match_phrase) nor a pack extension (wildcard_any, domain_any, not_from_admin_hosts, expected_denies); rewrite it, or add and document an extension in rules/README.md`);
  }
}

/**
 * The rule's logic with its placeholders filled from the default profile, or undefined when a
 * placeholder names no setting (the placeholder test reports that one).
 */
function resolvedLogic(rule: Rule, file: string): Rule['logic'] | undefined {
  try {
    return interpolate(rule.logic, PROFILE, file) as Rule['logic'];
  } catch {
    return undefined;
  }
}

function scanLogic(logic: Rule['logic']): ClauseScan {
  const scan: ClauseScan = { fields: new Set(), problems: [] };
  scanClause(logic.filter, 'logic.filter', scan);
  (logic.exclude ?? []).forEach((c, i) => scanClause(c, `logic.exclude[${i}]`, scan));
  return scan;
}

const UNRESOLVED = (file: string) => `${file}: its placeholders do not resolve, so its query cannot be checked; fix the placeholders first (see the placeholder test)`;

function seconds(d: string): number {
  const m = /^(\d+)([smhd])$/.exec(d)!;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function placeholders(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  if (Array.isArray(value)) return value.flatMap(placeholders);
  if (isRecord(value)) return Object.values(value).flatMap(placeholders);
  return [];
}

// ---------------------------------------------------------------------------------------------

describe('rules', () => {
  test('every JPCERT check has exactly one rule', () => {
    const byCheck = new Map<string, string[]>();
    for (const { rule, file } of rules) byCheck.set(rule.check, [...(byCheck.get(rule.check) ?? []), rel(file)]);
    const bad = CHECK_IDS.flatMap((id) => {
      const files = byCheck.get(id) ?? [];
      if (files.length === 0) return [`${id} has no rule: add rules/${DOMAIN_BY_PREFIX[id.replace(/-?\d+$/, '')]}/${id.toLowerCase()}-<what it finds>.yml`];
      if (files.length > 1) return [`${id} has ${files.length} rules (${files.join(', ')}): keep one rule per check`];
      return [];
    });
    expect(bad).toEqual([]);
    expect(rules).toHaveLength(CHECK_IDS.length);
  });

  test('file names start with the check id and sit in the check domain folder', () => {
    expect(
      problems((rule, file) => {
        const prefix = rule.check.replace(/-?\d+$/, '');
        const want = path.join('rules', DOMAIN_BY_PREFIX[prefix]!, `${rule.check.toLowerCase()}-`);
        return file.startsWith(want) && file.length > want.length + '.yml'.length
          ? []
          : [`${file}: check ${rule.check} belongs in ${want}<what it finds>.yml; rename or move the file (the id stays)`];
      }),
    ).toEqual([]);
  });

  test('ids are unique random UUID v4', () => {
    const seen = new Map<string, string>();
    expect(
      problems((rule, file) => {
        const out: string[] = [];
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(rule.id)) {
          out.push(`${file}: id ${rule.id} is not a lower-case UUID v4; for a new rule generate one with node -e "console.log(crypto.randomUUID())" (never change the id of a deployed rule)`);
        }
        const other = seen.get(rule.id);
        if (other) out.push(`${file}: id ${rule.id} is also the id of ${other}; give the newer rule a fresh UUID`);
        seen.set(rule.id, file);
        return out;
      }),
    ).toEqual([]);
  });

  test('names are unique in each language', () => {
    const seen = new Map<string, string>();
    expect(
      problems((rule, file) =>
        (['en', 'ja'] as const).flatMap((lang) => {
          const key = `${lang}:${rule.name[lang].trim().toLowerCase()}`;
          const other = seen.get(key);
          seen.set(key, file);
          return other ? [`${file}: name.${lang} "${rule.name[lang]}" is also used by ${other}; make the title say what this rule finds`] : [];
        }),
      ),
    ).toEqual([]);
  });

  test('ATT&CK techniques carry the names of src/rules/attack.ts and have a reference', () => {
    expect(
      problems((rule, file) =>
        rule.attack.flatMap(({ id, name }) => {
          const known = ATTACK_TECHNIQUES[id];
          const out: string[] = [];
          if (known === undefined) out.push(`${file}: technique ${id} is not in src/rules/attack.ts; add it there with its official ATT&CK name`);
          else if (known !== name) out.push(`${file}: technique ${id} is named "${name}"; use the name in src/rules/attack.ts: "${known}"`);
          const page = `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
          if (!rule.references.includes(page)) out.push(`${file}: technique ${id} has no reference; add ${page} to references`);
          return out;
        }),
      ),
    ).toEqual([]);
  });

  test('references include the JPCERT/CC document and are https', () => {
    expect(
      problems((rule, file) => [
        ...(rule.references.includes(JPCERT_DOC) ? [] : [`${file}: add ${JPCERT_DOC} to references`]),
        ...rule.references.filter((r) => !r.startsWith('https://')).map((r) => `${file}: reference ${r} is not https; use the https address`),
      ]),
    ).toEqual([]);
  });

  test('risk_score matches severity', () => {
    expect(
      problems((rule, file) => {
        const want = RISK_SCORE_BY_SEVERITY[rule.severity];
        return rule.risk_score === want ? [] : [`${file}: severity ${rule.severity} goes with risk_score ${want}, not ${rule.risk_score}; change one of them`];
      }),
    ).toEqual([]);
  });

  test('match and threshold windows are longer than their schedule', () => {
    expect(
      problems((rule, file) => {
        const { type, window, schedule } = rule.logic;
        if (type === 'baseline' || seconds(window) > seconds(schedule)) return [];
        return [`${file}: window ${window} is not longer than schedule ${schedule}; lengthen the window so that documents arriving late are still seen by the next run`];
      }),
    ).toEqual([]);
  });

  test('placeholders name settings of the profile', () => {
    expect(
      problems((rule, file) =>
        [...new Set(placeholders(rule))]
          .filter((key) => profileValue(PROFILE, key) === undefined)
          .map((key) => `${file}: \${profile.${key}} names no profile setting; use one of the keys of RULE_DEFAULTS in src/content/profile.ts (or add the setting there and to profiles/example.yml)`),
      ),
    ).toEqual([]);
  });

  test('queries use the DSL subset and the pack extensions, with values of the right type', () => {
    expect(
      problems((rule, file) => {
        const logic = resolvedLogic(rule, file);
        if (!logic) return [UNRESOLVED(file)];
        const out = scanLogic(logic).problems.map((p) => `${file}: ${p}`);
        for (const [i, c] of (logic.conditions ?? []).entries()) {
          if (typeof c.gte !== 'number') out.push(`${file}: logic.conditions[${i}].gte must be a number (or a placeholder naming a number setting), got ${JSON.stringify(c.gte)}`);
        }
        if (logic.baseline) {
          for (const k of ['ratio', 'min_count'] as const) {
            if (typeof logic.baseline[k] !== 'number') out.push(`${file}: logic.baseline.${k} must be a number (or a placeholder naming a number setting), got ${JSON.stringify(logic.baseline[k])}`);
          }
        }
        if (rule.logic.type === 'match' && (rule.logic.conditions || rule.logic.baseline)) out.push(`${file}: a match rule takes no conditions or baseline; make it a threshold or baseline rule, or remove them`);
        if (rule.logic.type !== 'baseline' && rule.logic.baseline) out.push(`${file}: baseline is only for type baseline; remove it`);
        return out;
      }),
    ).toEqual([]);
  });

  test('every field in the logic is written by the pipeline of one of the rule sources', () => {
    expect(
      problems((rule, file) => {
        const { logic } = rule;
        const resolved = resolvedLogic(rule, file);
        if (!resolved) return [UNRESOLVED(file)];
        const used = new Set([...scanLogic(resolved).fields, ...(logic.group_by ?? []), ...logic.report_fields]);
        for (const c of logic.conditions ?? []) if (c.field) used.add(c.field);
        const out = [...used]
          .filter((field) => !logic.sources.some((s) => writes(s, field)))
          .map((field) => `${file}: field ${field} is written by none of its sources (${logic.sources.join(', ')}: ${logic.sources.map((s) => fieldsOf(s).from).join('; ')}); use the field name the pipeline emits, or add the source that has it`);
        // a group needs its fields in every source, or that source's documents fall out of all groups
        for (const field of logic.group_by ?? []) {
          const missing = logic.sources.filter((s) => !writes(s, field));
          if (missing.length && missing.length < logic.sources.length) {
            out.push(`${file}: group_by field ${field} is not written by ${missing.join(', ')}, whose documents would then belong to no group; group by a field every source has`);
          }
        }
        return out;
      }),
    ).toEqual([]);
  });
});
