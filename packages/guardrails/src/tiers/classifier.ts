import type { ChangeSet, FileChange, FileContents, GuardrailsConfig, Tier, TierClassifier, TierResult } from '@cgce/core';
import { javaModel, javaTextNames } from './java-model.js';
import { maxTier, resolveTiers, TIER_LABELS, type TierLabel, tierRank } from './labels.js';
import { type Api, normaliseLines, type SourceModel } from './model.js';
import { isTestPath, type Language, languageOf } from './paths.js';
import { pythonModel, pythonTextNames } from './python-model.js';
import { tsModel, tsTextNames } from './ts-model.js';

export interface TierClassifierOptions {
  /** Files larger than this (before or after, in bytes) are not parsed: they count as a refactor. Default 1 MiB. */
  maxFileBytes?: number;
}

/** One detector's verdict about one file. */
interface Finding {
  label: TierLabel;
  reason: string;
  path: string;
}

const L = TIER_LABELS;
const CODE: ReadonlySet<Language> = new Set(['ts', 'python', 'java']);
const SPECIAL_MODES = new Set(['120000', '160000']);

function parse(lang: Language, text: string, path: string): SourceModel | undefined {
  if (lang === 'ts') return tsModel(text, path);
  if (lang === 'python') return pythonModel(text);
  if (lang === 'java') return javaModel(text);
  return undefined;
}

function textNames(lang: Language, text: string): Set<string> {
  if (lang === 'ts') return tsTextNames(text);
  if (lang === 'python') return pythonTextNames(text);
  if (lang === 'java') return javaTextNames(text);
  return new Set();
}

/** The file's model; when the parser itself fails (say, on pathological nesting), a text-only one. */
function modelOf(lang: Language, text: string, path: string): SourceModel | undefined {
  try {
    return parse(lang, text, path);
  } catch {
    return { parsed: false, code: normaliseLines(text), shape: '', api: new Map(), textNames: textNames(lang, text) };
  }
}

/** True when `key` is a member of another key of `api` (`Cls.method` of `Cls`). */
function ownerIn(key: string, api: ReadonlyMap<string, unknown> | ReadonlySet<string>): boolean {
  for (let i = key.indexOf('.'); i > 0; i = key.indexOf('.', i + 1)) {
    if (api.has(key.slice(0, i))) return true;
  }
  return false;
}

/** Exported names removed or changed (and members whose addition breaks users): `change API`. */
function apiDiff(before: Api, after: Api, path: string): Finding[] {
  const removed = new Set<string>();
  const changed: string[] = [];
  for (const [key, entry] of before) {
    const now = after.get(key);
    if (now === undefined) removed.add(key);
    else if (now.sig !== entry.sig) changed.push(key);
  }
  for (const [key, entry] of after) {
    if (!before.has(key) && entry.breaksWhenAdded && ownerIn(key, before)) changed.push(key);
  }
  // A removed class's members are removed with it: report the class once.
  const keys = [...[...removed].filter((k) => !ownerIn(k, removed)), ...changed];
  return keys.map((k) => ({ label: L.changeApi, reason: `api-change:${path}#${k}`, path }));
}

/** Top-level exported names of a model (members left out); textual names when the code did not parse. */
function exportedNames(model: SourceModel): string[] {
  if (!model.parsed) return [...model.textNames];
  return [...model.api.keys()].filter((k) => !ownerIn(k, model.api));
}

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

