import type { ChangeSet, Decision, FileChange, PatchPrecheck, PolicyContext, PolicyEngine, RuleId } from '@cgce/core';
import { displayPath, normalizePath } from '../paths/index.js';
import { type BuiltinKey, builtinSource, DecisionSink, internalFailure } from './decisions.js';
import { type FilePatch, type IssueRule, type NameSource, parsePatch } from './parse.js';
import {
  addedInstallScripts,
  addsCeeKey,
  type CreatedLink,
  checkCollisions,
  checkExtension,
  checkLimits,
  checkPath,
  checkRequirePlan,
  checkScope,
  checkWriteThrough,
  isBlank,
  modeKind,
  type PolicyView,
  policyView,
} from './rules.js';

const ISSUE_KEY: Record<IssueRule, BuiltinKey> = {
  malformed: 'patch-format',
  unsupported_format: 'patch-format',
  binary_patch: 'binary',
  header_mismatch: 'header-consistency',
};

/** Rules that say something about a path itself (used to decide whether a "blind parser" note is worth adding). */
const PATH_RULES = new Set<RuleId>([
  'absolute_path',
  'path_traversal',
  'invalid_path_chars',
  'git_internal',
  'git_metadata',
  'scanner_config',
  'exec_config',
  'deny_path',
  'symlink',
  'gitlink',
]);

const SOURCES: readonly NameSource[] = ['diff --git (old)', 'diff --git (new)', '---', '+++', 'rename from', 'rename to', 'copy from', 'copy to'];
const NAMED_BY = Object.fromEntries(SOURCES.map((s) => [s, `named by the ${s} line`])) as Record<NameSource, string>;
const LENIENT_READ = Object.fromEntries(SOURCES.map((s) => [s, `as a lenient parser reads the ${s} line`])) as Record<NameSource, string>;

function isAbsoluteRaw(raw: string): boolean {
  const c0 = raw.charCodeAt(0);
  if (c0 === 0x2f /* / */ || c0 === 0x5c /* \ */) return true;
  return raw.charCodeAt(1) === 0x3a /* : */ && ((c0 >= 0x41 && c0 <= 0x5a) || (c0 >= 0x61 && c0 <= 0x7a));
}

// ---------------------------------------------------------------------------------------------------------
// precheckPatch

function toBytes(patch: unknown): Uint8Array | null {
  if (patch instanceof Uint8Array) return patch;
  if (typeof patch === 'string') return new TextEncoder().encode(patch);
  if (patch instanceof ArrayBuffer) return new Uint8Array(patch);
  return null;
}

