import type { SecretFinding, SecretScanner } from '@cgce/core';
import picomatch from 'picomatch';
import { type GitleaksAllowlist, type GitleaksConfig, type GitleaksRule, parseGitleaksToml, type RegexTarget } from './config.js';
import { DEFAULT_RULES_TOML } from './default-rules.js';
import { KeywordIndex, toUnits } from './keywords.js';
import { fingerprintSecret, redactSecret, shannonEntropy } from './redact.js';
import { compileGoRegex, type LineReach, lineReach } from './regex.js';

export interface SecretScannerOptions {
  /**
   * gitleaks TOML texts (`.gitleaks.toml` format), applied in order. Their rules extend the built-in
   * ones: a rule with the id of an existing rule overrides the fields it sets and adds its allowlists;
   * `[extend] disabledRules` removes rules; `[extend] useDefault = false` drops the built-in rules.
   */
  configToml?: string[];
  /** Names for the texts in `configToml`, used in error messages (default `config[0]`, …). */
  configNames?: string[];
  /** Globs (picomatch, repo-relative) of paths never scanned, e.g. a fixtures folder of fake keys. */
  allowPaths?: string[];
  /** Start from the built-in rules (default true). */
  useDefaults?: boolean;
}

/** The scanner behind `createSecretScanner`: `SecretScanner` plus a byte-level entry for `scanFiles`. */
export interface SecretScannerEngine extends SecretScanner {
  /** Scan a file's bytes; decodes them (UTF-8) only when a keyword occurs. */
  scanBytes(bytes: Uint8Array, file: string): SecretFinding[];
  /** Rule ids in force, in priority order. */
  readonly ruleIds: readonly string[];
}

interface CompiledAllowlist {
  and: boolean;
  paths: RegExp[];
  regexes: RegExp[];
  target: RegexTarget;
  stopwords: string[];
  hasCommits: boolean;
}

interface CompiledRule {
  order: number;
  id: string;
  description: string;
  regex: RegExp | undefined;
  secretGroup: number | undefined;
  entropy: number | undefined;
  path: RegExp | undefined;
  /** Indices into the keyword index; empty with `wholeText` for rules without (usable) keywords. */
  keywords: number[];
  wholeText: boolean;
  reach: LineReach;
  allowlists: CompiledAllowlist[];
}

interface RawFinding {
  rule: CompiledRule;
  /** The secret's span in the text. */
  start: number;
  end: number;
  matchStart: number;
  matchEnd: number;
  secret: string;
}

/** Widest part of a long line scanned on each side of a keyword. */
const LINE_CAP = 4096;
const NEAR_LINES = 2;
const FAR_LINES_BEFORE = 8;
const FAR_LINES_AFTER = 256;
const FAR_CAP_BEFORE = 4096;
const FAR_CAP_AFTER = 65536;

function compileAllowlist(a: GitleaksAllowlist): CompiledAllowlist {
  return {
    and: a.condition === 'AND',
    paths: a.paths.map((p) => compileGoRegex(p)),
    regexes: a.regexes.map((r) => compileGoRegex(r)),
    target: a.regexTarget,
    stopwords: a.stopwords.map((s) => s.toLowerCase()),
    hasCommits: a.commits.length > 0,
  };
}

let builtInConfig: GitleaksConfig | undefined;
/** The shipped rules, parsed once (merging never mutates them). */
function builtIn(): GitleaksConfig {
  builtInConfig ??= parseGitleaksToml(DEFAULT_RULES_TOML, 'built-in rules');
  return builtInConfig;
}

