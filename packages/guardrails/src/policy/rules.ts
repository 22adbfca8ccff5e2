import { type PolicyContext, SEED_GUARDRAILS } from '@cgce/core';
import {
  extensionOf,
  firstDenyMatch,
  hasAllowedExtension,
  isInvalidEntry,
  matchesScope,
  normalizePath,
} from '../paths/index.js';
import { builtinSource, configSource, type DecisionSink } from './decisions.js';

/** The guardrails settings as the engine uses them, with every missing or broken value failing closed. */
export interface PolicyView {
  ctx: PolicyContext | undefined;
  denyPaths: readonly string[];
  allowExtensions: readonly string[];
  /** null: the limit is not usable, every change is denied. */
  maxFiles: number | null;
  maxLoc: number | null;
  requirePlan: boolean;
  scope: readonly string[] | undefined;
  /** Repository-relative scanner rule files from `secrets.configFiles` (protected like scanner config). */
  secretConfigFiles: readonly string[];
  /** CEE's state folder, case-folded components (`codex_engine` unless the `stateDir` setting moves it). */
  stateDir: readonly string[];
}

function stringArray(v: unknown): string[] | null {
  if (!Array.isArray(v)) return null;
  return v.map((x) => (typeof x === 'string' ? x : String(x)));
}

function limit(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null;
}

