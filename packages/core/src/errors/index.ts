/**
 * Typed errors. Library code throws these; only the CLI entry maps `exit` to a process exit code.
 * Exit codes follow the contract: 1 step failed, 2 bad usage/config/input, 3 guardrail or secret,
 * 4 waiting for approval, 5 repository locked.
 */
export type ExitCode = 0 | 1 | 2 | 3 | 4 | 5;

export interface RuleRef {
  /** Rule id, e.g. `deny_path`. */
  id: string;
  /** Where the rule came from: a config file path relative to the repo, or `built-in`. */
  file: string;
  /** The key inside that file, e.g. `denyPaths[0]`. */
  key: string;
}

export interface CeeErrorOptions {
  cause?: unknown;
  rule?: RuleRef;
  plugin?: string;
  hook?: string;
  details?: Record<string, unknown>;
}

export class CeeError extends Error {
  readonly code: string;
  readonly exit: ExitCode;
  readonly rule: RuleRef | undefined;
  readonly plugin: string | undefined;
  readonly hook: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, exit: ExitCode, message: string, options: CeeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exit = exit;
    this.rule = options.rule;
    this.plugin = options.plugin;
    this.hook = options.hook;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      exit: this.exit,
      message: this.message,
      ...(this.rule ? { rule: this.rule } : {}),
      ...(this.plugin ? { plugin: this.plugin } : {}),
      ...(this.hook ? { hook: this.hook } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Exit 1: the step ran and failed (tests red, linter findings). */
export class StepFailedError extends CeeError {
  constructor(code: string, message: string, options?: CeeErrorOptions) {
    super(code, 1, message, options);
  }
}

/** Exit 2: bad usage (arguments). */
export class UsageError extends CeeError {
  constructor(message: string, options?: CeeErrorOptions) {
    super('USAGE', 2, message, options);
  }
}

/** Exit 2: a config file is invalid. The message names the file, the field and the problem. */
export class ConfigError extends CeeError {
  readonly file: string;
  constructor(file: string, message: string, options?: CeeErrorOptions) {
    super('CONFIG_INVALID', 2, message, options);
    this.file = file;
  }
}

/** Exit 2: bad input (a patch that does not apply, a missing file, corrupt state). */
export class InputError extends CeeError {
  constructor(code: string, message: string, options?: CeeErrorOptions) {
    super(code, 2, message, options);
  }
}

/** Exit 3: blocked by a guardrail or a secret. */
export class GuardrailError extends CeeError {
  readonly decisions: readonly unknown[];
  constructor(code: string, message: string, decisions: readonly unknown[] = [], options?: CeeErrorOptions) {
    super(code, 3, message, options);
    this.decisions = decisions;
  }
}

/** Exit 4: a person's answer is needed (approval, or a prompt under --yes). */
export class ApprovalRequiredError extends CeeError {
  constructor(code: string, message: string, options?: CeeErrorOptions) {
    super(code, 4, message, options);
  }
}

/** Exit 5: another cee holds the repository lock. */
export class LockedError extends CeeError {
  constructor(message: string, options?: CeeErrorOptions) {
    super('REPO_LOCKED', 5, message, options);
  }
}

/** A bug or an unexpected environment failure (git missing, disk full). Exit 1 with an internal code. */
export class InternalError extends CeeError {
  constructor(message: string, options?: CeeErrorOptions) {
    super('INTERNAL', 1, message, options);
  }
}

export function isCeeError(e: unknown): e is CeeError {
  return e instanceof CeeError;
}
