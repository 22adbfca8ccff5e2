import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Where an extension comes from. Manifest names are hostile until checked: a path must stay inside the
 * repository (lexically and after following symlinks) and name a loadable script; a package name must be a
 * valid npm name and is resolved from the repository root, never from cee's own install.
 */
export type ExtensionRequest =
  | { kind: 'builtin' | 'package'; packageName: string }
  | { kind: 'path'; relativePath: string };

export const BUILTIN_EXTENSIONS: Readonly<Record<string, string>> = Object.freeze({
  jira: '@cgce/extension-jira',
  figma: '@cgce/extension-figma',
  linter: '@cgce/extension-linter',
});

/** File types an extension may be: ES modules, CommonJS, and TypeScript (loaded with jiti). */
export const EXTENSION_FILE_TYPES = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'] as const;

/** npm's rules for new package names: lower case, URL-safe, optional scope, at most 214 characters. */
const PACKAGE_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;

export function isValidPackageName(name: string): boolean {
  return name.length <= 214 && PACKAGE_NAME.test(name);
}

function isAbsoluteAnywhere(name: string): boolean {
  return path.posix.isAbsolute(name) || path.win32.isAbsolute(name) || /^[a-zA-Z]:/.test(name) || /^[a-z][a-z0-9+.-]*:\/\//i.test(name) || name.startsWith('file:');
}

function looksLikePath(name: string): boolean {
  return (
    name === '.' ||
    name === '..' ||
    name.startsWith('./') ||
    name.startsWith('../') ||
    name.startsWith('.\\') ||
    name.startsWith('..\\') ||
    name.includes('\\') ||
    isAbsoluteAnywhere(name) ||
    // `codex_engine/tools/extensions/x.mjs`: a slash outside a scope cannot be a package name.
    (name.includes('/') && !name.startsWith('@'))
  );
}

/** Classify a manifest `name`; returns a problem description instead when it is none of the three. */
export function classifyExtensionName(name: string): ExtensionRequest | { problem: string } {
  const builtin = BUILTIN_EXTENSIONS[name];
  if (builtin) return { kind: 'builtin', packageName: builtin };
  if (looksLikePath(name)) {
    if (isAbsoluteAnywhere(name)) return { problem: 'must be a path relative to the repository root, not an absolute path or URL' };
    return { kind: 'path', relativePath: name };
  }
  if (isValidPackageName(name)) return { kind: 'package', packageName: name };
  return {
    problem: `is neither a built-in extension (${Object.keys(BUILTIN_EXTENSIONS).join(', ')}), a valid npm package name, nor a path relative to the repository root (start it with ./)`,
  };
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function hasLoadableType(file: string): boolean {
  return (EXTENSION_FILE_TYPES as readonly string[]).includes(path.extname(file).toLowerCase());
}

export type PathResolution = { ok: true; file: string; relative: string } | { ok: false; problem: string; missing?: boolean };

/** Resolve a repository-relative extension path, refusing anything that leaves the repository. */
export async function resolveExtensionPath(repoRoot: string, relativePath: string): Promise<PathResolution> {
  if (isAbsoluteAnywhere(relativePath)) return { ok: false, problem: 'must be a path relative to the repository root, not an absolute path' };
  const root = await realpath(repoRoot);
  const lexical = path.resolve(root, relativePath);
  if (!isInside(root, lexical)) return { ok: false, problem: 'leads outside the repository root' };
  if (!hasLoadableType(lexical)) {
    return { ok: false, problem: `must be a ${EXTENSION_FILE_TYPES.join(', ')} file` };
  }
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, problem: 'does not exist', missing: true };
    return { ok: false, problem: `cannot be read (${code ?? (e as Error).message})` };
  }
  if (!isInside(root, real)) return { ok: false, problem: 'is a symlink that leads outside the repository root' };
  if (!hasLoadableType(real)) return { ok: false, problem: `is a link to a file that is not a ${EXTENSION_FILE_TYPES.join(', ')} file` };
  if (!(await stat(real)).isFile()) return { ok: false, problem: 'is not a file' };
  return { ok: true, file: real, relative: path.relative(root, real).split(path.sep).join('/') };
}

type Exports = string | null | Exports[] | { [key: string]: Exports };

const IMPORT_CONDITIONS: ReadonlySet<string> = new Set(['node', 'import', 'default']);
const REQUIRE_CONDITIONS: ReadonlySet<string> = new Set(['node', 'require', 'default']);

