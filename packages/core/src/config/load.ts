import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Loader } from 'cosmiconfig';
import { ConfigError } from '../errors/index.js';
import {
  ConfigSchema,
  ContextLimitsSchema,
  EnginesSchema,
  ExtensionsSchema,
  GuardrailsSchema,
  RunSettingsSchema,
  SETTING_FILES,
  ValidationSchema,
  type CeeConfig,
} from './schema.js';
import { validate } from './validate.js';

export type SettingName = keyof typeof SETTING_FILES;

export interface LoadedConfig {
  config: CeeConfig;
  /** Repo-relative file each setting (and each guardrails key) came from; `defaults` when none. */
  sources: Record<string, string>;
  /** The cosmiconfig file found, repo-relative, or null. */
  configFile: string | null;
  stateDir: string;
}

/** Where cosmiconfig looks, in the contract's order. */
export const SEARCH_PLACES = [
  'package.json',
  '.ceerc',
  '.ceerc.json',
  '.ceerc.yaml',
  '.ceerc.yml',
  '.ceerc.js',
  '.ceerc.mjs',
  '.ceerc.cjs',
  '.ceerc.ts',
  'cee.config.json',
  'cee.config.yaml',
  'cee.config.yml',
  'cee.config.js',
  'cee.config.mjs',
  'cee.config.cjs',
  'cee.config.ts',
];

const SETTING_SCHEMAS = {
  guardrails: GuardrailsSchema,
  context_limits: ContextLimitsSchema,
  extensions: ExtensionsSchema,
  validation: ValidationSchema,
  engines: EnginesSchema,
} as const;

// Load JS/TS config with jiti (works on every supported Node, no temp files).
const jitiLoader: Loader = async (filepath) => {
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false, interopDefault: true });
  const mod = await jiti.import<unknown>(filepath, { default: true });
  return typeof mod === 'function' ? await (mod as () => unknown)() : mod;
};

function rel(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

async function readJsonFile(root: string, file: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(rel(root, file), `Cannot read ${rel(root, file)}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(rel(root, file), `Invalid JSON in ${rel(root, file)}: ${(e as Error).message}`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A tools/<name>.json may hold the bare value or `{ "<setting>": value }`; accept both. */
function unwrap(setting: string, value: unknown): unknown {
  if (isPlainObject(value) && Object.keys(value).length === 1 && setting in value) return value[setting];
  return value;
}

/**
 * Whether one of SEARCH_PLACES exists in `root` (package.json only with a "cee" key): cosmiconfig and jiti
 * are imported only then, which keeps every command's start-up short. An unreadable package.json goes to
 * cosmiconfig, which reports it.
 */
async function hasConfigCandidate(root: string): Promise<boolean> {
  for (const place of SEARCH_PLACES) {
    const file = path.join(root, place);
    if (!existsSync(file)) continue;
    if (place !== 'package.json') return true;
    try {
      const pkg: unknown = JSON.parse(await readFile(file, 'utf8'));
      if (isPlainObject(pkg) && 'cee' in pkg) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/**
 * Load the whole config: codex_engine/tools/<file>.json for each setting, then the cosmiconfig file, which
 * wins key by key. Every setting is validated with zod; any problem throws a ConfigError (exit 2) naming the
 * file, the field and the problem. Missing files mean defaults, so a fresh clone works without `cee init`.
 */
export async function loadConfig(root: string): Promise<LoadedConfig> {
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null = null;
  try {
    if (await hasConfigCandidate(root)) {
      const { cosmiconfig } = await import('cosmiconfig');
      const explorer = cosmiconfig('cee', {
        searchPlaces: SEARCH_PLACES,
        searchStrategy: 'none',
        cache: false,
        loaders: { '.js': jitiLoader, '.mjs': jitiLoader, '.cjs': jitiLoader, '.ts': jitiLoader },
      });
      found = await explorer.search(root);
    }
  } catch (e) {
    const file = (e as { filepath?: string }).filepath;
    throw new ConfigError(file ? rel(root, file) : 'config', `Cannot load CEE config${file ? ` from ${rel(root, file)}` : ''}: ${(e as Error).message}`);
  }
  const configFile = found ? rel(root, found.filepath) : null;
  const fileConfig = found && !found.isEmpty ? found.config : {};
  if (!isPlainObject(fileConfig)) {
    throw new ConfigError(configFile ?? 'config', `Invalid CEE config in ${configFile}: expected an object`);
  }
  // Top-level keys of the cosmiconfig file (stateDir decides where the tools files live).
  const top = validate(
    ConfigSchema.pick({ stateDir: true, $schema: true }).loose(),
    fileConfig,
    'CEE config',
    configFile ?? 'config',
  );
  const unknownKeys = Object.keys(fileConfig).filter((k) => !(k in ConfigSchema.shape));
  if (unknownKeys.length) {
    throw new ConfigError(configFile ?? 'config', `Invalid CEE config in ${configFile}: unknown key "${unknownKeys[0]}"`);
  }
  const stateDir = top.stateDir;
  const sources: Record<string, string> = {};
  const merged: Record<string, unknown> = {};

  for (const [setting, fileBase] of Object.entries(SETTING_FILES) as Array<[SettingName, string]>) {
    const toolsFile = path.join(root, stateDir, 'tools', `${fileBase}.json`);
    const fromTools = await readJsonFile(root, toolsFile);
    const fromCosmic = (fileConfig as Record<string, unknown>)[setting];
    const toolsRel = rel(root, toolsFile);
    const schema = SETTING_SCHEMAS[setting];
    let value: unknown;
    if (fromTools !== undefined) {
      value = unwrap(setting, fromTools);
      // Validate each source on its own so the error names the right file.
      validate(schema, value, setting, toolsRel);
      sources[setting] = toolsRel;
      if (isPlainObject(value)) for (const k of Object.keys(value)) sources[`${setting}.${k}`] = toolsRel;
    }
    if (fromCosmic !== undefined) {
      validate(schema, fromCosmic, setting, configFile!);
      if (isPlainObject(value) && isPlainObject(fromCosmic)) {
        value = { ...value, ...fromCosmic };
        for (const k of Object.keys(fromCosmic)) sources[`${setting}.${k}`] = configFile!;
      } else {
        value = fromCosmic;
        sources[setting] = configFile!;
      }
    }
    merged[setting] = value === undefined ? undefined : validate(schema, value, setting, sources[setting] ?? 'defaults');
  }
  const run = (fileConfig as Record<string, unknown>).run;
  if (run !== undefined) {
    merged.run = validate(RunSettingsSchema, run, 'run', configFile!);
    sources.run = configFile!;
  }
  const config = validate(ConfigSchema, { ...merged, stateDir }, 'CEE config', configFile ?? 'defaults');
  return { config, sources, configFile, stateDir };
}

/** The guardrails sources in the shape the policy engine wants: key → file. */
export function guardrailSources(loaded: LoadedConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(loaded.sources)) {
    if (k.startsWith('guardrails.')) out[k.slice('guardrails.'.length)] = v;
  }
  return out;
}