/** Merge the built-in config and the user's, in order (see SecretScannerOptions.configToml). */
function mergeConfigs(options: SecretScannerOptions): { rules: GitleaksRule[]; allowlists: GitleaksAllowlist[] } {
  const user = (options.configToml ?? []).map((text, i) =>
    parseGitleaksToml(text, options.configNames?.[i] ?? `config[${i}]`),
  );
  const useDefaults = options.useDefaults !== false && !user.some((c) => c.extend.useDefault === false);
  const layers: GitleaksConfig[] = useDefaults ? [builtIn(), ...user] : user;
  const rules = new Map<string, GitleaksRule>();
  const allowlists: GitleaksAllowlist[] = [];
  for (const layer of layers) {
    for (const id of layer.extend.disabledRules) rules.delete(id);
    for (const rule of layer.rules) {
      const base = rules.get(rule.id);
      if (!base) {
        rules.set(rule.id, rule);
        continue;
      }
      const merged: GitleaksRule = { ...base, allowlists: [...base.allowlists, ...rule.allowlists] };
      if (rule.fieldsSet.has('description')) merged.description = rule.description;
      if (rule.fieldsSet.has('keywords')) merged.keywords = rule.keywords;
      if (rule.fieldsSet.has('tags')) merged.tags = rule.tags;
      if (rule.fieldsSet.has('regex')) {
        merged.regex = rule.regex;
        // The old secretGroup may not fit the new regex.
        if (rule.secretGroup === undefined) delete merged.secretGroup;
      }
      if (rule.secretGroup !== undefined) merged.secretGroup = rule.secretGroup;
      if (rule.entropy !== undefined) merged.entropy = rule.entropy;
      if (rule.path !== undefined) merged.path = rule.path;
      rules.set(rule.id, merged);
    }
    allowlists.push(...layer.allowlists);
  }
  for (const r of rules.values()) {
    if (r.regex === undefined && r.path === undefined) {
      throw new Error(`${r.origin}: a rule needs a regex or a path (no earlier rule has this id)`);
    }
  }
  return { rules: [...rules.values()], allowlists };
}

