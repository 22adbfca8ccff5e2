/**
 * What each language analyser produces for one version of one file. The classifier compares the model of
 * the file before the change with the model after it.
 */

/** One exported symbol (or public member of one): its normalised signature. */
export interface ApiEntry {
  /** Signature text with comments and layout normalised away: equal texts mean an unchanged signature. */
  sig: string;
  /**
   * True for members whose mere addition breaks existing users (a required interface member, an abstract
   * method): adding one to a symbol that already existed is an API change.
   */
  breaksWhenAdded?: boolean;
}

/** Exported name (members as `Owner.member`) → entry. */
export type Api = Map<string, ApiEntry>;

export interface SourceModel {
  /** False when the parser reported a syntax error: the other fields are then best effort only. */
  parsed: boolean;
  /** The code with every comment removed, trailing whitespace trimmed and blank lines dropped. */
  code: string;
  /** The syntax tree with its tokens (comments and whitespace excluded): equal shapes mean format-only. */
  shape: string;
  /** The exported API. */
  api: Api;
  /** Exported names found textually (regular expressions, no parser): the fallback for unparsable code. */
  textNames: Set<string>;
}

/** Trailing whitespace trimmed, blank lines dropped, line endings unified. */
export function normaliseLines(text: string): string {
  const out: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const t = line.trimEnd();
    if (t !== '') out.push(t);
  }
  return out.join('\n');
}

/** `text` without the given ranges (each replaced by the line breaks it contained), then `normaliseLines`. */
export function stripRanges(text: string, ranges: Array<readonly [number, number]>): string {
  if (ranges.length === 0) return normaliseLines(text);
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  for (const [from, to] of sorted) {
    if (to <= pos) continue;
    const start = Math.max(from, pos);
    out += text.slice(pos, start);
    const removed = text.slice(start, to);
    out += removed.replace(/[^\r\n]+/g, '');
    pos = to;
  }
  out += text.slice(pos);
  return normaliseLines(out);
}

/** Adds `sig` to `key`, joining repeated declarations (overloads, merged declarations) in source order. */
export function addEntry(api: Api, key: string, entry: ApiEntry): void {
  const prev = api.get(key);
  if (prev === undefined) {
    api.set(key, entry);
    return;
  }
  api.set(key, {
    sig: `${prev.sig} | ${entry.sig}`,
    breaksWhenAdded: Boolean(prev.breaksWhenAdded || entry.breaksWhenAdded),
  });
}

/** Every match of capture group 1..n of a global regular expression, as a set. */
export function collectNames(text: string, patterns: RegExp[]): Set<string> {
  const names = new Set<string>();
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      for (let i = 1; i < m.length; i++) {
        const g = m[i];
        if (g) names.add(g);
      }
    }
  }
  return names;
}
