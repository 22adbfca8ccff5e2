import { parseCQuoted } from '../paths/index.js';

/**
 * A strict reader of unified diffs that mirrors git's own parser (apply.c: find_header,
 * parse_git_diff_header, git_header_name, find_name*, parse_traditional_patch, parse_fragment) so that the
 * paths it reports are the paths `git apply` (-p1) will touch, and that refuses everything git would
 * silently skip or tolerate (text between file patches, lone headers, stray hunks) because other tools read
 * those differently.
 */

export type NameSource =
  | 'diff --git (old)'
  | 'diff --git (new)'
  | '---'
  | '+++'
  | 'rename from'
  | 'rename to'
  | 'copy from'
  | 'copy to';

export interface NameRef {
  source: NameSource;
  side: 'old' | 'new';
  /** The name as written (unquoted), prefix included; null for /dev/null. */
  raw: string | null;
  /** The name git derives from this line on its own (prefix stripped, slashes squashed); null for /dev/null. */
  git: string | null;
  /** What a lenient parser (strips only a literal `a/` or `b/`) reads; null for /dev/null. */
  lenient: string | null;
  line: number;
}

export interface AddedText {
  /** 1-based line number in the new file. */
  line: number;
  text: string;
}

export interface FilePatch {
  index: number;
  /** 1-based line of the header. */
  line: number;
  kind: 'git' | 'traditional';
  /** The name on the `diff --git` line (b-side, prefix stripped), when it could be read. */
  headerPath?: string;
  /** Final names as git uses them. */
  oldPath?: string;
  newPath?: string;
  isNew: boolean;
  isDelete: boolean;
  isRename: boolean;
  isCopy: boolean;
  oldMode?: string;
  newMode?: string;
  /** The mode on the `index` line (the file's mode when unchanged). */
  indexMode?: string;
  names: NameRef[];
  /** Has `---`/`+++` lines. */
  hasMinusPlus: boolean;
  hunks: number;
  added: number;
  deleted: number;
  addedLines: AddedText[];
  binary: boolean;
}

export type IssueRule = 'malformed' | 'unsupported_format' | 'binary_patch' | 'header_mismatch';

export interface ParseIssue {
  rule: IssueRule;
  message: string;
  line?: number;
  path?: string;
  fileIndex?: number;
}

export interface ParsedPatch {
  files: FilePatch[];
  issues: ParseIssue[];
}

export interface ParseOptions {
  /** Inputs larger than this are refused (default 64 MiB). */
  maxBytes?: number;
}

// -------------------------------------------------------------------------------------------------------
// Character helpers (C isspace / isdigit)

const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

const TERM_SPACE = 1;
const TERM_TAB = 2;

function nameTerminate(c: string, terminate: number): boolean {
  if (c === ' ' && !(terminate & TERM_SPACE)) return false;
  if (c === '\t' && !(terminate & TERM_TAB)) return false;
  return true;
}

/** apply.c squash_slash: collapse runs of `/`. */
export function squashSlash(s: string): string {
  return s.includes('//') ? s.replace(/\/{2,}/gu, '/') : s;
}

/** apply.c is_dev_null: "/dev/null" followed by whitespace (or the end of the line). */
export function isDevNull(s: string): boolean {
  return s.startsWith('/dev/null') && (s.length === 9 || isSpace(s[9]));
}

/** apply.c skip_tree_prefix: drop `p` leading components; null for absolute names or too few components. */
export function skipTreePrefix(p: number, s: string): string | null {
  if (p === 0) return s.length > 0 && s[0] === '/' ? null : s;
  let nslash = p;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '/' && --nslash <= 0) return i === 0 ? null : s.slice(i + 1);
  }
  return null;
}

/** apply.c find_name_common. `end`: index where the name must end (timestamps), or null to scan. */
function findNameCommon(line: string, def: string | null, pIn: number, end: number | null, terminate: number): string | null {
  let p = pIn;
  let start: number | null = p === 0 ? 0 : null;
  let i = 0;
  const stop = end ?? line.length;
  while (i < stop) {
    const c = line[i] as string;
    if (end === null && isSpace(c)) {
      if (c === '\n') break;
      if (nameTerminate(c, terminate)) break;
    }
    i++;
    if (c === '/' && --p === 0) start = i;
  }
  if (start === null) return def === null ? null : squashSlash(def);
  const len = i - start;
  if (len <= 0) return def === null ? null : squashSlash(def);
  if (def !== null && def.length < len && line.startsWith(def, start)) return squashSlash(def);
  return squashSlash(line.slice(start, i));
}

/** apply.c find_name_gnu: a quoted name with `p` components dropped, or null. */
function findNameGnu(line: string, p: number): string | null {
  const q = parseCQuoted(line, 0);
  if (!q) return null;
  let cp = 0;
  for (let k = p; k > 0; k--) {
    const s = q.value.indexOf('/', cp);
    if (s < 0) return null;
    cp = s + 1;
  }
  return squashSlash(q.value.slice(cp));
}

/** apply.c find_name. */
function findName(line: string, def: string | null, p: number, terminate: number): string | null {
  if (line.startsWith('"')) {
    const n = findNameGnu(line, p);
    if (n !== null) return n;
  }
  return findNameCommon(line, def, p, null, terminate);
}

// --- timestamps after traditional names (apply.c diff_timestamp_len and friends) ------------------------

