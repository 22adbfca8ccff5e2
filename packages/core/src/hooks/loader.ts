import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ExtensionEntrySchema, type ExtensionEntry } from '../config/schema.js';
import { formatPath, validate } from '../config/validate.js';
import { ConfigError } from '../errors/index.js';
import { HOOK_NAMES, HOST_API_VERSION, isHookName, type HookContextBase, type HookLogger, type HookName, type OptionsSchema } from './api.js';
import { HOOK_BY_EXPORT_NAME, LIFECYCLE } from './lifecycle.js';
import {
  classifyExtensionName,
  detectPackageManager,
  installCommand,
  resolveExtensionPackage,
  resolveExtensionPath,
} from './resolve.js';
import { satisfiesRange } from './semver.js';

/** A hook as the host calls it: one context in, anything out (the bus validates the result). */
export type LoadedHookFn = (ctx: HookContextBase<unknown>) => unknown;

export interface PluginSource {
  /** `builtin` (jira, figma, linter), `package` (any npm package) or `path` (a file in the repository). */
  kind: 'builtin' | 'package' | 'path';
  /** The `name` as written in the manifest. */
  request: string;
  /** The npm package name, or the repository-relative path (`/`-separated). */
  specifier: string;
  /** The absolute file that was loaded. */
  file: string;
}

/** One extension, normalised from whichever form its module has. */
export interface LoadedPlugin {
  name: string;
  version: string;
  /** The host API range the plugin declared, if any. */
  hostApi: string | undefined;
  /** Which module shape it came in. */
  form: 'object' | 'factory' | 'plain';
  source: PluginSource;
  /** Its position in the manifest (`extensions[index]`). */
  index: number;
  /** The options its hooks receive as `ctx.options` (parsed by its own schema when it has one). */
  options: unknown;
  /** Every hook the plugin implements. */
  hooks: Partial<Record<HookName, LoadedHookFn>>;
  /** The hooks the bus will call: implemented ∩ the manifest's `hooks` filter, in lifecycle order. */
  enabledHooks: HookName[];
}

export interface LoadWarning {
  code: 'HOST_API_MISMATCH' | 'HOST_API_UNPARSEABLE' | 'HOOK_NOT_IMPLEMENTED' | 'UNKNOWN_PLAIN_EXPORT';
  /** The manifest key it is about, e.g. `extensions[0]`. */
  key: string;
  extension: string;
  message: string;
}

export interface LoadExtensionsOptions {
  /** Absolute path of the repository root: packages resolve from here and paths must stay inside it. */
  repoRoot: string;
  /** The manifest file as users see it (repository-relative), named in every error. */
  manifestFile: string;
  /** Loads one absolute file and returns its module namespace. Default: jiti for TypeScript, `import()` otherwise. */
  importer?: (file: string) => Promise<unknown>;
  /** Receives each warning as it happens (they are also returned). */
  logger?: Pick<HookLogger, 'warn'>;
  /** Defaults to HOST_API_VERSION. */
  hostApiVersion?: string;
  /** The manifest index of `entries[0]` (when `cee extend` checks an entry it is about to append). */
  firstIndex?: number;
}

export interface LoadExtensionsResult {
  plugins: LoadedPlugin[];
  warnings: LoadWarning[];
}

const TS_FILE = /\.(?:ts|mts|cts)$/i;

/** jiti for TypeScript (no cache written anywhere), native `import()` for JavaScript. */
export async function defaultImporter(file: string): Promise<unknown> {
  if (TS_FILE.test(file)) {
    // Loaded on first use: most runs have no TypeScript extension, and jiti costs ~10 ms to import.
    const { createJiti } = await import('jiti');
    const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false, interopDefault: false });
    return jiti.import(file);
  }
  return import(await moduleUrl(file));
}

/**
 * The URL a JavaScript extension is imported from. Node caches a module by its URL for the life of the
 * process: in a long-lived one (the cee daemon) an extension edited between two commands must load anew, so
 * the file's size and modification time are part of it.
 */
