/**
 * Go (RE2) regular expressions, as written in gitleaks TOML, translated to JavaScript.
 *
 * Exact translations:
 * - leading `(?i)`, `(?s)`, `(?m)` (any combination) → the JS flags `i`, `s`, `m`;
 * - `(?flags:…)` and `(?-flags:…)` → JS regexp modifiers (same syntax, ES2025, Node ≥ 23);
 * - a flag group in the middle, `x(?i)y…` → `x(?i:y…)` closed where the enclosing group closes, and
 *   re-opened after each `|` of that group (RE2 keeps such flags across `|` until the group ends);
 * - `(?P<name>…)` → `(?<name>…)`;
 * - `\z` → `(?![\s\S])` (end of text), `\A` → `(?<![\s\S])` (start of text);
 * - `\Q…\E` → the quoted characters, escaped;
 * - `\x{41}` → `\u0041` (code points above U+FFFF switch on the `u` flag);
 * - POSIX classes inside brackets, `[[:alnum:]_]`, `[[:^space:]]` → ASCII ranges;
 * - `\pL` → `\p{L}` (and `\p{…}` / `\P{…}` switch on the `u` flag);
 * - a `]` first in a class (`[]a]`, literal in RE2, empty class in JS) → `\]`.
 * Known differences, kept on purpose: `\s` in JS also matches Unicode spaces and `\v`; `.` in JS also
 * stops at `\r`, U+2028 and U+2029. The ungreedy flag `U` has no JS equivalent and is refused.
 * JavaScript-only syntax (lookaround, backreferences) is accepted: such a rule is no longer valid for
 * gitleaks itself, but works here.
 *
 * Guard against catastrophic backtracking: a group that contains an unbounded quantifier (`*`, `+`,
 * `{n,}`) and is itself repeated without bound, such as `(a+)+` or `(?:\w*\s?)*`, is refused: RE2 runs
 * it in linear time, a backtracking engine can take exponential time on one line.
 */

export interface TranslatedRegex {
  source: string;
  flags: string;
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

interface Frame {
  /** Flag sets opened by inline `(?flags)` in this group, in order (each one a `(?flags:` wrapper). */
  inline: string[];
  /** Whether the group (so far) contains an unbounded quantifier. */
  unbounded: boolean;
  /** Where the group's body starts in the output. */
  start: number;
}

const REPEATED_ATOM = /(\\[^\\]|\[(?:\\.|[^\]\\])*\]|[^\\()[\]|])(?:[*+]|\{\d+,\})/g;

/**
 * Whether repeating a group whose body (already translated) holds an unbounded quantifier can
 * backtrack exponentially. It cannot when the body starts with a literal character that none of
 * its repeated atoms can match (`(?:\.[a-z0-9_-]+)+`: each round must begin at a `.`); anything
 * else (`(\w+\s?)+`, `(x\w+)+`) is refused.
 */