function precheckFile(fp: FilePatch, view: PolicyView, sink: DecisionSink, links: CreatedLink[]): void {
  const before = sink.size;
  const expectOld = fp.oldPath ?? fp.newPath ?? null;
  const expectNew = fp.newPath ?? fp.oldPath ?? null;

  // Every name written anywhere in the headers, as git reads it and as a lenient parser reads it.
  // (A file patch names at most a handful of distinct paths: a small array beats a Map here.)
  const names: string[] = [];
  const roles: string[] = [];
  const addName = (p: string | null | undefined, role: string): void => {
    if (p === null || p === undefined || names.includes(p)) return;
    names.push(p);
    roles.push(role);
  };
  addName(fp.newPath, 'new path');
  addName(fp.oldPath, fp.isRename ? 'rename source' : fp.isCopy ? 'copy source' : fp.isDelete ? 'deleted path' : 'old path');
  for (const n of fp.names) {
    addName(n.git, NAMED_BY[n.source]);
    addName(n.lenient, LENIENT_READ[n.source]);
    if (n.raw !== null && isAbsoluteRaw(n.raw)) {
      sink.deny('absolute_path', builtinSource('absolute_path', 'path-syntax'), n.raw, `is an absolute path on the ${n.source} line (line ${n.line})`);
    }
  }
  for (let k = 0; k < names.length; k++) checkPath(names[k] as string, view, sink, { role: roles[k] as string });

  // Configured policy on the paths git will really touch.
  if (fp.isDelete) {
    if (fp.oldPath !== undefined) {
      checkExtension(fp.oldPath, view, sink, 'deleted path');
      checkScope(fp.oldPath, view, sink, 'deleted path');
    }
  } else if (fp.newPath !== undefined) {
    checkExtension(fp.newPath, view, sink);
    checkScope(fp.newPath, view, sink);
    if (fp.isRename && fp.oldPath !== undefined) checkScope(fp.oldPath, view, sink, 'rename source');
  }

  const subject = fp.newPath ?? fp.oldPath;
  const oldKind = modeKind(fp.oldMode);
  const newKind = modeKind(fp.newMode);
  const idxKind = modeKind(fp.indexMode);
  const badMode = (k: string, m: string | undefined): void => {
    if (k === 'invalid' || k === 'tree') {
      sink.deny('malformed', builtinSource('malformed', 'patch-format'), subject, `has an unusable file mode ${m}`);
    }
  };
  badMode(oldKind, fp.oldMode);
  badMode(newKind, fp.newMode);
  badMode(idxKind, fp.indexMode);
  if (!fp.isDelete) {
    if (newKind === 'symlink' || (fp.newMode === undefined && idxKind === 'symlink')) {
      const target = fp.addedLines[0]?.text;
      links.push({ path: subject ?? '', target });
      sink.deny(
        'symlink',
        builtinSource('symlink', 'symlink'),
        subject,
        `${fp.isNew ? 'creates' : oldKind === 'symlink' || idxKind === 'symlink' ? 'changes' : 'turns a file into'} a symbolic link${
          target === undefined ? '' : ` to ${displayPath(target)}`
        }; symlinks are never accepted`,
      );
    }
    if (newKind === 'gitlink' || oldKind === 'gitlink' || idxKind === 'gitlink') {
      sink.deny('gitlink', builtinSource('gitlink', 'gitlink'), subject, 'is a submodule (gitlink, mode 160000); submodule changes are never accepted');
    }
    if (fp.isNew && newKind === 'exec') {
      sink.deny('mode_change', builtinSource('mode_change', 'exec-bit'), subject, 'is created executable (mode 100755)');
    } else if (fp.oldMode !== undefined && fp.newMode !== undefined && !fp.isNew) {
      if ((oldKind === 'file' || oldKind === 'exec') && (newKind === 'file' || newKind === 'exec') && oldKind !== newKind) {
        sink.deny('mode_change', builtinSource('mode_change', 'exec-bit'), subject, `changes the executable bit (${fp.oldMode} -> ${fp.newMode})`);
      } else if (oldKind === 'symlink' && newKind !== 'symlink') {
        sink.deny('mode_change', builtinSource('mode_change', 'exec-bit'), subject, `changes the file type (${fp.oldMode} -> ${fp.newMode})`);
      }
    }
  }
  if (fp.binary) {
    sink.deny('binary_patch', builtinSource('binary_patch', 'binary'), subject, 'is a binary patch: its content cannot be checked');
  }

  // What lenient parsers would have seen instead.
  for (const n of fp.names) {
    if (n.source === '---' || n.source === '+++' || n.source === 'diff --git (old)' || n.source === 'diff --git (new)') {
      const expected = n.side === 'old' ? expectOld : expectNew;
      if (n.lenient === null || expected === null) continue;
      if (n.source === '---' && fp.isNew) continue;
      if (n.source === '+++' && fp.isDelete) continue;
      if (n.lenient !== expected) {
        sink.deny(
          'parser_differential',
          builtinSource('parser_differential', 'parser-differential'),
          expected,
          `is what git patches, but a parser that strips only a/ and b/ reads ${displayPath(n.lenient)} from the ${n.source} line (line ${n.line})`,
        );
      }
    }
  }
  if (!fp.hasMinusPlus && !fp.binary) {
    if (sink.since(before).some((d) => PATH_RULES.has(d.rule) && d.verdict === 'deny')) {
      sink.deny(
        'parser_differential',
        builtinSource('parser_differential', 'parser-differential'),
        subject,
        `appears only in ${fp.isRename ? 'rename' : fp.isCopy ? 'copy' : 'extended header'} lines (no ---/+++): a checker that reads only ---/+++ lines would not see it`,
      );
    }
  }
}

