import type { RuleRef } from '../errors/index.js';

/**
 * Rule ids. They double as the `reason_class` reported in `--json` output.
 */
export type RuleId =
  | 'malformed'
  | 'unsupported_format'
  | 'header_mismatch'
  | 'parser_differential'
  | 'path_traversal'
  | 'absolute_path'
  | 'invalid_path_chars'
  | 'path_collision'
  | 'git_internal'
  | 'git_metadata'
  | 'exec_config'
  | 'scanner_config'
  | 'symlink'
  | 'gitlink'
  | 'mode_change'
  | 'binary_patch'
  | 'deny_path'
  | 'disallowed_extension'
  | 'out_of_scope'
  | 'max_files'
  | 'max_added_loc'
  | 'secret'
  | 'install_script'
  | 'delete'
  | 'api_change'
  | 'require_plan'
  | (string & {});

export type Verdict = 'allow' | 'approval' | 'deny';

/** One entry of the decision log: which rule decided what, about which path, and where the rule came from. */
export interface Decision {
  rule: RuleId;
  /** Error code, e.g. `GUARDRAIL_DENY_PATH`. */
  code: string;
  verdict: Verdict;
  message: string;
  path?: string;
  /** Where the rule came from: `{ id, file: 'built-in' | 'codex_engine/tools/guardrails.json', key: 'denyPaths[1]' }`. */
  source: RuleRef;
}

export type Tier = 'low' | 'medium' | 'high';

export interface TierResult {
  tier: Tier;
  /** The detectors that fired, e.g. `['comment-only']`, `['delete:src/legacy.ts']`, `['api-change:src/util.ts#greet']`. */
  reasons: string[];
}

export function decisionCode(rule: string): string {
  return `GUARDRAIL_${rule.toUpperCase()}`;
}

/** The overall verdict: any deny wins, then approval, else allow. */
export function overallVerdict(decisions: readonly Decision[]): Verdict {
  if (decisions.some((d) => d.verdict === 'deny')) return 'deny';
  if (decisions.some((d) => d.verdict === 'approval')) return 'approval';
  return 'allow';
}
