import { type Decision, decisionCode } from '@cgce/core';
import { displayPath } from './quote.js';

/**
 * Characters HFS+ (and git's `is_hfs_dotgit`) ignore when comparing names: zero-width joiners and
 * non-joiners, directional marks and embeddings, the deprecated format controls and the BOM. `.g\u200cit`
 * IS `.git` on a Mac.
 */
export const HFS_IGNORABLE_RE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/gu;

/**
 * Characters no path CEE accepts may contain: C0/C1 controls and DEL, every format character (bidi
 * overrides, zero-width characters, BOM, soft hyphen, tag characters), line/paragraph separators, lone
 * surrogates, private-use characters, U+FFFD (what invalid UTF-8 decodes to) and other non-characters,
 * non-ASCII spaces, the backslash, and the characters Windows reserves (`< > : " | ? *`; `:` also names NTFS
 * alternate data streams such as `.git::$INDEX_ALLOCATION`).
 */
const INVALID_CHAR_RE =
  /[\u0000-\u001f\u007f-\u009f\\<>:"|?*\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufdd0-\ufdef\ufffd\ufffe\uffff\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;

/** Windows device names (with or without an extension: `nul.txt` is the device too). */
const WINDOWS_DEVICE_RE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$)$/u;

/** NTFS 8.3 short names: `GIT~1`, `MIGRAT~1` alias long names on Windows. */
const SHORT_NAME_RE = /~[0-9]/u;

/** Path problems whose rule belongs to the path itself (syntax and identity). */
export type PathRule = 'absolute_path' | 'path_traversal' | 'invalid_path_chars' | 'git_internal' | 'malformed';

export interface NormalizedPath {
  /**
   * The comparison key: per component NFC, HFS-ignorable characters removed, case-folded, trailing dots and
   * spaces removed (NTFS), joined with `/`. Two paths with the same key are the same file on some platform.
   */
  normalized: string;
  /** The folded components of `normalized`. */
  components: string[];
  /** Deny decisions (rule absolute_path, path_traversal, invalid_path_chars, git_internal, malformed). */
  problems: Decision[];
}

const SYNTAX_SOURCE_KEY: Record<PathRule, string> = {
  absolute_path: 'path-syntax',
  path_traversal: 'path-syntax',
  invalid_path_chars: 'path-syntax',
  git_internal: 'dotgit',
  malformed: 'path-syntax',
};

function problem(rule: PathRule, path: string, why: string): Decision {
  return {
    rule,
    code: decisionCode(rule),
    verdict: 'deny',
    message: `${rule}: ${displayPath(path)} ${why} (built-in ${SYNTAX_SOURCE_KEY[rule]})`,
    path,
    source: { id: rule, file: 'built-in', key: SYNTAX_SOURCE_KEY[rule] },
  };
}

/** Case-fold one string (over-folds on purpose: `ß`→`ss`, dotless `ı`→`i`, Kelvin sign→`k`). */
export function caseFold(s: string): string {
  return s.normalize('NFC').replace(HFS_IGNORABLE_RE, '').toUpperCase().toLowerCase().normalize('NFC');
}

/**
 * Fold one path component to its comparison key: NFC, HFS-ignorables removed, case-folded, and trailing
 * dots/spaces removed (Windows drops them) unless nothing would be left (`.`, `..` stay as they are).
 */
export function foldComponent(component: string): string {
  const folded = caseFold(component);
  const stripped = folded.replace(/[. ]+$/u, '');
  return stripped === '' ? folded : stripped;
}

function foldAscii(component: string): string {
  const lower = component.toLowerCase();
  if (!lower.endsWith('.')) return lower;
  const stripped = lower.replace(/\.+$/u, '');
  return stripped === '' ? lower : stripped;
}

/** The part of a folded component that names the file, without an NTFS stream suffix (`.git::$DATA` → `.git`). */
function streamBase(folded: string): string {
  const colon = folded.indexOf(':');
  if (colon < 0) return folded;
  return folded.slice(0, colon).replace(/[. ]+$/u, '');
}

/** True when a folded component is `.git` in any spelling git, HFS+ or NTFS would accept. */
export function isDotGitComponent(folded: string): boolean {
  const base = streamBase(folded);
  return base === '.git' || /^git~[0-9]+$/u.test(base);
}