export function createSecretScanner(options: SecretScannerOptions = {}): SecretScannerEngine {
  const { rules: ruleDefs, allowlists: globalDefs } = mergeConfigs(options);

  // Keywords: every ASCII keyword of every rule, in one index. A rule with a non-ASCII keyword cannot
  // use the prefilter and runs over the whole text (more work, never fewer findings).
  const keywordOf = new Map<string, number>();
  const allKeywords: string[] = [];
  const ascii = (k: string): boolean => /^[\x00-\x7f]+$/.test(k);
  for (const r of ruleDefs) {
    if (!r.keywords.every(ascii)) continue;
    for (const k of r.keywords) {
      const low = k.toLowerCase();
      if (!keywordOf.has(low)) {
        keywordOf.set(low, allKeywords.length);
        allKeywords.push(low);
      }
    }
  }
  const index = new KeywordIndex(allKeywords);
  const indexPos = new Map(index.keywords.map((k, i) => [k, i]));

  const globalAllow = globalDefs.map((a) => ({ def: a, compiled: compileAllowlist(a) }));
  const rules: CompiledRule[] = ruleDefs.map((r, order) => {
    const regex = r.regex === undefined ? undefined : compileGoRegex(r.regex, 'dg');
    const usable = r.keywords.length > 0 && r.keywords.every(ascii);
    return {
      order,
      id: r.id,
      description: r.description,
      regex,
      secretGroup: r.secretGroup,
      entropy: r.entropy,
      path: r.path === undefined ? undefined : compileGoRegex(r.path),
      keywords: usable ? [...new Set(r.keywords.map((k) => indexPos.get(k.toLowerCase())!))] : [],
      wholeText: !usable,
      reach: regex ? lineReach(regex) : 'line',
      allowlists: [
        ...r.allowlists.map(compileAllowlist),
        ...globalAllow
          .filter((g) => g.def.targetRules.length === 0 || g.def.targetRules.includes(r.id))
          .map((g) => g.compiled),
      ],
    };
  });

  // keyword index → rules that use it
  const rulesByKeyword: number[][] = index.keywords.map(() => []);
  const keywordLength = Int32Array.from(index.keywords, (k) => k.length);
  for (const r of rules) for (const k of r.keywords) rulesByKeyword[k]!.push(r.order);
  const wholeTextRules = rules.filter((r) => r.wholeText && r.regex !== undefined);
  const pathOnlyRules = rules.filter((r) => r.regex === undefined);

  // Files skipped outright: allowPaths globs, and global allowlists whose paths alone allow (OR).
  const allowGlob = options.allowPaths?.length ? picomatch(options.allowPaths, { dot: true }) : undefined;
  const skipPaths = globalAllow
    .filter((g) => !g.compiled.and && g.def.targetRules.length === 0)
    .flatMap((g) => g.compiled.paths);
  const skipFile = (file: string): boolean => {
    if (file === '') return false;
    if (allowGlob?.(file)) return true;
    return skipPaths.some((re) => re.test(file));
  };

  function scanUnits(text: string, units: Uint8Array, hits: number[] | undefined, file: string): RawFinding[] {
    const raw: RawFinding[] = [];
    // Rules whose path does not fit never run.
    const pathOk = (r: CompiledRule): boolean => r.path === undefined || r.path.test(file);

    for (const r of pathOnlyRules) {
      if (file === '' || !pathOk(r)) continue;
      const f: RawFinding = { rule: r, start: 0, end: 0, matchStart: 0, matchEnd: 0, secret: '' };
      if (!allowed(r, f, text, file)) raw.push(f);
    }
    for (const r of wholeTextRules) {
      if (pathOk(r)) runRegex(r, text, 0, text.length, file, raw);
    }
    const found = hits ?? index.find(units);
    if (found.length > 0) {
      // Keyword hits per rule: [position, length, …].
      const perRule: Array<number[] | undefined> = new Array(rules.length);
      for (let h = 0; h < found.length; h += 2) {
        const pos = found[h]!;
        const kw = found[h + 1]!;
        const len = keywordLength[kw]!;
        for (const ri of rulesByKeyword[kw]!) {
          const list = perRule[ri];
          if (list) list.push(pos, len);
          else perRule[ri] = [pos, len];
        }
      }
      for (let ri = 0; ri < rules.length; ri++) {
        const list = perRule[ri];
        if (!list) continue;
        const r = rules[ri]!;
        if (!r.regex || !pathOk(r)) continue;
        const spans = windows(text, list, r.reach);
        for (let w = 0; w < spans.length; w += 2) runRegex(r, text, spans[w]!, spans[w + 1]!, file, raw);
      }
    }
    return raw;
  }

  function runRegex(r: CompiledRule, text: string, ws: number, we: number, file: string, out: RawFinding[]): void {
    const re = r.regex!;
    const sub = ws === 0 && we === text.length ? text : text.slice(ws, we);
    re.lastIndex = 0;
    for (let m = re.exec(sub); m !== null; m = re.exec(sub)) {
      if (m[0].length === 0) {
        re.lastIndex += 1;
        continue;
      }
      let group = 0;
      if (r.secretGroup !== undefined) group = r.secretGroup;
      else for (let g = 1; g < m.length; g++) if (m[g]) { group = g; break; }
      const span: readonly [number, number] | undefined =
        group === 0 ? [m.index, m.index + m[0].length] : m.indices?.[group];
      if (span === undefined) continue;
      const secret = sub.slice(span[0], span[1]);
      if (secret === '') continue;
      if (r.entropy !== undefined && r.entropy > 0 && shannonEntropy(secret) < r.entropy) continue;
      const f: RawFinding = {
        rule: r,
        start: ws + span[0],
        end: ws + span[1],
        matchStart: ws + m.index,
        matchEnd: ws + m.index + m[0].length,
        secret,
      };
      if (!allowed(r, f, text, file)) out.push(f);
    }
  }

  function allowed(r: CompiledRule, f: RawFinding, text: string, file: string): boolean {
    const lowSecret = f.secret.toLowerCase();
    for (const a of r.allowlists) {
      const checks: boolean[] = [];
      if (a.hasCommits) checks.push(false);
      if (a.paths.length > 0) checks.push(file !== '' && a.paths.some((p) => p.test(file)));
      if (a.regexes.length > 0) {
        const target =
          a.target === 'secret'
            ? f.secret
            : a.target === 'match'
              ? text.slice(f.matchStart, f.matchEnd)
              : text.slice(lineStartOf(text, f.matchStart), lineEndOf(text, f.matchEnd));
        checks.push(a.regexes.some((re) => re.test(target)));
      }
      if (a.stopwords.length > 0) checks.push(a.stopwords.some((w) => lowSecret.includes(w)));
      if (a.and ? checks.every(Boolean) : checks.some(Boolean)) return true;
    }
    return false;
  }

  function toFindings(text: string, raw: RawFinding[], file: string): SecretFinding[] {
    const kept = reportable(raw);
    kept.sort((a, b) => a.start - b.start || a.rule.order - b.rule.order);
    const out: SecretFinding[] = [];
    let line = 1;
    let lineAt = 0; // where `line` starts
    for (const f of kept) {
      // Count line breaks up to the secret; findings are sorted, so the text is walked once.
      for (let nl = text.indexOf('\n', lineAt); nl !== -1 && nl < f.start; nl = text.indexOf('\n', nl + 1)) {
        line += 1;
        lineAt = nl + 1;
      }
      const redacted = f.secret === '' ? '' : maskedMatch(text, f, raw);
      out.push({
        ruleId: f.rule.id,
        description: f.rule.description,
        file,
        line,
        column: f.start - lineAt + 1,
        redacted: redacted.length > 200 ? redactSecret(f.secret) : redacted,
        fingerprint: fingerprintSecret(f.secret === '' ? `path:${file}` : f.secret),
      });
    }
    return out;
  }

  const engine: SecretScannerEngine = {
    ruleIds: rules.map((r) => r.id),
    scanText(text, file) {
      if (skipFile(file)) return [];
      return toFindings(text, scanUnits(text, toUnits(text), undefined, file), file);
    },
    scanBytes(bytes, file) {
      if (skipFile(file)) return [];
      const hits = index.find(bytes);
      if (hits.length === 0 && wholeTextRules.length === 0 && pathOnlyRules.length === 0) return [];
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      // Pure ASCII (or one unit per byte): byte positions are string positions.
      const aligned = text.length === bytes.length;
      return toFindings(text, scanUnits(text, aligned ? bytes : toUnits(text), aligned ? hits : undefined, file), file);
    },
    redact(text) {
      const raw = scanUnits(text, toUnits(text), undefined, '').filter((f) => f.end > f.start);
      const findings = toFindings(text, raw, '');
      if (raw.length === 0) return { text, findings };
      // Replace the union of every secret span (overlapping findings included).
      raw.sort((a, b) => a.start - b.start || a.rule.order - b.rule.order);
      let out = '';
      let at = 0;
      let i = 0;
      while (i < raw.length) {
        const first = raw[i]!;
        let end = first.end;
        let j = i + 1;
        while (j < raw.length && raw[j]!.start < end) {
          end = Math.max(end, raw[j]!.end);
          j += 1;
        }
        out += `${text.slice(at, first.start)}[REDACTED:${first.rule.id}]`;
        at = end;
        i = j;
      }
      out += text.slice(at);
      return { text: out, findings };
    },
  };
  return engine;
}