function saneTzLen(line: string, len: number): number {
  if (len < 6 || line[len - 6] !== ' ') return 0;
  const tz = len - 6;
  if (line[tz + 1] !== '+' && line[tz + 1] !== '-') return 0;
  for (let p = tz + 2; p < len; p++) if (!isDigit(line[p])) return 0;
  return len - tz;
}

function tzWithColonLen(line: string, len: number): number {
  if (len < 7 || line[len - 3] !== ':') return 0;
  const tz = len - 7;
  if (line[tz] !== ' ' || (line[tz + 1] !== '+' && line[tz + 1] !== '-')) return 0;
  const p = tz + 2;
  if (!isDigit(line[p]) || !isDigit(line[p + 1]) || line[p + 2] !== ':' || !isDigit(line[p + 3]) || !isDigit(line[p + 4])) return 0;
  return len - tz;
}

function dateLen(line: string, len: number): number {
  if (len < 8 || line[len - 3] !== '-') return 0;
  let date = len - 8;
  const p = date;
  if (
    !isDigit(line[p]) ||
    !isDigit(line[p + 1]) ||
    line[p + 2] !== '-' ||
    !isDigit(line[p + 3]) ||
    !isDigit(line[p + 4]) ||
    line[p + 5] !== '-' ||
    !isDigit(line[p + 6]) ||
    !isDigit(line[p + 7])
  )
    return 0;
  if (date >= 2 && isDigit(line[date - 1]) && isDigit(line[date - 2])) date -= 2;
  return len - date;
}

function shortTimeLen(line: string, len: number): number {
  if (len < 9 || line[len - 3] !== ':') return 0;
  const time = len - 9;
  const p = time;
  if (
    line[p] !== ' ' ||
    !isDigit(line[p + 1]) ||
    !isDigit(line[p + 2]) ||
    line[p + 3] !== ':' ||
    !isDigit(line[p + 4]) ||
    !isDigit(line[p + 5]) ||
    line[p + 6] !== ':' ||
    !isDigit(line[p + 7]) ||
    !isDigit(line[p + 8])
  )
    return 0;
  return len - time;
}

function fractionalTimeLen(line: string, len: number): number {
  if (len === 0 || !isDigit(line[len - 1])) return 0;
  let p = len - 1;
  while (p > 0 && isDigit(line[p])) p--;
  if (line[p] !== '.') return 0;
  const n = shortTimeLen(line, p);
  if (!n) return 0;
  return len - p + n;
}

function trailingSpacesLen(line: string, len: number): number {
  if (len === 0 || line[len - 1] !== ' ') return 0;
  let p = len;
  while (p > 0) {
    p--;
    if (line[p] !== ' ') return len - (p + 1);
  }
  return len;
}

function diffTimestampLen(line: string, len: number): number {
  let end = len;
  if (len === 0 || !isDigit(line[end - 1])) return 0;
  let n = saneTzLen(line, end);
  if (!n) n = tzWithColonLen(line, end);
  end -= n;
  n = shortTimeLen(line, end);
  if (!n) n = fractionalTimeLen(line, end);
  end -= n;
  n = dateLen(line, end);
  if (!n) return 0;
  end -= n;
  if (end === 0) return 0;
  if (line[end - 1] === '\t') {
    end--;
    return len - end;
  }
  if (line[end - 1] !== ' ') return 0;
  end -= trailingSpacesLen(line, end);
  return len - end;
}

/** apply.c find_name_traditional. */
function findNameTraditional(line: string, def: string | null, p: number): string | null {
  if (line.startsWith('"')) {
    const n = findNameGnu(line, p);
    if (n !== null) return n;
  }
  const len = line.length;
  const dl = diffTimestampLen(line, len);
  if (!dl) return findNameCommon(line, def, p, null, TERM_TAB);
  return findNameCommon(line, def, p, len - dl, 0);
}

/** apply.c has_epoch_timestamp: GNU diff marks creation/deletion with the epoch as the file's date. */
function hasEpochTimestamp(nameline: string): boolean {
  const tab = nameline.lastIndexOf('\t');
  if (tab < 0) return false;
  let ts = nameline.slice(tab + 1);
  let epochHour: number;
  if (ts.startsWith('1969-12-31 ')) epochHour = 24;
  else if (ts.startsWith('1970-01-01 ')) epochHour = 0;
  else return false;
  ts = ts.slice(11);
  const m = /^([0-2][0-9]):([0-5][0-9]):00(\.0+)? ([-+])([0-2][0-9]):?([0-5][0-9])$/u.exec(ts);
  if (!m) return false;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  let zone = Number(m[5]) * 60 + Number(m[6]);
  if (m[4] === '-') zone = -zone;
  return hour * 60 + minute - zone === epochHour * 60;
}

