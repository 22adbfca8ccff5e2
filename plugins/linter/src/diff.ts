/** An added line of a unified diff, with the file it lands in and its line number there. */
export interface AddedLine {
  file: string;
  line: number;
  text: string;
}

/**
 * The added lines of a unified diff (`git diff` output). Files come from the `+++ b/<path>` headers (deleted
 * files have none), line numbers from the hunk headers.
 */
export function addedLines(diff: string): AddedLine[] {
  const out: AddedLine[] = [];
  let file: string | null = null;
  let line = 0;
  // Lines still to come in the current hunk, on each side (from its header: @@ -a,oldCount +c,newCount @@).
  let oldLeft = 0;
  let newLeft = 0;
  for (const raw of diff.split('\n')) {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (oldLeft > 0 || newLeft > 0) {
      const c = text.charAt(0);
      if (c === '+') {
        if (file !== null) out.push({ file, line, text: text.slice(1) });
        line++;
        newLeft--;
        continue;
      }
      if (c === ' ' || text === '') {
        line++;
        oldLeft--;
        newLeft--;
        continue;
      }
      if (c === '-') {
        oldLeft--;
        continue;
      }
      if (c === '\\') continue; // "\ No newline at end of file"
      oldLeft = newLeft = 0; // a malformed hunk: fall through to the headers
    }
    if (text.startsWith('diff --git ')) file = null;
    else if (text.startsWith('+++ ')) file = headerPath(text.slice(4));
    else {
      const hunk = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(text);
      if (hunk) {
        oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
        line = Number(hunk[2]);
        newLeft = hunk[3] === undefined ? 1 : Number(hunk[3]);
      }
    }
  }
  return out;
}

/** `b/src/a.ts` → `src/a.ts`; `/dev/null` → null; git's quoted form `"b/sp\303\244ce.ts"` is unquoted. */
function headerPath(header: string): string | null {
  let p = header.replace(/\t.*$/, '');
  if (p === '/dev/null') return null;
  if (p.startsWith('"') && p.endsWith('"')) p = unquote(p.slice(1, -1));
  return p.startsWith('b/') ? p.slice(2) : p;
}

function unquote(s: string): string {
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const octal = /^[0-7]{3}/.exec(s.slice(i + 1));
      if (octal) {
        bytes.push(Number.parseInt(octal[0], 8));
        i += 3;
        continue;
      }
      const next = s[i + 1]!;
      if (next in simple) {
        bytes.push(simple[next]!);
        i++;
        continue;
      }
    }
    bytes.push(...new TextEncoder().encode(c));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
