import { type Decision, decisionCode, type PolicyContext, type RuleId, type Verdict } from '@cgce/core';
import type { RuleRef } from '@cgce/core';
import { displayPath } from '../paths/index.js';

/**
 * Rule order: the most specific / primary reason first. Format problems; paths outside the repository;
 * headers that disagree; built-in protections (.git, git metadata, scanner and exec config); unrepresentable
 * names; file types (symlink, gitlink, binary); configured policy; whole-change limits.
 */
export const RULE_PRIORITY: readonly RuleId[] = [
  'unsupported_format',
  'malformed',
  'absolute_path',
  'path_traversal',
  'header_mismatch',
  'git_internal',
  'git_metadata',
  'scanner_config',
  'exec_config',
  'invalid_path_chars',
  'symlink',
  'gitlink',
  'binary_patch',
  'deny_path',
  'path_collision',
  'parser_differential',
  'disallowed_extension',
  'mode_change',
  'out_of_scope',
  'require_plan',
  'max_files',
  'max_added_loc',
  'install_script',
];

const priorityOf = new Map<string, number>(RULE_PRIORITY.map((r, i) => [r, i]));
const VERDICT_ORDER: Record<Verdict, number> = { deny: 0, approval: 1, allow: 2 };

/** Built-in protection names (the `key` of a built-in rule's source). */
export type BuiltinKey =
  | 'patch-format'
  | 'header-consistency'
  | 'parser-differential'
  | 'path-syntax'
  | 'dotgit'
  | 'git-metadata'
  | 'scanner-config'
  | 'exec-config'
  | 'cee-config'
  | 'symlink'
  | 'gitlink'
  | 'exec-bit'
  | 'binary'
  | 'path-collision'
  | 'install-scripts'
  | 'policy-config'
  | 'internal';

export function builtinSource(rule: RuleId, key: BuiltinKey): RuleRef {
  return { id: rule, file: 'built-in', key };
}

/** Source of a configured rule: the file the guardrails key came from, and the exact key (`denyPaths[2]`). */
export function configSource(rule: RuleId, ctx: PolicyContext | undefined, topKey: string, key: string = topKey): RuleRef {
  const sources = ctx && typeof ctx === 'object' && ctx.sources && typeof ctx.sources === 'object' ? ctx.sources : {};
  const file = typeof sources[topKey] === 'string' ? (sources[topKey] as string) : 'defaults';
  return { id: rule, file, key };
}

export function makeDecision(
  rule: RuleId,
  verdict: Verdict,
  source: RuleRef,
  path: string | undefined,
  why: string,
  joiner = ' ',
): Decision {
  const where = source.file === 'built-in' ? `built-in ${source.key}` : `${source.file} ${source.key}`;
  const subject = path === undefined ? '' : `${displayPath(path)}${joiner}`;
  const d: Decision = {
    rule,
    code: decisionCode(rule),
    verdict,
    message: `${rule}: ${subject}${why} (${where})`,
    source,
  };
  if (path !== undefined) d.path = path;
  return d;
}

/** Collects decisions, dropping exact repeats (same rule, path, source key and verdict). */
export class DecisionSink {
  private readonly items: Decision[] = [];
  private readonly seen = new Set<string>();

  add(d: Decision): void {
    const k = `${d.rule}\u0000${d.verdict}\u0000${d.path ?? ''}\u0000${d.source.key}`;
    if (this.seen.has(k)) return;
    this.seen.add(k);
    this.items.push(d);
  }

  addAll(ds: readonly Decision[]): void {
    for (const d of ds) this.add(d);
  }

  deny(rule: RuleId, source: RuleRef, path: string | undefined, why: string, joiner = ' '): void {
    this.add(makeDecision(rule, 'deny', source, path, why, joiner));
  }

  has(pred: (d: Decision) => boolean): boolean {
    return this.items.some(pred);
  }

  /** Decisions added since the sink had `start` items. */
  since(start: number): readonly Decision[] {
    return this.items.slice(start);
  }

  get size(): number {
    return this.items.length;
  }

  /** Deny before approval before allow; within a verdict by rule priority; stable otherwise. */
  sorted(): Decision[] {
    return this.items
      .map((d, i) => ({ d, i }))
      .sort((x, y) => {
        const v = VERDICT_ORDER[x.d.verdict] - VERDICT_ORDER[y.d.verdict];
        if (v !== 0) return v;
        const p = (priorityOf.get(x.d.rule) ?? 999) - (priorityOf.get(y.d.rule) ?? 999);
        return p !== 0 ? p : x.i - y.i;
      })
      .map((x) => x.d);
  }
}

/** The decision returned when something unexpected happened inside the engine: fail closed. */
export function internalFailure(where: string, err: unknown): Decision {
  const msg = err instanceof Error ? err.message : String(err);
  return makeDecision(
    'malformed',
    'deny',
    builtinSource('malformed', 'internal'),
    undefined,
    `could not be checked (${where} failed: ${msg.slice(0, 200)}); failing closed`,
  );
}
