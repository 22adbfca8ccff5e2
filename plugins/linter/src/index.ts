import { defineOptionsSchema, definePlugin, type Finding, type FindingSeverity, type Plugin } from '@cgce/core';
import { addedLines } from './diff.js';

export { addedLines, type AddedLine } from './diff.js';

export const NAME = '@cgce/extension-linter';
export const VERSION = '0.1.0';

export interface ForbiddenPattern {
  pattern: RegExp;
  /** The pattern as written, for messages. */
  source: string;
  message: string | null;
  severity: FindingSeverity;
}

export interface LinterOptions {
  forbid: ForbiddenPattern[];
  /** The severity of a pattern that names none (default `error`: it fails the step). */
  severity: FindingSeverity;
}

const SEVERITIES: readonly FindingSeverity[] = ['error', 'warning', 'info'];
const isSeverity = (v: unknown): v is FindingSeverity => typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v);

export const linterOptionsSchema = defineOptionsSchema<LinterOptions>(
  (o, issues) => {
    let severity: FindingSeverity = 'error';
    if (o['severity'] !== undefined) {
      if (isSeverity(o['severity'])) severity = o['severity'];
      else issues.add('severity', `must be one of ${SEVERITIES.join(', ')}`);
    }
    const forbid: ForbiddenPattern[] = [];
    const raw = o['forbid'] ?? [];
    if (!Array.isArray(raw)) {
      issues.add('forbid', 'must be an array of regular expressions (strings, or { pattern, flags?, message?, severity? })');
      return { forbid, severity };
    }
    raw.forEach((item: unknown, i) => {
      const spec = typeof item === 'string' ? { pattern: item } : item;
      if (typeof spec !== 'object' || spec === null || Array.isArray(spec) || typeof (spec as { pattern?: unknown }).pattern !== 'string') {
        issues.add(['forbid', i], 'must be a regular expression string or { pattern, flags?, message?, severity? }');
        return;
      }
      const { pattern, flags, message, severity: own, ...rest } = spec as Record<string, unknown>;
      for (const key of Object.keys(rest)) issues.add(['forbid', i, key], 'is not a field (fields: pattern, flags, message, severity)');
      if (flags !== undefined && (typeof flags !== 'string' || !/^[imsu]*$/.test(flags))) issues.add(['forbid', i, 'flags'], 'may only use the flags i, m, s, u');
      if (message !== undefined && typeof message !== 'string') issues.add(['forbid', i, 'message'], 'must be a string');
      if (own !== undefined && !isSeverity(own)) issues.add(['forbid', i, 'severity'], `must be one of ${SEVERITIES.join(', ')}`);
      let re: RegExp;
      try {
        re = new RegExp(pattern as string, typeof flags === 'string' ? flags.replace(/[^imsu]/g, '') : '');
      } catch (e) {
        issues.add(typeof item === 'string' ? ['forbid', i] : ['forbid', i, 'pattern'], `is not a valid regular expression: ${(e as Error).message}`);
        return;
      }
      forbid.push({
        pattern: re,
        source: pattern as string,
        message: typeof message === 'string' ? message : null,
        severity: isSeverity(own) ? own : severity,
      });
    });
    return { forbid, severity };
  },
  { known: ['forbid', 'severity'] },
);

/** Findings for every added line of `diff` that matches a forbidden pattern. */
export function findForbidden(diff: string, forbid: readonly ForbiddenPattern[]): Finding[] {
  if (!forbid.length) return [];
  const findings: Finding[] = [];
  for (const added of addedLines(diff)) {
    for (const rule of forbid) {
      if (rule.pattern.test(added.text)) {
        findings.push({
          file: added.file,
          line: added.line,
          // The line itself is left out on purpose: findings end up in logs and ledgers.
          message: rule.message ?? `added line matches forbidden pattern /${rule.source}/`,
          severity: rule.severity,
        });
      }
    }
  }
  return findings;
}

/**
 * The linter extension. `pre-validation` reports added lines of the change that match a forbidden
 * pattern; an `error` finding fails the step. Running real linters comes later (see README).
 */
export default definePlugin((): Plugin<LinterOptions> => ({
  meta: { name: NAME, version: VERSION, hostApi: '^1.0.0' },
  optionsSchema: linterOptionsSchema,
  hooks: {
    'pre-validation': (ctx) => ({ findings: findForbidden(ctx.change.diff ?? '', ctx.options.forbid) }),
  },
}));
