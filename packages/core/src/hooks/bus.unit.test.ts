import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeeError } from '../errors/index.js';
import type { HookInput, HookName } from './api.js';
import { collectFindings, collectPlanContext, createHookBus, type HookBus } from './bus.js';
import { PluginError } from './errors.js';
import { loadExtensions, type LoadedPlugin } from './loader.js';

let repo: string;
let logs: string[];
const logger = {
  info: (m: string) => logs.push(`info ${m}`),
  warn: (m: string) => logs.push(`warn ${m}`),
  error: (m: string) => logs.push(`error ${m}`),
};

beforeEach(async () => {
  repo = await realpath(await mkdtemp(path.join(tmpdir(), 'cee-bus-')));
  logs = [];
});

afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

let counter = 0;
/** Write each source as a module in the repository and load them all through the real loader. */
async function load(...sources: Array<string | { source: string; hooks?: string[]; options?: Record<string, unknown> }>): Promise<LoadedPlugin[]> {
  const entries = [];
  for (const s of sources) {
    const spec = typeof s === 'string' ? { source: s } : s;
    const rel = `ext/p${counter++}.mjs`;
    await mkdir(path.join(repo, 'ext'), { recursive: true });
    await writeFile(path.join(repo, rel), spec.source);
    entries.push({ name: `./${rel}`, options: spec.options ?? {}, ...(spec.hooks ? { hooks: spec.hooks } : {}) });
  }
  return (await loadExtensions(entries, { repoRoot: repo, manifestFile: 'codex_engine/tools/extension_manifest.json' })).plugins;
}

const plugin = (name: string, hooks: string) => `export default { meta: { name: '${name}', version: '1.0.0' }, hooks: { ${hooks} } };`;

const RUN = { run: { id: 'r1', repoRoot: '/repo', command: 'run' } };
const PLAN = { objective: 'Add slugify', steps: [{ id: 1, title: 'Add slugify', files: ['src/util.ts'] }] };
const STEP = PLAN.steps[0]!;
const CHANGE = { files: [{ path: 'src/util.ts', status: 'M' }], diff: '+export const x = 1;\n' };

