import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGitAdapter } from '../src/index.js';
import { commitAll, git, makeRepo, sha256File, tempDir, userState, writeFiles } from './helpers.js';

const g = createGitAdapter();

function setup() {
  const repo = makeRepo({ 'a.txt': 'a\n', 'src/b.ts': 'export const b = 1;\n', '.gitignore': 'node_modules/\n*.log\n' });
  const c1 = git(repo, ['rev-parse', 'HEAD']).trim();
  writeFiles(repo, { 'a.txt': 'a2\n', 'c.txt': 'c\n' });
  const c2 = commitAll(repo, 'two');
  const wt = join(tempDir('wts'), 'nested', 'run-1');
  return { repo, c1, c2, wt, t1: git(repo, ['rev-parse', `${c1}^{tree}`]).trim(), t2: git(repo, ['rev-parse', `${c2}^{tree}`]).trim() };
}

describe('worktrees', () => {
  it('provisionWorktree adds a detached worktree (parents created), then reuses it keeping ignored files', async () => {
    const { repo, c1, c2, wt } = setup();
    const before = userState(repo);
    await g.provisionWorktree(repo, wt, c1);
    expect(readFileSync(join(wt, 'a.txt'), 'utf8')).toBe('a\n');
    expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(c1);
    expect(() => git(wt, ['symbolic-ref', '-q', 'HEAD'])).toThrow(); // detached
    expect((await g.listWorktrees(repo)).map((p) => realpathSync(p))).toEqual([realpathSync(repo), realpathSync(wt)]);

    writeFiles(wt, { 'node_modules/dep/index.js': 'dep\n', 'build.log': 'log\n', 'stray.txt': 'stray\n', 'a.txt': 'dirty\n' });
    rmSync(join(wt, 'src/b.ts'));
    await g.provisionWorktree(repo, wt, c2);
    expect(readFileSync(join(wt, 'a.txt'), 'utf8')).toBe('a2\n');
    expect(readFileSync(join(wt, 'src/b.ts'), 'utf8')).toBe('export const b = 1;\n');
    expect(existsSync(join(wt, 'c.txt'))).toBe(true);
    expect(existsSync(join(wt, 'stray.txt'))).toBe(false);
    expect(existsSync(join(wt, 'node_modules/dep/index.js'))).toBe(true);
    expect(existsSync(join(wt, 'build.log'))).toBe(true);
    expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(c2);
    expect(await g.isDirty(wt)).toBe(false);
    expect(userState(repo)).toEqual(before);

    // A worktree whose folder was deleted is pruned and re-added.
    rmSync(wt, { recursive: true, force: true });
    await g.provisionWorktree(repo, wt, c1);
    expect(readFileSync(join(wt, 'a.txt'), 'utf8')).toBe('a\n');

    await g.removeWorktree(repo, wt);
    expect(existsSync(wt)).toBe(false);
    expect(await g.listWorktrees(repo)).toHaveLength(1);
    await g.removeWorktree(repo, wt); // idempotent
  });

  it('refuses the main working tree and a foreign folder', async () => {
    const { repo, c1, wt } = setup();
    await expect(g.provisionWorktree(repo, repo, c1)).rejects.toMatchObject({ code: 'WORKTREE_IS_MAIN' });
    await expect(g.resetWorktree(repo, c1)).rejects.toMatchObject({ code: 'WORKTREE_IS_MAIN' });
    await expect(g.snapshotWorktree(repo, { maxUntrackedBytes: 1e6, baseTree: c1 })).rejects.toMatchObject({ code: 'WORKTREE_IS_MAIN' });
    await expect(g.checkoutTree(repo, c1, c1)).rejects.toMatchObject({ code: 'WORKTREE_IS_MAIN' });
    await expect(g.removeWorktree(repo, repo)).rejects.toMatchObject({ code: 'WORKTREE_IS_MAIN' });
    writeFiles(wt, { 'x.txt': 'mine\n' });
    await expect(g.provisionWorktree(repo, wt, c1)).rejects.toMatchObject({ code: 'WORKTREE_PATH_EXISTS' });
    await g.removeWorktree(repo, wt); // not registered: nothing deleted
    expect(readFileSync(join(wt, 'x.txt'), 'utf8')).toBe('mine\n');
    await expect(g.provisionWorktree(repo, join(wt, '..', 'other'), 'nope')).rejects.toMatchObject({ exit: 2 });
  });

  it('checkoutTree rewrites only differing files and fails without changes on a dirty file', async () => {
    const { repo, c1, t1, t2, wt } = setup();
    await g.provisionWorktree(repo, wt, c1);
    const untouched = join(wt, 'src/b.ts');
    const ino = statSync(untouched).ino;
    const mtime = statSync(untouched).mtimeMs;
    await g.checkoutTree(wt, t1, t2);
    expect(readFileSync(join(wt, 'a.txt'), 'utf8')).toBe('a2\n');
    expect(readFileSync(join(wt, 'c.txt'), 'utf8')).toBe('c\n');
    expect(statSync(untouched).ino).toBe(ino);
    expect(statSync(untouched).mtimeMs).toBe(mtime);
    expect(git(wt, ['write-tree']).trim()).toBe(t2);

    writeFileSync(join(wt, 'a.txt'), 'edited\n');
    // The run worktree keeps a split index: the stat refresh before the retry may rewrite its bookkeeping,
    // never its entries (mode, object, stage, path).
    const entries = git(wt, ['ls-files', '--stage', '-z']);
    await expect(g.checkoutTree(wt, t2, t1)).rejects.toMatchObject({ code: 'WORKTREE_DIRTY' });
    expect(readFileSync(join(wt, 'a.txt'), 'utf8')).toBe('edited\n');
    expect(existsSync(join(wt, 'c.txt'))).toBe(true);
    expect(git(wt, ['ls-files', '--stage', '-z'])).toBe(entries);

    // An untracked file where the target tree has one is not overwritten either.
    writeFileSync(join(wt, 'a.txt'), 'a2\n');
    await g.checkoutTree(wt, t2, t1);
    writeFileSync(join(wt, 'c.txt'), 'mine, untracked\n');
    await expect(g.checkoutTree(wt, t1, t2)).rejects.toMatchObject({ code: 'WORKTREE_DIRTY' });
    expect(readFileSync(join(wt, 'c.txt'), 'utf8')).toBe('mine, untracked\n');
    rmSync(join(wt, 'c.txt'));
    await g.checkoutTree(wt, t1, t2);

    // Stale stat data alone (same content, new mtime) is not "dirty".
    writeFileSync(join(wt, 'a.txt'), 'a2\n');
    await g.checkoutTree(wt, t2, t1);
    expect(readFileSync(join(wt, 'a.txt'), 'utf8')).toBe('a\n');
    expect(existsSync(join(wt, 'c.txt'))).toBe(false);
  });

  it('resetWorktree: index and files become the tree, untracked removed, ignored kept, HEAD unchanged', async () => {
    const { repo, c2, t1, wt } = setup();
    await g.provisionWorktree(repo, wt, c2);
    writeFiles(wt, { 'a.txt': 'dirty\n', 'new.txt': 'n\n', 'dir/deep/x.txt': 'x\n', 'keep.log': 'ignored\n', 'c.txt': { link: 'a.txt' } });
    git(wt, ['add', 'new.txt']);
    await g.resetWorktree(wt, t1);
    expect(git(wt, ['write-tree']).trim()).toBe(t1);
    expect(readFileSync(join(wt, 'a.txt'), 'utf8')).toBe('a\n');
    for (const p of ['new.txt', 'dir', 'c.txt']) expect(existsSync(join(wt, p)), p).toBe(false);
    expect(existsSync(join(wt, 'keep.log'))).toBe(true);
    expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(c2);
    expect(git(wt, ['diff-index', '--name-only', t1]).trim()).toBe('');
  });

  it('isDirty and changedPaths', async () => {
    const { repo, c2, t2, wt } = setup();
    await g.provisionWorktree(repo, wt, c2);
    expect(await g.isDirty(wt)).toBe(false);
    expect(await g.changedPaths(wt, t2)).toEqual([]);
    writeFiles(wt, { 'z new.txt': 'z\n', 'ü/ñ.txt': 'u\n', 'x.log': 'ignored\n' });
    writeFileSync(join(wt, 'a.txt'), 'changed\n');
    rmSync(join(wt, 'c.txt'));
    expect(await g.isDirty(wt)).toBe(true);
    expect(await g.changedPaths(wt, t2)).toEqual(['a.txt', 'c.txt', 'z new.txt', 'ü/ñ.txt']);
    // Touched but identical content is not a change.
    await g.resetWorktree(wt, t2);
    writeFileSync(join(wt, 'a.txt'), 'a2\n');
    expect(await g.changedPaths(wt, t2)).toEqual([]);
    expect(await g.isDirty(wt)).toBe(false);
    // Only ignored files: clean.
    writeFiles(wt, { 'more.log': 'x\n' });
    expect(await g.isDirty(wt)).toBe(false);
  });

  it('snapshotWorktree records the worktree in its own index; refuses oversized untracked files before adding them', async () => {
    const { repo, c2, t2, wt } = setup();
    await g.provisionWorktree(repo, wt, c2);
    expect(await g.snapshotWorktree(wt, { maxUntrackedBytes: 100, baseTree: t2 })).toEqual({ tree: t2 });
    writeFiles(wt, { 'small.txt': 'small\n', 'big.bin': Buffer.alloc(5000, 7), 'ignored.log': Buffer.alloc(9000) });
    writeFileSync(join(wt, 'a.txt'), 'modified\n');
    const indexPath = git(wt, ['rev-parse', '--path-format=absolute', '--git-path', 'index']).trim();
    const idx = sha256File(indexPath);
    const bigOid = git(wt, ['hash-object', 'big.bin']).trim();
    const refused = await g.snapshotWorktree(wt, { maxUntrackedBytes: 4096, baseTree: t2 });
    expect(refused).toEqual({ tree: '', oversized: [{ path: 'big.bin', bytes: 5000 }] });
    expect(sha256File(indexPath)).toBe(idx);
    expect(() => git(wt, ['cat-file', '-e', bigOid])).toThrow(); // never hashed into the object store

    rmSync(join(wt, 'big.bin'));
    const ok = await g.snapshotWorktree(wt, { maxUntrackedBytes: 4096, baseTree: t2 });
    expect(ok.oversized).toBeUndefined();
    expect(git(wt, ['write-tree']).trim()).toBe(ok.tree);
    // The run worktree's index is split (small writes); the user's never is.
    expect(git(wt, ['rev-parse', '--shared-index-path']).trim()).not.toBe('');
    expect(git(repo, ['rev-parse', '--shared-index-path']).trim()).toBe('');
    git(wt, ['fsck', '--no-dangling']);
    expect(git(repo, ['ls-tree', '-r', '--name-only', ok.tree]).split('\n').filter(Boolean).sort()).toEqual([
      '.gitignore',
      'a.txt',
      'c.txt',
      'small.txt',
      'src/b.ts',
    ]);
    expect(git(repo, ['cat-file', 'blob', `${ok.tree}:a.txt`])).toBe('modified\n');
  });
});