/** Node's conditional-exports walk for `import` from Node: the first matching key in object order wins. */
function pickTarget(target: Exports | undefined, conditions: ReadonlySet<string>): string | null {
  if (target === undefined || target === null) return null;
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const picked = pickTarget(t, conditions);
      if (picked) return picked;
    }
    return null;
  }
  for (const [key, value] of Object.entries(target)) {
    if (conditions.has(key)) {
      const picked = pickTarget(value, conditions);
      if (picked) return picked;
    }
  }
  return null;
}

function rootExport(exportsField: Exports | undefined): Exports | undefined {
  if (exportsField && typeof exportsField === 'object' && !Array.isArray(exportsField)) {
    const keys = Object.keys(exportsField);
    if (keys.some((k) => k.startsWith('.'))) return exportsField['.'];
  }
  return exportsField;
}

export interface PackageResolution {
  file: string;
  /** The package's folder. */
  packageDir: string;
  manifest: { name?: unknown; version?: unknown; exports?: unknown } | null;
}

/** `<dir>/node_modules` for the repository root and each folder above it: Node's lookup, minus NODE_PATH and global folders. */
function nodeModulesChain(repoRoot: string): string[] {
  const out: string[] = [];
  let dir = path.resolve(repoRoot);
  for (;;) {
    if (path.basename(dir) !== 'node_modules') out.push(path.join(dir, 'node_modules'));
    const up = path.dirname(dir);
    if (up === dir) return out;
    dir = up;
  }
}

/**
 * Resolve a package the way `import` from the repository root would: found in the `node_modules` of the
 * root or a folder above it (never through NODE_PATH or global folders, which a package manager's shim may
 * set for cee itself), its entry taken from `exports` with the `node`/`import`/`default` conditions (then
 * `require`), else `main`/`index.js`. Returns null when the package is not installed there.
 */
export async function resolveExtensionPackage(repoRoot: string, packageName: string): Promise<PackageResolution | null> {
  const packageDir = findPackageDir(nodeModulesChain(repoRoot), packageName);
  if (!packageDir) return null;
  const manifest = await readManifest(packageDir);
  let file: string | null = null;
  if (manifest?.exports !== undefined) {
    const root = rootExport(manifest.exports as Exports);
    const target = pickTarget(root, IMPORT_CONDITIONS) ?? pickTarget(root, REQUIRE_CONDITIONS);
    if (target) {
      const candidate = path.resolve(packageDir, target);
      if (existsSync(candidate)) file = candidate;
    }
  } else {
    try {
      // A folder path resolves through `main`, then index.js.
      file = createRequire(path.join(packageDir, 'package.json')).resolve(packageDir);
    } catch {
      file = null;
    }
  }
  if (!file) return null;
  return { file, packageDir, manifest };
}

function findPackageDir(searchPaths: readonly string[], packageName: string): string | null {
  for (const dir of searchPaths) {
    const candidate = path.join(dir, ...packageName.split('/'));
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
  }
  return null;
}

async function readManifest(dir: string): Promise<{ name?: unknown; version?: unknown; exports?: unknown } | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as { name?: unknown; version?: unknown; exports?: unknown }) : null;
  } catch {
    return null;
  }
}

export type PackageManager = 'pnpm' | 'yarn' | 'npm' | 'bun';

/** The package manager of the repository's lockfile (npm when there is none). */
export function detectPackageManager(repoRoot: string): PackageManager {
  const has = (f: string) => existsSync(path.join(repoRoot, f));
  if (has('pnpm-lock.yaml')) return 'pnpm';
  if (has('yarn.lock')) return 'yarn';
  if (has('package-lock.json') || has('npm-shrinkwrap.json')) return 'npm';
  if (has('bun.lock') || has('bun.lockb')) return 'bun';
  return 'npm';
}

/** `pnpm add -D x`, `npm i -D x`, `yarn add -D x`, `bun add -d x`. */
export function installCommand(pm: PackageManager, packageName: string): string {
  switch (pm) {
    case 'pnpm':
      return `pnpm add -D ${packageName}`;
    case 'yarn':
      return `yarn add -D ${packageName}`;
    case 'bun':
      return `bun add -d ${packageName}`;
    default:
      return `npm i -D ${packageName}`;
  }
}