/** apply.c git_header_name: the name of a `diff --git` line when both sides name the same file, else null. */
export function gitHeaderName(p: number, rest: string): string | null {
  if (rest.startsWith('"')) {
    const first = parseCQuoted(rest, 0);
    if (!first) return null;
    const cp = skipTreePrefix(p, first.value);
    if (cp === null) return null;
    let k = first.end;
    while (k < rest.length && isSpace(rest[k])) k++;
    if (k >= rest.length) return null;
    if (rest[k] === '"') {
      const sp = parseCQuoted(rest, k);
      if (!sp) return null;
      const c2 = skipTreePrefix(p, sp.value);
      if (c2 === null) return null;
      return c2 === cp ? cp : null;
    }
    const c2 = skipTreePrefix(p, rest.slice(k));
    if (c2 === null) return null;
    return c2 === cp ? cp : null;
  }
  const name = skipTreePrefix(p, rest);
  if (name === null) return null;
  const dq = name.indexOf('"');
  if (dq >= 0) {
    const sp = parseCQuoted(name, dq);
    if (!sp) return null;
    const np = skipTreePrefix(p, sp.value);
    if (np === null) return null;
    const len = np.length;
    if (len < dq && name.startsWith(np) && isSpace(name[len])) return np;
    return null;
  }
  for (let len = 0; len < name.length; len++) {
    const c = name[len];
    if (c !== '\t' && c !== ' ') continue;
    const second = skipTreePrefix(p, name.slice(len + 1));
    if (second === null) continue;
    if (second.length === len && name.startsWith(second)) return second;
  }
  return null;
}

/**
 * Every way the text after `diff --git ` can be split into two names (unquoted, prefixes kept). Quoted names
 * leave one split; unquoted names with spaces leave one per space.
 */
export function headerSplits(rest: string): Array<{ left: string; right: string }> {
  if (rest.startsWith('"')) {
    const q = parseCQuoted(rest, 0);
    if (!q) return [];
    let k = q.end;
    if (!isSpace(rest[k])) return [];
    while (k < rest.length && isSpace(rest[k])) k++;
    const second = rest.slice(k);
    if (second.startsWith('"')) {
      const q2 = parseCQuoted(second, 0);
      if (!q2 || q2.end !== second.length) return [];
      return [{ left: q.value, right: q2.value }];
    }
    return [{ left: q.value, right: second }];
  }
  const out: Array<{ left: string; right: string }> = [];
  const dq = rest.indexOf(' "');
  if (dq >= 0) {
    const q2 = parseCQuoted(rest, dq + 1);
    if (q2 && q2.end === rest.length) out.push({ left: rest.slice(0, dq), right: q2.value });
  }
  for (let k = rest.indexOf(' '); k >= 0; k = rest.indexOf(' ', k + 1)) {
    out.push({ left: rest.slice(0, k), right: rest.slice(k + 1) });
  }
  return out;
}

/** The raw name a lenient parser takes from a `---`/`+++` line: unquoted, cut at the first TAB. */
function rawMinusPlusName(text: string): { raw: string | null; bad: boolean } {
  if (isDevNull(text)) return { raw: null, bad: false };
  if (text.startsWith('"')) {
    const q = parseCQuoted(text, 0);
    if (!q) return { raw: text, bad: true };
    const after = text.slice(q.end);
    return { raw: q.value, bad: q.invalidUtf8 || (after !== '' && !after.startsWith('\t')) };
  }
  const tab = text.indexOf('\t');
  return { raw: tab >= 0 ? text.slice(0, tab) : text, bad: false };
}

function rawWholeName(text: string): { raw: string; bad: boolean } {
  if (text.startsWith('"')) {
    const q = parseCQuoted(text, 0);
    if (!q) return { raw: text, bad: true };
    return { raw: q.value, bad: q.invalidUtf8 || q.end !== text.length };
  }
  return { raw: text, bad: false };
}

function stripLiteral(raw: string | null, prefix: 'a/' | 'b/'): string | null {
  if (raw === null) return null;
  return raw.startsWith(prefix) ? raw.slice(2) : raw;
}

const HEADER_BITS = {
  '---': 1,
  '+++': 2,
  'old mode': 4,
  'new mode': 8,
  'deleted file mode': 16,
  'new file mode': 32,
  'copy from': 64,
  'copy to': 128,
  'rename from': 256,
  'rename to': 512,
  similarity: 1024,
  index: 2048,
} as const;
type HeaderKey = keyof typeof HEADER_BITS;

const MODE_RE = /^[0-7]{6}$/u;
const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/u;

// -------------------------------------------------------------------------------------------------------
// Stray lines: what a line outside any file patch looks like

type StrayKind = 'ed' | 'context' | 'normal' | 'combined' | 'diff' | 'binary' | null;

function classifyStray(line: string): StrayKind {
  const l = line.replace(/^\ufeff/u, '');
  if (/^(GIT binary patch|Binary files .* differ|Files .* differ)$/u.test(l)) return 'binary';
  if (/^diff --(cc|combined) /u.test(l) || l.startsWith('@@@ ')) return 'combined';
  if (l.startsWith('*** ') || /^\*{15}/u.test(l) || /^--- \d+(,\d+)? ----/u.test(l)) return 'context';
  if (/^\d+(,\d+)?[acd]\d+(,\d+)?$/u.test(l)) return 'normal';
  if (/^(\d+|\$|\.)?(,(\d+|\$))?[acdijkmtuw]$/u.test(l) || l === '.' || l.startsWith('!') || /^\d*(,\d*)?s\/.*\/.*\//u.test(l) || l === 'q' || l === 'w' || l === 'Q' || /^w /u.test(l) || /^e /u.test(l) || /^r !/u.test(l)) {
    return 'ed';
  }
  if (
    /^(diff |--- |\+\+\+ |@@ |Index: |={20,}$|literal \d|delta \d|rename (from|to|old|new) |copy (from|to) |(old|new|deleted file|new file) mode |(dis)?similarity index |index [0-9a-fA-F]+\.\.|\\ )/u.test(
      l,
    )
  ) {
    return 'diff';
  }
  if (l !== line) return 'diff';
  return null;
}