export function policyView(ctx: PolicyContext | undefined): PolicyView {
  const cfg = (ctx && typeof ctx === 'object' && ctx.config && typeof ctx.config === 'object' ? ctx.config : {}) as Record<
    string,
    unknown
  >;
  const secrets = (cfg['secrets'] && typeof cfg['secrets'] === 'object' ? cfg['secrets'] : {}) as Record<string, unknown>;
  const rawScope = ctx && typeof ctx === 'object' ? (ctx as { scope?: unknown }).scope : undefined;
  return {
    ctx,
    // A missing list means "the defaults", never "nothing is denied".
    denyPaths: stringArray(cfg['denyPaths']) ?? [...SEED_GUARDRAILS.denyPaths],
    allowExtensions: stringArray(cfg['allowExtensions']) ?? [...SEED_GUARDRAILS.allowExtensions],
    maxFiles: 'maxFilesPerStep' in cfg ? limit(cfg['maxFilesPerStep']) : SEED_GUARDRAILS.maxFilesPerStep,
    maxLoc: 'maxTotalAddedLoc' in cfg ? limit(cfg['maxTotalAddedLoc']) : SEED_GUARDRAILS.maxTotalAddedLoc,
    requirePlan: cfg['requirePlan'] !== false,
    scope: rawScope === undefined || rawScope === null ? undefined : (stringArray(rawScope) ?? []),
    secretConfigFiles: stringArray(secrets['configFiles']) ?? [],
    stateDir: (typeof ctx?.stateDir === 'string' && ctx.stateDir ? ctx.stateDir : 'codex_engine')
      .split('/')
      .filter(Boolean)
      .map((c) => c.toLowerCase()),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Built-in protections (no config can turn them off)

const GIT_METADATA_NAMES = new Set(['.gitattributes', '.gitmodules', '.lfsconfig']);
/** NTFS 8.3 short names git itself knows for these files (`is_ntfs_dotgitmodules` & co). */
const GIT_METADATA_SHORT_RE = /^(gitatt~[0-9]+|gitmod~[0-9]+|gi7d29~[0-9]|gi7eba~[0-9]|lfscon~[0-9]+)$/u;

function isScannerConfigName(n: string): boolean {
  return (
    n.startsWith('.gitleaks') ||
    n === 'gitleaks.toml' ||
    n.startsWith('.secretlintrc') ||
    n === '.secretlintignore' ||
    n.startsWith('.trufflehog') ||
    n === '.gitguardian.yaml' ||
    n === '.gitguardian.yml' ||
    n === '.secrets.baseline' ||
    n === '.talismanrc'
  );
}

/** Folders whose files make an editor, IDE, devcontainer, hook manager or coding agent run commands. */
const EXEC_CONFIG_DIRS = new Set([
  '.vscode',
  '.idea',
  '.devcontainer',
  '.husky',
  '.claude',
  '.cursor',
  '.zed',
  '.windsurf',
  '.fleet',
  '.yarn',
  '.continue',
  '.roo',
  '.kiro',
  '.gemini',
  '.codex',
  '.amazonq',
  '.cline',
  '.aider',
  '.mise',
]);

function isExecConfigFile(n: string): boolean {
  return (
    n === '.mcp.json' ||
    n === '.devcontainer.json' ||
    n === '.claude.json' ||
    n === '.envrc' ||
    n === '.npmrc' ||
    n.startsWith('.yarnrc') ||
    n.startsWith('.pnpmfile.') ||
    n === '.pre-commit-config.yaml' ||
    n === '.pre-commit-config.yml' ||
    n === '.gitpod.yml' ||
    n === '.gitpod.yaml' ||
    n === '.cursorrules' ||
    n === '.windsurfrules' ||
    n === '.clinerules' ||
    n.startsWith('.aider') ||
    n === 'mise.toml' ||
    n === '.mise.toml' ||
    n.startsWith('mise.') ||
    n.startsWith('.mise.') ||
    n.startsWith('.lefthook') ||
    n.startsWith('lefthook.') ||
    n.startsWith('lefthook-local.')
  );
}

/** CEE's own configuration (guardrails, validation commands, extensions): the policy must not edit itself. */
function isCeeConfig(components: readonly string[], stateDir: readonly string[]): boolean {
  const first = components[0] ?? '';
  if (components.length === 1) return first.startsWith('.ceerc') || first.startsWith('cee.config.');
  return components.length > stateDir.length && stateDir.every((c, i) => components[i] === c);
}

/** Strip an NTFS stream suffix from a folded component before comparing names. */
function bare(c: string): string {
  const colon = c.indexOf(':');
  return colon < 0 ? c : c.slice(0, colon).replace(/[. ]+$/u, '');
}

export interface CheckOptions {
  /** Path syntax problems (absolute, traversal, invalid characters, .git). */
  syntax?: boolean;
  /** Built-in protections and deny paths. */
  protections?: boolean;
  /** What the path is to the change, for messages: 'new path', 'old path (rename source)', ... */
  role?: string;
}

/**
 * Path-level checks: syntax (normalizePath), built-in protections and configured deny paths. Adds deny
 * decisions to the sink; returns true when anything was denied.
 */
export function checkPath(path: string, view: PolicyView, sink: DecisionSink, opts: CheckOptions = {}): boolean {
  const before = sink.size;
  const syntax = opts.syntax ?? true;
  const protections = opts.protections ?? true;
  const norm = normalizePath(path);
  const roleOf = (): string => (opts.role ? ` (${opts.role})` : '');
  if (syntax && norm.problems.length > 0) {
    const role = roleOf();
    for (const p of norm.problems) {
      sink.add({ ...p, message: role ? `${p.message.replace(/ \(built-in [^)]*\)$/u, '')}${role} (built-in ${p.source.key})` : p.message });
    }
  }
  if (!protections) return sink.size > before;
  if (mayBeProtected(norm.components, view)) checkProtections(path, norm.normalized, norm.components, roleOf(), syntax, view, sink);

  const idx = firstDenyMatch(path, view.denyPaths);
  if (idx >= 0) {
    const fullEntry = view.denyPaths[idx] ?? '';
    const broken = isInvalidEntry(fullEntry);
    const entry = fullEntry.length > 120 ? `${fullEntry.slice(0, 120)}…` : fullEntry;
    sink.deny(
      'deny_path',
      configSource('deny_path', view.ctx, 'denyPaths', `denyPaths[${idx}]`),
      path,
      broken
        ? `cannot be checked against the unusable denyPaths entry '${entry}' (failing closed)${roleOf()}`
        : `matches denyPaths[${idx}] '${entry}'${roleOf()}`,
    );
  }
  return sink.size > before;
}

/** Cheap pre-filter: every built-in protected name starts with a dot, or is one of a few known names. */
function mayBeProtected(components: readonly string[], view: PolicyView): boolean {
  if (view.secretConfigFiles.length > 0) return true;
  const first = components[0] ?? '';
  if (first === view.stateDir[0] || first.startsWith('cee.config.')) return true;
  for (const c of components) {
    const ch = c.charCodeAt(0);
    if (ch === 0x2e /* . */ || c.includes('~') || c.includes(':') || c.startsWith('gitleaks') || c.startsWith('lefthook') || c.startsWith('mise.')) {
      return true;
    }
  }
  return false;
}

function checkProtections(
  path: string,
  normalized: string,
  components: readonly string[],
  role: string,
  syntax: boolean,
  view: PolicyView,
  sink: DecisionSink,
): void {
  const comps = components.map(bare);
  if (!syntax && comps.some((c) => c === '.git' || /^git~[0-9]+$/u.test(c))) {
    sink.deny('git_internal', builtinSource('git_internal', 'dotgit'), path, `is inside the .git directory${role}`);
  }
  if (comps.some((c) => GIT_METADATA_NAMES.has(c) || GIT_METADATA_SHORT_RE.test(c))) {
    sink.deny(
      'git_metadata',
      builtinSource('git_metadata', 'git-metadata'),
      path,
      `is git metadata (.gitattributes/.gitmodules/.lfsconfig change how git reads, filters and fetches content)${role}`,
    );
  }
  const fileName = comps[comps.length - 1] ?? '';
  const scannerIdx = view.secretConfigFiles.findIndex((f) => normalizePath(f.replace(/^\.\//u, '')).normalized === normalized);
  if (comps.some(isScannerConfigName)) {
    sink.deny('scanner_config', builtinSource('scanner_config', 'scanner-config'), path, `is secret-scanner configuration${role}`);
  } else if (scannerIdx >= 0) {
    sink.deny(
      'scanner_config',
      configSource('scanner_config', view.ctx, 'secrets', `secrets.configFiles[${scannerIdx}]`),
      path,
      `is a secret-scanner rule file named in secrets.configFiles${role}`,
    );
  }
  const execDir = comps.slice(0, -1).find((c) => EXEC_CONFIG_DIRS.has(c)) ?? (EXEC_CONFIG_DIRS.has(fileName) ? fileName : undefined);
  if (execDir !== undefined) {
    sink.deny(
      'exec_config',
      builtinSource('exec_config', 'exec-config'),
      path,
      `is under ${execDir}/, whose files make editors, hooks or agents run commands${role}`,
    );
  } else if (comps.some(isExecConfigFile)) {
    sink.deny('exec_config', builtinSource('exec_config', 'exec-config'), path, `is a file that makes tools run commands or fetch code${role}`);
  } else if (isCeeConfig(comps, view.stateDir)) {
    sink.deny('exec_config', builtinSource('exec_config', 'cee-config'), path, `is CEE's own configuration (policy, validation commands, extensions)${role}`);
  }
}

/** allowExtensions: the extension of the new path (or of the deleted path for deletions). */
export function checkExtension(path: string, view: PolicyView, sink: DecisionSink, role?: string): void {
  if (hasAllowedExtension(path, view.allowExtensions)) return;
  sink.deny(
    'disallowed_extension',
    configSource('disallowed_extension', view.ctx, 'allowExtensions', 'allowExtensions'),
    path,
    `has extension ${extensionOf(path)}, not in allowExtensions [${view.allowExtensions.join(', ')}]${role ? ` (${role})` : ''}`,
  );
}

/** The step's declared scope: every changed path must match one of its globs. */
export function checkScope(path: string, view: PolicyView, sink: DecisionSink, role?: string): void {
  if (view.scope === undefined) return;
  if (matchesScope(path, view.scope)) return;
  sink.deny(
    'out_of_scope',
    configSource('out_of_scope', view.ctx, 'scope', 'scope'),
    path,
    `is outside the step's scope [${view.scope.join(', ')}]${role ? ` (${role})` : ''}`,
  );
}

export function checkRequirePlan(view: PolicyView, sink: DecisionSink): void {
  if (view.requirePlan && view.scope === undefined) {
    sink.deny(
      'require_plan',
      configSource('require_plan', view.ctx, 'requirePlan', 'requirePlan'),
      undefined,
      'no plan step is active and requirePlan is true: make a plan (cee plan) first',
    );
  }
}

export function checkLimits(fileCount: number, loc: number | null, view: PolicyView, sink: DecisionSink, locNote = ''): void {
  if (view.maxFiles === null) {
    sink.deny('max_files', configSource('max_files', view.ctx, 'maxFilesPerStep'), undefined, 'maxFilesPerStep is not a positive integer (failing closed)');
  } else if (fileCount > view.maxFiles) {
    sink.deny(
      'max_files',
      configSource('max_files', view.ctx, 'maxFilesPerStep'),
      undefined,
      `change touches ${fileCount} files; maxFilesPerStep is ${view.maxFiles}`,
    );
  }
  if (view.maxLoc === null) {
    sink.deny('max_added_loc', configSource('max_added_loc', view.ctx, 'maxTotalAddedLoc'), undefined, 'maxTotalAddedLoc is not a positive integer (failing closed)');
  } else if (loc === null) {
    sink.deny(
      'max_added_loc',
      configSource('max_added_loc', view.ctx, 'maxTotalAddedLoc'),
      undefined,
      `added lines cannot be counted${locNote ? ` (${locNote})` : ''}; failing closed`,
    );
  } else if (loc > view.maxLoc) {
    sink.deny(
      'max_added_loc',
      configSource('max_added_loc', view.ctx, 'maxTotalAddedLoc'),
      undefined,
      `change adds ${loc} non-blank lines; maxTotalAddedLoc is ${view.maxLoc}`,
    );
  }
}

/** Non-blank added lines. */
export function isBlank(text: string): boolean {
  return text.trim() === '';
}

// ---------------------------------------------------------------------------------------------------------
// Modes

export type ModeKind = 'absent' | 'file' | 'exec' | 'symlink' | 'gitlink' | 'tree' | 'invalid';

export function modeKind(mode: string | number | undefined | null): ModeKind {
  if (mode === undefined || mode === null) return 'absent';
  const s = typeof mode === 'number' ? mode.toString(8).padStart(6, '0') : String(mode);
  switch (s) {
    case '000000':
    case '0':
      return 'absent';
    case '100644':
      return 'file';
    case '100755':
      return 'exec';
    case '120000':
      return 'symlink';
    case '160000':
      return 'gitlink';
    case '040000':
      return 'tree';
    default:
      return 'invalid';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Symlinks created by a change: where does a path "beyond" them really go?

export interface CreatedLink {
  path: string;
  target: string | undefined;
}

/** Resolve `rest` below symlink `linkPath -> target`. */
export function resolveThroughLink(
  linkPath: string,
  target: string,
  rest: string,
): { resolved?: string; escapes?: boolean; absolute?: boolean } {
  if (target.startsWith('/') || /^[A-Za-z]:/u.test(target) || target.startsWith('\\')) return { absolute: true };
  const parts = linkPath.split('/').slice(0, -1);
  for (const seg of `${target}/${rest}`.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return { escapes: true };
      parts.pop();
    } else parts.push(seg);
  }
  return { resolved: parts.join('/') };
}

/**
 * For every path that lies beyond a symlink the same change creates (`docs/assets -> ../infra` and then
 * `docs/assets/backdoor.json`): deny `symlink` (git refuses such patches; an engine writing through the link
 * would leave the checked path) and check the real destination against deny paths and protections. Findings
 * that outrank `symlink` (traversal, .git) are folded into the symlink decision so it stays the primary reason.
 */
export function checkWriteThrough(
  links: readonly CreatedLink[],
  paths: readonly string[],
  view: PolicyView,
  sink: DecisionSink,
  scratch: () => DecisionSink,
): void {
  if (links.length === 0) return;
  const linkKeys = links.map((l) => ({ link: l, key: normalizePath(l.path).normalized }));
  for (const p of paths) {
    const key = normalizePath(p).normalized;
    for (const { link, key: lk } of linkKeys) {
      if (!key.startsWith(`${lk}/`)) continue;
      const rest = p.split('/').slice(link.path.split('/').length).join('/');
      let where = 'through a symbolic link';
      const extra: string[] = [];
      if (link.target !== undefined) {
        const r = resolveThroughLink(link.path, link.target, rest);
        if (r.absolute) where = `to an absolute location (${link.target})`;
        else if (r.escapes) where = 'outside the repository';
        else if (r.resolved !== undefined) {
          where = `to ${r.resolved}`;
          const tmp = scratch();
          checkPath(r.resolved, view, tmp, { role: `reached through symlink ${link.path}` });
          for (const d of tmp.sorted()) {
            if (d.rule === 'deny_path' || d.rule === 'disallowed_extension') sink.add(d);
            else extra.push(d.rule);
          }
        }
      }
      sink.deny(
        'symlink',
        builtinSource('symlink', 'symlink'),
        p,
        `lies beyond the symbolic link ${link.path} created by the same change and would be written ${where}${
          extra.length ? ` (${[...new Set(extra)].join(', ')})` : ''
        }`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Collisions

/**
 * Paths that exist after the change and are the same file (or a file and a folder of the same name) on a
 * case-insensitive, normalising file system.
 */
export function checkCollisions(paths: readonly string[], sink: DecisionSink): void {
  const byKey = new Map<string, string>();
  for (const p of paths) {
    const key = normalizePath(p).normalized;
    const prev = byKey.get(key);
    if (prev !== undefined && prev !== p) {
      sink.deny(
        'path_collision',
        builtinSource('path_collision', 'path-collision'),
        p,
        `is the same file as ${prev} on case-insensitive or normalising file systems`,
      );
    } else if (prev === undefined) byKey.set(key, p);
  }
  const keys = [...byKey.keys()].sort();
  for (let i = 0; i < keys.length; i++) {
    const a = keys[i] ?? '';
    // Descendants `a/...` sort after `a`, possibly after siblings such as `a-b`; stop once the prefix ends.
    for (let j = i + 1; j < keys.length; j++) {
      const c = keys[j] ?? '';
      if (!c.startsWith(a)) break;
      if (c.startsWith(`${a}/`)) {
        sink.deny(
          'path_collision',
          builtinSource('path_collision', 'path-collision'),
          byKey.get(c),
          `needs ${byKey.get(a)} to be a folder, but the same change makes it a file`,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// package.json install scripts

const INSTALL_SCRIPT_KEYS = new Set([
  'preinstall',
  'install',
  'postinstall',
  'preuninstall',
  'uninstall',
  'postuninstall',
  'prepublish',
  'preprepare',
  'prepare',
  'postprepare',
  'prepublishOnly',
  'prepack',
  'postpack',
  'dependencies',
  'pnpm:devPreinstall',
]);

const DEPENDENCY_BLOCK_RE = /"(dependencies|devDependencies|peerDependencies|optionalDependencies|bundleDependencies|bundledDependencies|overrides|resolutions|pnpm|engines|publishConfig)"\s*:\s*\{/u;

function jsonKeys(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"\s*:/gu;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    try {
      out.push(JSON.parse(`"${m[1] ?? ''}"`) as string);
    } catch {
      out.push(m[1] ?? '');
    }
  }
  return out;
}

/**
 * Lifecycle script keys added to a package.json (npm/pnpm/yarn run them on install). Added lines that sit
 * in a dependency-like block opened by the same added lines are skipped (`"install": "^1.0.0"` as a
 * dependency); anything else counts, since the surrounding context is not visible.
 */
export function addedInstallScripts(lines: readonly { text: string }[]): string[] {
  const found: string[] = [];
  let depth = 0;
  let inDeps = false;
  for (const { text } of lines) {
    if (!inDeps && DEPENDENCY_BLOCK_RE.test(text) && !text.includes('}')) {
      inDeps = true;
      depth = 0;
    }
    if (inDeps) {
      for (const ch of text) {
        if (ch === '{') depth++;
        else if (ch === '}') depth--;
      }
      if (depth <= 0) inDeps = false;
      continue;
    }
    for (const k of jsonKeys(text)) {
      if (INSTALL_SCRIPT_KEYS.has(k) && !(k === 'dependencies' && DEPENDENCY_BLOCK_RE.test(text))) found.push(k);
    }
  }
  return [...new Set(found)];
}

/** True when added package.json lines add a `"cee"` key (CEE's cosmiconfig location). */
export function addsCeeKey(lines: readonly { text: string }[]): boolean {
  return lines.some(({ text }) => jsonKeys(text).includes('cee'));
}
