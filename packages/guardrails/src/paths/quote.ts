/**
 * Git's C-style path quoting (quote.c `unquote_c_style`), exactly as `git apply` reads it: a name that starts
 * with `"` runs to the next unescaped `"`; escapes are `\a \b \t \n \v \f \r \\ \"` and three-digit octal
 * bytes `\000`–`\377`. Any other escape, or a missing closing quote, makes the name unparseable (git then
 * falls back to reading the raw text, quotes included; CEE refuses instead).
 */

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 0x07,
  b: 0x08,
  t: 0x09,
  n: 0x0a,
  v: 0x0b,
  f: 0x0c,
  r: 0x0d,
  '\\': 0x5c,
  '"': 0x22,
};

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const encoder = new TextEncoder();

export interface CQuoted {
  /** The unquoted name (invalid UTF-8 bytes decoded as U+FFFD). */
  value: string;
  /** Index in the input just past the closing quote. */
  end: number;
  /** The escaped bytes were not valid UTF-8. */
  invalidUtf8: boolean;
}

/**
 * Parse a C-quoted string that starts at `s[start] === '"'`. Returns null when `s[start]` is not a quote or
 * the quoting is invalid (unknown escape, bad octal, no closing quote).
 */
export function parseCQuoted(s: string, start = 0): CQuoted | null {
  if (s.charCodeAt(start) !== 0x22) return null;
  const bytes: number[] = [];
  let i = start + 1;
  // Fast path for plain runs: copy UTF-8 bytes of unescaped characters.
  let runStart = i;
  const flushRun = (endIdx: number): void => {
    if (endIdx > runStart) {
      for (const b of encoder.encode(s.slice(runStart, endIdx))) bytes.push(b);
    }
  };
  while (i < s.length) {
    const c = s[i];
    if (c === '"') {
      flushRun(i);
      return decodeBytes(bytes, i + 1);
    }
    if (c === '\n') return null;
    if (c === '\\') {
      flushRun(i);
      const e = s[i + 1];
      if (e === undefined) return null;
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        bytes.push(simple);
        i += 2;
      } else if (e >= '0' && e <= '3') {
        const oct = s.slice(i + 1, i + 4);
        if (!/^[0-3][0-7][0-7]$/.test(oct)) return null;
        bytes.push(Number.parseInt(oct, 8));
        i += 4;
      } else {
        return null;
      }
      runStart = i;
      continue;
    }
    i++;
  }
  return null;
}

function decodeBytes(bytes: number[], end: number): CQuoted {
  const u8 = Uint8Array.from(bytes);
  try {
    return { value: utf8.decode(u8), end, invalidUtf8: false };
  } catch {
    return { value: utf8Lenient.decode(u8), end, invalidUtf8: true };
  }
}

/**
 * Unquote a path the way git does. A string that starts with `"` must be one complete C-quoted name (nothing
 * after the closing quote); any other string is returned as it is. Returns null for invalid quoting.
 * Invalid UTF-8 produced by octal escapes is decoded as U+FFFD, which `normalizePath` then rejects.
 */
export function unquoteGitPath(s: string): string | null {
  if (typeof s !== 'string') return null;
  if (!s.startsWith('"')) return s;
  const q = parseCQuoted(s, 0);
  if (!q || q.end !== s.length) return null;
  return q.value;
}

/**
 * Render a path for a human message: printable ASCII stays as it is; control, format, bidi and every other
 * non-ASCII character is escaped (`\n`, `\t`, `\u202e`), and the result is quoted when anything was escaped.
 * Keeps Trojan-Source style names from reordering the message in a terminal.
 */
export function displayPath(p: string): string {
  if (typeof p !== 'string') return '<not a string>';
  let out = '';
  let escaped = false;
  for (const ch of p) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x20 && cp < 0x7f && ch !== '"' && ch !== '\\') {
      out += ch;
      continue;
    }
    escaped = true;
    if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\u{${cp.toString(16)}}`;
  }
  const shown = out.length > 300 ? `${out.slice(0, 300)}…` : out;
  return escaped ? `"${shown}"` : shown;
}