/**
 * One finding per secret: where spans overlap (a token found by a specific rule and by the generic
 * one), the rule listed first wins. Path-only findings have empty spans and are all kept.
 */
function reportable(raw: RawFinding[]): RawFinding[] {
  const byPriority = [...raw].sort((a, b) => a.rule.order - b.rule.order || a.start - b.start);
  const kept: RawFinding[] = [];
  for (const f of byPriority) {
    if (f.end > f.start && kept.some((k) => k.end > k.start && k.start < f.end && f.start < k.end)) continue;
    kept.push(f);
  }
  return kept;
}

/** The finding's match with its secret, and any other secret found inside it, masked. */
function maskedMatch(text: string, f: RawFinding, raw: RawFinding[]): string {
  const inside = raw
    .filter((o) => o.end > o.start && o.start >= f.matchStart && o.end <= f.matchEnd)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = f.matchStart;
  for (const o of inside) {
    if (o.start < at) continue; // nested in one already masked
    out += text.slice(at, o.start) + redactSecret(o.secret);
    at = o.end;
  }
  return out + text.slice(at, f.matchEnd);
}

function lineStartOf(text: string, pos: number): number {
  return pos <= 0 ? 0 : text.lastIndexOf('\n', pos - 1) + 1;
}

function lineEndOf(text: string, pos: number): number {
  const nl = text.indexOf('\n', pos);
  return nl === -1 ? text.length : nl;
}