export async function moduleUrl(file: string): Promise<string> {
  const st = await stat(file);
  return `${pathToFileURL(file).href}?v=${st.size}-${st.mtimeMs}`;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

const EntriesSchema = z.object({ extensions: z.array(ExtensionEntrySchema) });

/**
 * Load the manifest's extensions in order. Every problem with the manifest or a module is a ConfigError
 * (exit 2) naming the manifest file, the key (`extensions[i]…`) and what is wrong; all entries are checked
 * for what can be checked without running code before any module is imported.
 */
export async function loadExtensions(entries: ReadonlyArray<ExtensionEntry>, options: LoadExtensionsOptions): Promise<LoadExtensionsResult> {
  const { repoRoot, manifestFile } = options;
  const first = options.firstIndex ?? 0;
  const host = options.hostApiVersion ?? HOST_API_VERSION;
  const importer = options.importer ?? defaultImporter;
  const warnings: LoadWarning[] = [];
  const warn = (w: LoadWarning) => {
    warnings.push(w);
    options.logger?.warn(w.message);
  };

  // Static checks first: shape, names, hook filters. No extension code runs before the manifest is sane.
  const parsed = validate(EntriesSchema, { extensions: [...entries] }, 'extensions', manifestFile).extensions;
  const planned = parsed.map((entry, i) => {
    const index = first + i;
    const key = `extensions[${index}]`;
    const request = classifyExtensionName(entry.name);
    if ('problem' in request) throw configError(manifestFile, `${key}.name`, `"${entry.name}" ${request.problem}`);
    const filter = entry.hooks?.map((h, j) => {
      if (!isHookName(h)) {
        throw configError(manifestFile, `${key}.hooks[${j}]`, `"${h}" is not a hook (hooks: ${HOOK_NAMES.join(', ')})`);
      }
      return h;
    });
    return { entry, index, key, request, filter };
  });

  const plugins: LoadedPlugin[] = [];
  for (const { entry, index, key, request, filter } of planned) {
    const label = `extension "${entry.name}"`;
    // 1. Resolve.
    let source: PluginSource;
    let packageMeta: { name: string; version: string } | null = null;
    if (request.kind === 'path') {
      const r = await resolveExtensionPath(repoRoot, request.relativePath);
      if (!r.ok) {
        const hint = r.missing ? ' (paths are relative to the repository root)' : '';
        throw configError(manifestFile, `${key}.name`, `"${entry.name}" ${r.problem}${hint}`);
      }
      source = { kind: 'path', request: entry.name, specifier: r.relative, file: r.file };
    } else {
      const r = await resolveExtensionPackage(repoRoot, request.packageName);
      if (!r) {
        const command = installCommand(detectPackageManager(repoRoot), request.packageName);
        const fileHint = /\.(?:[cm]?[jt]s)$/i.test(entry.name) ? ` (a file in the repository is written as ./${entry.name})` : '';
        throw new ConfigError(
          manifestFile,
          `${cap(label)} is not installed (${key}.name in ${manifestFile}): cannot find package "${request.packageName}" from ${repoRoot}.\nInstall it with: ${command}${fileHint}`,
          { details: { key: `${key}.name`, package: request.packageName, install: command } },
        );
      }
      source = { kind: request.kind, request: entry.name, specifier: request.packageName, file: r.file };
      if (typeof r.manifest?.version === 'string') packageMeta = { name: request.packageName, version: r.manifest.version };
    }

    // 2. Import.
    let mod: unknown;
    try {
      mod = await importer(source.file);
    } catch (e) {
      throw configError(manifestFile, `${key}.name`, `${label} could not be loaded from ${source.specifier}: ${(e as Error)?.message ?? String(e)}`, e);
    }

    // 3. Normalise the three forms.
    const fail = (field: string, problem: string) =>
      configError(manifestFile, `${key}.name`, `${label} (${source.specifier}) is not a valid plugin: ${field} ${problem}`);
    const validateOptions = (schema: unknown, where: string): unknown => {
      if (schema === undefined) return entry.options;
      if (!isObj(schema) || typeof schema['safeParse'] !== 'function') throw fail(where, 'must have a safeParse(value) method');
      return parseOptions(schema as unknown as OptionsSchema<unknown>, entry.options, manifestFile, index, label);
    };

    if (!isObj(mod) && typeof mod !== 'function') throw fail('the module', `exports ${describe(mod)}`);
    const ns = mod as Obj;
    const def = ns['default'];
    let form: LoadedPlugin['form'];
    let plugin: Obj;
    let options: unknown;
    if (typeof def === 'function') {
      form = 'factory';
      const early = (def as { optionsSchema?: unknown }).optionsSchema;
      const factoryOptions = validateOptions(early, 'the factory\'s optionsSchema');
      let made: unknown;
      try {
        made = await (def as (o: unknown) => unknown)(factoryOptions);
      } catch (e) {
        throw configError(manifestFile, `${key}.name`, `${label}: its factory threw: ${(e as Error)?.message ?? String(e)}`, e);
      }
      if (!isObj(made)) throw fail('the factory', `returned ${describe(made)}, not a plugin object`);
      plugin = made;
      options = made['optionsSchema'] === undefined ? factoryOptions : validateOptions(made['optionsSchema'], 'optionsSchema');
    } else if (isObj(def) && ('hooks' in def || ('meta' in def && !hasPlainHooks(def)))) {
      form = 'object';
      plugin = def;
      options = validateOptions(def['optionsSchema'], 'optionsSchema');
    } else {
      // Plain form: named exports (or, from CommonJS, properties of module.exports).
      const holder = hasPlainHooks(ns) ? ns : isObj(def) && hasPlainHooks(def) ? def : null;
      if (!holder) {
        throw fail(
          'the module',
          'exports no plugin: default-export definePlugin({ meta, hooks }) or a factory (options) => plugin, or export functions named onPrePlan, onPostPlan, …, onFailure',
        );
      }
      form = 'plain';
      const hooks: Obj = {};
      for (const [exportName, value] of Object.entries(holder)) {
        const hook = HOOK_BY_EXPORT_NAME.get(exportName);
        if (hook) hooks[hook] = value;
        else if (/^on[A-Z]/.test(exportName) && typeof value === 'function') {
          warn({
            code: 'UNKNOWN_PLAIN_EXPORT',
            key,
            extension: entry.name,
            message: `${label}: export ${exportName} is not a hook and is ignored (hooks: ${HOOK_NAMES.map((h) => LIFECYCLE[h].exportName).join(', ')})`,
          });
        }
      }
      const meta = isObj(holder['meta']) ? holder['meta'] : {};
      plugin = {
        meta: {
          name: meta['name'] ?? packageMeta?.name ?? path.basename(source.file).replace(/\.[^.]+$/, ''),
          version: meta['version'] ?? packageMeta?.version ?? '0.0.0',
          ...(meta['hostApi'] === undefined ? {} : { hostApi: meta['hostApi'] }),
        },
        hooks,
      };
      options = validateOptions(holder['optionsSchema'], 'optionsSchema');
    }

    // 4. Check the plugin's shape.
    const meta = plugin['meta'];
    if (!isObj(meta)) throw fail('meta', `must be an object with name and version, not ${describe(meta)}`);
    if (typeof meta['name'] !== 'string' || !meta['name'].trim()) throw fail('meta.name', 'must be a non-empty string');
    if (typeof meta['version'] !== 'string' || !meta['version'].trim()) throw fail('meta.version', 'must be a non-empty string');
    if (meta['hostApi'] !== undefined && typeof meta['hostApi'] !== 'string') throw fail('meta.hostApi', 'must be a semver range string');
    const rawHooks = plugin['hooks'];
    if (!isObj(rawHooks)) throw fail('hooks', `must be an object of hook functions, not ${describe(rawHooks)}`);
    const hooks: Partial<Record<HookName, LoadedHookFn>> = {};
    for (const [hook, fn] of Object.entries(rawHooks)) {
      if (!isHookName(hook)) throw fail(`hooks["${hook}"]`, `is not a hook (hooks: ${HOOK_NAMES.join(', ')})`);
      if (fn === undefined) continue;
      if (typeof fn !== 'function') throw fail(`hooks["${hook}"]`, `must be a function, not ${describe(fn)}`);
      hooks[hook] = (form === 'plain' ? fn : fn.bind(plugin)) as LoadedHookFn;
    }
    const name = meta['name'];
    const hostApi = meta['hostApi'] as string | undefined;

    // 5. Host API range: a mismatch loads with a warning.
    if (hostApi !== undefined) {
      const ok = satisfiesRange(host, hostApi);
      if (ok === false) {
        warn({
          code: 'HOST_API_MISMATCH',
          key,
          extension: name,
          message: `${cap(label)} (${name}@${meta['version']}) supports host API ${hostApi}, but this cee provides ${host}: loading it anyway`,
        });
      } else if (ok === null) {
        warn({
          code: 'HOST_API_UNPARSEABLE',
          key,
          extension: name,
          message: `${cap(label)} declares host API range "${hostApi}", which cee cannot read (use ^x.y.z, ~x.y.z, >=x.y.z, x.x or *): loading it anyway`,
        });
      }
    }

    // 6. The manifest's hooks filter.
    const implemented = HOOK_NAMES.filter((h) => hooks[h]);
    let enabledHooks = implemented;
    if (filter) {
      const wanted = new Set(filter);
      for (const [j, h] of filter.entries()) {
        if (!hooks[h]) {
          warn({
            code: 'HOOK_NOT_IMPLEMENTED',
            key: `${key}.hooks[${j}]`,
            extension: name,
            message: `${cap(label)} does not implement ${h} (${key}.hooks[${j}] in ${manifestFile}); it implements: ${implemented.join(', ') || 'no hooks'}`,
          });
        }
      }
      enabledHooks = implemented.filter((h) => wanted.has(h));
    }

    plugins.push({ name, version: meta['version'], hostApi, form, source, index, options, hooks, enabledHooks });
  }
  return { plugins, warnings };
}

function hasPlainHooks(o: Obj): boolean {
  return Object.keys(o).some((k) => HOOK_BY_EXPORT_NAME.has(k));
}

function parseOptions(schema: OptionsSchema<unknown>, value: unknown, manifestFile: string, index: number, label: string): unknown {
  const key = `extensions[${index}].options`;
  let result: ReturnType<OptionsSchema<unknown>['safeParse']>;
  try {
    result = schema.safeParse(value);
  } catch (e) {
    throw configError(manifestFile, key, `${label}: its optionsSchema threw: ${(e as Error)?.message ?? String(e)}`, e);
  }
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: formatPath(['extensions', index, 'options', ...i.path]), message: i.message }));
  const lines = issues.map((i) => `✖ ${i.message}\n  → at ${i.path}`);
  throw new ConfigError(manifestFile, `Invalid options for ${label} in ${manifestFile}\n${lines.join('\n')}`, {
    details: { key, fields: issues.map((i) => i.path), issues },
  });
}

function configError(file: string, key: string, problem: string, cause?: unknown): ConfigError {
  return new ConfigError(file, `Invalid extension in ${file} at ${key}: ${problem}`, {
    details: { key, fields: [key] },
    ...(cause === undefined ? {} : { cause }),
  });
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
