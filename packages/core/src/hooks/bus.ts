import { formatPath } from '../config/validate.js';
import { CeeError, InternalError } from '../errors/index.js';
import { isHookName, type Finding, type HookInput, type HookLogger, type HookName, type HookResults } from './api.js';
import { PluginError } from './errors.js';
import { LIFECYCLE } from './lifecycle.js';
import type { LoadedPlugin } from './loader.js';

export const DEFAULT_HOOK_TIMEOUT_MS = 30_000;

export interface HookOutcome<H extends HookName = HookName> {
  plugin: string;
  /** The hook's validated return (undefined for hooks that return nothing). */
  result: HookResults[H];
  /** Only for hooks whose errors never leave the bus (`on-failure`): what went wrong, already logged. */
  error?: PluginError;
}

export interface HookBusOptions {
  /** The host's logger; each extension gets one prefixed with its name. */
  logger: HookLogger;
  /** Per-call limit in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Fire-once marks from earlier commands of the same run (see `HookBus.fired()`), to persist across processes. */
  fired?: Iterable<string>;
}

export interface HookBus {
  readonly plugins: readonly LoadedPlugin[];
  /**
   * Call every enabled extension's `hook` with `input` plus its own options, logger and abort signal.
   * Sequential hooks run in manifest order, parallel ones together; either way the outcomes come back in
   * manifest order. With a `key` (e.g. `step:3`) a hook fires once: a second run with the same hook and key
   * is a no-op returning `[]`. Throws a PluginError (exit 1) tagged with plugin and hook when a hook throws,
   * times out or returns something invalid — except `on-failure`, whose errors are logged and returned.
   */
  run<H extends HookName>(hook: H, input: HookInput<H>, key?: string): Promise<Array<HookOutcome<H>>>;
  /** Is any extension listening to `hook`? (Skip building an expensive context when not.) */
  has(hook: HookName): boolean;
  hasFired(hook: HookName, key: string): boolean;
  /** The fire-once marks so far (`<hook>@<key>`), to store with the run's state. */
  fired(): string[];
}

export function createHookBus(plugins: readonly LoadedPlugin[], options: HookBusOptions): HookBus {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
  const fired = new Set<string>(options.fired ?? []);
  const inflight = new Set<string>();
  const mark = (hook: HookName, key: string) => `${hook}@${key}`;

  async function call<H extends HookName>(plugin: LoadedPlugin, hook: H, input: HookInput<H>): Promise<HookOutcome<H>> {
    const fn = plugin.hooks[hook];
    if (!fn) return { plugin: plugin.name, result: undefined as HookResults[H] };
    const controller = new AbortController();
    const ctx = {
      ...cloneInput(input),
      options: plugin.options,
      logger: prefixed(options.logger, plugin.name),
      signal: controller.signal,
    };
    const timeoutError = new PluginError(
      'PLUGIN_HOOK_TIMEOUT',
      `Extension "${plugin.name}" did not finish ${hook} within ${timeoutMs} ms`,
      { plugin: plugin.name, hook, details: { timeoutMs } },
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(timeoutError);
        reject(timeoutError);
      }, timeoutMs);
    });
    let raw: unknown;
    try {
      // Promise.resolve().then(): a hook that throws synchronously is caught like one that rejects.
      raw = await Promise.race([Promise.resolve().then(() => fn(ctx)), timeout]);
    } catch (e) {
      if (e === timeoutError) throw e;
      throw wrapHookError(e, plugin.name, hook);
    } finally {
      clearTimeout(timer);
    }
    return { plugin: plugin.name, result: checkResult(raw, plugin.name, hook) as HookResults[H] };
  }

  async function runAll<H extends HookName>(hook: H, input: HookInput<H>): Promise<Array<HookOutcome<H>>> {
    const spec = LIFECYCLE[hook];
    const participants = plugins.filter((p) => p.enabledHooks.includes(hook));
    if (!spec.mayThrow) {
      // on-failure: every extension gets its turn; nothing escapes.
      const settled = await Promise.allSettled(participants.map((p) => call(p, hook, input)));
      return settled.map((s, i) => {
        if (s.status === 'fulfilled') return s.value;
        const name = participants[i]!.name;
        const error = s.reason instanceof PluginError ? s.reason : wrapHookError(s.reason, name, hook);
        options.logger.error(`${error.message} (ignored: ${hook} never fails the command)`);
        return { plugin: name, result: undefined as HookResults[H], error };
      });
    }
    if (spec.kind === 'sequential') {
      const outcomes: Array<HookOutcome<H>> = [];
      for (const p of participants) outcomes.push(await call(p, hook, input));
      return outcomes;
    }
    // Parallel: let every call settle (nothing keeps running behind our back), then report the first
    // failure in manifest order.
    const settled = await Promise.allSettled(participants.map((p) => call(p, hook, input)));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<HookOutcome<H>>).value);
  }

  return {
    plugins,
    has: (hook) => plugins.some((p) => p.enabledHooks.includes(hook)),
    hasFired: (hook, key) => fired.has(mark(hook, key)),
    fired: () => [...fired],
    async run(hook, input, key) {
      if (!isHookName(hook)) throw new InternalError(`No such hook: ${String(hook)}`);
      const id = key === undefined ? null : mark(hook, key);
      if (id !== null) {
        if (fired.has(id) || inflight.has(id)) return [];
        inflight.add(id);
      }
      try {
        const outcomes = await runAll(hook, input);
        if (id !== null) fired.add(id);
        return outcomes;
      } catch (e) {
        // A blocked pre-hook means its phase did not happen: trying the phase again fires it again.
        // A post-hook fired, even if it failed.
        if (id !== null && !LIFECYCLE[hook].blocking) fired.add(id);
        throw e;
      } finally {
        if (id !== null) inflight.delete(id);
      }
    },
  };
}

