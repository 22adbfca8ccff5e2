/**
 * The plugin-author API: hook names, the typed context each hook receives, what it may return, and
 * `definePlugin`. Everything here is types plus two constants — a plugin needs nothing else of ours.
 *
 * Each lifecycle context extends the previous one (run → plan → step → change → test results → checkpoint),
 * so a hook sees everything that exists at its point of the cycle.
 */

/** The version of the host plugin API this build of cee provides. A plugin declares the range it supports. */
export const HOST_API_VERSION = '1.0.0';

/** Every hook, in lifecycle order. */
export const HOOK_NAMES = [
  'pre-plan',
  'post-plan',
  'pre-edit',
  'post-edit',
  'pre-validation',
  'post-validation',
  'pre-checkpoint',
  'post-checkpoint',
  'pre-restore',
  'post-restore',
  'on-failure',
] as const;

export type HookName = (typeof HOOK_NAMES)[number];

export function isHookName(value: string): value is HookName {
  return (HOOK_NAMES as readonly string[]).includes(value);
}

/** Options as they sit in the manifest (before the plugin's own schema parses them). */
export type PluginOptions = Record<string, unknown>;

/** What a hook may log with. Messages are prefixed with the extension's name by the host. */
export interface HookLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RunInfo {
  /** The run's id, or null before a run exists (e.g. `cee restore` outside a run). */
  id: string | null;
  /** Absolute path of the repository root. */
  repoRoot: string;
  /** The cee command that fired the hook: `plan`, `edit`, `test`, `checkpoint`, `restore`, `merge`, `run`. */
  command: string;
}

export interface StepInfo {
  /** Steps are numbered from 1. */
  id: number;
  title: string;
  goal?: string;
  /** The step's scope: globs. */
  files: string[];
}

export interface PlanInfo {
  objective: string;
  steps: StepInfo[];
  acceptance?: string[];
}

export interface ChangedFile {
  path: string;
  /** Git's status letter: A, M, D, R, C, T. */
  status: string;
}

export interface ChangeInfo {
  files: ChangedFile[];
  /** The unified diff, when the host has it (secrets redacted). */
  diff?: string;
}

export interface TestResults {
  passed: number;
  failed: number;
}

export interface CheckpointInfo {
  /** `codex-cp-<N>`. */
  tag: string;
  commit: string;
}

export interface FailureInfo {
  /** The error's own code, e.g. `GUARDRAIL_DENY_PATH`. */
  code: string;
  message: string;
  /** The exit code the command ends with. */
  exit?: number;
}

export type FindingSeverity = 'error' | 'warning' | 'info';

export interface Finding {
  file: string;
  line?: number;
  message: string;
  severity: FindingSeverity;
}

/**
 * What every hook receives. The lifecycle data are optional here; each hook's own context (below) makes
 * required what necessarily exists at its point.
 */
export interface HookContextBase<O = PluginOptions> {
  run: RunInfo;
  /** The objective, when the command was given one (`cee plan "…"`, `cee run "…"`). */
  objective?: string;
  plan?: PlanInfo;
  step?: StepInfo;
  change?: ChangeInfo;
  tests?: TestResults;
  checkpoint?: CheckpointInfo;
  error?: FailureInfo;
  /** The extension's options, validated by its own `optionsSchema` when it has one. */
  options: O;
  logger: HookLogger;
  /** Aborted when the hook runs past its time limit: pass it to `fetch` and friends. */
  signal: AbortSignal;
}

/** `pre-plan`: the run exists; a plan may not. */
export interface RunContext<O = PluginOptions> extends HookContextBase<O> {}
/** `post-plan`. */
export interface PlanContext<O = PluginOptions> extends RunContext<O> {
  plan: PlanInfo;
}
/** `pre-edit`. */
export interface StepContext<O = PluginOptions> extends PlanContext<O> {
  step: StepInfo;
}
/** `post-edit`, `pre-validation`, `pre-checkpoint`. */
export interface ChangeContext<O = PluginOptions> extends StepContext<O> {
  change: ChangeInfo;
}
/** `post-validation`. */
export interface TestContext<O = PluginOptions> extends ChangeContext<O> {
  tests: TestResults;
}
/** `post-checkpoint` (`tests` is there when tests ran). */
export interface CheckpointContext<O = PluginOptions> extends ChangeContext<O> {
  checkpoint: CheckpointInfo;
}
/** `pre-restore`, `post-restore`: the checkpoint being restored. */
export interface RestoreContext<O = PluginOptions> extends RunContext<O> {
  checkpoint: CheckpointInfo;
}
/** `on-failure`: whatever existed when the command failed, plus the error. */
export interface FailureContext<O = PluginOptions> extends RunContext<O> {
  error: FailureInfo;
}

