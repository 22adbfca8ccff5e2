/**
 * A tiny semver range check, enough for a plugin's `meta.hostApi`. Supported: `*` / `x` / empty, exact
 * `1.2.3` / `=1.2.3`, partial `1`, `1.2`, `1.x`, `1.2.x`, caret `^1.2.3`, tilde `~1.2.3`, comparators
 * `>=`, `>`, `<=`, `<` (partial versions allowed), space-separated comparators (AND) and `||` (OR).
 * Prerelease and build tags are ignored. Returns null when the range cannot be parsed.
 */
type Triple = [number, number, number];
type Comparator = { op: '>=' | '>' | '<' | '<=' | '='; v: Triple };

const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+].*)?$/;

function parseVersion(v: string): Triple | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function cmp(a: Triple, b: Triple): number {
  for (let i = 0; i < 3; i++) if (a[i]! !== b[i]!) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** `1.2` → [1, 2, null]; wildcards become null. */
function parsePartial(v: string): [number | null, number | null, number | null] | null {
  const m = PARTIAL.exec(v);
  if (!m) return null;
  const n = (s: string | undefined) => (s === undefined || /^[xX*]$/.test(s) ? null : Number(s));
  const parts = [n(m[1]), n(m[2]), n(m[3])] as [number | null, number | null, number | null];
  // Once a part is a wildcard, everything after it is too.
  if (parts[0] === null) return [null, null, null];
  if (parts[1] === null) return [parts[0], null, null];
  return parts;
}

function expand(token: string): Comparator[] | null {
  if (token === '' || token === '*' || /^[xX]$/.test(token)) return [];
  const m = /^(\^|~|>=|<=|>|<|=)?(.*)$/.exec(token)!;
  const op = m[1] ?? '';
  const p = parsePartial(m[2]!);
  if (!p) return null;
  const [maj, min, pat] = p;
  if (maj === null) return op === '<' || op === '>' ? [{ op: '<', v: [0, 0, 0] }] : [];
  const lo: Triple = [maj, min ?? 0, pat ?? 0];
  switch (op) {
    case '^': {
      const hi: Triple = maj > 0 || min === null ? [maj + 1, 0, 0] : min > 0 || pat === null ? [0, min + 1, 0] : [0, 0, pat + 1];
      return [{ op: '>=', v: lo }, { op: '<', v: hi }];
    }
    case '~':
      return [{ op: '>=', v: lo }, { op: '<', v: min === null ? [maj + 1, 0, 0] : [maj, min + 1, 0] }];
    case '>=':
      return [{ op: '>=', v: lo }];
    case '<':
      return [{ op: '<', v: lo }];
    case '>':
      if (min === null) return [{ op: '>=', v: [maj + 1, 0, 0] }];
      if (pat === null) return [{ op: '>=', v: [maj, min + 1, 0] }];
      return [{ op: '>', v: lo }];
    case '<=':
      if (min === null) return [{ op: '<', v: [maj + 1, 0, 0] }];
      if (pat === null) return [{ op: '<', v: [maj, min + 1, 0] }];
      return [{ op: '<=', v: lo }];
    default:
      if (min === null) return [{ op: '>=', v: lo }, { op: '<', v: [maj + 1, 0, 0] }];
      if (pat === null) return [{ op: '>=', v: lo }, { op: '<', v: [maj, min + 1, 0] }];
      return [{ op: '=', v: lo }];
  }
}

function test(c: Comparator, v: Triple): boolean {
  const r = cmp(v, c.v);
  switch (c.op) {
    case '>=':
      return r >= 0;
    case '>':
      return r > 0;
    case '<=':
      return r <= 0;
    case '<':
      return r < 0;
    default:
      return r === 0;
  }
}

/** Does `version` satisfy `range`? null when either cannot be parsed. */
export function satisfiesRange(version: string, range: string): boolean | null {
  const v = parseVersion(version);
  if (!v) return null;
  let any = false;
  for (const alt of range.split('||')) {
    // `>= 1.2.3` → `>=1.2.3`
    const tokens = alt.trim().replace(/(\^|~|>=|<=|>|<|=)\s+/g, '$1').split(/\s+/).filter(Boolean);
    const comparators: Comparator[] = [];
    for (const t of tokens.length ? tokens : ['*']) {
      const c = expand(t);
      if (!c) return null;
      comparators.push(...c);
    }
    if (comparators.every((c) => test(c, v))) any = true;
  }
  return any;
}