function wrapHookError(e: unknown, plugin: string, hook: HookName): PluginError {
  if (e instanceof PluginError && e.plugin === plugin && e.hook === hook) return e;
  const message = e instanceof Error ? e.message : String(e);
  const details: Record<string, unknown> = {};
  if (e instanceof CeeError) details['causeCode'] = e.code;
  else if (e instanceof Error && 'code' in e && typeof e.code === 'string') details['causeCode'] = e.code;
  return new PluginError('PLUGIN_HOOK_FAILED', `Extension "${plugin}" failed in ${hook}: ${message}`, {
    plugin,
    hook,
    cause: e,
    ...(Object.keys(details).length ? { details } : {}),
  });
}

function checkResult(raw: unknown, plugin: string, hook: HookName): unknown {
  const schema = LIFECYCLE[hook].result;
  if (!schema || raw === undefined || raw === null) return undefined;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.length ? formatPath(i.path) : '(result)', message: i.message }));
  return throwIt(
    new PluginError(
      'PLUGIN_HOOK_INVALID_RESULT',
      `Extension "${plugin}" returned an invalid result from ${hook}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { plugin, hook, details: { fields: issues.map((i) => i.path), issues } },
    ),
  );
}

function throwIt(e: Error): never {
  throw e;
}

/** Each extension gets its own copy of the lifecycle data, so one cannot change what the next one sees. */
function cloneInput<T>(input: T): T {
  try {
    return structuredClone(input);
  } catch {
    return { ...input };
  }
}

function prefixed(logger: HookLogger, name: string): HookLogger {
  return {
    info: (m) => logger.info(`[${name}] ${m}`),
    warn: (m) => logger.warn(`[${name}] ${m}`),
    error: (m) => logger.error(`[${name}] ${m}`),
  };
}

/** Every finding `pre-validation` hooks reported, tagged with the extension that reported it. */
export function collectFindings(outcomes: ReadonlyArray<HookOutcome<'pre-validation'>>): Array<Finding & { plugin: string }> {
  return outcomes.flatMap((o) => (o.result?.findings ?? []).map((f) => ({ ...f, plugin: o.plugin })));
}

/** What `pre-plan` hooks handed the planner: their contexts (per extension) and all criteria, in manifest order. */
export function collectPlanContext(outcomes: ReadonlyArray<HookOutcome<'pre-plan'>>): {
  context: Array<{ plugin: string; context: unknown }>;
  criteria: string[];
} {
  return {
    context: outcomes.filter((o) => o.result?.context !== undefined).map((o) => ({ plugin: o.plugin, context: o.result!.context })),
    criteria: outcomes.flatMap((o) => o.result?.criteria ?? []),
  };
}
