import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.js';
import { HOST_API_VERSION } from './api.js';
import { loadExtensions, type LoadExtensionsOptions, moduleUrl } from './loader.js';

const MANIFEST = 'codex_engine/tools/extension_manifest.json';

let repo: string;
let outside: string;

beforeEach(async () => {
  repo = await realpath(await mkdtemp(path.join(tmpdir(), 'cee-ext-repo-')));
  outside = await realpath(await mkdtemp(path.join(tmpdir(), 'cee-ext-outside-')));
  await writeFile(path.join(repo, 'package.json'), '{"name":"fixture","private":true}\n');
});

afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function put(rel: string, text: string, root = repo): Promise<string> {
  const file = path.join(root, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

function entry(name: string, extra: { hooks?: string[]; options?: Record<string, unknown> } = {}) {
  return { name, options: {}, ...extra };
}

const opts = (more: Partial<LoadExtensionsOptions> = {}): LoadExtensionsOptions => ({ repoRoot: repo, manifestFile: MANIFEST, ...more });

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const e = await p.then(
    () => {
      throw new Error('expected a ConfigError');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConfigError);
  const ce = e as ConfigError;
  expect(ce.exit).toBe(2);
  expect(ce.file).toBe(MANIFEST);
  expect(ce.message).toContain(MANIFEST);
  return ce;
}

const OBJECT_PLUGIN = `
export default {
  meta: { name: 'notify', version: '1.2.3', hostApi: '^1.0.0' },
  hooks: {
    'pre-plan': async (ctx) => ({ criteria: ['from ' + ctx.run.command] }),
    'post-checkpoint': async () => {},
  },
};
`;

describe('loadExtensions: the three module forms', () => {
  it('loads a default-exported plugin object from a repository path', async () => {
    await put('codex_engine/tools/extensions/notify.mjs', OBJECT_PLUGIN);
    const { plugins, warnings } = await loadExtensions([entry('./codex_engine/tools/extensions/notify.mjs')], opts());
    expect(warnings).toEqual([]);
    expect(plugins).toHaveLength(1);
    const p = plugins[0]!;
    expect(p).toMatchObject({
      name: 'notify',
      version: '1.2.3',
      hostApi: '^1.0.0',
      form: 'object',
      index: 0,
      source: { kind: 'path', request: './codex_engine/tools/extensions/notify.mjs', specifier: 'codex_engine/tools/extensions/notify.mjs' },
      enabledHooks: ['pre-plan', 'post-checkpoint'],
    });
    expect(p.source.file).toBe(path.join(repo, 'codex_engine/tools/extensions/notify.mjs'));
    expect(Object.keys(p.hooks).sort()).toEqual(['post-checkpoint', 'pre-plan']);
  });

  it('accepts a repository path written without ./', async () => {
    await put('codex_engine/tools/extensions/notify.mjs', OBJECT_PLUGIN);
    const { plugins } = await loadExtensions([entry('codex_engine/tools/extensions/notify.mjs')], opts());
    expect(plugins[0]!.name).toBe('notify');
  });

  it('calls a factory with the options and validates them with the factory-returned optionsSchema', async () => {
    await put(
      'ext/factory.mjs',
      `
const schema = {
  safeParse(v) {
    if (typeof v.site !== 'string') return { success: false, error: { issues: [{ path: ['site'], message: 'must be a string' }] } };
    return { success: true, data: { site: v.site, retries: v.retries ?? 3 } };
  },
};
export default function factory(options) {
  return {
    meta: { name: 'factory-ext', version: '0.1.0' },
    optionsSchema: schema,
    hooks: { 'pre-plan': (ctx) => ({ context: { seen: options.site, parsed: ctx.options } }) },
  };
}
`,
    );
    const { plugins } = await loadExtensions([entry('./ext/factory.mjs', { options: { site: 'https://x' } })], opts());
    const p = plugins[0]!;
    expect(p.form).toBe('factory');
    expect(p.options).toEqual({ site: 'https://x', retries: 3 });
    const out = await p.hooks['pre-plan']!({ options: p.options } as never);
    expect(out).toEqual({ context: { seen: 'https://x', parsed: { site: 'https://x', retries: 3 } } });

    const err = await configError(loadExtensions([entry('./ext/factory.mjs', { options: { site: 42 } })], opts()));
    expect(err.message).toContain('factory.mjs');
    expect(err.message).toContain('extensions[0].options.site');
    expect(err.message).toContain('must be a string');
    expect(err.details).toMatchObject({ fields: ['extensions[0].options.site'] });
  });

  it('validates options before the factory runs when the factory carries optionsSchema', async () => {
    await put(
      'ext/early.mjs',
      `
let calls = 0;
function factory(options) { calls++; return { meta: { name: 'early', version: '1.0.0' }, hooks: { 'post-plan': () => {} } }; }
factory.optionsSchema = { safeParse: (v) => (v.ok === true ? { success: true, data: { ok: true } } : { success: false, error: { issues: [{ path: ['ok'], message: 'must be true' }] } }) };
export default factory;
export const count = () => calls;
`,
    );
    const err = await configError(loadExtensions([entry('./ext/early.mjs', { options: { ok: false } })], opts()));
    expect(err.message).toContain('extensions[0].options.ok');
    // The very module instance the loader imported (its URL carries the file's version).
    const mod = (await import(await moduleUrl(path.join(repo, 'ext/early.mjs')))) as { count: () => number };
    expect(mod.count()).toBe(0);
  });

  it('loads the plain form (named onX exports), with optional meta and optionsSchema exports', async () => {
    await put(
      'ext/plain.mjs',
      `
export const meta = { name: 'plain-ext', version: '2.0.0' };
export async function onPrePlan() { return { criteria: ['c1'] }; }
export function onFailure() {}
export function helper() {}
`,
    );
    const { plugins } = await loadExtensions([entry('./ext/plain.mjs')], opts());
    expect(plugins[0]).toMatchObject({ name: 'plain-ext', version: '2.0.0', form: 'plain', enabledHooks: ['pre-plan', 'on-failure'] });
  });

  it('an extension edited while the process lives (the cee daemon) is loaded anew, not from the module cache', async () => {
    await put('ext/live.mjs', "export const meta = { name: 'live', version: '1.0.0' };\nexport function onPostEdit() {}\n");
    expect((await loadExtensions([entry('./ext/live.mjs')], opts())).plugins[0]).toMatchObject({ version: '1.0.0' });
    await put('ext/live.mjs', "export const meta = { name: 'live', version: '1.10.0' };\nexport function onPostEdit() {}\nexport function onFailure() {}\n");
    expect((await loadExtensions([entry('./ext/live.mjs')], opts())).plugins[0]).toMatchObject({ version: '1.10.0', enabledHooks: ['post-edit', 'on-failure'] });
  });

  it('names a plain-form file after its file when it exports no meta, and warns about unknown onX exports', async () => {
    await put('ext/bare.mjs', 'export function onPostEdit() {}\nexport function onPreLint() {}\n');
    const { plugins, warnings } = await loadExtensions([entry('./ext/bare.mjs')], opts());
    expect(plugins[0]).toMatchObject({ name: 'bare', version: '0.0.0', enabledHooks: ['post-edit'] });
    expect(warnings).toEqual([expect.objectContaining({ code: 'UNKNOWN_PLAIN_EXPORT', key: 'extensions[0]' })]);
    expect(warnings[0]!.message).toContain('onPreLint');
  });

  it('loads CommonJS (plain form through module.exports) and TypeScript (through jiti)', async () => {
    await put('ext/legacy.cjs', 'exports.onPostPlan = function () {};\nexports.meta = { name: "legacy", version: "1.0.0" };\n');
    await put(
      'ext/typed.ts',
      `
interface Ctx { run: { command: string } }
const plugin = { meta: { name: 'typed', version: '1.0.0' }, hooks: { 'pre-plan': (ctx: Ctx) => ({ criteria: [ctx.run.command] }) } };
export default plugin;
`,
    );
    const { plugins } = await loadExtensions([entry('./ext/legacy.cjs'), entry('./ext/typed.ts')], opts());
    expect(plugins.map((p) => [p.name, p.form, p.index, p.enabledHooks])).toEqual([
      ['legacy', 'plain', 0, ['post-plan']],
      ['typed', 'object', 1, ['pre-plan']],
    ]);
    expect(await plugins[1]!.hooks['pre-plan']!({ run: { command: 'plan' } } as never)).toEqual({ criteria: ['plan'] });
  });

  it('binds object-form hooks to their plugin', async () => {
    await put(
      'ext/self.mjs',
      `export default { meta: { name: 'self', version: '1.0.0' }, prefix: 'P:', hooks: { 'pre-plan'() { return { criteria: [this.prefix] }; } } };`,
    );
    const { plugins } = await loadExtensions([entry('./ext/self.mjs')], opts());
    expect(await plugins[0]!.hooks['pre-plan']!({} as never)).toEqual({ criteria: ['P:'] });
  });

  it('passes options through unchanged when the plugin has no schema', async () => {
    await put('ext/noschema.mjs', OBJECT_PLUGIN);
    const { plugins } = await loadExtensions([entry('./ext/noschema.mjs', { options: { a: 1 } })], opts());
    expect(plugins[0]!.options).toEqual({ a: 1 });
  });
});

describe('loadExtensions: the hooks filter', () => {
  it('enables only the hooks the manifest lists, in lifecycle order', async () => {
    await put('ext/n.mjs', OBJECT_PLUGIN);
    const { plugins, warnings } = await loadExtensions([entry('./ext/n.mjs', { hooks: ['post-checkpoint'] })], opts());
    expect(plugins[0]!.enabledHooks).toEqual(['post-checkpoint']);
    expect(Object.keys(plugins[0]!.hooks)).toHaveLength(2);
    expect(warnings).toEqual([]);
  });

  it('warns about a listed hook the plugin does not implement', async () => {
    await put('ext/n.mjs', OBJECT_PLUGIN);
    const { plugins, warnings } = await loadExtensions([entry('./ext/n.mjs', { hooks: ['pre-plan', 'pre-edit'] })], opts());
    expect(plugins[0]!.enabledHooks).toEqual(['pre-plan']);
    expect(warnings).toEqual([expect.objectContaining({ code: 'HOOK_NOT_IMPLEMENTED', key: 'extensions[0].hooks[1]' })]);
  });

  it('rejects an unknown hook name in the manifest before running any extension code', async () => {
    await put('ext/boom.mjs', 'throw new Error("must not be imported");\n');
    const err = await configError(
      loadExtensions([entry('./ext/boom.mjs'), entry('./ext/boom.mjs', { hooks: ['pre-plan', 'pre-lint'] })], opts()),
    );
    expect(err.message).toContain('extensions[1].hooks[1]');
    expect(err.message).toContain('"pre-lint" is not a hook');
    expect(err.details).toMatchObject({ key: 'extensions[1].hooks[1]' });
  });

  it('names extensions[0].hooks[1] for the first entry', async () => {
    await put('ext/n.mjs', OBJECT_PLUGIN);
    const err = await configError(loadExtensions([entry('./ext/n.mjs', { hooks: ['pre-plan', 'post-everything'] })], opts()));
    expect(err.message).toContain('extensions[0].hooks[1]');
  });
});

describe('loadExtensions: paths are hostile until checked', () => {
  it('rejects ../ escaping the repository', async () => {
    await put('x.mjs', OBJECT_PLUGIN, outside);
    const rel = path.relative(repo, path.join(outside, 'x.mjs'));
    for (const name of ['../x.mjs', rel, './ext/../../x.mjs']) {
      const err = await configError(loadExtensions([entry(name)], opts()));
      expect(err.message).toContain('extensions[0].name');
      expect(err.message).toMatch(/outside the repository root/);
    }
  });

  it('rejects absolute paths and URLs', async () => {
    const abs = await put('ext/n.mjs', OBJECT_PLUGIN);
    for (const name of [abs, 'C:\\ext\\n.mjs', 'file:///etc/passwd.mjs', 'https://example.com/x.mjs']) {
      const err = await configError(loadExtensions([entry(name)], opts()));
      expect(err.message).toMatch(/not an absolute path/);
    }
  });

  it('rejects a symlink that leads outside the repository', async () => {
    await put('evil.mjs', OBJECT_PLUGIN, outside);
    await mkdir(path.join(repo, 'ext'), { recursive: true });
    await symlink(path.join(outside, 'evil.mjs'), path.join(repo, 'ext/link.mjs'));
    let err = await configError(loadExtensions([entry('./ext/link.mjs')], opts()));
    expect(err.message).toMatch(/symlink that leads outside/);
    // A symlinked folder, too.
    await symlink(outside, path.join(repo, 'ext/dir'));
    err = await configError(loadExtensions([entry('./ext/dir/evil.mjs')], opts()));
    expect(err.message).toMatch(/symlink that leads outside/);
  });

  it('follows a symlink that stays inside the repository', async () => {
    await put('ext/real.mjs', OBJECT_PLUGIN);
    await symlink(path.join(repo, 'ext/real.mjs'), path.join(repo, 'ext/alias.mjs'));
    const { plugins } = await loadExtensions([entry('./ext/alias.mjs')], opts());
    expect(plugins[0]!.source.specifier).toBe('ext/real.mjs');
  });

  it('rejects files that are not .js/.mjs/.cjs/.ts', async () => {
    await put('ext/data.json', '{}');
    await put('ext/script.sh', 'echo hi');
    for (const name of ['./ext/data.json', './ext/script.sh', './ext']) {
      const err = await configError(loadExtensions([entry(name)], opts()));
      expect(err.message).toMatch(/must be a \.js, \.mjs, \.cjs, \.ts/);
    }
    await symlink(path.join(repo, 'ext/script.sh'), path.join(repo, 'ext/sneaky.mjs'));
    const err = await configError(loadExtensions([entry('./ext/sneaky.mjs')], opts()));
    expect(err.message).toMatch(/not a \.js/);
  });

  it('reports a missing file', async () => {
    const err = await configError(loadExtensions([entry('./ext/nope.mjs')], opts()));
    expect(err.message).toContain('"./ext/nope.mjs" does not exist');
  });

  it('rejects names that are neither built-in, package nor path', async () => {
    const err = await configError(loadExtensions([entry('Not A Package!')], opts()));
    expect(err.message).toContain('extensions[0].name');
    expect(err.message).toMatch(/neither a built-in extension/);
  });

  it('turns an import error into a ConfigError naming the extension', async () => {
    await put('ext/broken.mjs', 'export default {;\n');
    const err = await configError(loadExtensions([entry('./ext/broken.mjs')], opts()));
    expect(err.message).toContain('could not be loaded from ext/broken.mjs');
  });
});

describe('loadExtensions: plugin shape', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['no-meta', `export default { hooks: {} };`, /meta must be an object/],
    ['bad-version', `export default { meta: { name: 'x', version: 1 }, hooks: {} };`, /meta\.version must be a non-empty string/],
    ['bad-hook', `export default { meta: { name: 'x', version: '1' }, hooks: { 'pre-lint': () => {} } };`, /hooks\["pre-lint"\] is not a hook/],
    ['not-fn', `export default { meta: { name: 'x', version: '1' }, hooks: { 'pre-plan': 'yes' } };`, /hooks\["pre-plan"\] must be a function/],
    ['bad-factory', `export default () => 42;`, /returned number, not a plugin object/],
    ['nothing', `export const x = 1;`, /exports no plugin/],
    ['bad-schema', `export default { meta: { name: 'x', version: '1' }, optionsSchema: {}, hooks: {} };`, /optionsSchema must have a safeParse/],
  ];
  for (const [file, text, message] of cases) {
    it(`rejects ${file}`, async () => {
      await put(`ext/${file}.mjs`, text);
      const err = await configError(loadExtensions([entry(`./ext/${file}.mjs`)], opts()));
      expect(err.message).toContain('extensions[0]');
      expect(err.message).toMatch(message);
    });
  }

  it('warns when the plugin does not support this host API, and loads it anyway', async () => {
    await put('ext/old.mjs', `export default { meta: { name: 'old', version: '1.0.0', hostApi: '^2.0.0' }, hooks: { 'post-plan': () => {} } };`);
    await put('ext/odd.mjs', `export default { meta: { name: 'odd', version: '1.0.0', hostApi: '1.0.0 - 2.0.0' }, hooks: {} };`);
    const seen: string[] = [];
    const { plugins, warnings } = await loadExtensions([entry('./ext/old.mjs'), entry('./ext/odd.mjs')], opts({ logger: { warn: (m) => seen.push(m) } }));
    expect(plugins.map((p) => p.name)).toEqual(['old', 'odd']);
    expect(warnings.map((w) => [w.code, w.key, w.extension])).toEqual([
      ['HOST_API_MISMATCH', 'extensions[0]', 'old'],
      ['HOST_API_UNPARSEABLE', 'extensions[1]', 'odd'],
    ]);
    expect(seen[0]).toContain(`supports host API ^2.0.0, but this cee provides ${HOST_API_VERSION}`);
  });
});

