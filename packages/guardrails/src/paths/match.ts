import picomatch from 'picomatch';
import { caseFold, foldComponent, normalizePath } from './normalize.js';

/**
 * Path matching for policy entries (denyPaths, scope globs). Entries are root-anchored:
 * - `infra/` matches `infra` itself and everything under it (`infra/x`, `Infra/x`), never `infrastructure.md`
 *   nor `src/infra/x`;
 * - an entry without glob characters and without a trailing slash matches that exact path and everything
 *   under it;
 * - a glob entry (picomatch, `dot: true`) matches the path or any of its ancestor directories, so `secret*`
 *   covers `secrets-prod/key.json`; a trailing slash on a glob is dropped.
 * Deny matching is case-insensitive on the folded key of both sides (see normalizePath).
 */

type Matcher = (candidate: string) => boolean;

interface CompiledEntry {
  /** True when the entry could not be compiled: callers fail closed. */
  invalid: boolean;
  test: (pathKey: string) => boolean;
}

const foldedCache = new Map<string, CompiledEntry>();
const exactCache = new Map<string, CompiledEntry>();
const CACHE_LIMIT = 2000;

function cleanEntry(entry: string): string {
  let e = entry.trim();
  while (e.startsWith('./')) e = e.slice(2);
  while (e.startsWith('/')) e = e.slice(1);
  return e;
}

function compile(entry: string, foldCase: boolean): CompiledEntry {
  const cache = foldCase ? foldedCache : exactCache;
  const hit = cache.get(entry);
  if (hit) return hit;
  let compiled: CompiledEntry;
  try {
    let e = cleanEntry(entry);
    while (e.endsWith('/')) e = e.slice(0, -1);
    if (foldCase) e = e.split('/').map((c) => (picomatch.scan(c).isGlob ? caseFold(c) : foldComponent(c))).join('/');
    else e = e.normalize('NFC');
    if (e === '' || e === '.') {
      // The repository root itself: everything is under it.
      compiled = { invalid: false, test: () => true };
    } else if (picomatch.scan(e).isGlob) {
      const re = picomatch.makeRe(e, { dot: true, nocase: foldCase });
      const m: Matcher = (candidate) => re.test(candidate);
      compiled = {
        invalid: false,
        // A directory glob (`**/secrets/`) also matches a file of that name: fail closed.
        test: (key) => m(key) || ancestorsOf(key).some((a) => m(a)),
      };
    } else {
      const prefix = `${e}/`;
      compiled = { invalid: false, test: (key) => key === e || key.startsWith(prefix) };
    }
  } catch {
    compiled = { invalid: true, test: () => true };
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(entry, compiled);
  return compiled;
}

function ancestorsOf(key: string): string[] {
  const out: string[] = [];
  let idx = key.indexOf('/');
  while (idx > 0) {
    out.push(key.slice(0, idx));
    idx = key.indexOf('/', idx + 1);
  }
  return out;
}

/** The key a deny entry is compared against: the folded path (NFC, HFS-ignorables removed, casefolded). */
export function denyKey(path: string): string {
  // Fail closed for callers that pass non-canonical paths: drop `.` and empty components and resolve `..`
  // lexically (a leading `..` stays), so `./infra/x` and `src/../infra/x` still meet `infra/`.
  const norm = normalizePath(path);
  if (!norm.components.some((c) => c === '' || c === '.' || c === '..')) return norm.normalized;
  const out: string[] = [];
  for (const c of norm.components) {
    if (c === '' || c === '.') continue;
    if (c === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(c);
  }
  return out.join('/');
}

/** True when `path` (repository-relative, unquoted) is covered by the deny entry. Never throws; an entry that
 * cannot be compiled matches everything (fail closed). */
export function matchesDenyPath(path: string, entry: string): boolean {
  if (typeof path !== 'string' || typeof entry !== 'string') return true;
  const key = denyKey(path);
  return compile(entry, true).test(key);
}

/** True when the deny entry is unusable (picomatch refused it). */
export function isInvalidEntry(entry: string, foldCase = true): boolean {
  return typeof entry !== 'string' || compile(entry, foldCase).invalid;
}

/** Index of the first deny entry that covers the path, or -1. */
export function firstDenyMatch(path: string, entries: readonly string[]): number {
  const key = denyKey(path);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (typeof entry !== 'string') return i;
    if (compile(entry, true).test(key)) return i;
  }
  return -1;
}

/**
 * True when the path matches one of the scope globs. Scope matching is exact (case-sensitive, NFC) because
 * scope is an allow-list: a case variant of an in-scope path is out of scope.
 */
export function matchesScope(path: string, scope: readonly string[]): boolean {
  if (typeof path !== 'string') return false;
  const key = ASCII_RE.test(path) ? path : path.normalize('NFC');
  for (const entry of scope) {
    if (typeof entry !== 'string') continue;
    const c = compile(entry, false);
    if (c.invalid) continue;
    if (c.test(key)) return true;
  }
  return false;
}

/**
 * True when the file name carries one of the allowed extensions, compared case-insensitively on the folded
 * name (`README.MD` has `.md`). Multi-dot entries work (`.d.ts`). A name that IS the extension (`.md`) or has
 * none (`Makefile`, `.gitattributes`) has no allowed extension.
 */
export function hasAllowedExtension(path: string, allowExtensions: readonly string[]): boolean {
  if (typeof path !== 'string') return false;
  const comps = normalizePath(path).components;
  const base = comps[comps.length - 1] ?? '';
  for (const ext of allowExtensions) {
    if (typeof ext !== 'string' || !ext.startsWith('.') || ext.length < 2) continue;
    let e = foldedExt.get(ext);
    if (e === undefined) {
      e = caseFold(ext);
      if (foldedExt.size >= CACHE_LIMIT) foldedExt.clear();
      foldedExt.set(ext, e);
    }
    // `.gitignore` in the list allows the file `.gitignore` itself (a name that is all extension).
    if (base.endsWith(e)) return true;
  }
  return false;
}

const foldedExt = new Map<string, string>();
const ASCII_RE = /^[\x20-\x7e]*$/u;

/** The extension of a path as shown in messages (`.sh`, or `(none)`). */
export function extensionOf(path: string): string {
  const base = path.split('/').pop() ?? '';
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return '(none)';
  return base.slice(dot);
}
