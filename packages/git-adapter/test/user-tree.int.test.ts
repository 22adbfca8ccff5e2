import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGitAdapter } from '../src/index.js';
import { commitAll, git, makeRepo, sha256File, tempDir, treeNames, userState, writeFiles } from './helpers.js';

const g = createGitAdapter();

/** A user repository in a realistic mid-work state: staged, unstaged, untracked, ignored files and a stash. */
function busyRepo() {
  const repo = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n', '.gitignore': '*.log\n', 'run.sh': { content: 'x\n', exec: true } });
  writeFiles(repo, { 'a.txt': 'stashed\n' });
  git(repo, ['stash', '-q']);
  writeFiles(repo, { 'staged.txt': 'staged\n', 'b.txt': 'unstaged\n', 'untracked dir/ü.txt': 'u\n', 'debug.log': 'ignored\n' });
  git(repo, ['add', 'staged.txt']);
  rmSync(join(repo, 'run.sh'));
  return repo;
}

describe('snapshotUserTree', () => {
  it('records the whole working tree through a temporary index; the user’s index, HEAD, stash and files stay byte-identical', async () => {
    const repo = busyRepo();
    const before = userState(repo);
    const { tree, oversized } = await g.snapshotUserTree(repo, { maxUntrackedBytes: 1 << 20 });
    expect(oversized).toBeUndefined();
    expect(userState(repo)).toEqual(before);
    const names = treeNames(repo, tree);
    expect(names).toEqual(['.gitignore', 'a.txt', 'b.txt', 'staged.txt', 'untracked dir/ü.txt']);
    expect(git(repo, ['cat-file', 'blob', `${tree}:b.txt`])).toBe('unstaged\n');
    expect(git(repo, ['cat-file', 'blob', `${tree}:a.txt`])).toBe('a\n');
  });

  it('refuses oversized untracked files and leaves everything as it was', async () => {
    const repo = busyRepo();
    writeFiles(repo, { 'huge.bin': Buffer.alloc(3000, 1) });
    const before = userState(repo);
    expect(await g.snapshotUserTree(repo, { maxUntrackedBytes: 2048 })).toEqual({ tree: '', oversized: [{ path: 'huge.bin', bytes: 3000 }] });
    expect(userState(repo)).toEqual(before);
  });

  it('works in a repository with no commits and no index, and in an empty one', async () => {
    const repo = makeRepo();
    expect(existsSync(join(repo, '.git', 'index'))).toBe(false);
    expect((await g.snapshotUserTree(repo, { maxUntrackedBytes: 100 })).tree).toBe(await g.emptyTree(repo));
    writeFiles(repo, { 'first.txt': 'first\n' });
    const { tree } = await g.snapshotUserTree(repo, { maxUntrackedBytes: 100 });
    expect(git(repo, ['ls-tree', '--name-only', tree]).trim()).toBe('first.txt');
    expect(existsSync(join(repo, '.git', 'index'))).toBe(false);
    expect(git(repo, ['status', '--porcelain'])).toBe('?? first.txt\n');
  });
});

describe('restoreUserTree', () => {
  it('replaces the user’s index and files with the tree, keeps HEAD and ignored files', async () => {
    const repo = busyRepo();
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const snap = await g.snapshotUserTree(repo, { maxUntrackedBytes: 1 << 20 });
    const headTree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    await g.restoreUserTree(repo, headTree);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
    expect(existsSync(join(repo, 'debug.log'))).toBe(true);
    await g.restoreUserTree(repo, snap.tree);
    expect(git(repo, ['write-tree']).trim()).toBe(snap.tree);
    expect(readFileSync(join(repo, 'untracked dir/ü.txt'), 'utf8')).toBe('u\n');
    expect(git(repo, ['rev-parse', 'HEAD']).trim()).toBe(head);
  });
});

