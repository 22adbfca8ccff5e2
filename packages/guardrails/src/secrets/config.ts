import { parse as parseToml, TomlError } from 'smol-toml';
import { compileGoRegex, groupCount } from './regex.js';

/**
 * gitleaks configuration (`.gitleaks.toml`), parsed and checked. Regexes stay in their Go form here;
 * every one of them has been compiled once to check it, so an error names the rule and the field.
 */

export type RegexTarget = 'secret' | 'match' | 'line';

export interface GitleaksAllowlist {
  description?: string;
  /** `OR` (default): any one check allows the finding. `AND`: every check that is set must pass. */
  condition: 'OR' | 'AND';
  paths: string[];
  regexes: string[];
  regexTarget: RegexTarget;
  stopwords: string[];
  /** Accepted for compatibility; CEE scans trees and diffs, not commits, so they never match. */
  commits: string[];
  /** Global `[[allowlists]]` only: the rule ids it applies to (empty: every rule). */
  targetRules: string[];
}

export interface GitleaksRule {
  id: string;
  description: string;
  regex?: string;
  secretGroup?: number;
  entropy?: number;
  keywords: string[];
  path?: string;
  tags: string[];
  allowlists: GitleaksAllowlist[];
  /** Which fields the TOML set (used when a user rule overrides a rule of the same id). */
  fieldsSet: ReadonlySet<string>;
  /** Where the rule was defined, for messages: `.gitleaks.toml: rules[3] (id "x")`. */
  origin: string;
}

export interface GitleaksConfig {
  source: string;
  title?: string;
  extend: { useDefault?: boolean; disabledRules: string[] };
  rules: GitleaksRule[];
  allowlists: GitleaksAllowlist[];
}

type Table = Record<string, unknown>;

const RULE_KEYS = new Set([
  'id',
  'description',
  'regex',
  'secretGroup',
  'entropy',
  'keywords',
  'path',
  'tags',
  'allowlist',
  'allowlists',
  // gitleaks keys CEE accepts and ignores:
  'skipReport',
]);
const ALLOWLIST_KEYS = new Set([
  'description',
  'condition',
  'paths',
  'regexes',
  'regexTarget',
  'stopwords',
  'commits',
  'targetRules',
]);
const TOP_KEYS = new Set(['title', 'description', 'minVersion', 'extend', 'rules', 'allowlist', 'allowlists']);
const EXTEND_KEYS = new Set(['useDefault', 'disabledRules', 'path', 'url']);

class ConfigError extends Error {}

function fail(where: string, message: string): never {
  throw new ConfigError(where ? `${where}: ${message}` : message);
}

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function optString(t: Table, key: string, where: string): string | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(`${where}${key}`, `must be a string, got ${describe(v)}`);
  return v;
}

function stringArray(t: Table, key: string, where: string): string[] {
  const v = t[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(`${where}${key}`, `must be an array of strings, got ${describe(v)}`);
  return v.map((item, i) => {
    if (typeof item !== 'string') fail(`${where}${key}[${i}]`, `must be a string, got ${describe(item)}`);
    return item;
  });
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (isTable(v)) return 'a table';
  return typeof v === 'bigint' ? 'an integer' : typeof v;
}

function checkKeys(t: Table, allowed: Set<string>, where: string): void {
  for (const key of Object.keys(t)) {
    if (!allowed.has(key)) fail(`${where}${key}`, 'unknown field');
  }
}

function checkRegex(pattern: string, where: string): void {
  try {
    compileGoRegex(pattern);
  } catch (err) {
    fail(where, (err as Error).message);
  }
}

function parseAllowlist(raw: unknown, where: string, global: boolean): GitleaksAllowlist {
  if (!isTable(raw)) fail(where, `must be a table, got ${describe(raw)}`);
  const w = `${where}: `;
  checkKeys(raw, ALLOWLIST_KEYS, w);
  const conditionRaw = optString(raw, 'condition', w) ?? 'OR';
  const condition = conditionRaw.toUpperCase();
  if (condition !== 'OR' && condition !== 'AND') fail(`${w}condition`, `must be "OR" or "AND", got "${conditionRaw}"`);
  const regexTarget = (optString(raw, 'regexTarget', w) ?? 'secret') as RegexTarget;
  if (!['secret', 'match', 'line'].includes(regexTarget)) {
    fail(`${w}regexTarget`, `must be "secret", "match" or "line", got "${regexTarget}"`);
  }
  const regexes = stringArray(raw, 'regexes', w);
  for (const [i, r] of regexes.entries()) checkRegex(r, `${w}regexes[${i}]`);
  const paths = stringArray(raw, 'paths', w);
  for (const [i, r] of paths.entries()) checkRegex(r, `${w}paths[${i}]`);
  const targetRules = stringArray(raw, 'targetRules', w);
  if (!global && targetRules.length > 0) fail(`${w}targetRules`, 'is only allowed in the global [[allowlists]]');
  const list: GitleaksAllowlist = {
    condition,
    paths,
    regexes,
    regexTarget,
    stopwords: stringArray(raw, 'stopwords', w),
    commits: stringArray(raw, 'commits', w),
    targetRules,
  };
  const description = optString(raw, 'description', w);
  if (description !== undefined) list.description = description;
  if (list.paths.length + list.regexes.length + list.stopwords.length + list.commits.length === 0) {
    fail(where, 'an allowlist needs at least one of paths, regexes, stopwords or commits');
  }
  return list;
}

function parseRule(raw: unknown, index: number, source: string): GitleaksRule {
  if (!isTable(raw)) fail(`rules[${index}]`, `must be a table, got ${describe(raw)}`);
  const idRaw = raw['id'];
  if (typeof idRaw !== 'string' || idRaw.trim() === '') fail(`rules[${index}]: id`, 'is required (a non-empty string)');
  const where = `rules[${index}] (id "${idRaw}")`;
  const w = `${where}: `;
  checkKeys(raw, RULE_KEYS, w);
  const rule: GitleaksRule = {
    id: idRaw,
    description: optString(raw, 'description', w) ?? '',
    keywords: stringArray(raw, 'keywords', w),
    tags: stringArray(raw, 'tags', w),
    allowlists: [],
    fieldsSet: new Set(Object.keys(raw)),
    origin: `${source}: ${where}`,
  };
  const regex = optString(raw, 'regex', w);
  if (regex !== undefined) {
    if (regex === '') fail(`${w}regex`, 'must not be empty');
    let groups = 0;
    try {
      groups = groupCount(compileGoRegex(regex));
    } catch (err) {
      fail(`${w}regex`, (err as Error).message);
    }
    rule.regex = regex;
    const sg = raw['secretGroup'];
    if (sg !== undefined) {
      const n = typeof sg === 'bigint' ? Number(sg) : sg;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
        fail(`${w}secretGroup`, `must be a non-negative integer, got ${describe(sg)}`);
      }
      if (n > groups) fail(`${w}secretGroup`, `is ${n} but the regex has ${groups} capture group(s)`);
      rule.secretGroup = n;
    }
  } else if (raw['secretGroup'] !== undefined) {
    fail(`${w}secretGroup`, 'needs a regex');
  }
  const path = optString(raw, 'path', w);
  if (path !== undefined) {
    checkRegex(path, `${w}path`);
    rule.path = path;
  }
  const entropy = raw['entropy'];
  if (entropy !== undefined) {
    const n = typeof entropy === 'bigint' ? Number(entropy) : entropy;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      fail(`${w}entropy`, `must be a non-negative number, got ${describe(entropy)}`);
    }
    rule.entropy = n;
  }
  for (const [i, k] of rule.keywords.entries()) {
    if (k.trim() === '') fail(`${w}keywords[${i}]`, 'must not be empty');
  }
  if (raw['allowlist'] !== undefined) rule.allowlists.push(parseAllowlist(raw['allowlist'], `${w}allowlist`, false));
  const lists = raw['allowlists'];
  if (lists !== undefined) {
    if (!Array.isArray(lists)) fail(`${w}allowlists`, `must be an array of tables ([[rules.allowlists]]), got ${describe(lists)}`);
    for (const [i, l] of lists.entries()) rule.allowlists.push(parseAllowlist(l, `${w}allowlists[${i}]`, false));
  }
  return rule;
}