/** What changed between two different texts of one file (`apiPath` names the file in API reasons). */
function compareTexts(path: string, apiPath: string, before: string, after: string): Finding[] {
  const lang = languageOf(path);
  const test = isTestPath(path);
  const kind = (label: TierLabel, prefix: string): Finding => ({ label, reason: `${prefix}:${path}`, path });
  const fallbackKind = (): Finding => (test ? kind(L.addTest, 'test-only') : kind(L.refactor, 'refactor'));
  if (lang === 'markdown') return [kind(L.addComments, 'docs')];
  if (!CODE.has(lang)) {
    if (normaliseLines(before) === normaliseLines(after)) return [kind(L.formatCode, 'format-only')];
    if (lang === 'json' && sameJson(before, after)) return [kind(L.formatCode, 'format-only')];
    return [fallbackKind()];
  }
  const mb = modelOf(lang, before, path);
  const ma = modelOf(lang, after, path);
  if (!mb || !ma) return [fallbackKind()];
  if (mb.parsed && ma.parsed) {
    // Equal shapes (tokens, strings verbatim, and tree) mean no code changed: the same API, so no API diff.
    if (mb.shape === ma.shape) {
      if (mb.code === ma.code && normaliseLines(before) !== normaliseLines(after)) return [kind(L.addComments, 'comment-only')];
      return [kind(L.formatCode, 'format-only')];
    }
    return [...(test ? [] : apiDiff(mb.api, ma.api, apiPath)), fallbackKind()];
  }
  // Syntax errors: text comparison only. An exported name that disappears textually is an API change.
  const lost = test ? [] : [...mb.textNames].filter((n) => !ma.textNames.has(n));
  const api = lost.map((n) => ({ label: L.changeApi, reason: `api-change:${apiPath}#${n}`, path }));
  if (normaliseLines(before) === normaliseLines(after)) return [...api, kind(L.formatCode, 'format-only')];
  return [...api, test ? kind(L.addTest, 'test-only') : kind(L.refactor, 'syntax-error')];
}

/** A new file (added or copied). */
function newFile(path: string, after: string): Finding[] {
  const lang = languageOf(path);
  const kind = (label: TierLabel, prefix: string): Finding => ({ label, reason: `${prefix}:${path}`, path });
  if (lang === 'markdown') return [kind(L.addComments, 'docs')];
  if (isTestPath(path)) return [kind(L.addTest, 'test-only')];
  if (normaliseLines(after) === '') return [kind(L.formatCode, 'format-only')];
  const model = modelOf(lang, after, path);
  if (model?.parsed && model.code === '') return [kind(L.addComments, 'comment-only')];
  return [kind(L.refactor, 'refactor')];
}