const STRAY_LABEL: Record<Exclude<StrayKind, null>, string> = {
  ed: 'an ed script',
  context: 'a context diff',
  normal: 'a normal (non-unified) diff',
  combined: 'a combined (merge) diff',
  diff: 'diff syntax outside any file patch',
  binary: 'a binary diff',
};

// -------------------------------------------------------------------------------------------------------

// ignoreBOM keeps a leading U+FEFF in the text: git does not skip it either.
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

class Parser {
  readonly files: FilePatch[] = [];
  readonly issues: ParseIssue[] = [];
  private readonly lines: string[];
  /** Number of lines; the last one has no newline when `lastHasNl` is false. */
  private readonly n: number;
  private readonly lastHasNl: boolean;
  private pValue = 1;
  private pKnown = false;
  private fatal = false;

  constructor(text: string) {
    const lines = text.split('\n');
    this.lastHasNl = lines[lines.length - 1] === '';
    if (this.lastHasNl) lines.pop();
    this.lines = lines;
    this.n = lines.length;
  }

  private line(i: number): string {
    return this.lines[i] ?? '';
  }

  private hasNl(i: number): boolean {
    return i < this.n - 1 || (i === this.n - 1 && this.lastHasNl);
  }

  private issue(rule: IssueRule, message: string, line?: number, extra: Partial<ParseIssue> = {}): void {
    this.issues.push({ rule, message, ...(line === undefined ? {} : { line }), ...extra });
  }

  private fail(message: string, line: number, extra: Partial<ParseIssue> = {}): void {
    this.issue('malformed', message, line, extra);
    this.fatal = true;
  }

  /** Header lines must be valid UTF-8 without CR. */
  private checkHeaderLine(i: number, fileIndex: number): void {
    const l = this.line(i);
    if (l.includes('\ufffd')) this.issue('malformed', `header line ${i + 1} is not valid UTF-8`, i + 1, { fileIndex });
    if (l.endsWith('\r')) {
      this.issue('malformed', `header line ${i + 1} ends in CR (CRLF patch headers are read differently by git and other tools)`, i + 1, {
        fileIndex,
      });
    }
  }

  run(): void {
    let i = 0;
    const stray: Array<{ line: number; kind: Exclude<StrayKind, null> }> = [];
    let seenFile = false;
    while (i < this.n && !this.fatal) {
      const l = this.line(i);
      if (l.startsWith('diff --git ')) {
        seenFile = true;
        i = this.parseGit(i);
        continue;
      }
      if (l.startsWith('--- ') && this.line(i + 1).startsWith('+++ ') && i + 2 < this.n && this.line(i + 2).startsWith('@@ -')) {
        seenFile = true;
        i = this.parseTraditional(i);
        continue;
      }
      if (l === '') {
        i++;
        continue;
      }
      const kind = classifyStray(l);
      if (!seenFile) {
        if (kind !== null) stray.push({ line: i + 1, kind });
        i++;
        continue;
      }
      // After the first file patch only blank lines, a closing code fence, or a format-patch signature
      // ("-- " and a version line, at the very end) may follow.
      if (l === '-- ' || l === '```') {
        let k = i + 1;
        let ok = true;
        for (; k < this.n; k++) {
          const t = this.line(k);
          if (l === '```' ? t.trim() !== '' : classifyStray(t) !== null || t.startsWith('diff --git ')) {
            ok = false;
            break;
          }
        }
        if (ok) break;
      }
      if (kind !== null && kind !== 'diff') {
        this.issue(kind === 'binary' ? 'binary_patch' : 'unsupported_format', `line ${i + 1} is ${STRAY_LABEL[kind]}, which CEE does not accept`, i + 1);
      } else {
        this.issue(
          'malformed',
          `unexpected text at line ${i + 1}, outside any hunk (git skips such lines, other parsers do not): ${JSON.stringify(l.slice(0, 60))}`,
          i + 1,
        );
      }
      i++;
    }

    if (this.files.length === 0 && !this.fatal) {
      const kinds = new Set(stray.map((s) => s.kind));
      const first = stray[0];
      let what = 'no file patch (expected `diff --git` or `---`/`+++` headers followed by `@@` hunks)';
      for (const k of ['ed', 'normal', 'context', 'combined', 'binary', 'diff'] as const) {
        if (kinds.has(k)) {
          what =
            k === 'ed'
              ? 'an ed script (never run through patch/ed: CVE-2018-1000156), not a unified diff'
              : k === 'diff'
                ? `no complete file patch: diff syntax at line ${first?.line ?? 0} has no \`@@\` hunk or header`
                : `${STRAY_LABEL[k]}, not a unified git diff`;
          break;
        }
      }
      const hunkless = stray.find((s) => s.kind === 'diff' && this.line(s.line - 1).startsWith('@@ -'));
      if (hunkless && !kinds.has('ed') && !kinds.has('normal') && !kinds.has('context')) {
        this.issue('malformed', `hunk at line ${hunkless.line} has no file header`, hunkless.line);
      } else if (kinds.has('binary')) {
        this.issue('binary_patch', `input is ${what}`);
      } else {
        this.issue('unsupported_format', `input is ${what}`, first?.line);
      }
      return;
    }
    for (const s of stray) {
      if (s.kind === 'diff') {
        this.issue('malformed', `line ${s.line} before the first file patch looks like diff syntax; refusing ambiguous input`, s.line);
      } else if (s.kind === 'binary') {
        this.issue('binary_patch', `line ${s.line} announces a binary diff`, s.line);
      } else {
        this.issue('unsupported_format', `line ${s.line} is ${STRAY_LABEL[s.kind]}; only unified git diffs are accepted`, s.line);
      }
    }
  }