function ambiguousRepeat(body: string, ignoreCase: boolean): boolean {
  const lead = /^(?:\\([^A-Za-z0-9])|([^\\()[\]|.^$*+?{]))(?![*+?{])/.exec(body);
  if (!lead) return true;
  const c = (lead[1] ?? lead[2])!;
  for (const m of body.matchAll(REPEATED_ATOM)) {
    try {
      if (new RegExp(`^(?:${m[1]})$`, ignoreCase ? 'i' : '').test(c)) return true;
    } catch {
      return true;
    }
  }
  return false;
}

function escapeLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

function checkFlags(flags: string, where: string): void {
  for (const f of flags.replace('-', '')) {
    if (f === 'U') throw new Error(`the ungreedy flag U is not supported (${where})`);
    if (!'ims'.includes(f)) throw new Error(`unknown flag "${f}" (${where})`);
  }
}

/** Whether the text at `i` (just after a `)` or an atom) starts an unbounded quantifier. */
function unboundedQuantifierAt(p: string, i: number): boolean {
  const c = p[i];
  if (c === '*' || c === '+') return true;
  if (c === '{') return /^\{\d+,\}/.test(p.slice(i, i + 12));
  return false;
}

export function translateGoRegex(pattern: string): TranslatedRegex {
  const globalFlags = new Set<string>();
  let i = 0;
  // Leading flag groups become flags of the whole expression.
  for (;;) {
    const m = /^\(\?([a-zA-Z]+)\)/.exec(pattern.slice(i));
    if (!m) break;
    checkFlags(m[1]!, 'leading flag group');
    for (const f of m[1]!) globalFlags.add(f);
    i += m[0].length;
  }

  let out = '';
  let unicode = false;
  const stack: Frame[] = [{ inline: [], unbounded: false, start: 0 }];
  const top = (): Frame => stack[stack.length - 1]!;

  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) throw new Error('trailing backslash');
      if (n === 'z') {
        out += '(?![\\s\\S])';
        i += 2;
      } else if (n === 'A') {
        out += '(?<![\\s\\S])';
        i += 2;
      } else if (n === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const lit = pattern.slice(i + 2, end === -1 ? pattern.length : end);
        out += [...lit].map(escapeLiteral).join('');
        i = end === -1 ? pattern.length : end + 2;
      } else if (n === 'C') {
        throw new Error('\\C (any byte) is not supported');
      } else {
        const esc = translateEscape(pattern, i);
        out += esc.text;
        unicode ||= esc.unicode;
        i = esc.next;
      }
      continue;
    }
    if (c === '[') {
      const cls = translateClass(pattern, i);
      out += cls.text;
      unicode ||= cls.unicode;
      i = cls.next;
      continue;
    }
    if (c === '(') {
      const rest = pattern.slice(i);
      if (rest.startsWith('(?P<')) {
        out += '(?<';
        i += 4;
        const close = pattern.indexOf('>', i);
        if (close === -1) throw new Error('unterminated group name');
        out += pattern.slice(i, close + 1);
        i = close + 1;
        stack.push({ inline: [], unbounded: false, start: out.length });
        continue;
      }
      const flagGroup = /^\(\?([a-zA-Z]*(?:-[a-zA-Z]*)?)(:|\))/.exec(rest);
      if (flagGroup && flagGroup[1] !== '') {
        const flags = flagGroup[1]!;
        checkFlags(flags, 'flag group');
        if (flagGroup[2] === ':') {
          out += `(?${flags}:`;
          stack.push({ inline: [], unbounded: false, start: out.length });
        } else {
          // Inline flags: apply to the rest of the current group.
          out += `(?${flags}:`;
          top().inline.push(flags);
        }
        i += flagGroup[0].length;
        continue;
      }
      // (?: (?= (?! (?<= (?<! (?<name> and plain groups: copied as they are.
      const m = /^\((?:\?(?::|=|!|<=|<!|<(?=[A-Za-z_])))?/.exec(rest)!;
      out += m[0];
      i += m[0].length;
      if (m[0] === '(?<') {
        const close = pattern.indexOf('>', i);
        if (close === -1) throw new Error('unterminated group name');
        out += pattern.slice(i, close + 1);
        i = close + 1;
      }
      stack.push({ inline: [], unbounded: false, start: out.length });
      continue;
    }
    if (c === ')') {
      if (stack.length === 1) throw new Error('unmatched ")"');
      const frame = stack.pop()!;
      const body = out.slice(frame.start);
      out += ')'.repeat(frame.inline.length + 1);
      i += 1;
      if (unboundedQuantifierAt(pattern, i)) {
        const ignoreCase = globalFlags.has('i') || /\(\?[a-z]*i/.test(out);
        if (frame.unbounded && ambiguousRepeat(body, ignoreCase)) {
          throw new Error('nested unbounded quantifiers such as (a+)+ can backtrack catastrophically');
        }
        top().unbounded = true;
      } else if (frame.unbounded) {
        top().unbounded = true;
      }
      continue;
    }
    if (c === '|') {
      const frame = top();
      out += ')'.repeat(frame.inline.length);
      out += '|';
      out += frame.inline.map((f) => `(?${f}:`).join('');
      i += 1;
      continue;
    }
    if (unboundedQuantifierAt(pattern, i)) top().unbounded = true;
    out += c;
    i += 1;
  }
  if (stack.length !== 1) throw new Error('missing ")"');
  out += ')'.repeat(stack[0]!.inline.length);

  let flags = [...globalFlags].sort().join('');
  if (unicode) flags += 'u';
  return { source: out, flags };
}

function translateEscape(p: string, i: number): { text: string; next: number; unicode: boolean } {
  const n = p[i + 1]!;
  if (n === 'x' && p[i + 2] === '{') {
    const end = p.indexOf('}', i + 3);
    if (end === -1) throw new Error('unterminated \\x{…}');
    const hex = p.slice(i + 3, end);
    if (!/^[0-9A-Fa-f]{1,6}$/.test(hex)) throw new Error(`invalid escape \\x{${hex}}`);
    const cp = Number.parseInt(hex, 16);
    if (cp > 0xffff) return { text: `\\u{${hex}}`, next: end + 1, unicode: true };
    return { text: `\\u${cp.toString(16).padStart(4, '0')}`, next: end + 1, unicode: false };
  }
  if (n === 'p' || n === 'P') {
    if (p[i + 2] === '{') {
      const end = p.indexOf('}', i + 3);
      if (end === -1) throw new Error(`unterminated \\${n}{…}`);
      return { text: p.slice(i, end + 1), next: end + 1, unicode: true };
    }
    const name = p[i + 2];
    if (name === undefined) throw new Error(`incomplete \\${n}`);
    return { text: `\\${n}{${name}}`, next: i + 3, unicode: true };
  }
  return { text: p.slice(i, i + 2), next: i + 2, unicode: false };
}

function translateClass(p: string, start: number): { text: string; next: number; unicode: boolean } {
  let i = start + 1;
  let out = '[';
  let unicode = false;
  if (p[i] === '^') {
    out += '^';
    i += 1;
  }
  // Whole-class negated POSIX: [[:^alpha:]] → [^A-Za-z]
  const neg = /^\[:\^([a-z]+):\]\]/.exec(p.slice(i));
  if (neg && out === '[') {
    const ranges = POSIX[neg[1]!];
    if (!ranges) throw new Error(`unknown POSIX class [:${neg[1]}:]`);
    return { text: `[^${ranges}]`, next: i + neg[0].length, unicode };
  }
  let first = true;
  for (;;) {
    const c = p[i];
    if (c === undefined) throw new Error('missing "]"');
    if (c === ']' && !first) {
      out += ']';
      i += 1;
      break;
    }
    first = false;
    if (c === ']') {
      out += '\\]';
      i += 1;
      continue;
    }
    if (c === '[') {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(i));
      if (posix) {
        const ranges = POSIX[posix[2]!];
        if (!ranges) throw new Error(`unknown POSIX class [:${posix[2]}:]`);
        if (posix[1]) throw new Error('a negated POSIX class is only supported alone, as [[:^name:]]');
        out += ranges;
        i += posix[0].length;
        continue;
      }
      out += '\\[';
      i += 1;
      continue;
    }
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) throw new Error('trailing backslash');
      if (n === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const lit = p.slice(i + 2, end === -1 ? p.length : end);
        out += [...lit].map((ch) => (/[\\\]^[-]/.test(ch) ? `\\${ch}` : ch)).join('');
        i = end === -1 ? p.length : end + 2;
        continue;
      }
      const esc = translateEscape(p, i);
      out += esc.text;
      unicode ||= esc.unicode;
      i = esc.next;
      continue;
    }
    out += c;
    i += 1;
  }
  return { text: out, next: i, unicode };
}

