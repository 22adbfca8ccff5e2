import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ChangeSet,
  type Decision,
  type FileChange,
  GuardrailsSchema,
  overallVerdict,
  type PolicyContext,
} from '@cgce/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolicyEngine } from './index.js';
import { parsePatch } from './parse.js';

/**
 * The adversarial corpus, end to end against real git: precheck on the raw bytes, then (when nothing was
 * denied) `git apply --check`, git's own file list + crossCheck, `git apply --cached` into a temporary index
 * and evaluate on the change git computed. The ChangeSet builder here is a small test-only stand-in for the
 * git adapter.
 */

const CORPUS = fileURLToPath(new URL('../../../../../shared/corpus/patches/', import.meta.url));
if (!existsSync(join(CORPUS, 'make-base-repo.sh'))) {
  throw new Error(`patch corpus not found at ${CORPUS} (expected make-base-repo.sh and case folders)`);
}

interface Expect {
  id: string;
  verdict: 'reject' | 'approval' | 'accept';
  reason_class: string;
  also_triggers: string[];
}

const cases = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(CORPUS, d.name, 'expect.json')))
  .map((d) => ({
    name: d.name,
    expect: JSON.parse(readFileSync(join(CORPUS, d.name, 'expect.json'), 'utf8')) as Expect,
    patchFile: join(CORPUS, d.name, 'patch.diff'),
  }))
  .sort((a, b) => a.name.localeCompare(b.name));

