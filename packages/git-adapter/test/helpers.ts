import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Test fixtures: throw-away repositories under the system temp folder, built with the git CLI directly
 * (the adapter under test is never used to build its own fixtures). The machine's global and system git
 * config are hidden so the tests behave the same everywhere, including without any git identity.
 */
const BASE = mkdtempSync(join(tmpdir(), 'cee-gita-test-'));
const EMPTY_CONFIG = join(BASE, 'empty.gitconfig');
writeFileSync(EMPTY_CONFIG, '');
process.env.GIT_CONFIG_GLOBAL = EMPTY_CONFIG;
process.env.GIT_CONFIG_NOSYSTEM = '1';
for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL']) {
  delete process.env[k];
}

afterAll(() => {
  rmSync(BASE, { recursive: true, force: true });
});

export const CORPUS = '/work/shared/corpus/patches';

const FIXTURE_ENV = {
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
};

/** Run git for a fixture (identity and dates fixed), return stdout as text. */
export function git(cwd: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string> } = {}): string {
  return gitBuf(cwd, args, opts).toString('utf8');
}

export function gitBuf(cwd: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string> } = {}): Buffer {
  return execFileSync('git', args, {
    cwd,
    input: opts.input,
    env: { ...process.env, ...FIXTURE_ENV, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** A fresh folder under the suite's temp folder. */
export function tempDir(prefix = 'd'): string {
  return mkdtempSync(join(BASE, `${prefix}-`));
}

export type FileSpec = string | Buffer | { link: string } | { content: string | Buffer; exec: true };

/** Write files (relative paths; parents created). `{ link }` makes a symlink, `{ exec }` an executable file. */
export function writeFiles(root: string, files: Record<string, FileSpec>): void {
  for (const [rel, spec] of Object.entries(files)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    rmSync(abs, { force: true, recursive: true });
    if (typeof spec === 'string' || Buffer.isBuffer(spec)) writeFileSync(abs, spec);
    else if ('link' in spec) symlinkSync(spec.link, abs);
    else {
      writeFileSync(abs, spec.content);
      chmodSync(abs, 0o755);
    }
  }
}

/** `git init -b main` in a new folder, optionally with a first commit of `files`. */
export function makeRepo(files?: Record<string, FileSpec>, opts: { objectFormat?: 'sha1' | 'sha256' } = {}): string {
  const dir = tempDir('repo');
  git(dir, ['init', '-q', '-b', 'main', ...(opts.objectFormat ? [`--object-format=${opts.objectFormat}`] : []), '.']);
  git(dir, ['config', 'core.autocrlf', 'false']);
  if (files) {
    writeFiles(dir, files);
    commitAll(dir, 'initial');
  }
  return dir;
}

export function commitAll(repo: string, message: string): string {
  git(repo, ['add', '-A']);
  git(repo, ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '-m', message]);
  return git(repo, ['rev-parse', 'HEAD']).trim();
}

/** The corpus base repository (make-base-repo.sh). */
export function makeBaseRepo(): string {
  const dir = join(tempDir('base'), 'repo');
  execFileSync('bash', [join(CORPUS, 'make-base-repo.sh'), dir], { stdio: 'pipe', env: process.env });
  return dir;
}

export function sha256File(path: string): string {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : '(none)';
}

/**
 * Everything of the user's repository that CEE must not touch: index bytes, HEAD, the current branch ref,
 * the stash, and the working tree as `status` sees it.
 */
export function userState(repo: string): Record<string, string> {
  const gitDir = join(repo, '.git');
  const opt = (args: string[]) => {
    try {
      return git(repo, args).trim();
    } catch {
      return '(none)';
    }
  };
  return {
    index: sha256File(join(gitDir, 'index')),
    head: readFileSync(join(gitDir, 'HEAD'), 'utf8'),
    headCommit: opt(['rev-parse', '--verify', '-q', 'HEAD']),
    stash: opt(['rev-parse', '--verify', '-q', 'refs/stash']),
    status: gitBuf(repo, ['-c', 'core.quotePath=false', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored'], {
      env: { GIT_OPTIONAL_LOCKS: '0' },
    }).toString('utf8'),
  };
}

/** Install hooks (in .git/hooks and in a configured core.hooksPath) that leave a marker file when run. */
export function installMarkerHooks(repo: string): string {
  const marker = join(tempDir('marker'), 'hook-ran');
  const names = [
    'pre-commit',
    'commit-msg',
    'post-commit',
    'post-checkout',
    'post-merge',
    'pre-merge-commit',
    'pre-push',
    'reference-transaction',
    'post-index-change',
    'post-rewrite',
    'pre-auto-gc',
    'prepare-commit-msg',
    'push-to-checkout',
    'pre-receive',
    'update',
    'post-receive',
    'post-update',
  ];
  const gitDir = git(repo, ['rev-parse', '--git-common-dir']).trim();
  const configured = tempDir('hooks');
  const hookDirs = [resolve(repo, gitDir, 'hooks'), configured];
  for (const dir of hookDirs) {
    mkdirSync(dir, { recursive: true });
    for (const n of names) {
      const p = join(dir, n);
      writeFileSync(p, `#!/bin/sh\necho "${n} $*" >> '${marker}'\nexit 0\n`);
      chmodSync(p, 0o755);
    }
  }
  git(repo, ['config', 'core.hooksPath', configured]);
  return marker;
}

export function lsTree(repo: string, tree: string): string {
  return gitBuf(repo, ['ls-tree', '-r', '-z', '--full-tree', tree]).toString('utf8');
}

/** Every path in a tree, unquoted, sorted. */
export function treeNames(repo: string, tree: string): string[] {
  return gitBuf(repo, ['ls-tree', '-r', '-z', '--name-only', tree]).toString('utf8').split('\0').filter(Boolean).sort();
}

/**
 * A `git` that logs each subcommand it runs (one line each) before running the real git: pass `binary` as the
 * adapter's `gitBinary` to tell which path a call took.
 */
export function loggingGit(): { binary: string; calls: () => string[] } {
  const dir = tempDir('gitlog');
  const log = join(dir, 'calls.log');
  const binary = join(dir, 'git');
  writeFileSync(log, '');
  // The first argument git gets that is not a `-c k=v` pair is the subcommand.
  writeFileSync(binary, `#!/bin/sh\nfor a in "$@"; do case "$a" in -c) skip=1;; *) if [ -n "$skip" ]; then skip=; else echo "$a" >> "${log}"; break; fi;; esac; done\nexec git "$@"\n`);
  chmodSync(binary, 0o755);
  return { binary, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}