  private newFile(i: number, kind: FilePatch['kind']): FilePatch {
    return {
      index: this.files.length,
      line: i + 1,
      kind,
      isNew: false,
      isDelete: false,
      isRename: false,
      isCopy: false,
      names: [],
      hasMinusPlus: false,
      hunks: 0,
      added: 0,
      deleted: 0,
      addedLines: [],
      binary: false,
    };
  }

  // --- diff --git --------------------------------------------------------------------------------------

  private parseGit(i: number): number {
    const fp = this.newFile(i, 'git');
    this.files.push(fp);
    const fi = fp.index;
    const headerLine = this.line(i);
    this.checkHeaderLine(i, fi);
    if (!this.hasNl(i)) {
      this.fail(`diff --git header at line ${i + 1} is the last line and has no newline (truncated)`, i + 1, { fileIndex: fi });
      return this.n;
    }
    const rest = headerLine.slice(11);
    if (rest.length > 8192) {
      this.fail(`diff --git header at line ${i + 1} is too long`, i + 1, { fileIndex: fi });
      return this.n;
    }
    const p = this.pValue;
    // git_header_name only matters for new/deleted files and header-only patches: compute it on demand.
    let defCache: string | null | undefined;
    const def = (): string | null => {
      if (defCache === undefined) defCache = gitHeaderName(p, rest);
      return defCache;
    };
    let oldName: string | null = null;
    let newName: string | null = null;
    let sawOldMode = false;
    let sawNewMode = false;
    let seenKeys = 0;

    const verify = (text: string, side: 'old' | 'new', lineNo: number): void => {
      const isnull = side === 'old' ? fp.isNew : fp.isDelete;
      const { raw, bad } = rawMinusPlusName(text);
      if (bad) this.issue('malformed', `bad quoting of the name on line ${lineNo}`, lineNo, { fileIndex: fi });
      const dev = isDevNull(text);
      // git only treats /dev/null as "no file" where the header already said new/deleted; elsewhere it
      // is read as the name "dev/null" (and the patch then fails) — mirror that.
      const own = dev && isnull ? null : findName(text, null, p, TERM_TAB);
      fp.names.push({
        source: side === 'old' ? '---' : '+++',
        side,
        raw,
        git: own,
        lenient: stripLiteral(raw, side === 'old' ? 'a/' : 'b/'),
        line: lineNo,
      });
      const name = side === 'old' ? oldName : newName;
      if (name === null && !isnull) {
        if (side === 'old') oldName = own;
        else newName = own;
        return;
      }
      if (name !== null) {
        if (isnull) {
          this.issue('header_mismatch', `line ${lineNo}: expected /dev/null, got ${JSON.stringify(name)}`, lineNo, { fileIndex: fi });
        } else if (own !== name) {
          this.issue('header_mismatch', `line ${lineNo}: inconsistent ${side} filename (${JSON.stringify(own)} vs ${JSON.stringify(name)})`, lineNo, {
            fileIndex: fi,
          });
        }
      } else if (!dev) {
        this.issue('header_mismatch', `line ${lineNo}: expected /dev/null for a ${side === 'old' ? 'new' : 'deleted'} file`, lineNo, { fileIndex: fi });
      }
    };

    const mode = (text: string, lineNo: number): string | undefined => {
      if (!MODE_RE.test(text)) {
        this.issue('malformed', `invalid mode ${JSON.stringify(text)} on line ${lineNo}`, lineNo, { fileIndex: fi });
        return undefined;
      }
      return text;
    };

    const pathLine = (text: string, source: NameSource, side: 'old' | 'new', lineNo: number): string | null => {
      const { raw, bad } = rawWholeName(text);
      if (bad) this.issue('malformed', `bad quoting of the name on line ${lineNo}`, lineNo, { fileIndex: fi });
      const name = findName(text, null, p ? p - 1 : 0, 0);
      fp.names.push({ source, side, raw, git: name, lenient: raw, line: lineNo });
      return name;
    };

    let j = i + 1;
    for (; j < this.n && this.hasNl(j); j++) {
      const l = this.line(j);
      const lineNo = j + 1;
      if (l.startsWith('@@ -')) break;
      let key: HeaderKey;
      if (l.startsWith('--- ')) {
        key = '---';
        fp.hasMinusPlus = true;
        verify(l.slice(4), 'old', lineNo);
      } else if (l.startsWith('+++ ')) {
        key = '+++';
        fp.hasMinusPlus = true;
        verify(l.slice(4), 'new', lineNo);
      } else if (l.startsWith('old mode ')) {
        key = 'old mode';
        sawOldMode = true;
        fp.oldMode = mode(l.slice(9), lineNo);
      } else if (l.startsWith('new mode ')) {
        key = 'new mode';
        sawNewMode = true;
        fp.newMode = mode(l.slice(9), lineNo);
      } else if (l.startsWith('deleted file mode ')) {
        key = 'deleted file mode';
        fp.isDelete = true;
        oldName = def();
        fp.oldMode = mode(l.slice(18), lineNo);
      } else if (l.startsWith('new file mode ')) {
        key = 'new file mode';
        fp.isNew = true;
        newName = def();
        fp.newMode = mode(l.slice(14), lineNo);
      } else if (l.startsWith('copy from ')) {
        key = 'copy from';
        fp.isCopy = true;
        oldName = pathLine(l.slice(10), 'copy from', 'old', lineNo);
      } else if (l.startsWith('copy to ')) {
        key = 'copy to';
        fp.isCopy = true;
        newName = pathLine(l.slice(8), 'copy to', 'new', lineNo);
      } else if (l.startsWith('rename old ') || l.startsWith('rename from ')) {
        key = 'rename from';
        fp.isRename = true;
        oldName = pathLine(l.slice(l.startsWith('rename old ') ? 11 : 12), 'rename from', 'old', lineNo);
      } else if (l.startsWith('rename new ') || l.startsWith('rename to ')) {
        key = 'rename to';
        fp.isRename = true;
        newName = pathLine(l.slice(l.startsWith('rename new ') ? 11 : 10), 'rename to', 'new', lineNo);
      } else if (l.startsWith('similarity index ') || l.startsWith('dissimilarity index ')) {
        key = 'similarity';
        if (!/^(dis)?similarity index \d{1,3}%$/u.test(l)) {
          this.issue('malformed', `invalid similarity line ${lineNo}`, lineNo, { fileIndex: fi });
        }
      } else if (l.startsWith('index ')) {
        key = 'index';
        const m = /^index ([0-9a-f]{4,64})\.\.([0-9a-f]{4,64})(?: ([0-7]{6}))?$/u.exec(l);
        if (!m) this.issue('malformed', `invalid index line ${lineNo}`, lineNo, { fileIndex: fi });
        else if (m[3] !== undefined) {
          fp.indexMode = m[3];
          // git reads the index line's mode as the old mode.
          fp.oldMode = m[3];
        }
      } else {
        break;
      }
      this.checkHeaderLine(j, fi);
      const bit = HEADER_BITS[key];
      if (seenKeys & bit) this.issue('malformed', `duplicate '${key}' line ${lineNo} in one file patch`, lineNo, { fileIndex: fi });
      seenKeys |= bit;
      const ext = Number(fp.isDelete) + Number(fp.isNew) + Number(fp.isRename) + Number(fp.isCopy);
      if (ext > 1) {
        this.fail(`inconsistent header lines (new/deleted/rename/copy together) at line ${lineNo}`, lineNo, { fileIndex: fi });
        return this.n;
      }
    }

    if (j === i + 1) {
      this.fail(
        `diff --git header at line ${i + 1} is followed by neither extended header lines nor ---/+++ (git skips it, other tools do not)`,
        i + 1,
        { fileIndex: fi },
      );
      return this.n;
    }
    if (sawOldMode !== sawNewMode) {
      this.issue('malformed', `file patch at line ${i + 1} has ${sawOldMode ? 'old mode without new mode' : 'new mode without old mode'}`, i + 1, {
        fileIndex: fi,
      });
    }

    if (oldName === null && newName === null) {
      const defName = def();
      if (defName === null) {
        this.fail(`git diff header at line ${i + 1} lacks filename information`, i + 1, { fileIndex: fi });
        return this.n;
      }
      oldName = defName;
      newName = defName;
    }
    if ((newName === null && !fp.isDelete) || (oldName === null && !fp.isNew)) {
      this.fail(`git diff header at line ${i + 1} lacks filename information`, i + 1, { fileIndex: fi });
      return this.n;
    }
    if (fp.isNew && oldName !== null) {
      this.issue('header_mismatch', `file patch at line ${i + 1} creates a file but also names an old file ${JSON.stringify(oldName)}`, i + 1, {
        fileIndex: fi,
      });
    }
    if (fp.isDelete && newName !== null && !fp.isRename && !fp.isCopy) {
      if (newName !== oldName) {
        this.issue('header_mismatch', `file patch at line ${i + 1} deletes a file but also names a new file ${JSON.stringify(newName)}`, i + 1, {
          fileIndex: fi,
        });
      }
    }
    if (!fp.isNew && oldName !== null) fp.oldPath = oldName;
    if (!fp.isDelete && newName !== null) fp.newPath = newName;

    this.checkGitLineNames(fp, rest, p, def, i + 1);

    const after = this.parseHunks(j, fp);
    if (this.fatal) return this.n;
    if (fp.hunks === 0) {
      const l = this.line(after);
      if (l === 'GIT binary patch') {
        fp.binary = true;
        return this.skipBinary(after + 1);
      }
      if (/^(Binary files |Files ).* differ$/u.test(l)) {
        fp.binary = true;
        return after + 1;
      }
      const metadata = fp.isRename || fp.isCopy || fp.isNew || fp.isDelete || (fp.oldMode !== undefined && fp.newMode !== undefined && fp.oldMode !== fp.newMode && sawNewMode);
      if (!metadata) {
        this.fail(`file patch at line ${i + 1} has no hunks and changes nothing (git: "patch with only garbage")`, i + 1, { fileIndex: fi });
        return this.n;
      }
    }
    return after;
  }