async function read(lookup: (path: string) => Promise<string | null>, path: string): Promise<string | null> {
  try {
    const v = await lookup(path);
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

async function analyseFile(f: FileChange, contents: FileContents, maxBytes: number): Promise<Finding[]> {
  const path = f.path;
  const refactor = (prefix: string, p = path): Finding => ({ label: L.refactor, reason: `${prefix}:${p}`, path: p });
  const tooBig = (t: string | null) => t !== null && (t.length > maxBytes || Buffer.byteLength(t) > maxBytes);

  if (f.status === 'D') {
    const out: Finding[] = [{ label: L.deleteFiles, reason: `delete:${path}`, path }];
    const lang = languageOf(path);
    if (f.binary || !CODE.has(lang) || isTestPath(path)) return out;
    const before = await read((p) => contents.before(p), path);
    if (before === null) return out;
    if (tooBig(before)) return [...out, refactor('too-large')];
    const model = modelOf(lang, before, path);
    for (const name of model ? exportedNames(model) : []) out.push({ label: L.changeApi, reason: `api-change:${path}#${name}`, path });
    return out;
  }

  if (f.status === 'A' || f.status === 'C') {
    if (f.binary) return [refactor('binary')];
    if (SPECIAL_MODES.has(f.newMode)) return [refactor('refactor')];
    const after = await read((p) => contents.after(p), path);
    if (after === null) return [refactor('unreadable')];
    if (tooBig(after)) return [refactor('too-large')];
    return newFile(path, after);
  }

  if (f.status === 'R') {
    const oldPath = f.oldPath ?? path;
    const out: Finding[] = [];
    if (isTestPath(oldPath) && isTestPath(path)) out.push({ label: L.addTest, reason: `test-only:${path}`, path });
    else if (languageOf(oldPath) === 'markdown' && languageOf(path) === 'markdown') out.push({ label: L.addComments, reason: `docs:${path}`, path });
    else out.push({ label: L.renameFiles, reason: `rename:${oldPath}->${path}`, path });
    if (f.binary) return out;
    const [before, after] = await Promise.all([read((p) => contents.before(p), oldPath), read((p) => contents.after(p), path)]);
    if (before === null || after === null) return [...out, refactor('unreadable')];
    if (tooBig(before) || tooBig(after)) return [...out, refactor('too-large')];
    const lang = languageOf(oldPath);
    if (CODE.has(lang) && !isTestPath(oldPath)) {
      // The old import path stops working: reported only when `move API` is in approvalTiers.
      const model = modelOf(lang, before, oldPath);
      for (const name of model ? exportedNames(model) : []) out.push({ label: L.moveApi, reason: `api-move:${oldPath}#${name}`, path: oldPath });
    }
    // The content as a modification of the old file: signature changes are API changes, as for an edit.
    if (before !== after && languageOf(path) === lang) out.push(...compareTexts(path, path, before, after));
    else if (before !== after) out.push(refactor('refactor'));
    return out;
  }

  // 'M' and 'T'.
  if (f.status === 'T' || SPECIAL_MODES.has(f.oldMode) || SPECIAL_MODES.has(f.newMode)) return [refactor('refactor')];
  if (f.binary) return [refactor('binary')];
  const [before, after] = await Promise.all([read((p) => contents.before(p), path), read((p) => contents.after(p), path)]);
  if (before === null || after === null) return [refactor('unreadable')];
  if (tooBig(before) || tooBig(after)) return [refactor('too-large')];
  if (before === after) {
    return f.oldMode !== f.newMode ? [refactor('mode')] : [{ label: L.formatCode, reason: `unchanged:${path}`, path }];
  }
  return compareTexts(path, path, before, after);
}

/**
 * The approval tier of a change: the highest tier any detector assigns (see README.md). Never throws: a
 * file that cannot be analysed counts as a refactor; a failure of the classifier itself gives `high`.
 */
export function createTierClassifier(options: TierClassifierOptions = {}): TierClassifier {
  const maxBytes = options.maxFileBytes ?? 1024 * 1024;
  return {
    async classify(change: ChangeSet, contents: FileContents, config: GuardrailsConfig): Promise<TierResult> {
      try {
        const files = change?.files ?? [];
        if (files.length === 0) return { tier: 'low', reasons: ['empty'] };
        const tiers = resolveTiers(config);
        const perFile = await Promise.all(
          files.map((f) =>
            analyseFile(f, contents, maxBytes).catch((): Finding[] => [{ label: L.refactor, reason: `error:${f.path}`, path: f.path }]),
          ),
        );
        const scored = new Map<string, Tier>();
        const add = (reason: string, tier: Tier) => scored.set(reason, maxTier(scored.get(reason) ?? tier, tier));
        const refactorTier = tiers.labels.get(L.refactor) ?? 'medium';
        for (const finding of perFile.flat()) {
          const tier = tiers.labels.get(finding.label);
          if (tier !== undefined) add(finding.reason, tier);
          // A detector no tier lists is disabled: its file counts as an ordinary change (a refactor).
          else if (finding.label !== L.moveApi) add(`refactor:${finding.path}`, refactorTier);
        }
        for (const f of files) {
          const paths = f.oldPath && f.oldPath !== f.path ? [f.path, f.oldPath] : [f.path];
          for (const g of tiers.globs) {
            for (const p of paths) if (g.match(p)) add(`glob:${g.pattern}:${p}`, g.tier);
          }
        }
        let tier: Tier = 'low';
        for (const t of scored.values()) tier = maxTier(tier, t);
        const reasons = [...scored.entries()].sort((a, b) => tierRank(b[1]) - tierRank(a[1])).map(([r]) => r);
        return { tier, reasons };
      } catch (err) {
        return { tier: 'high', reasons: [`error:classifier:${err instanceof Error ? err.message : String(err)}`] };
      }
    },
  };
}