/**
 * Parse gitleaks TOML. A rule may leave out `regex` and `path` only to override a rule of the same
 * id from an earlier config (createSecretScanner checks that). `sourceName` (a file name, or "built-in rules") starts every error message:
 * `.gitleaks.toml: rules[3] (id "x"): regex: Invalid group`.
 */
export function parseGitleaksToml(text: string, sourceName: string): GitleaksConfig {
  try {
    return parseInner(text, sourceName);
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(`${sourceName}: ${err.message}`);
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new Error(`${sourceName}: invalid TOML at line ${err.line}, column ${err.column}: ${first}`);
    }
    throw err;
  }
}

function parseInner(text: string, source: string): GitleaksConfig {
  const doc = parseToml(text) as Table;
  checkKeys(doc, TOP_KEYS, '');
  const config: GitleaksConfig = { source, extend: { disabledRules: [] }, rules: [], allowlists: [] };
  const title = optString(doc, 'title', '');
  if (title !== undefined) config.title = title;

  const extend = doc['extend'];
  if (extend !== undefined) {
    if (!isTable(extend)) fail('extend', `must be a table, got ${describe(extend)}`);
    checkKeys(extend, EXTEND_KEYS, 'extend.');
    if (extend['path'] !== undefined || extend['url'] !== undefined) {
      fail(`extend.${extend['path'] !== undefined ? 'path' : 'url'}`, 'is not supported: pass every config file to CEE itself');
    }
    const useDefault = extend['useDefault'];
    if (useDefault !== undefined) {
      if (typeof useDefault !== 'boolean') fail('extend.useDefault', `must be true or false, got ${describe(useDefault)}`);
      config.extend.useDefault = useDefault;
    }
    config.extend.disabledRules = stringArray(extend, 'disabledRules', 'extend.');
  }

  const rules = doc['rules'];
  if (rules !== undefined) {
    if (!Array.isArray(rules)) fail('rules', `must be an array of tables ([[rules]]), got ${describe(rules)}`);
    const seen = new Map<string, number>();
    for (const [i, r] of rules.entries()) {
      const rule = parseRule(r, i, source);
      const before = seen.get(rule.id);
      if (before !== undefined) fail(`rules[${i}] (id "${rule.id}")`, `duplicate id (also rules[${before}])`);
      seen.set(rule.id, i);
      config.rules.push(rule);
    }
  }

  if (doc['allowlist'] !== undefined) config.allowlists.push(parseAllowlist(doc['allowlist'], 'allowlist', true));
  const lists = doc['allowlists'];
  if (lists !== undefined) {
    if (!Array.isArray(lists)) fail('allowlists', `must be an array of tables ([[allowlists]]), got ${describe(lists)}`);
    for (const [i, l] of lists.entries()) config.allowlists.push(parseAllowlist(l, `allowlists[${i}]`, true));
  }
  return config;
}