  /** Check that the `diff --git` line names what the patch really changes, and record its names. */
  private checkGitLineNames(fp: FilePatch, rest: string, p: number, def: () => string | null, lineNo: number): void {
    const expectOld = fp.oldPath ?? fp.newPath ?? null;
    const expectNew = fp.newPath ?? fp.oldPath ?? null;
    // The common case, exactly as git writes it: `a/<old> b/<new>`, both unquoted.
    if (p === 1 && expectOld !== null && expectNew !== null && !rest.startsWith('"') && rest.length === expectOld.length + expectNew.length + 5) {
      if (rest.startsWith('a/') && rest.startsWith(expectOld, 2) && rest.startsWith(' b/', expectOld.length + 2) && rest.endsWith(expectNew)) {
        fp.headerPath = expectNew;
        fp.names.push(
          { source: 'diff --git (old)', side: 'old', raw: `a/${expectOld}`, git: expectOld, lenient: expectOld, line: lineNo },
          { source: 'diff --git (new)', side: 'new', raw: `b/${expectNew}`, git: expectNew, lenient: expectNew, line: lineNo },
        );
        return;
      }
    }
    const defName = def();
    if (rest.startsWith('"') && !parseCQuoted(rest, 0)) {
      this.issue('malformed', `bad quoting on the diff --git line ${lineNo}`, lineNo, { fileIndex: fp.index });
    }
    const splits = headerSplits(rest);
    const strip = (s: string): string | null => {
      const x = skipTreePrefix(p, s);
      return x === null ? null : squashSlash(x);
    };
    let chosen = splits.find((s) => strip(s.left) === expectOld && strip(s.right) === expectNew);
    if (chosen) {
      fp.headerPath = strip(chosen.right) ?? undefined;
    } else {
      this.issue(
        'header_mismatch',
        `the diff --git line ${lineNo} names ${JSON.stringify(rest.slice(0, 200))}, but the patch changes ${JSON.stringify(expectOld)} -> ${JSON.stringify(expectNew)}`,
        lineNo,
        { fileIndex: fp.index, ...(expectNew === null ? {} : { path: expectNew }) },
      );
      chosen =
        (defName !== null ? splits.find((s) => strip(s.left) === defName && strip(s.right) === defName) : undefined) ??
        splits.find((s) => strip(s.left) !== null && strip(s.left) === strip(s.right)) ??
        splits[Math.floor(splits.length / 2)];
      const hp = defName ?? (chosen ? strip(chosen.right) : null);
      if (hp !== null) fp.headerPath = hp;
    }
    if (chosen) {
      const rawSplit = chosen;
      const pushName = (side: 'old' | 'new'): void => {
        const raw = side === 'old' ? rawSplit.left : rawSplit.right;
        fp.names.push({
          source: side === 'old' ? 'diff --git (old)' : 'diff --git (new)',
          side,
          raw,
          git: strip(raw),
          lenient: stripLiteral(raw, side === 'old' ? 'a/' : 'b/'),
          line: lineNo,
        });
      };
      pushName('old');
      pushName('new');
    }
  }