/** The context each hook receives. */
export interface HookContexts<O = PluginOptions> {
  'pre-plan': RunContext<O>;
  'post-plan': PlanContext<O>;
  'pre-edit': StepContext<O>;
  'post-edit': ChangeContext<O>;
  'pre-validation': ChangeContext<O>;
  'post-validation': TestContext<O>;
  'pre-checkpoint': ChangeContext<O>;
  'post-checkpoint': CheckpointContext<O>;
  'pre-restore': RestoreContext<O>;
  'post-restore': RestoreContext<O>;
  'on-failure': FailureContext<O>;
}

/** `pre-plan` may hand the planner extra context and acceptance criteria; the plan records both. */
export interface PrePlanResult {
  context?: unknown;
  criteria?: string[];
}

/** `pre-validation` may report findings; an `error` finding fails the step (exit 1). */
export interface PreValidationResult {
  findings?: Finding[];
}

/** What each hook may return (after the host validated it). */
export interface HookResults {
  'pre-plan': PrePlanResult | undefined;
  'post-plan': undefined;
  'pre-edit': undefined;
  'post-edit': undefined;
  'pre-validation': PreValidationResult | undefined;
  'post-validation': undefined;
  'pre-checkpoint': undefined;
  'post-checkpoint': undefined;
  'pre-restore': undefined;
  'post-restore': undefined;
  'on-failure': undefined;
}

type Awaitable<T> = T | Promise<T>;

/** One signature per hook. A `pre-` hook blocks its phase by throwing; only pre-plan and pre-validation return data. */
export type HookFn<H extends HookName, O = PluginOptions> = HookResults[H] extends undefined
  ? (ctx: HookContexts<O>[H]) => Awaitable<void>
  : (ctx: HookContexts<O>[H]) => Awaitable<HookResults[H]>;

export type HookMap<O = PluginOptions> = { [H in HookName]: HookFn<H, O> };

/** The data a caller hands the bus; the bus adds `options`, `logger` and `signal` per extension. */
export type HookInput<H extends HookName> = Omit<HookContexts[H], 'options' | 'logger' | 'signal'>;

/**
 * A schema for the extension's options. zod schemas fit as they are (`z.object({...})`); a plugin without
 * zod can write the one method by hand.
 */
export interface OptionsSchema<O = PluginOptions> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: O }
    | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

export interface OptionsIssue {
  path: PropertyKey[];
  message: string;
}

/** What a hand-written options check reports problems to. */
export interface OptionsIssues {
  add(path: PropertyKey | PropertyKey[], message: string): void;
}

/**
 * An OptionsSchema without zod: `parse` reads the options object, reports each problem with its path and
 * returns the parsed options. Keys outside `known` (when given) are reported as unknown.
 */
export function defineOptionsSchema<O>(
  parse: (options: Record<string, unknown>, issues: OptionsIssues) => O,
  settings: { known?: readonly string[] } = {},
): OptionsSchema<O> {
  return {
    safeParse(value) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { success: false, error: { issues: [{ path: [], message: 'must be an object' }] } };
      }
      const found: OptionsIssue[] = [];
      const issues: OptionsIssues = { add: (path, message) => found.push({ path: Array.isArray(path) ? path : [path], message }) };
      const record = value as Record<string, unknown>;
      if (settings.known) {
        for (const key of Object.keys(record)) {
          if (!settings.known.includes(key)) issues.add(key, `is not an option (options: ${settings.known.join(', ') || 'none'})`);
        }
      }
      const data = parse(record, issues);
      return found.length ? { success: false, error: { issues: found } } : { success: true, data };
    },
  };
}

export interface PluginMeta {
  name: string;
  version: string;
  /** The semver range of the host plugin API the plugin supports, e.g. `^1.0.0`. See HOST_API_VERSION. */
  hostApi?: string;
}

export interface Plugin<O = PluginOptions> {
  meta: PluginMeta;
  optionsSchema?: OptionsSchema<O>;
  hooks: Partial<HookMap<O>>;
}

/**
 * The factory form: called once with the options from the manifest. Give the function an `optionsSchema`
 * property to have them validated before it runs; otherwise it receives them as written, and the schema of
 * the plugin it returns validates what its hooks see as `ctx.options`.
 */
export type PluginFactory<O = PluginOptions> = ((options: O) => Plugin<O> | Promise<Plugin<O>>) & {
  optionsSchema?: OptionsSchema<O>;
};

/** Types only: returns its argument. A plain object literal default export is accepted the same way. */
export function definePlugin<O = PluginOptions>(plugin: Plugin<O>): Plugin<O>;
export function definePlugin<O = PluginOptions>(factory: PluginFactory<O>): PluginFactory<O>;
export function definePlugin<O>(plugin: Plugin<O> | PluginFactory<O>): Plugin<O> | PluginFactory<O> {
  return plugin;
}