/**
 * Normalise a repository-relative, `/`-separated path (already unquoted) and report what is wrong with it.
 * Never throws. A leading `./` is a `.` component and is rejected: pass git-style paths.
 */
export function normalizePath(p: string): NormalizedPath {
  if (typeof p !== 'string') return computeNormalized(p);
  const hit = memo.get(p);
  if (hit) return hit;
  const r = computeNormalized(p);
  Object.freeze(r.components);
  for (const d of r.problems) Object.freeze(d);
  Object.freeze(r.problems);
  Object.freeze(r);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(p, r);
  return r;
}

/** Results are immutable and pure functions of the input: remember recent ones (policy checks ask repeatedly). */
const memo = new Map<string, NormalizedPath>();
const MEMO_LIMIT = 50_000;

/** Printable ASCII with none of the characters any rule looks at more closely. */
const PLAIN_ASCII_RE = /^[A-Za-z0-9_\-+=,@#$%&()[\]{}!';^`/.]*$/u;

function computeNormalized(p: string): NormalizedPath {
  if (typeof p !== 'string') {
    return { normalized: '', components: [], problems: [problem('malformed', String(p), 'is not a string')] };
  }
  const problems: Decision[] = [];
  const reasons = new Map<PathRule, string[]>();
  const add = (rule: PathRule, why: string): void => {
    const list = reasons.get(rule);
    if (list) {
      if (!list.includes(why)) list.push(why);
    } else reasons.set(rule, [why]);
  };

  if (p.length === 0) add('path_traversal', 'is empty');
  if (p.startsWith('/')) add('absolute_path', 'is absolute (starts with /)');
  if (/^[A-Za-z]:/u.test(p)) add('absolute_path', 'is a Windows drive path');
  if (p.startsWith('\\')) add('absolute_path', 'is a Windows root or UNC path');
  if (p.length > 4096) add('invalid_path_chars', 'is longer than 4096 characters');

  const rawComponents = p.split('/');
  const components: string[] = [];
  const plain = PLAIN_ASCII_RE.test(p);
  rawComponents.forEach((raw, idx) => {
    // Fast path: plain ASCII needs no Unicode normalisation; lower-casing and NTFS trailing-dot stripping only.
    const folded = plain ? foldAscii(raw) : foldComponent(raw);
    components.push(folded);
    const bare = raw.replace(HFS_IGNORABLE_RE, '');
    if (raw === '') {
      // A leading empty component is the absolute case, reported above.
      if (!(idx === 0 && p.startsWith('/'))) add('path_traversal', 'has an empty component (// or a trailing /)');
    } else if (bare === '.' || bare === '..') {
      add('path_traversal', `has a '${bare}' component`);
    } else if (/^[. ]*$/u.test(bare)) {
      add('path_traversal', 'has a component made only of dots or spaces (resolves to . or .. on Windows)');
    }
    if (idx === 0 && raw === '~') add('absolute_path', 'starts with ~ (home directory)');
    if (!plain && INVALID_CHAR_RE.test(raw)) {
      add('invalid_path_chars', 'contains control, format, bidi, backslash or Windows-reserved characters');
    }
    if (raw.length > 0 && /[. ]$/u.test(raw) && !/^[. ]*$/u.test(bare)) {
      add('invalid_path_chars', 'has a component ending in a dot or space');
    }
    const device = folded.split('.')[0]?.replace(/ +$/u, '') ?? '';
    if (WINDOWS_DEVICE_RE.test(device)) add('invalid_path_chars', `has a Windows device name component ('${raw}')`);
    if (SHORT_NAME_RE.test(raw)) add('invalid_path_chars', 'has an NTFS 8.3 short-name component (~N)');
    if (isDotGitComponent(folded)) add('git_internal', 'is inside the .git directory (or names it in another spelling)');
  });

  const order: PathRule[] = ['malformed', 'absolute_path', 'path_traversal', 'git_internal', 'invalid_path_chars'];
  for (const rule of order) {
    const why = reasons.get(rule);
    if (why) problems.push(problem(rule, p, why.join('; ')));
  }
  return { normalized: components.join('/'), components, problems };
}