  private skipBinary(start: number): number {
    let j = start;
    while (j < this.n) {
      const l = this.line(j);
      if (l.startsWith('diff --git ')) break;
      if (l === '' || /^(literal|delta) \d+$/u.test(l) || /^[A-Za-z][0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]+$/u.test(l)) {
        j++;
        continue;
      }
      break;
    }
    return j;
  }

  // --- traditional --- / +++ ------------------------------------------------------------------------------

  private parseTraditional(i: number): number {
    const fp = this.newFile(i, 'traditional');
    this.files.push(fp);
    const fi = fp.index;
    fp.hasMinusPlus = true;
    this.checkHeaderLine(i, fi);
    this.checkHeaderLine(i + 1, fi);
    const first = this.line(i).slice(4);
    const second = this.line(i + 1).slice(4);
    if (!this.pKnown) {
      let pp = this.guessP(first);
      const q = this.guessP(second);
      if (pp < 0) pp = q;
      if (pp >= 0 && pp === q) {
        this.pValue = pp;
        this.pKnown = true;
      }
    }
    const p = this.pValue;
    const r1 = rawMinusPlusName(first);
    const r2 = rawMinusPlusName(second);
    if (r1.bad || r2.bad) this.issue('malformed', `bad quoting of a name at line ${i + 1}`, i + 1, { fileIndex: fi });
    const own1 = isDevNull(first) ? null : findNameTraditional(first, null, p);
    const own2 = isDevNull(second) ? null : findNameTraditional(second, null, p);
    fp.names.push({ source: '---', side: 'old', raw: r1.raw, git: own1, lenient: stripLiteral(r1.raw, 'a/'), line: i + 1 });
    fp.names.push({ source: '+++', side: 'new', raw: r2.raw, git: own2, lenient: stripLiteral(r2.raw, 'b/'), line: i + 2 });

    let name: string | null;
    if (isDevNull(first)) {
      fp.isNew = true;
      name = own2;
      if (name !== null) fp.newPath = name;
    } else if (isDevNull(second)) {
      fp.isDelete = true;
      name = own1;
      if (name !== null) fp.oldPath = name;
    } else {
      name = findNameTraditional(second, own1, p);
      if (hasEpochTimestamp(first)) {
        fp.isNew = true;
        if (name !== null) fp.newPath = name;
      } else if (hasEpochTimestamp(second)) {
        fp.isDelete = true;
        if (name !== null) fp.oldPath = name;
      } else if (name !== null) {
        fp.oldPath = name;
        fp.newPath = name;
      }
      if (own1 !== own2 || own2 !== name) {
        this.issue(
          'header_mismatch',
          `---/+++ at line ${i + 1} name different files (${JSON.stringify(own1)} vs ${JSON.stringify(own2)}); git patches ${JSON.stringify(name)}`,
          i + 1,
          { fileIndex: fi, ...(name === null ? {} : { path: name }) },
        );
      }
    }
    if (name === null) {
      this.fail(`unable to find filename in patch at line ${i + 1}`, i + 1, { fileIndex: fi });
      return this.n;
    }
    return this.parseHunks(i + 2, fp);
  }