async function rejection(p: Promise<unknown>): Promise<PluginError> {
  const e = await p.then(
    () => {
      throw new Error('expected a PluginError');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PluginError);
  expect(e).toBeInstanceOf(CeeError);
  expect((e as PluginError).exit).toBe(1);
  return e as PluginError;
}

describe('createHookBus: calling hooks', () => {
  it('gives each hook the lifecycle data plus its own options, a prefixed logger and a signal', async () => {
    globalThis.__seen = [];
    const plugins = await load({
      source: plugin('a', `'pre-edit': (ctx) => { globalThis.__seen.push({ ...ctx, logger: typeof ctx.logger.info, signal: ctx.signal instanceof AbortSignal }); ctx.logger.info('hello'); }`),
      options: { level: 2 },
    });
    const bus = createHookBus(plugins, { logger });
    const out = await bus.run('pre-edit', { ...RUN, plan: PLAN, step: STEP });
    expect(out).toEqual([{ plugin: 'a', result: undefined }]);
    expect(globalThis.__seen).toEqual([{ ...RUN, plan: PLAN, step: STEP, options: { level: 2 }, logger: 'function', signal: true }]);
    expect(logs).toEqual(['info [a] hello']);
  });

  it('runs sequential hooks in manifest order, one after the other', async () => {
    globalThis.__order = [];
    const slow = (name: string, ms: number) =>
      plugin(name, `'pre-edit': async () => { globalThis.__order.push('start ${name}'); await new Promise((r) => setTimeout(r, ${ms})); globalThis.__order.push('end ${name}'); }`);
    const bus = createHookBus(await load(slow('one', 30), slow('two', 1)), { logger });
    await bus.run('pre-edit', { ...RUN, plan: PLAN, step: STEP });
    expect(globalThis.__order).toEqual(['start one', 'end one', 'start two', 'end two']);
  });

  it('runs parallel hooks together and returns outcomes in manifest order', async () => {
    globalThis.__order = [];
    const slow = (name: string, ms: number) =>
      plugin(name, `'post-edit': async () => { globalThis.__order.push('start ${name}'); await new Promise((r) => setTimeout(r, ${ms})); globalThis.__order.push('end ${name}'); }`);
    const bus = createHookBus(await load(slow('one', 30), slow('two', 1)), { logger });
    const out = await bus.run('post-edit', { ...RUN, plan: PLAN, step: STEP, change: CHANGE });
    expect(globalThis.__order).toEqual(['start one', 'start two', 'end two', 'end one']);
    expect(out.map((o) => o.plugin)).toEqual(['one', 'two']);
  });

  it('calls only the enabled hooks and only the extensions that have them', async () => {
    globalThis.__calls = [];
    const plugins = await load(
      { source: plugin('a', `'pre-plan': () => { globalThis.__calls.push('a'); }, 'post-plan': () => { globalThis.__calls.push('a post'); }`), hooks: ['post-plan'] },
      plugin('b', `'pre-plan': () => { globalThis.__calls.push('b'); }`),
    );
    const bus = createHookBus(plugins, { logger });
    expect(bus.has('pre-plan')).toBe(true);
    expect(bus.has('on-failure')).toBe(false);
    expect(await bus.run('pre-plan', RUN)).toEqual([{ plugin: 'b', result: undefined }]);
    await bus.run('post-plan', { ...RUN, plan: PLAN });
    expect(globalThis.__calls).toEqual(['b', 'a post']);
    expect(await bus.run('on-failure', { ...RUN, error: { code: 'X', message: 'x' } })).toEqual([]);
  });

  it('gives each extension its own copy of the lifecycle data', async () => {
    const plugins = await load(
      plugin('mutator', `'pre-edit': (ctx) => { ctx.step.files.push('/etc/passwd'); ctx.plan.objective = 'evil'; }`),
      plugin('reader', `'pre-edit': (ctx) => { globalThis.__files = [...ctx.step.files, ctx.plan.objective]; }`),
    );
    const input = { ...RUN, plan: structuredClone(PLAN), step: structuredClone(STEP) };
    await createHookBus(plugins, { logger }).run('pre-edit', input);
    expect(globalThis.__files).toEqual(['src/util.ts', 'Add slugify']);
    expect(input.step.files).toEqual(['src/util.ts']);
  });
});

describe('createHookBus: errors are tagged with plugin and hook', () => {
  it('wraps a thrown error as PluginError PLUGIN_HOOK_FAILED and blocks the pre-hook phase', async () => {
    globalThis.__calls = [];
    const plugins = await load(
      plugin('ok', `'pre-checkpoint': () => { globalThis.__calls.push('ok'); }`),
      plugin('gate', `'pre-checkpoint': () => { const e = new Error('ticket not approved'); e.code = 'E_GATE'; throw e; }`),
      plugin('after', `'pre-checkpoint': () => { globalThis.__calls.push('after'); }`),
    );
    const bus = createHookBus(plugins, { logger });
    const err = await rejection(bus.run('pre-checkpoint', { ...RUN, plan: PLAN, step: STEP, change: CHANGE }, 'step:1'));
    expect(err.code).toBe('PLUGIN_HOOK_FAILED');
    expect(err.plugin).toBe('gate');
    expect(err.hook).toBe('pre-checkpoint');
    expect(err.message).toBe('Extension "gate" failed in pre-checkpoint: ticket not approved');
    expect(err.details).toEqual({ causeCode: 'E_GATE' });
    expect((err.cause as Error).message).toBe('ticket not approved');
    expect(err.toJSON()).toMatchObject({ code: 'PLUGIN_HOOK_FAILED', exit: 1, plugin: 'gate', hook: 'pre-checkpoint' });
    // Blocked: the extension after it never ran.
    expect(globalThis.__calls).toEqual(['ok']);
  });

  it('catches synchronous throws and non-Error values', async () => {
    const bus = createHookBus(await load(plugin('s', `'post-plan': () => { throw 'just a string'; }`)), { logger });
    const err = await rejection(bus.run('post-plan', { ...RUN, plan: PLAN }));
    expect(err.message).toBe('Extension "s" failed in post-plan: just a string');
  });

  it('lets every parallel hook settle, then reports the first failure in manifest order', async () => {
    globalThis.__done = [];
    const plugins = await load(
      plugin('slow-ok', `'post-edit': async () => { await new Promise((r) => setTimeout(r, 20)); globalThis.__done.push('slow-ok'); }`),
      plugin('bad1', `'post-edit': async () => { await new Promise((r) => setTimeout(r, 10)); throw new Error('one'); }`),
      plugin('bad2', `'post-edit': async () => { throw new Error('two'); }`),
    );
    const err = await rejection(createHookBus(plugins, { logger }).run('post-edit', { ...RUN, plan: PLAN, step: STEP, change: CHANGE }));
    expect(err.plugin).toBe('bad1');
    expect(globalThis.__done).toEqual(['slow-ok']);
  });

  it('times out a hook (PLUGIN_HOOK_TIMEOUT) and aborts its signal', async () => {
    const plugins = await load(
      plugin('hang', `'pre-plan': (ctx) => new Promise((resolve) => { ctx.signal.addEventListener('abort', () => { globalThis.__aborted = ctx.signal.reason.code; resolve(); }); })`),
    );
    const bus = createHookBus(plugins, { logger, timeoutMs: 50 });
    const started = Date.now();
    const err = await rejection(bus.run('pre-plan', RUN));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err.code).toBe('PLUGIN_HOOK_TIMEOUT');
    expect(err.plugin).toBe('hang');
    expect(err.hook).toBe('pre-plan');
    expect(err.message).toBe('Extension "hang" did not finish pre-plan within 50 ms');
    expect(globalThis.__aborted).toBe('PLUGIN_HOOK_TIMEOUT');
  });

  it('never lets an on-failure error out: logs it and returns it', async () => {
    globalThis.__calls = [];
    const plugins = await load(
      plugin('bad', `'on-failure': () => { throw new Error('pager down'); }`),
      plugin('hang', `'on-failure': () => new Promise(() => {})`),
      plugin('good', `'on-failure': (ctx) => { globalThis.__calls.push(ctx.error.code); }`),
    );
    const bus = createHookBus(plugins, { logger, timeoutMs: 30 });
    const out = await bus.run('on-failure', { ...RUN, error: { code: 'GUARDRAIL_DENY_PATH', message: 'no', exit: 3 } });
    expect(out.map((o) => [o.plugin, o.error?.code])).toEqual([
      ['bad', 'PLUGIN_HOOK_FAILED'],
      ['hang', 'PLUGIN_HOOK_TIMEOUT'],
      ['good', undefined],
    ]);
    expect(globalThis.__calls).toEqual(['GUARDRAIL_DENY_PATH']);
    expect(logs).toEqual([
      'error Extension "bad" failed in on-failure: pager down (ignored: on-failure never fails the command)',
      'error Extension "hang" did not finish on-failure within 30 ms (ignored: on-failure never fails the command)',
    ]);
  });

  it('rejects a hook name it does not know', async () => {
    const bus = createHookBus([], { logger });
    await expect(bus.run('pre-lint' as HookName, RUN as HookInput<'pre-plan'>)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

describe('createHookBus: results are validated', () => {
  it('collects pre-plan results per plugin', async () => {
    const plugins = await load(
      plugin('jira', `'pre-plan': () => ({ context: { issue: 'ABC-1' }, criteria: ['AC 1', 'AC 2'] })`),
      plugin('quiet', `'pre-plan': () => undefined`),
      plugin('figma', `'pre-plan': async () => ({ criteria: ['matches frame'] })`),
    );
    const out = await createHookBus(plugins, { logger }).run('pre-plan', RUN);
    expect(out).toEqual([
      { plugin: 'jira', result: { context: { issue: 'ABC-1' }, criteria: ['AC 1', 'AC 2'] } },
      { plugin: 'quiet', result: undefined },
      { plugin: 'figma', result: { criteria: ['matches frame'] } },
    ]);
    expect(collectPlanContext(out)).toEqual({ context: [{ plugin: 'jira', context: { issue: 'ABC-1' } }], criteria: ['AC 1', 'AC 2', 'matches frame'] });
  });

  it('rejects a bad pre-plan result, naming plugin, hook and field', async () => {
    const bus = createHookBus(await load(plugin('jira', `'pre-plan': () => ({ criteria: ['ok', 42] })`)), { logger });
    const err = await rejection(bus.run('pre-plan', RUN));
    expect(err.code).toBe('PLUGIN_HOOK_INVALID_RESULT');
    expect(err).toMatchObject({ plugin: 'jira', hook: 'pre-plan' });
    expect(err.message).toContain('Extension "jira" returned an invalid result from pre-plan: criteria[1]:');
    expect(err.details).toMatchObject({ fields: ['criteria[1]'] });
  });

  it('rejects unknown keys and non-objects from pre-plan', async () => {
    const bus = createHookBus(await load(plugin('a', `'pre-plan': () => ({ criterias: [] })`), plugin('b', `'pre-plan': () => 'text'`)), { logger });
    let err = await rejection(bus.run('pre-plan', RUN));
    expect(err.plugin).toBe('a');
    expect(err.message).toMatch(/criterias/);
    err = await rejection(createHookBus([bus.plugins[1]!], { logger }).run('pre-plan', RUN));
    expect(err.message).toContain('(result)');
  });

  it('validates pre-validation findings and collects them tagged with their plugin', async () => {
    const good = await load(
      plugin('lint', `'pre-validation': () => ({ findings: [{ file: 'src/a.ts', line: 3, message: 'no console', severity: 'error' }] })`),
      plugin('style', `'pre-validation': () => ({ findings: [{ file: 'src/b.ts', message: 'long line', severity: 'info' }] })`),
    );
    const input = { ...RUN, plan: PLAN, step: STEP, change: CHANGE };
    const out = await createHookBus(good, { logger }).run('pre-validation', input);
    expect(collectFindings(out)).toEqual([
      { file: 'src/a.ts', line: 3, message: 'no console', severity: 'error', plugin: 'lint' },
      { file: 'src/b.ts', message: 'long line', severity: 'info', plugin: 'style' },
    ]);
    const bad = await load(plugin('lint', `'pre-validation': () => ({ findings: [{ file: 'a', message: 'm', severity: 'fatal', line: 0 }] })`));
    const err = await rejection(createHookBus(bad, { logger }).run('pre-validation', input));
    expect(err.details).toMatchObject({ fields: ['findings[0].line', 'findings[0].severity'] });
  });

  it('ignores what a hook without a result returns', async () => {
    const bus = createHookBus(await load(plugin('a', `'post-plan': () => ({ anything: true })`)), { logger });
    expect(await bus.run('post-plan', { ...RUN, plan: PLAN })).toEqual([{ plugin: 'a', result: undefined }]);
  });
});

describe('createHookBus: each pre-/post- hook fires once per key', () => {
  let bus: HookBus;
  beforeEach(async () => {
    globalThis.__n = 0;
    bus = createHookBus(await load(plugin('count', `'post-edit': () => { globalThis.__n++; }, 'pre-edit': () => { globalThis.__n++; }`)), { logger });
  });
  const input = { ...RUN, plan: PLAN, step: STEP, change: CHANGE };

  it('runs a keyed hook once; other keys and other hooks still fire', async () => {
    expect(await bus.run('post-edit', input, 'step:1')).toHaveLength(1);
    expect(await bus.run('post-edit', input, 'step:1')).toEqual([]);
    expect(globalThis.__n).toBe(1);
    await bus.run('post-edit', input, 'step:2');
    await bus.run('pre-edit', input, 'step:1');
    expect(globalThis.__n).toBe(3);
    expect(bus.hasFired('post-edit', 'step:1')).toBe(true);
    expect(bus.hasFired('post-edit', 'step:3')).toBe(false);
    expect(bus.fired()).toEqual(['post-edit@step:1', 'post-edit@step:2', 'pre-edit@step:1']);
  });

  it('fires a concurrent duplicate once', async () => {
    await Promise.all([bus.run('post-edit', input, 'step:1'), bus.run('post-edit', input, 'step:1')]);
    expect(globalThis.__n).toBe(1);
  });

  it('runs unkeyed calls every time', async () => {
    await bus.run('post-edit', input);
    await bus.run('post-edit', input);
    expect(globalThis.__n).toBe(2);
  });

  it('takes marks from an earlier command', async () => {
    const again = createHookBus(bus.plugins, { logger, fired: ['post-edit@step:1'] });
    expect(await again.run('post-edit', input, 'step:1')).toEqual([]);
    expect(globalThis.__n).toBe(0);
  });

  it('lets a blocked pre-hook fire again (its phase never happened), but not a failed post-hook', async () => {
    globalThis.__fail = true;
    const flaky = await load(
      plugin('flaky', `'pre-edit': () => { globalThis.__n++; if (globalThis.__fail) throw new Error('not yet'); }, 'post-edit': () => { globalThis.__n++; throw new Error('post'); }`),
    );
    const b = createHookBus(flaky, { logger });
    await rejection(b.run('pre-edit', input, 'step:1'));
    globalThis.__fail = false;
    await b.run('pre-edit', input, 'step:1');
    expect(globalThis.__n).toBe(2);
    await rejection(b.run('post-edit', input, 'step:1'));
    expect(await b.run('post-edit', input, 'step:1')).toEqual([]);
    expect(globalThis.__n).toBe(3);
  });
});

describe('createHookBus: fits the engine', () => {
  it('is usable where the engine expects run(hook: string, ctx, key?)', () => {
    interface HookRunner {
      run(hook: string, ctx: Record<string, unknown>, key?: string): Promise<Array<{ plugin: string; result: unknown }>>;
    }
    const runner: HookRunner = createHookBus([], { logger });
    expect(typeof runner.run).toBe('function');
  });
});

declare global {
  var __seen: unknown[];
  var __order: string[];
  var __calls: string[];
  var __files: string[];
  var __aborted: string;
  var __done: string[];
  var __n: number;
  var __fail: boolean;
}