/** Classes decided by other components (secret scanner, tier classifier): this engine must only not deny. */
const OTHER_OWNERS = new Set(['secret', 'delete', 'api_change', 'none']);

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number; stdout: Buffer; stderr: string } {
  const r = spawnSync('git', args, { cwd, env: { ...GIT_ENV, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout ?? Buffer.alloc(0), stderr: String(r.stderr ?? '') };
}

/** `git apply --numstat -z`: one entry per file patch git sees (`added\tdeleted\tpath`). */
function gitPatchFiles(repo: string, patchFile: string): Array<{ path: string }> | null {
  const r = git(repo, ['apply', '--numstat', '-z', patchFile]);
  if (r.status !== 0) return null;
  const parts = r.stdout.toString('utf8').split('\0');
  const out: Array<{ path: string }> = [];
  for (const part of parts) {
    const m = /^(\d+|-)\t(\d+|-)\t([\s\S]*)$/u.exec(part);
    if (m) out.push({ path: m[3] ?? '' });
  }
  return out;
}

/** The change between two trees as git computes it (a test-only stand-in for GitPort.diffTrees). */
function buildChangeSet(repo: string, baseTree: string, newTree: string): ChangeSet {
  const raw = git(repo, ['diff-tree', '-r', '-z', '-M', '--raw', '--numstat', baseTree, newTree]).stdout.toString('utf8');
  const tokens = raw.split('\0');
  const files: FileChange[] = [];
  let i = 0;
  const numstats: Array<{ added: number | null; deleted: number | null }> = [];
  while (i < tokens.length) {
    const t = tokens[i] ?? '';
    if (t.startsWith(':')) {
      const [oldMode, newMode, oldOid, newOid, statusField] = t.slice(1).split(' ');
      const status = (statusField ?? '').charAt(0) as FileChange['status'];
      const similarity = Number((statusField ?? '').slice(1)) || undefined;
      if (status === 'R' || status === 'C') {
        const fc: FileChange = {
          status,
          oldPath: tokens[i + 1] ?? '',
          path: tokens[i + 2] ?? '',
          oldMode: oldMode ?? '',
          newMode: newMode ?? '',
          binary: false,
          added: 0,
          deleted: 0,
        };
        if (oldOid) fc.oldOid = oldOid;
        if (newOid) fc.newOid = newOid;
        if (similarity !== undefined) fc.similarity = similarity;
        files.push(fc);
        i += 3;
      } else {
        files.push({ status, path: tokens[i + 1] ?? '', oldMode: oldMode ?? '', newMode: newMode ?? '', binary: false, added: 0, deleted: 0 });
        i += 2;
      }
      continue;
    }
    const m = /^(\d+|-)\t(\d+|-)\t(.*)$/su.exec(t);
    if (m) {
      numstats.push({ added: m[1] === '-' ? null : Number(m[1]), deleted: m[2] === '-' ? null : Number(m[2]) });
      i += m[3] === '' ? 3 : 1;
      continue;
    }
    i++;
  }
  files.forEach((f, k) => {
    const n = numstats[k];
    if (!n) return;
    if (n.added === null) f.binary = true;
    else {
      f.added = n.added;
      f.deleted = n.deleted ?? 0;
    }
  });
  // Added lines from the -U0 text diff (git's own output, so git's own quoting: read it with the git-faithful parser).
  const text = git(repo, ['diff-tree', '-r', '-M', '-U0', '--no-color', baseTree, newTree]).stdout;
  const parsed = parsePatch(new Uint8Array(text));
  parsed.files.forEach((pf, k) => {
    const f = files[k];
    if (!f) return;
    if (!f.binary) f.addedLines = pf.addedLines.map((l) => ({ line: l.line, text: l.text }));
  });
  return { baseTree, newTree, files };
}

const engine = createPolicyEngine();
const ctx: PolicyContext = { config: GuardrailsSchema.parse({}), sources: {}, scope: ['**'] };

let work = '';
let repo = '';
let baseTree = '';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cee-policy-corpus-'));
  repo = join(work, 'base');
  execFileSync('bash', [join(CORPUS, 'make-base-repo.sh'), repo], { env: GIT_ENV, stdio: 'pipe' });
  baseTree = git(repo, ['rev-parse', 'HEAD^{tree}']).stdout.toString().trim();
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface RunResult {
  stage: 'precheck' | 'git-check' | 'crossCheck' | 'evaluate';
  decisions: Decision[];
  gitError?: string;
}

function runPipeline(patchFile: string): RunResult {
  const bytes = new Uint8Array(readFileSync(patchFile));
  const pre = engine.precheckPatch(bytes, ctx);
  if (overallVerdict(pre.decisions) === 'deny') return { stage: 'precheck', decisions: pre.decisions };
  const check = git(repo, ['apply', '--check', patchFile]);
  if (check.status !== 0) return { stage: 'git-check', decisions: pre.decisions, gitError: check.stderr };
  const gitFiles = gitPatchFiles(repo, patchFile) ?? [];
  const cross = engine.crossCheck(pre, gitFiles, ctx);
  if (overallVerdict(cross) === 'deny') return { stage: 'crossCheck', decisions: cross };
  const index = join(work, `index-${Math.random().toString(36).slice(2)}`);
  const env = { GIT_INDEX_FILE: index };
  expect(git(repo, ['read-tree', baseTree], env).status).toBe(0);
  const applied = git(repo, ['apply', '--cached', patchFile], env);
  expect(applied.status, applied.stderr).toBe(0);
  const newTree = git(repo, ['write-tree'], env).stdout.toString().trim();
  rmSync(index, { force: true });
  const change = buildChangeSet(repo, baseTree, newTree);
  return { stage: 'evaluate', decisions: [...pre.decisions, ...cross, ...engine.evaluate(change, ctx)] };
}

describe('patch corpus (real git)', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(10);
  });

  for (const c of cases) {
    it(`${c.name}: ${c.expect.verdict} ${c.expect.reason_class}`, () => {
      const r = runPipeline(c.patchFile);
      const denies = r.decisions.filter((d) => d.verdict === 'deny');
      const rules = r.decisions.map((d) => d.rule);
      const summary = `${r.stage}: ${r.decisions.map((d) => d.message).join(' | ')}${r.gitError ? ` | git: ${r.gitError}` : ''}`;
      if (r.stage === 'git-check') {
        // git refused a patch the precheck let through: the precheck must have caught it already.
        expect.fail(`git refused a patch that passed the precheck: ${summary}`);
      }
      const ownedByUs = !OTHER_OWNERS.has(c.expect.reason_class);
      if (c.expect.verdict === 'reject' && ownedByUs) {
        expect(denies.length, summary).toBeGreaterThan(0);
        expect(denies[0]?.rule, summary).toBe(c.expect.reason_class);
        for (const also of c.expect.also_triggers) expect(rules, `${also} missing: ${summary}`).toContain(also);
        for (const d of denies) {
          expect(d.code).toBe(`GUARDRAIL_${d.rule.toUpperCase()}`);
          expect(d.source.id).toBe(d.rule);
          expect(d.message).toContain(d.rule);
        }
      } else {
        // accept, approval (delete/api tiers) and secrets: not this engine's call; it must not deny.
        expect(denies, summary).toEqual([]);
        if (c.expect.verdict === 'accept') expect(overallVerdict(r.decisions), summary).toBe('allow');
        if (c.expect.verdict !== 'reject') expect(r.stage).toBe('evaluate');
      }
    });
  }

  it('evaluate catches what git applies for the path-policy cases', () => {
    // Apply the cases git accepts but policy must deny, and check evaluate denies with the same class.
    const expectations: Record<string, string> = {
      'e01-vscode-tasks-folderopen': 'exec_config',
      'g05-gitattributes': 'git_metadata',
      'l01-symlink-outside-repo': 'symlink',
      'p04-prefix-letter-game': 'deny_path',
      'p06-header-mismatch': 'deny_path',
      'p09-control-chars-in-path': 'invalid_path_chars',
      'p11-case-variant-deny': 'deny_path',
      'r01-rename-into-deny': 'deny_path',
      'x01-too-many-files': 'max_files',
      'x02-too-many-added-loc': 'max_added_loc',
      'x05-disallowed-extension': 'disallowed_extension',
      'l06-binary-patch': 'binary_patch',
      'l05-mode-exec-bit': 'mode_change',
    };
    for (const [name, rule] of Object.entries(expectations)) {
      const c = cases.find((x) => x.name === name);
      if (!c) continue;
      const index = join(work, 'index-eval2');
      const env = { GIT_INDEX_FILE: index };
      git(repo, ['read-tree', baseTree], env);
      const r = git(repo, ['apply', '--cached', c.patchFile], env);
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      const newTree = git(repo, ['write-tree'], env).stdout.toString().trim();
      rmSync(index, { force: true });
      const decisions = engine.evaluate(buildChangeSet(repo, baseTree, newTree), ctx);
      expect(decisions.find((d) => d.verdict === 'deny')?.rule, `${name}: ${decisions.map((d) => d.message).join(' | ')}`).toBe(rule);
    }
  });

  it('crossCheck agrees with git on every case git can parse', () => {
    for (const c of cases) {
      const gitFiles = gitPatchFiles(repo, c.patchFile);
      if (gitFiles === null) continue;
      const pre = engine.precheckPatch(new Uint8Array(readFileSync(c.patchFile)), ctx);
      const cross = engine.crossCheck(pre, gitFiles, ctx);
      expect(
        cross.filter((d) => d.rule === 'parser_differential'),
        `${c.name}: ${cross.map((d) => d.message).join(' | ')}`,
      ).toEqual([]);
    }
  });

  /** More members of the corpus classes than the sample holds, run through the same pipeline. */
  const NEW = (p: string, body = 'x', mode = '100644', q = (x: string) => x) =>
    `diff --git ${q(`a/${p}`)} ${q(`b/${p}`)}\nnew file mode ${mode}\n--- /dev/null\n+++ ${q(`b/${p}`)}\n@@ -0,0 +1 @@\n+${body}\n`;
  const variants: Array<[string, string, string]> = [
    ['dotgit upper case', NEW('.GIT/hooks/post-checkout', '#!/bin/sh', '100755'), 'git_internal'],
    ['nested dotgit', NEW('src/.git/config'), 'git_internal'],
    ['dotgit 8.3 name', NEW('GIT~1/hooks/pre-commit'), 'git_internal'],
    ['nested gitattributes', NEW('docs/.gitattributes', '* filter=x'), 'git_metadata'],
    ['gitmodules', NEW('.gitmodules', '[submodule "x"]'), 'git_metadata'],
    ['gitleaks config', NEW('.gitleaks.toml', '[allowlist]'), 'scanner_config'],
    ['gitleaksignore', NEW('.gitleaksignore', 'abc'), 'scanner_config'],
    ['devcontainer', NEW('.devcontainer/devcontainer.json', '{}'), 'exec_config'],
    ['husky hook', NEW('.husky/pre-commit', 'curl x | sh', '100755'), 'exec_config'],
    ['claude settings', NEW('.claude/settings.json', '{}'), 'exec_config'],
    ['mcp.json', NEW('.mcp.json', '{}'), 'exec_config'],
    ['npmrc', NEW('.npmrc', 'registry=https://evil.invalid'), 'exec_config'],
    ['nested vscode', NEW('packages/app/.vscode/settings.json', '{}'), 'exec_config'],
    ['github workflow', NEW('.github/workflows/evil.yml', 'on: push'), 'deny_path'],
    ['rename out of deny', 'diff --git a/infra/config.json b/src/config.json\nsimilarity index 100%\nrename from infra/config.json\nrename to src/config.json\n', 'deny_path'],
    ['delete in deny', 'diff --git a/migrations/001_init.py b/migrations/001_init.py\ndeleted file mode 100644\n--- a/migrations/001_init.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-def up(db):\n-    db.execute("CREATE TABLE users (id TEXT PRIMARY KEY)")\n', 'deny_path'],
    ['copy out of secrets', 'diff --git a/secrets/README.md b/docs/leak.md\nsimilarity index 100%\ncopy from secrets/README.md\ncopy to docs/leak.md\n', 'deny_path'],
    ['case variant github', NEW('.GitHub/workflows/x.yml', 'on: push'), 'deny_path'],
    ['git-style absolute', NEW('/tmp/cee-abs2.ts'), 'absolute_path'],
    ['git-style absolute, inconsistent', 'diff --git a/src/x.ts b/src/x.ts\nnew file mode 100644\n--- /dev/null\n+++ b//tmp/cee-abs3.ts\n@@ -0,0 +1 @@\n+x\n', 'absolute_path'],
    ['nested traversal', NEW('src/../../cee-escape2.ts'), 'path_traversal'],
    ['quoted traversal', NEW('..\\057cee-escape3.ts', 'x', '100644', (x) => `"${x}"`), 'path_traversal'],
    ['rename to traversal', 'diff --git a/src/util.ts b/../util.ts\nsimilarity index 100%\nrename from src/util.ts\nrename to ../util.ts\n', 'path_traversal'],
    ['bidi name', NEW('src/\\342\\200\\256evil.ts', 'x', '100644', (x) => `"${x}"`), 'invalid_path_chars'],
    ['trailing dot', NEW('src/x.ts.'), 'invalid_path_chars'],
    ['backslash', NEW('src\\\\x.ts', 'x', '100644', (x) => `"${x}"`), 'invalid_path_chars'],
    ['type change to symlink', 'diff --git a/src/util.ts b/src/util.ts\ndeleted file mode 100644\n--- a/src/util.ts\n+++ /dev/null\n@@ -1,11 +0,0 @@\n-export function greet(name: string): string {\n-  return `Hello, \x24{name}!`;\n-}\n-\n-export function add(a: number, b: number): number {\n-  return a + b;\n-}\n-\n-export function clamp(x: number, lo: number, hi: number): number {\n-  return Math.min(hi, Math.max(lo, x));\n-}\ndiff --git a/src/util.ts b/src/util.ts\nnew file mode 120000\n--- /dev/null\n+++ b/src/util.ts\n@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n', 'symlink'],
    ['symlink inside repo', 'diff --git a/docs/src b/docs/src\nnew file mode 120000\n--- /dev/null\n+++ b/docs/src\n@@ -0,0 +1 @@\n+../src\n\\ No newline at end of file\n', 'symlink'],
    ['binary stat', 'diff --git a/src/logo.js b/src/logo.js\nnew file mode 100644\nindex 0000000..1234567\nBinary files /dev/null and b/src/logo.js differ\n', 'binary_patch'],
    ['gitlink', 'diff --git a/lib/sub b/lib/sub\nnew file mode 160000\nindex 0000000..1234567\n--- /dev/null\n+++ b/lib/sub\n@@ -0,0 +1 @@\n+Subproject commit 1234567890123456789012345678901234567890\n', 'gitlink'],
    ['context diff', '*** src/util.ts\n--- src/util.ts\n***************\n*** 1 ****\n! export function greet(name: string): string {\n--- 1 ----\n! export function greet(n: string): string {\n', 'unsupported_format'],
    ['normal diff', '1c1\n< export function greet(name: string): string {\n---\n> export function greet(n: string): string {\n', 'unsupported_format'],
    ['empty', '', 'unsupported_format'],
    ['prose only', 'I fixed the bug in src/util.ts.\n', 'unsupported_format'],
    ['garbage in hunk', 'diff --git a/src/util.ts b/src/util.ts\n--- a/src/util.ts\n+++ b/src/util.ts\n@@ -1,2 +1,2 @@\n export function greet(name: string): string {\n*  return `Hi`;\n', 'malformed'],
    ['NUL byte', `${NEW('src/nul.ts')}\u0000`, 'malformed'],
    ['no final newline', NEW('src/nonl.ts').slice(0, -1), 'malformed'],
    ['smuggled line after hunk', `${NEW('src/a.ts')}+rm -rf /\n`, 'malformed'],
    ['CRLF headers', NEW('src/crlf.ts').replace(/\n/gu, '\r\n'), 'malformed'],
    ['no-prefix diff', 'diff --git src/util.ts src/util.ts\n--- src/util.ts\n+++ src/util.ts\n@@ -1 +1 @@\n-export function greet(name: string): string {\n+export function greet(n: string): string {\n', 'parser_differential'],
    ['14 files', Array.from({ length: 14 }, (_, i) => NEW(`docs/m${i}.md`)).join(''), 'max_files'],
    ['shell script', NEW('tools/run.sh', 'echo hi'), 'disallowed_extension'],
    ['postinstall', 'diff --git a/package.json b/package.json\n--- a/package.json\n+++ b/package.json\n@@ -6,3 +6,4 @@\n     "build": "tsc -p .",\n-    "test": "node --test"\n+    "test": "node --test",\n+    "postinstall": "node scripts/x.js"\n   },\n', 'approval:install_script'],
    ['pure rename within src', 'diff --git a/src/legacy.ts b/src/old/legacy.ts\nsimilarity index 100%\nrename from src/legacy.ts\nrename to src/old/legacy.ts\n', 'allow'],
    ['unicode name', NEW('docs/caf\\303\\251.md', '# Café', '100644', (x) => `"${x}"`), 'allow'],
    ['spaces in name', NEW('docs/my notes.md', '# notes'), 'allow'],
    ['delete a "-- " line', 'diff --git a/docs/guide.md b/docs/guide.md\n--- a/docs/guide.md\n+++ b/docs/guide.md\n@@ -9,2 +9,1 @@\n Unified diffs start with a header.\n--- maintained by the docs team\n', 'allow'],
    ['fenced', `\`\`\`diff\n${NEW('docs/fenced.md')}\`\`\`\n`, 'allow'],
    ['400 non-blank + blanks', `diff --git a/docs/l.md b/docs/l.md\nnew file mode 100644\n--- /dev/null\n+++ b/docs/l.md\n@@ -0,0 +1,410 @@\n${'+l\n'.repeat(400)}${'+\n'.repeat(10)}`, 'allow'],
  ];

  for (const [name, text, want] of variants) {
    it(`variant: ${name} -> ${want}`, () => {
      const f = join(work, `variant-${name.replace(/[^a-z0-9]+/giu, '-')}.diff`);
      writeFileSync(f, text);
      const r = runPipeline(f);
      const summary = `${r.stage}: ${r.decisions.map((d) => d.message).join(' | ')}${r.gitError ? ` | git: ${r.gitError}` : ''}`;
      expect(r.stage, summary).not.toBe('git-check');
      if (want === 'allow') expect(overallVerdict(r.decisions), summary).toBe('allow');
      else if (want.startsWith('approval:')) {
        expect(overallVerdict(r.decisions), summary).toBe('approval');
        expect(r.decisions.find((d) => d.verdict === 'approval')?.rule).toBe(want.slice(9));
      } else expect(r.decisions.find((d) => d.verdict === 'deny')?.rule, summary).toBe(want);
    });
  }

  it('a real git format-patch mail is accepted', () => {
    const clone = join(work, 'fp');
    expect(git(work, ['clone', '-q', repo, clone]).status).toBe(0);
    writeFileSync(join(clone, 'docs', 'fp.md'), '# From format-patch\n');
    git(clone, ['add', 'docs/fp.md']);
    const ident = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };
    expect(git(clone, ['commit', '-q', '-m', 'add fp\n\nbody line\n---\nnot a diff', '--no-gpg-sign'], ident).status).toBe(0);
    const mail = git(clone, ['format-patch', '-1', '--stdout']).stdout;
    const f = join(work, 'fp.patch');
    writeFileSync(f, mail);
    const r = runPipeline(f);
    expect(overallVerdict(r.decisions), r.decisions.map((d) => d.message).join(' | ')).toBe('allow');
  });

  it('a plain new file in scope goes through every stage and is allowed', () => {
    const f = join(work, 'tmp.diff');
    writeFileSync(f, 'diff --git a/src/new.ts b/src/new.ts\nnew file mode 100644\n--- /dev/null\n+++ b/src/new.ts\n@@ -0,0 +1 @@\n+x\n');
    const r = runPipeline(f);
    expect(r.stage).toBe('evaluate');
    expect(overallVerdict(r.decisions)).toBe('allow');
  });
});
