import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { ContentError } from '../errors.js';
import { ruleSchema, type Rule } from './schema.js';

/** Reads rules/**\/*.yml and validates each against the schema; errors name file and key. */

export interface LoadedRule {
  rule: Rule;
  file: string;
}

function ruleFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) return ruleFiles(p);
      return f.endsWith('.yml') ? [p] : [];
    });
}

export function formatIssues(file: string, issues: z.core.$ZodIssue[]): string {
  return issues.map((i) => `${file}: ${i.path.length ? i.path.join('.') : '(rule)'}: ${i.message}`).join('\n');
}

export function parseRule(text: string, file: string): Rule {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new ContentError(`${file} is not valid YAML: ${(err as Error).message}`, undefined, { cause: err });
  }
  const result = ruleSchema.safeParse(doc);
  if (!result.success) throw new ContentError(`invalid rule\n${formatIssues(file, result.error.issues)}`, 'see rules/README.md for the rule format');
  return result.data;
}

export function loadRules(root: string): LoadedRule[] {
  const rules = ruleFiles(path.join(root, 'rules')).map((file) => ({ rule: parseRule(readFileSync(file, 'utf8'), file), file }));
  const seen = new Map<string, string>();
  for (const { rule, file } of rules) {
    for (const key of [`id ${rule.id}`, `name "${rule.name.en}"`, `name "${rule.name.ja}"`, `check ${rule.check}`]) {
      const other = seen.get(key);
      if (other) throw new ContentError(`${file} and ${other} have the same ${key}`, 'each rule has its own UUID, names and JPCERT check');
      seen.set(key, file);
    }
  }
  return rules;
}