  private guessP(nameline: string): number {
    if (isDevNull(nameline)) return -1;
    const name = findNameTraditional(nameline, null, 0);
    if (name === null) return -1;
    return name.includes('/') ? -1 : 0;
  }

  // --- hunks ---------------------------------------------------------------------------------------------

  private parseHunks(start: number, fp: FilePatch): number {
    let j = start;
    let sumOld = 0;
    let sumNew = 0;
    while (j < this.n && this.line(j).startsWith('@@ -')) {
      const h = this.line(j);
      const m = HUNK_RE.exec(h);
      if (!m || !this.hasNl(j)) {
        this.fail(`corrupt hunk header at line ${j + 1}: ${JSON.stringify(h.slice(0, 80))}`, j + 1, { fileIndex: fp.index });
        return this.n;
      }
      let oldLines = m[2] === undefined ? 1 : Number(m[2]);
      let newLines = m[4] === undefined ? 1 : Number(m[4]);
      const newStart = Number(m[3]);
      if (!Number.isSafeInteger(oldLines) || !Number.isSafeInteger(newLines) || !Number.isSafeInteger(newStart)) {
        this.fail(`hunk header at line ${j + 1} has absurd line counts`, j + 1, { fileIndex: fp.index });
        return this.n;
      }
      sumOld += oldLines;
      sumNew += newLines;
      const hunkLine = j + 1;
      let newLineNo = newStart === 0 ? 1 : newStart;
      let added = 0;
      let deleted = 0;
      j++;
      while (j < this.n) {
        if (oldLines === 0 && newLines === 0) break;
        const l = this.line(j);
        if (!this.hasNl(j)) {
          this.fail(`hunk at line ${hunkLine} is truncated: line ${j + 1} has no newline (git: corrupt patch)`, j + 1, {
            fileIndex: fp.index,
          });
          return this.n;
        }
        const c = l[0];
        if (c === undefined || c === ' ') {
          if (oldLines === 0 || newLines === 0) break;
          oldLines--;
          newLines--;
          newLineNo++;
        } else if (c === '-') {
          if (oldLines === 0) break;
          oldLines--;
          deleted++;
        } else if (c === '+') {
          if (newLines === 0) break;
          newLines--;
          added++;
          let text = l.slice(1);
          if (text.endsWith('\r')) text = text.slice(0, -1);
          fp.addedLines.push({ line: newLineNo, text });
          newLineNo++;
        } else if (c === '\\') {
          if (l.length + 1 < 12 || !l.startsWith('\\ ')) {
            this.fail(`corrupt line ${j + 1} in the hunk at line ${hunkLine}`, j + 1, { fileIndex: fp.index });
            return this.n;
          }
        } else {
          this.fail(
            `garbage at line ${j + 1} inside the hunk at line ${hunkLine}: ${JSON.stringify(l.slice(0, 60))}`,
            j + 1,
            { fileIndex: fp.index },
          );
          return this.n;
        }
        j++;
      }
      if (oldLines !== 0 || newLines !== 0) {
        this.fail(
          `hunk at line ${hunkLine} is truncated or miscounted: ${oldLines} old and ${newLines} new lines missing (git: corrupt patch)`,
          hunkLine,
          { fileIndex: fp.index },
        );
        return this.n;
      }
      if (added === 0 && deleted === 0) {
        this.fail(`hunk at line ${hunkLine} changes nothing (git: corrupt patch)`, hunkLine, { fileIndex: fp.index });
        return this.n;
      }
      if (j < this.n && this.line(j).startsWith('\\ ')) j++;
      fp.hunks++;
      fp.added += added;
      fp.deleted += deleted;
    }
    if (fp.isNew && sumOld > 0) {
      this.fail(`new file ${JSON.stringify(fp.newPath ?? '')} depends on old contents`, fp.line, { fileIndex: fp.index });
    } else if (fp.isDelete && sumNew > 0) {
      this.fail(`deleted file ${JSON.stringify(fp.oldPath ?? '')} still has contents`, fp.line, { fileIndex: fp.index });
    }
    return j;
  }
}

/** Parse raw patch bytes. Never throws for any input (callers still guard). */
export function parsePatch(bytes: Uint8Array, options: ParseOptions = {}): ParsedPatch {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  if (!(bytes instanceof Uint8Array)) {
    return { files: [], issues: [{ rule: 'malformed', message: 'patch is not a byte array' }] };
  }
  if (bytes.length > maxBytes) {
    return { files: [], issues: [{ rule: 'malformed', message: `patch is larger than ${maxBytes} bytes` }] };
  }
  const pre: ParseIssue[] = [];
  const nul = bytes.indexOf(0);
  if (nul >= 0) pre.push({ rule: 'malformed', message: `patch contains a NUL byte at offset ${nul}` });
  const text = decoder.decode(bytes);
  const parser = new Parser(text);
  parser.run();
  return { files: parser.files, issues: [...pre, ...parser.issues] };
}
