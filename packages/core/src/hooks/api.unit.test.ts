import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  definePlugin,
  defineOptionsSchema,
  HOOK_NAMES,
  HOST_API_VERSION,
  type ChangeContext,
  type HookContexts,
  type OptionsSchema,
  type Plugin,
  type PluginFactory,
  type RunContext,
  type StepContext,
} from './api.js';
import { HOOK_BY_EXPORT_NAME, LIFECYCLE } from './lifecycle.js';
import { classifyExtensionName, installCommand, isValidPackageName } from './resolve.js';
import { satisfiesRange } from './semver.js';

describe('the plugin-author API', () => {
  it('definePlugin returns its argument (types only)', () => {
    const plugin = { meta: { name: 'x', version: '1.0.0' }, hooks: {} };
    expect(definePlugin(plugin)).toBe(plugin);
    const factory = () => plugin;
    expect(definePlugin(factory)).toBe(factory);
  });

  it('types each hook with its own context and return', () => {
    const p = definePlugin<{ site: string }>({
      meta: { name: 'typed', version: '1.0.0', hostApi: '^1.0.0' },
      hooks: {
        'pre-plan': async (ctx) => {
          expectTypeOf(ctx.options.site).toEqualTypeOf<string>();
          expectTypeOf(ctx.run.id).toEqualTypeOf<string | null>();
          return { context: { site: ctx.options.site }, criteria: ['a'] };
        },
        'pre-edit': (ctx) => {
          expectTypeOf(ctx.step.files).toEqualTypeOf<string[]>();
          expectTypeOf(ctx.plan.objective).toEqualTypeOf<string>();
        },
        'pre-validation': (ctx) => ({
          findings: (ctx.change.diff ?? '').includes('TODO') ? [{ file: ctx.change.files[0]!.path, message: 'todo', severity: 'warning' }] : [],
        }),
        'post-validation': (ctx) => {
          expectTypeOf(ctx.tests.failed).toEqualTypeOf<number>();
        },
        'post-checkpoint': (ctx) => {
          expectTypeOf(ctx.checkpoint.tag).toEqualTypeOf<string>();
        },
        'on-failure': (ctx) => {
          expectTypeOf(ctx.error.code).toEqualTypeOf<string>();
        },
      },
    });
    expect(Object.keys(p.hooks)).toHaveLength(6);
    // Each lifecycle context extends the previous one.
    expectTypeOf<StepContext>().toExtend<RunContext>();
    expectTypeOf<ChangeContext>().toExtend<StepContext>();
    expectTypeOf<HookContexts['post-validation']>().toExtend<ChangeContext>();
  });

  it('accepts a zod schema, or a hand-written safeParse, as optionsSchema', () => {
    const zodSchema = z.object({ site: z.url() });
    const fromZod: OptionsSchema<{ site: string }> = zodSchema;
    const byHand: OptionsSchema<{ n: number }> = {
      safeParse: (v) => (typeof v === 'number' ? { success: true, data: { n: v } } : { success: false, error: { issues: [{ path: [], message: 'number' }] } }),
    };
    expect(fromZod.safeParse({ site: 'nope' }).success).toBe(false);
    expect(byHand.safeParse(3)).toEqual({ success: true, data: { n: 3 } });
    const factory: PluginFactory<{ site: string }> = definePlugin((options: { site: string }): Plugin<{ site: string }> => ({
      meta: { name: 'f', version: '1.0.0' },
      optionsSchema: zodSchema,
      hooks: { 'post-plan': () => void options.site },
    }));
    expect(typeof factory).toBe('function');
  });

  it('publishes HOST_API_VERSION as semver', () => {
    expect(HOST_API_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('the lifecycle table', () => {
  it('has one row per hook with its plain-form export name', () => {
    expect(Object.keys(LIFECYCLE)).toEqual([...HOOK_NAMES]);
    expect(HOOK_NAMES.map((h) => LIFECYCLE[h].exportName)).toEqual([
      'onPrePlan',
      'onPostPlan',
      'onPreEdit',
      'onPostEdit',
      'onPreValidation',
      'onPostValidation',
      'onPreCheckpoint',
      'onPostCheckpoint',
      'onPreRestore',
      'onPostRestore',
      'onFailure',
    ]);
    expect(HOOK_BY_EXPORT_NAME.get('onFailure')).toBe('on-failure');
  });

  it('lets exactly the pre- hooks block, validates pre-plan and pre-validation returns, and never throws from on-failure', () => {
    expect(HOOK_NAMES.filter((h) => LIFECYCLE[h].blocking)).toEqual(['pre-plan', 'pre-edit', 'pre-validation', 'pre-checkpoint', 'pre-restore']);
    expect(HOOK_NAMES.filter((h) => LIFECYCLE[h].result)).toEqual(['pre-plan', 'pre-validation']);
    expect(HOOK_NAMES.filter((h) => !LIFECYCLE[h].mayThrow)).toEqual(['on-failure']);
    expect(HOOK_NAMES.filter((h) => LIFECYCLE[h].kind === 'sequential')).toEqual(['pre-plan', 'pre-edit', 'pre-checkpoint', 'pre-restore']);
    expect(Object.isFrozen(LIFECYCLE['pre-plan'])).toBe(true);
  });
});

describe('satisfiesRange (hostApi)', () => {
  const cases: Array<[string, string, boolean | null]> = [
    ['1.0.0', '*', true],
    ['1.0.0', '', true],
    ['1.0.0', 'x', true],
    ['1.0.0', '1.x', true],
    ['1.4.2', '1.x', true],
    ['2.0.0', '1.x', false],
    ['1.0.0', '1', true],
    ['1.2.9', '1.2', true],
    ['1.3.0', '1.2', false],
    ['1.2.5', '1.2.x', true],
    ['1.0.0', '^1.0.0', true],
    ['1.9.9', '^1.2.0', true],
    ['1.1.0', '^1.2.0', false],
    ['2.0.0', '^1.0.0', false],
    ['0.2.5', '^0.2.3', true],
    ['0.3.0', '^0.2.3', false],
    ['0.0.4', '^0.0.3', false],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['1.0.0', '>=1.0.0', true],
    ['0.9.0', '>=1.0.0', false],
    ['1.0.0', '>= 1.0.0 <2', true],
    ['2.0.0', '>=1.0.0 <2.0.0', false],
    ['1.0.0', '>1', false],
    ['2.0.0', '>1', true],
    ['1.5.0', '<=1', true],
    ['1.0.0', '=1.0.0', true],
    ['1.0.1', '1.0.0', false],
    ['3.0.0', '^1.0.0 || ^3.0.0', true],
    ['2.0.0', '^1.0.0 || ^3.0.0', false],
    ['1.0.0-rc.1', '^1.0.0', true],
    ['1.0.0', '1.0.0 - 2.0.0', null],
    ['1.0.0', 'banana', null],
    ['one', '*', null],
  ];
  for (const [version, range, expected] of cases) {
    it(`${version} in "${range}" → ${expected}`, () => {
      expect(satisfiesRange(version, range)).toBe(expected);
    });
  }
});

describe('extension names', () => {
  it('classifies built-ins, packages and paths', () => {
    expect(classifyExtensionName('jira')).toEqual({ kind: 'builtin', packageName: '@cgce/extension-jira' });
    expect(classifyExtensionName('linter')).toEqual({ kind: 'builtin', packageName: '@cgce/extension-linter' });
    expect(classifyExtensionName('@acme/cee-notify')).toEqual({ kind: 'package', packageName: '@acme/cee-notify' });
    expect(classifyExtensionName('highlight.js')).toEqual({ kind: 'package', packageName: 'highlight.js' });
    expect(classifyExtensionName('./x.mjs')).toEqual({ kind: 'path', relativePath: './x.mjs' });
    expect(classifyExtensionName('tools/x.mjs')).toEqual({ kind: 'path', relativePath: 'tools/x.mjs' });
    expect(classifyExtensionName('..\\x.mjs')).toEqual({ kind: 'path', relativePath: '..\\x.mjs' });
    for (const bad of ['/abs/x.mjs', 'C:/x.mjs', 'Upper', '@scope', '.hidden', 'a b', 'node:fs', `${'a'.repeat(215)}`]) {
      expect(classifyExtensionName(bad), bad).toHaveProperty('problem');
    }
  });

  it('checks npm package names strictly', () => {
    expect(isValidPackageName('@cgce/extension-jira')).toBe(true);
    expect(isValidPackageName('cee-ext')).toBe(true);
    expect(isValidPackageName('Cee')).toBe(false);
    expect(isValidPackageName('@a/b/c')).toBe(false);
    expect(isValidPackageName('_private')).toBe(false);
  });

  it('writes install commands per package manager', () => {
    expect(installCommand('pnpm', 'x')).toBe('pnpm add -D x');
    expect(installCommand('npm', 'x')).toBe('npm i -D x');
    expect(installCommand('yarn', 'x')).toBe('yarn add -D x');
    expect(installCommand('bun', 'x')).toBe('bun add -d x');
  });
});

describe('defineOptionsSchema', () => {
  const schema = defineOptionsSchema(
    (o, issues) => {
      if (o['n'] !== undefined && typeof o['n'] !== 'number') issues.add('n', 'must be a number');
      return { n: typeof o['n'] === 'number' ? o['n'] : 1 };
    },
    { known: ['n'] },
  );

  it('returns the parsed options', () => {
    expect(schema.safeParse({})).toEqual({ success: true, data: { n: 1 } });
    expect(schema.safeParse({ n: 5 })).toEqual({ success: true, data: { n: 5 } });
  });

  it('reports problems with their paths, unknown keys and non-objects', () => {
    expect(schema.safeParse({ n: 'x', extra: 1 })).toEqual({
      success: false,
      error: { issues: [{ path: ['extra'], message: 'is not an option (options: n)' }, { path: ['n'], message: 'must be a number' }] },
    });
    expect(schema.safeParse([])).toMatchObject({ success: false, error: { issues: [{ path: [], message: 'must be an object' }] } });
  });
});