describe('loadExtensions: packages', () => {
  async function installPackage(name: string, pkg: Record<string, unknown>, files: Record<string, string>) {
    const dir = path.join(repo, 'node_modules', ...name.split('/'));
    await put('package.json', JSON.stringify({ name, version: '3.1.4', ...pkg }), dir);
    for (const [f, text] of Object.entries(files)) await put(f, text, dir);
  }

  it('resolves a built-in short name to @cgce/extension-<name> from the repository root', async () => {
    await installPackage('@cgce/extension-jira', { type: 'module', exports: { '.': { types: './d.ts', default: './index.js' } } }, {
      'index.js': `export default (o) => ({ meta: { name: 'jira', version: '3.1.4' }, hooks: { 'pre-plan': () => ({ context: o }) } });`,
    });
    const { plugins } = await loadExtensions([entry('jira', { options: { site: 's' } })], opts());
    expect(plugins[0]).toMatchObject({
      name: 'jira',
      form: 'factory',
      source: { kind: 'builtin', request: 'jira', specifier: '@cgce/extension-jira', file: path.join(repo, 'node_modules/@cgce/extension-jira/index.js') },
    });
  });

  it('resolves an ESM-only package (import condition only) and names a plain-form package after it', async () => {
    await installPackage('cee-ext-esm', { type: 'module', exports: { '.': { import: './esm.js' } } }, { 'esm.js': 'export function onPostEdit() {}' });
    const { plugins } = await loadExtensions([entry('cee-ext-esm')], opts());
    expect(plugins[0]).toMatchObject({ name: 'cee-ext-esm', version: '3.1.4', form: 'plain', source: { kind: 'package' } });
  });

  it('prefers the ESM build of a dual package', async () => {
    await installPackage('dual', { exports: { '.': { import: './m.mjs', require: './c.cjs' } } }, {
      'm.mjs': `export default { meta: { name: 'esm', version: '1' }, hooks: {} };`,
      'c.cjs': `module.exports = { meta: { name: 'cjs', version: '1' }, hooks: {} };`,
    });
    const { plugins } = await loadExtensions([entry('dual')], opts());
    expect(plugins[0]!.name).toBe('esm');
  });

  it('does not take a Node built-in for an extension', async () => {
    const err = await configError(loadExtensions([entry('fs')], opts()));
    expect(err.message).toContain('is not installed');
  });

  const lockfiles: Array<[string | null, string]> = [
    ['pnpm-lock.yaml', 'pnpm add -D @cgce/extension-jira'],
    ['package-lock.json', 'npm i -D @cgce/extension-jira'],
    ['yarn.lock', 'yarn add -D @cgce/extension-jira'],
    [null, 'npm i -D @cgce/extension-jira'],
  ];
  for (const [lockfile, command] of lockfiles) {
    it(`hints "${command}" for a missing extension (${lockfile ?? 'no lockfile'})`, async () => {
      if (lockfile) await put(lockfile, '');
      const err = await configError(loadExtensions([entry('jira')], opts()));
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toContain('extensions[0].name');
      expect(err.message).toContain(`Install it with: ${command}`);
      expect(err.details).toMatchObject({ install: command, package: '@cgce/extension-jira' });
    });
  }

  it('suggests ./ when a missing "package" looks like a file', async () => {
    const err = await configError(loadExtensions([entry('notify.mjs')], opts()));
    expect(err.message).toContain('npm i -D notify.mjs');
    expect(err.message).toContain('./notify.mjs');
  });
});

describe('loadExtensions: the manifest entries themselves', () => {
  it('validates entry shape with the config schema', async () => {
    const err = await configError(loadExtensions([{ name: '', options: {} }], opts()));
    expect(err.message).toContain('extensions[0].name');
  });

  it('numbers keys from firstIndex (cee extend checks an entry it will append)', async () => {
    const err = await configError(loadExtensions([entry('./x.mjs', { hooks: ['nope'] })], opts({ firstIndex: 3 })));
    expect(err.message).toContain('extensions[3].hooks[0]');
  });

  it('uses an injected importer', async () => {
    await put('ext/fake.mjs', '');
    const { plugins } = await loadExtensions(
      [entry('./ext/fake.mjs')],
      opts({ importer: async () => ({ default: { meta: { name: 'injected', version: '1.0.0' }, hooks: {} } }) }),
    );
    expect(plugins[0]!.name).toBe('injected');
  });
});