function precheckImpl(patch: Uint8Array, ctx: PolicyContext): PatchPrecheck {
  const view = policyView(ctx);
  const sink = new DecisionSink();
  const bytes = toBytes(patch);
  if (bytes === null) {
    sink.deny('malformed', builtinSource('malformed', 'patch-format'), undefined, 'patch is not bytes');
    return { decisions: sink.sorted(), files: [] };
  }
  const parsed = parsePatch(bytes);
  for (const issue of parsed.issues) {
    const file = issue.fileIndex === undefined ? undefined : parsed.files[issue.fileIndex];
    const path = issue.path ?? file?.newPath ?? file?.oldPath;
    sink.deny(issue.rule, builtinSource(issue.rule, ISSUE_KEY[issue.rule]), path, issue.message, ': ');
  }

  const links: CreatedLink[] = [];
  for (const fp of parsed.files) precheckFile(fp, view, sink, links);

  // Across file patches.
  const after: string[] = [];
  const touched = new Map<string, FilePatch>();
  for (const fp of parsed.files) {
    if (!fp.isDelete && fp.newPath !== undefined) after.push(fp.newPath);
    const target = fp.newPath ?? fp.oldPath;
    if (target === undefined) continue;
    const prev = touched.get(target);
    if (prev && !(prev.isDelete && fp.isNew)) {
      sink.deny(
        'path_collision',
        builtinSource('path_collision', 'path-collision'),
        target,
        `is changed by more than one file patch (lines ${prev.line} and ${fp.line}); tools disagree on how to combine them`,
      );
    }
    touched.set(target, fp);
  }
  checkCollisions(after, sink);
  if (links.length > 0) {
    const allPaths = new Set<string>();
    for (const f of parsed.files) {
      if (f.newPath !== undefined) allPaths.add(f.newPath);
      if (f.oldPath !== undefined) allPaths.add(f.oldPath);
    }
    checkWriteThrough(links, [...allPaths], view, sink, () => new DecisionSink());
  }

  let loc = 0;
  for (const fp of parsed.files) for (const l of fp.addedLines) if (!isBlank(l.text)) loc++;
  checkLimits(parsed.files.length, loc, view, sink);
  checkRequirePlan(view, sink);

  return {
    decisions: sink.sorted(),
    files: parsed.files.map((f) => {
      const out: { oldPath?: string; newPath?: string; headerPath?: string } = {};
      if (f.oldPath !== undefined) out.oldPath = f.oldPath;
      if (f.newPath !== undefined) out.newPath = f.newPath;
      if (f.headerPath !== undefined) out.headerPath = f.headerPath;
      return out;
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// crossCheck

function crossCheckImpl(precheck: PatchPrecheck, gitFiles: Array<{ path: string; oldPath?: string }>, ctx: PolicyContext): Decision[] {
  const view = policyView(ctx);
  const sink = new DecisionSink();
  const src = builtinSource('parser_differential', 'parser-differential');
  const textFiles = precheck && typeof precheck === 'object' && Array.isArray(precheck.files) ? precheck.files : null;
  if (textFiles === null) {
    sink.deny('malformed', builtinSource('malformed', 'internal'), undefined, 'no precheck result to compare git against (failing closed)');
    return sink.sorted();
  }
  if (!Array.isArray(gitFiles)) {
    sink.deny('malformed', builtinSource('malformed', 'internal'), undefined, "git's file list is missing (failing closed)");
    return sink.sorted();
  }
  if (textFiles.length !== gitFiles.length) {
    sink.deny(
      'parser_differential',
      src,
      undefined,
      `the patch text holds ${textFiles.length} file patch(es) but git sees ${gitFiles.length}`,
    );
  }
  const n = Math.min(textFiles.length, gitFiles.length);
  for (let i = 0; i < n; i++) {
    const t = textFiles[i] ?? {};
    const g = gitFiles[i];
    if (!g || typeof g !== 'object' || typeof g.path !== 'string') {
      sink.deny('malformed', builtinSource('malformed', 'internal'), undefined, `git file entry ${i + 1} has no path (failing closed)`);
      continue;
    }
    const expected = t.newPath ?? t.oldPath;
    if (g.path !== expected) {
      sink.deny(
        'parser_differential',
        src,
        g.path,
        `is what git will change for file patch ${i + 1}, but the headers name ${expected === undefined ? 'nothing' : displayPath(expected)}`,
      );
    }
    if (typeof g.oldPath === 'string' && g.oldPath !== g.path && g.oldPath !== t.oldPath) {
      sink.deny(
        'parser_differential',
        src,
        g.oldPath,
        `is git's source path for file patch ${i + 1}, but the headers name ${t.oldPath === undefined ? 'nothing' : displayPath(t.oldPath)}`,
      );
    }
  }
  // Defence in depth: whatever git says it will touch must itself be a safe path.
  for (const g of gitFiles) {
    if (!g || typeof g !== 'object') continue;
    if (typeof g.path === 'string') checkPath(g.path, view, sink, { role: 'as git reads the patch' });
    if (typeof g.oldPath === 'string') checkPath(g.oldPath, view, sink, { role: 'source path as git reads the patch' });
  }
  return sink.sorted();
}

// ---------------------------------------------------------------------------------------------------------
// evaluate

const STATUSES = new Set(['A', 'M', 'D', 'R', 'C', 'T']);

function evaluateImpl(change: ChangeSet, ctx: PolicyContext): Decision[] {
  const view = policyView(ctx);
  const sink = new DecisionSink();
  const fmt = builtinSource('malformed', 'patch-format');
  if (!change || typeof change !== 'object' || !Array.isArray(change.files)) {
    sink.deny('malformed', fmt, undefined, 'the change set has no file list (failing closed)');
    checkRequirePlan(view, sink);
    return sink.sorted();
  }
  const links: CreatedLink[] = [];
  const after: string[] = [];
  const all: string[] = [];
  let loc: number | null = 0;
  const locNotes: string[] = [];

  change.files.forEach((raw: FileChange, idx: number) => {
    const fc = raw as Partial<FileChange> | null;
    if (!fc || typeof fc !== 'object' || typeof fc.path !== 'string' || fc.path === '' || !STATUSES.has(String(fc.status))) {
      sink.deny('malformed', fmt, typeof fc?.path === 'string' ? fc.path : undefined, `file change ${idx + 1} is not a valid record (failing closed)`);
      loc = null;
      locNotes.push(`file change ${idx + 1} unreadable`);
      return;
    }
    const status = fc.status as FileChange['status'];
    const path = fc.path;
    const oldPath = typeof fc.oldPath === 'string' ? fc.oldPath : undefined;
    if ((status === 'R' || status === 'C') && oldPath === undefined) {
      sink.deny('malformed', fmt, path, `is a ${status === 'R' ? 'rename' : 'copy'} without a source path (failing closed)`);
    }
    all.push(path);
    if (oldPath !== undefined) all.push(oldPath);
    if (status !== 'D') after.push(path);

    checkPath(path, view, sink, { role: status === 'D' ? 'deleted path' : status === 'R' ? 'rename target' : status === 'C' ? 'copy target' : undefined });
    if (oldPath !== undefined && oldPath !== path) {
      checkPath(oldPath, view, sink, { role: status === 'R' ? 'rename source' : status === 'C' ? 'copy source' : 'old path' });
    }
    checkExtension(path, view, sink, status === 'D' ? 'deleted path' : undefined);
    checkScope(path, view, sink, status === 'D' ? 'deleted path' : undefined);
    if (status === 'R' && oldPath !== undefined) checkScope(oldPath, view, sink, 'rename source');

    const oldKind = modeKind(fc.oldMode);
    const newKind = modeKind(fc.newMode);
    const expectAbsentOld = status === 'A';
    const expectAbsentNew = status === 'D';
    const badOld = oldKind === 'invalid' || oldKind === 'tree' || (oldKind === 'absent') !== expectAbsentOld;
    const badNew = newKind === 'invalid' || newKind === 'tree' || (newKind === 'absent') !== expectAbsentNew;
    if (badOld || badNew) {
      sink.deny('malformed', fmt, path, `has modes ${String(fc.oldMode)} -> ${String(fc.newMode)} that do not fit status ${status} (failing closed)`);
    }
    if (status !== 'D') {
      if (newKind === 'symlink') {
        const target = Array.isArray(fc.addedLines) ? fc.addedLines[0]?.text : undefined;
        links.push({ path, target: typeof target === 'string' ? target : undefined });
        sink.deny(
          'symlink',
          builtinSource('symlink', 'symlink'),
          path,
          `${status === 'T' ? 'turns a file into' : status === 'M' ? 'changes' : 'creates'} a symbolic link${
            typeof target === 'string' ? ` to ${displayPath(target)}` : ''
          }; symlinks are never accepted`,
        );
      }
      if (newKind === 'gitlink' || oldKind === 'gitlink') {
        sink.deny('gitlink', builtinSource('gitlink', 'gitlink'), path, 'is a submodule (gitlink, mode 160000); submodule changes are never accepted');
      }
      if ((status === 'A' || status === 'C') && newKind === 'exec') {
        sink.deny('mode_change', builtinSource('mode_change', 'exec-bit'), path, `is created executable (mode ${fc.newMode})`);
      } else if ((oldKind === 'file' || oldKind === 'exec') && (newKind === 'file' || newKind === 'exec') && oldKind !== newKind) {
        sink.deny('mode_change', builtinSource('mode_change', 'exec-bit'), path, `changes the executable bit (${fc.oldMode} -> ${fc.newMode})`);
      } else if (status === 'T' && newKind !== 'symlink' && newKind !== 'gitlink') {
        sink.deny('mode_change', builtinSource('mode_change', 'exec-bit'), path, `changes the file type (${fc.oldMode} -> ${fc.newMode})`);
      }
    }
    if (fc.binary === true) {
      sink.deny('binary_patch', builtinSource('binary_patch', 'binary'), path, 'is a binary change: its content cannot be checked');
    } else if (fc.binary !== false) {
      sink.deny('malformed', fmt, path, 'does not say whether it is binary (failing closed)');
    }

    // Added lines (LOC cap): non-blank lines from addedLines, any lines it does not cover counted as non-blank.
    const addedOk = typeof fc.added === 'number' && Number.isInteger(fc.added) && fc.added >= 0;
    if (!addedOk || (typeof fc.deleted === 'number' ? !Number.isInteger(fc.deleted) || fc.deleted < 0 : fc.deleted !== undefined)) {
      sink.deny('malformed', fmt, path, `has unusable line counts (added ${String(fc.added)}, deleted ${String(fc.deleted)})`);
    }
    const lines = Array.isArray(fc.addedLines) ? fc.addedLines.filter((l) => l && typeof l.text === 'string') : undefined;
    if (status !== 'D' && fc.binary !== true) {
      if (lines !== undefined) {
        const nonBlank = lines.filter((l) => !isBlank(l.text)).length;
        const uncovered = addedOk ? Math.max(0, (fc.added as number) - lines.length) : 0;
        if (loc !== null) loc += nonBlank + uncovered;
      } else if (addedOk) {
        if (loc !== null) loc += fc.added as number;
      } else {
        loc = null;
        locNotes.push(`${displayPath(path)} has no usable count`);
      }
    }

    // package.json: lifecycle scripts need a person; a "cee" key would rewrite CEE's own config.
    const comps = normalizePath(path).components;
    if (status !== 'D' && comps[comps.length - 1] === 'package.json') {
      if (lines !== undefined) {
        const keys = addedInstallScripts(lines);
        if (keys.length > 0) {
          sink.add({
            rule: 'install_script',
            code: 'GUARDRAIL_INSTALL_SCRIPT',
            verdict: 'approval',
            message: `install_script: ${displayPath(path)} adds lifecycle script(s) ${keys.join(', ')} that package managers run on install (built-in install-scripts)`,
            path,
            source: builtinSource('install_script', 'install-scripts'),
          });
        }
        if (comps.length === 1 && addsCeeKey(lines)) {
          sink.deny('exec_config', builtinSource('exec_config', 'cee-config'), path, 'adds a "cee" key: CEE\'s own configuration may not be changed by a step');
        }
      } else if ((typeof fc.added !== 'number' || fc.added > 0) && fc.binary !== true) {
        sink.add({
          rule: 'install_script',
          code: 'GUARDRAIL_INSTALL_SCRIPT',
          verdict: 'approval',
          message: `install_script: ${displayPath(path)} changed but its added lines were not provided, so lifecycle scripts cannot be ruled out (built-in install-scripts)`,
          path,
          source: builtinSource('install_script', 'install-scripts'),
        });
      }
    }
  });

  checkCollisions(after, sink);
  checkWriteThrough(links, [...new Set(all)], view, sink, () => new DecisionSink());
  checkLimits(change.files.length, loc, view, sink, locNotes.join('; '));
  checkRequirePlan(view, sink);
  return sink.sorted();
}

// ---------------------------------------------------------------------------------------------------------

/** The policy engine: pure, synchronous, never throws (any internal failure becomes a `malformed` deny). */
export function createPolicyEngine(): PolicyEngine {
  return {
    precheckPatch(patch: Uint8Array, ctx: PolicyContext): PatchPrecheck {
      try {
        return precheckImpl(patch, ctx);
      } catch (err) {
        return { decisions: [internalFailure('precheckPatch', err)], files: [] };
      }
    },
    crossCheck(precheck: PatchPrecheck, gitFiles: Array<{ path: string; oldPath?: string }>, ctx: PolicyContext): Decision[] {
      try {
        return crossCheckImpl(precheck, gitFiles, ctx);
      } catch (err) {
        return [internalFailure('crossCheck', err)];
      }
    },
    evaluate(change: ChangeSet, ctx: PolicyContext): Decision[] {
      try {
        return evaluateImpl(change, ctx);
      } catch (err) {
        return [internalFailure('evaluate', err)];
      }
    },
  };
}
