import { createHash } from 'node:crypto';

/** At most this many `*` in a redacted secret (a PEM body is kilobytes long). */
const MAX_STARS = 24;

/**
 * Mask a raw secret for display. A secret of 16 characters or more keeps its first 4 and last 2
 * characters (`ghp_************Q2`); a shorter one becomes only stars. Never enough to use it.
 */
export function redactSecret(raw: string): string {
  const chars = [...raw];
  if (chars.length >= 16) {
    const stars = Math.min(MAX_STARS, chars.length - 6);
    return chars.slice(0, 4).join('') + '*'.repeat(stars) + chars.slice(-2).join('');
  }
  return '*'.repeat(Math.max(chars.length, 1));
}

/** sha256 of the raw secret, hex, first 16 characters: dedupes findings without revealing anything. */
export function fingerprintSecret(raw: string): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 16);
}

/** Shannon entropy of `s` in bits per character (over UTF-16 code units), as gitleaks computes it. */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const k of counts.values()) {
    const p = k / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Redact every string inside a JSON-like value (plain objects and arrays, walked recursively; other
 * values are kept as they are) with `redact` (usually `scanner.redact`). Object keys are redacted
 * too. Returns a copy when anything changed, and the findings.
 */
export function redactDeep<T>(
  value: T,
  redact: (text: string) => { text: string; findings: readonly unknown[] },
): { value: T; findings: number } {
  let findings = 0;
  const seen = new WeakMap<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const r = redact(v);
      findings += r.findings.length;
      return r.text;
    }
    if (typeof v !== 'object' || v === null) return v;
    const done = seen.get(v);
    if (done !== undefined) return done;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const item of v) out.push(walk(item));
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v;
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const [k, item] of Object.entries(v)) out[walk(k) as string] = walk(item);
    return out;
  };
  const result = walk(value) as T;
  return { value: findings > 0 ? result : value, findings };
}