/**
 * The windows a rule's regex runs over, flat [start, end, …]: around each keyword hit
 * ([pos, len, …]), widened by the rule's reach and merged. Each is at most a few kilobytes past its
 * keywords, so an unanchored or slow regex never runs over a whole large file. Line ends are found
 * with the string's native indexOf / lastIndexOf; hits on a line already measured reuse it, so many
 * hits on one long (minified) line cost one search, not one each.
 */
function windows(text: string, hits: number[], reach: LineReach): number[] {
  let sorted = true;
  for (let h = 2; h < hits.length; h += 2) {
    if (hits[h]! < hits[h - 2]!) {
      sorted = false;
      break;
    }
  }
  let list = hits;
  if (!sorted) {
    const pairs: Array<[number, number]> = [];
    for (let h = 0; h < hits.length; h += 2) pairs.push([hits[h]!, hits[h + 1]!]);
    pairs.sort((a, b) => a[0] - b[0]);
    list = pairs.flat();
  }
  const n = text.length;
  const out: number[] = [];
  let curStart = -1;
  let curEnd = -1;
  // The last line measured: [lineStart, lineEnd) with lineEnd after its '\n' (or n).
  let lineStart = -1;
  let lineEnd = -1;
  for (let h = 0; h < list.length; h += 2) {
    const pos = list[h]!;
    const end = pos + list[h + 1]!;
    if (end > lineEnd || pos < lineStart) {
      lineStart = lineStartOf(text, pos);
      const nl = text.indexOf('\n', Math.max(pos, end - 1));
      lineEnd = nl === -1 ? n : nl + 1;
    }
    let ws = Math.max(lineStart, pos - LINE_CAP);
    let we = Math.min(lineEnd, end + LINE_CAP);
    if (reach !== 'line') {
      const before = reach === 'far' ? FAR_LINES_BEFORE : NEAR_LINES;
      const after = reach === 'far' ? FAR_LINES_AFTER : NEAR_LINES;
      const minStart = Math.max(0, ws - (reach === 'far' ? FAR_CAP_BEFORE : LINE_CAP));
      const maxEnd = Math.min(n, we + (reach === 'far' ? FAR_CAP_AFTER : LINE_CAP));
      // Whole lines before and after, searched only within the caps (slices are views, not copies).
      if (ws > minStart) {
        const head = text.slice(minStart, ws - 1);
        let at = head.length;
        for (let k = 0; k < before && at > 0; k++) at = head.lastIndexOf('\n', at - 1);
        ws = at <= 0 ? minStart : minStart + at + 1;
      }
      if (we < maxEnd) {
        const tail = text.slice(we, maxEnd);
        let at = -1;
        for (let k = 0; k < after; k++) {
          const nl = tail.indexOf('\n', at + 1);
          if (nl === -1) {
            at = tail.length - 1;
            break;
          }
          at = nl;
        }
        we += at + 1;
      }
    }
    if (curEnd >= 0 && ws <= curEnd) {
      if (we > curEnd) curEnd = we;
    } else {
      if (curEnd >= 0) out.push(curStart, curEnd);
      curStart = ws;
      curEnd = we;
    }
  }
  if (curEnd >= 0) out.push(curStart, curEnd);
  return out;
}