describe('exactness round trip', () => {
  it('snapshot → reset to another tree → reset back gives the same tree hash (modes, symlinks, odd names)', async () => {
    const repo = makeRepo({
      'plain.txt': 'plain\n',
      'exec.sh': { content: '#!/bin/sh\n', exec: true },
      'link-to-plain': { link: 'plain.txt' },
      'dangling': { link: 'does/not/exist' },
      'to-delete.txt': 'bye\n',
      'to-rename.txt': 'rename me\n'.repeat(5),
      'crlf.txt': 'a\r\nb\r\n',
    });
    const c = git(repo, ['rev-parse', 'HEAD']).trim();
    const t0 = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    const wt = join(tempDir('rt'), 'wt');
    await g.provisionWorktree(repo, wt, c);
    rmSync(join(wt, 'to-delete.txt'));
    rmSync(join(wt, 'to-rename.txt'));
    writeFiles(wt, {
      'renamed/here.txt': 'rename me\n'.repeat(5),
      'empty.txt': '',
      'with space/and more.txt': 'space\n',
      'ünïcödé/日本語.md': 'unicode\n',
      'new\nline.txt': 'newline in name\n',
      'tab\tname.txt': 'tab\n',
      'new-exec': { content: 'x\n', exec: true },
      'plain.txt': 'plain changed\n',
      'exec.sh': '#!/bin/sh\n', // exec bit dropped
      'new-link': { link: '../outside' },
      'bin.dat': Buffer.from([0, 255, 13, 10, 0]),
    });
    const snap = await g.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: t0 });
    expect(snap.oversized).toBeUndefined();
    const t1 = snap.tree;
    const entries = git(repo, ['ls-tree', '-r', '-z', t1]).split('\0').filter(Boolean);
    const modeOf = (p: string) => entries.find((e) => e.endsWith(`\t${p}`))?.split(' ')[0];
    expect(modeOf('exec.sh')).toBe('100644');
    expect(modeOf('new-exec')).toBe('100755');
    expect(modeOf('new-link')).toBe('120000');
    expect(modeOf('dangling')).toBe('120000');
    expect(modeOf('new\nline.txt')).toBe('100644');
    expect(modeOf('to-delete.txt')).toBeUndefined();

    await g.resetWorktree(wt, t0);
    expect(git(wt, ['write-tree']).trim()).toBe(t0);
    expect(existsSync(join(wt, 'new\nline.txt'))).toBe(false);
    expect(existsSync(join(wt, 'to-delete.txt'))).toBe(true);

    await g.resetWorktree(wt, t1);
    expect(git(wt, ['write-tree']).trim()).toBe(t1);
    expect((await g.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: t0 })).tree).toBe(t1);
    expect(readlinkSync(join(wt, 'new-link'))).toBe('../outside');
    expect(lstatSync(join(wt, 'new-exec')).mode & 0o111).not.toBe(0);
    expect(lstatSync(join(wt, 'exec.sh')).mode & 0o111).toBe(0);
    expect(readFileSync(join(wt, 'crlf.txt')).toString('latin1')).toBe('a\r\nb\r\n');
    expect(readFileSync(join(wt, 'bin.dat'))).toEqual(Buffer.from([0, 255, 13, 10, 0]));

    // And with checkoutTree (two-tree merge) both ways.
    await g.checkoutTree(wt, t1, t0);
    expect(git(wt, ['write-tree']).trim()).toBe(t0);
    expect((await g.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: t0 })).tree).toBe(t0);
    await g.checkoutTree(wt, t0, t1);
    expect((await g.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: t0 })).tree).toBe(t1);
    const cs = await g.diffTrees(repo, t0, t1);
    expect(cs.files.find((f) => f.path === 'renamed/here.txt')).toMatchObject({ status: 'R', oldPath: 'to-rename.txt', similarity: 100 });
  });
});