describe('mergeIntoCurrent', () => {
  function withRunCommit() {
    const repo = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const base = git(repo, ['rev-parse', 'HEAD']).trim();
    const tree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    git(repo, ['read-tree', tree]);
    const runTree = (() => {
      const idx = join(tempDir('idx'), 'index');
      const env = { GIT_INDEX_FILE: idx };
      git(repo, ['read-tree', tree], { env });
      const blob = git(repo, ['hash-object', '-w', '--stdin'], { input: 'from run\n' }).trim();
      git(repo, ['update-index', '--add', '--cacheinfo', `100644,${blob},run.txt`], { env });
      return git(repo, ['write-tree'], { env }).trim();
    })();
    const run = git(repo, ['commit-tree', runTree, '-p', base, '-m', 'run step']).trim();
    return { repo, base, run };
  }

  it('fast-forwards the current branch and updates the working tree', async () => {
    const { repo, run } = withRunCommit();
    writeFiles(repo, { 'local.txt': 'untracked stays\n' });
    expect(await g.mergeIntoCurrent(repo, run, 'ff', 'unused')).toEqual({ commit: run });
    expect(git(repo, ['rev-parse', 'refs/heads/main']).trim()).toBe(run);
    expect(readFileSync(join(repo, 'run.txt'), 'utf8')).toBe('from run\n');
    expect(existsSync(join(repo, 'local.txt'))).toBe(true);
  });

  it('merges with a merge commit and the given message (CEE identity)', async () => {
    const { repo, run } = withRunCommit();
    writeFiles(repo, { 'b.txt': 'b2\n' });
    const userCommit = commitAll(repo, 'user work');
    const { commit } = await g.mergeIntoCurrent(repo, run, 'merge', 'Merge CEE run 1\n\nverified');
    expect(git(repo, ['log', '-1', '--format=%P', commit]).trim()).toBe(`${userCommit} ${run}`);
    expect(git(repo, ['log', '-1', '--format=%B', commit])).toBe('Merge CEE run 1\n\nverified\n');
    const raw = git(repo, ['cat-file', 'commit', commit]);
    expect(raw.slice(raw.indexOf('\n\n') + 2)).toBe('Merge CEE run 1\n\nverified');
    expect(git(repo, ['log', '-1', '--format=%cn', commit]).trim()).toBe('Codex Engine');
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  });

  it('aborts a conflict (MERGE_CONFLICT) and refuses non-ff and local changes, leaving the tree as it was', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    const base = git(repo, ['rev-parse', 'HEAD']).trim();
    writeFiles(repo, { 'a.txt': 'run\n' });
    const run = commitAll(repo, 'run');
    git(repo, ['reset', '-q', '--hard', base]);
    writeFiles(repo, { 'a.txt': 'user\n' });
    commitAll(repo, 'user');
    writeFiles(repo, { 'note.txt': 'untracked\n' });
    const before = userState(repo);
    await expect(g.mergeIntoCurrent(repo, run, 'merge', 'm')).rejects.toMatchObject({ code: 'MERGE_CONFLICT', exit: 2 });
    expect(userState(repo)).toEqual(before);
    expect(existsSync(join(repo, '.git', 'MERGE_HEAD'))).toBe(false);
    await expect(g.mergeIntoCurrent(repo, run, 'ff', 'm')).rejects.toMatchObject({ code: 'MERGE_NOT_FAST_FORWARD' });
    expect(userState(repo)).toEqual(before);

    const r2 = makeRepo({ 'a.txt': 'a\n' });
    const b2 = git(r2, ['rev-parse', 'HEAD']).trim();
    writeFiles(r2, { 'a.txt': 'run\n' });
    const run2 = commitAll(r2, 'run');
    git(r2, ['reset', '-q', '--hard', b2]);
    writeFileSync(join(r2, 'a.txt'), 'local edit\n');
    const before2 = userState(r2);
    await expect(g.mergeIntoCurrent(r2, run2, 'ff', 'm')).rejects.toMatchObject({ code: 'MERGE_BLOCKED' });
    expect(userState(r2)).toEqual(before2);
  });
});

describe('the user’s repository is untouched by everything but merge and restoreUserTree', () => {
  it('index bytes, HEAD, branch, stash and status stay identical', async () => {
    const repo = busyRepo();
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const headTree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    const before = userState(repo);
    const indexBefore = sha256File(join(repo, '.git', 'index'));

    const info = await g.open(repo);
    expect(info.branch).toBe('main');
    await g.resolveCommit(repo, 'HEAD');
    await g.treeOf(repo, 'HEAD');
    const snap = await g.snapshotUserTree(repo, { maxUntrackedBytes: 1 << 20 });
    expect(await g.isDirty(repo)).toBe(true);
    expect(await g.changedPaths(repo, headTree)).toEqual(['b.txt', 'run.sh', 'staged.txt', 'untracked dir/ü.txt']);
    const applied = await g.applyPatchToTree(repo, headTree, Buffer.from('diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+A\n'));
    await g.patchFiles(repo, Buffer.from('diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+A\n'));
    await g.diffTrees(repo, headTree, applied.tree, { withLines: true });
    const commit = await g.commitTree(repo, { tree: applied.tree, parents: [head], message: 'cp' });
    await g.createTag(repo, 'codex-cp-1', commit, '{}');
    await g.readTag(repo, 'codex-cp-1');
    await g.listTags(repo, 'refs/tags/codex-cp-*');
    await g.updateRef(repo, 'refs/cee/run', commit, null);
    await g.listRefs(repo, 'refs/cee/');
    const blob = await g.writeBlob(repo, 'meta');
    await g.readBlob(repo, blob);
    await g.readFileAt(repo, commit, 'a.txt');
    const wt = join(tempDir('wt'), 'run');
    await g.provisionWorktree(repo, wt, commit);
    await g.checkoutTree(wt, applied.tree, snap.tree);
    await g.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: applied.tree });
    await g.resetWorktree(wt, headTree);
    await g.isDirty(wt);
    await g.changedPaths(wt, headTree);
    await g.listWorktrees(repo);
    await g.provisionWorktree(repo, wt, head);
    await g.removeWorktree(repo, wt);
    await g.deleteRef(repo, 'refs/cee/run');

    expect(sha256File(join(repo, '.git', 'index'))).toBe(indexBefore);
    expect(userState(repo)).toEqual(before);
  });
});