/** The message of a JS RegExp SyntaxError without the echoed pattern ("Invalid group"). */
function shortMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const m = /^Invalid regular expression: \/.*\/[a-z]*: (.*)$/s.exec(msg);
  return m ? m[1]! : msg;
}

/**
 * Translate and compile. `extraFlags` are added to the translated ones (e.g. `dg` for scanning).
 * Throws an Error whose message says what is wrong, without a prefix.
 */
export function compileGoRegex(pattern: string, extraFlags = ''): RegExp {
  const t = translateGoRegex(pattern);
  const flags = [...new Set(t.flags + extraFlags)].join('');
  try {
    return new RegExp(t.source, flags);
  } catch (err) {
    throw new Error(shortMessage(err));
  }
}

/** Number of capture groups in a compiled regex. */
export function groupCount(re: RegExp): number {
  return new RegExp(`${re.source}|`, re.flags.replace(/[gyd]/g, '')).exec('')!.length - 1;
}

/** How far from a keyword a rule's match may reach, judged from its source. */
export type LineReach = 'line' | 'near' | 'far';

// An atom that can match a line break: \s \S \n \r \W \D \v, a negated class, or a class holding one of those.
const NEWLINE_ATOM = String.raw`(?:\\[sSnrWDv]|\\x0[aAdD]|\\u000[aAdD]|\[\^(?:\\.|[^\]\\])*\]|\[(?:\\.|[^\]\\])*\\[sSnrWDv](?:\\.|[^\]\\])*\])`;
const NEWLINE_ANY = new RegExp(NEWLINE_ATOM);
// Followed by `*`, `+`, `{n,}` or a large upper bound `{n,100}`.
const NEWLINE_UNBOUNDED = new RegExp(`${NEWLINE_ATOM}(?:[*+]|\\{\\d+,(?:\\d{3,})?\\})`);

/**
 * - `line`: cannot match a line break: scanned over the keyword's own line;
 * - `near`: can cross a few line breaks (`[\s'"]{0,3}`, `\s?`): scanned over the keyword's line ± 2 lines;
 * - `far`: can run over many lines (`[\s\S]{64,}?`, `\s*`, the `s` flag): ± 8 lines before, 256 after.
 */
export function lineReach(re: RegExp): LineReach {
  const src = re.source;
  if (re.flags.includes('s') || /\(\?[a-z]*s[a-z]*(?:-[a-z]*)?:/.test(src)) return 'far';
  if (NEWLINE_UNBOUNDED.test(src)) return 'far';
  if (NEWLINE_ANY.test(src)) {
    // A repeated group may repeat its line-break atom: `(?:[^-]|-[^-]){64,}`.
    return /\)(?:[*+]|\{\d+,(?:\d{3,})?\})/.test(src) ? 'far' : 'near';
  }
  return 'line';
}
