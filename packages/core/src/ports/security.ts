import type { ChangeSet } from '../domain/change.js';
import type { Decision, TierResult } from '../domain/decision.js';
import type { GuardrailsConfig } from '../config/schema.js';

/** A secret the scanner found. `match` is always redacted; the raw secret never leaves the scanner. */
export interface SecretFinding {
  ruleId: string;
  description: string;
  file: string;
  /** 1-based line and column. */
  line: number;
  column: number;
  /** The matched text with the secret part masked, e.g. `AKIA************MPLE`. */
  redacted: string;
  /** sha256 of the raw secret (hex, first 16 chars): lets people dedupe findings without seeing the secret. */
  fingerprint: string;
}

export interface SecretScanner {
  /** Scan one text. `file` is used for path-scoped rules and allowlists and is reported in findings. */
  scanText(text: string, file: string): SecretFinding[];
  /** Replace every secret found in `text` with a redaction marker. */
  redact(text: string): { text: string; findings: SecretFinding[] };
}

/** Where each guardrails setting came from, for the decision log (`{ file, key }` per top-level key). */
export type ConfigSources = Partial<Record<string, string>>;

export interface PolicyContext {
  config: GuardrailsConfig;
  /** File each guardrails key came from (repo-relative), e.g. `{ denyPaths: 'codex_engine/tools/guardrails.json' }`. */
  sources: ConfigSources;
  /** The step's scope (globs); undefined when there is no plan step (then `requirePlan` decides). */
  scope?: string[];
  /** CEE's state folder (the `stateDir` setting, default `codex_engine`): protected like CEE's config files. */
  stateDir?: string;
}

export interface PatchPrecheck {
  /** Deny decisions that come from the raw patch text itself (format, headers, paths, binary, ed scripts). */
  decisions: Decision[];
  /** File patches found in the text, with the paths its headers name (unquoted, prefix-stripped like git -p1). */
  files: Array<{ oldPath?: string; newPath?: string; headerPath?: string }>;
}

export interface PolicyEngine {
  /** Read the raw patch bytes before git sees them: fails closed on anything that is not a plain unified git diff. */
  precheckPatch(patch: Uint8Array, ctx: PolicyContext): PatchPrecheck;
  /**
   * Cross-check what the text claims against what git parsed (`gitFiles` from GitPort.patchFiles): a patch
   * whose headers disagree with git, or that holds more file patches than git reports, is denied.
   */
  crossCheck(precheck: PatchPrecheck, gitFiles: Array<{ path: string; oldPath?: string }>, ctx: PolicyContext): Decision[];
  /** Evaluate the change as git computed it (`GitPort.diffTrees` with lines). */
  evaluate(change: ChangeSet, ctx: PolicyContext): Decision[];
}

export interface FileContents {
  /** Bytes of a path before the change (base tree), or null. */
  before(path: string): Promise<string | null>;
  /** Bytes of a path after the change, or null. */
  after(path: string): Promise<string | null>;
}

export interface TierClassifier {
  classify(change: ChangeSet, contents: FileContents, config: GuardrailsConfig): Promise<TierResult>;
}
