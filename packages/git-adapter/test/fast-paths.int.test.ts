import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGitAdapter, parseStatusV2 } from '../src/index.js';
import { commitAll, type FileSpec, git, loggingGit, makeRepo, sha256File, tempDir, writeFiles } from './helpers.js';

/**
 * The fast paths (status-driven snapshot and provisioning, restore of a few paths, atomic ref transactions,
 * one-process open) must give exactly what the plain commands give: `add -A` + `write-tree`, and
 * `reset --hard` + `clean -fd`.
 */
const g = createGitAdapter();
/** Small test repositories would take the plain `reset --hard` path: force the status-driven one. */
const gs = createGitAdapter({ smallIndexBytes: 0 });

const BASE: Record<string, FileSpec> = {
  '.gitignore': 'ignored/\n*.log\n',
  'a.txt': 'a\n',
  'exec.sh': { content: '#!/bin/sh\n', exec: true },
  'link': { link: 'a.txt' },
  'd/e/f.txt': 'f\n',
  'd/g.txt': 'g\n',
  'x/y.txt': 'y\n',
  'name with space.txt': 'space\n',
  'ü/ñ.txt': 'unicode\n',
};

/** One change to a worktree: what an agent, a test run or a build could do to it. */
type Op =
  | { op: 'modify'; path: string; text: string }
  | { op: 'delete'; path: string }
  | { op: 'add'; path: string; text: string }
  | { op: 'fileToDir'; path: string }
  | { op: 'dirToFile'; path: string }
  | { op: 'chmod'; path: string }
  | { op: 'relink'; path: string; target: string }
  | { op: 'ignored'; path: string }
  | { op: 'emptyDir'; path: string }
  | { op: 'stage' };

const tracked = ['a.txt', 'exec.sh', 'link', 'd/e/f.txt', 'd/g.txt', 'x/y.txt', 'name with space.txt', 'ü/ñ.txt'];
const newNames = ['new.txt', 'n/m/deep.txt', 'd/new.txt', 'd/e/new file.txt', 'z/ä.txt', 'x/z.txt'];
const text = fc.constantFrom('', 'one\n', 'two\r\n', 'no newline', 'é\n');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('modify' as const), path: fc.constantFrom(...tracked), text }),
  fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...tracked) }),
  fc.record({ op: fc.constant('add' as const), path: fc.constantFrom(...newNames), text }),
  fc.record({ op: fc.constant('fileToDir' as const), path: fc.constantFrom('a.txt', 'd/g.txt') }),
  fc.record({ op: fc.constant('dirToFile' as const), path: fc.constantFrom('x', 'd/e') }),
  fc.record({ op: fc.constant('chmod' as const), path: fc.constantFrom('a.txt', 'exec.sh') }),
  fc.record({ op: fc.constant('relink' as const), path: fc.constantFrom('link'), target: fc.constantFrom('d/g.txt', 'missing') }),
  fc.record({ op: fc.constant('ignored' as const), path: fc.constantFrom('ignored/cache.bin', 'build.log', 'd/out.log') }),
  fc.record({ op: fc.constant('emptyDir' as const), path: fc.constantFrom('empty', 'd/empty') }),
  fc.record({ op: fc.constant('stage' as const) }),
);

/** Make `rel`'s parent folders exist, removing files that stand where a folder must go. */
function makeParents(wt: string, rel: string): void {
  const parts = rel.split('/').slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const p = join(wt, ...parts.slice(0, i));
    if (existsSync(p) && !lstatSync(p).isDirectory()) rmSync(p);
  }
  mkdirSync(join(wt, ...parts), { recursive: true });
}

function apply(wt: string, op: Op): void {
  const abs = 'path' in op ? join(wt, op.path) : wt;
  const parent = abs.slice(0, abs.lastIndexOf('/'));
  if ('path' in op && op.op !== 'delete' && op.op !== 'chmod') makeParents(wt, op.path);
  switch (op.op) {
    case 'modify':
    case 'add':
      rmSync(abs, { recursive: true, force: true });
      mkdirSync(parent, { recursive: true });
      writeFileSync(abs, op.text);
      break;
    case 'delete':
      rmSync(abs, { recursive: true, force: true });
      break;
    case 'fileToDir':
      rmSync(abs, { recursive: true, force: true });
      mkdirSync(abs, { recursive: true });
      writeFileSync(join(abs, 'inner.txt'), 'inner\n');
      break;
    case 'dirToFile':
      rmSync(abs, { recursive: true, force: true });
      mkdirSync(parent, { recursive: true });
      writeFileSync(abs, 'now a file\n');
      break;
    case 'chmod':
      if (existsSync(abs) && lstatSync(abs).isFile()) chmodSync(abs, (lstatSync(abs).mode & 0o100) !== 0 ? 0o644 : 0o755);
      break;
    case 'relink':
      rmSync(abs, { recursive: true, force: true });
      symlinkSync(op.target, abs);
      break;
    case 'ignored':
      mkdirSync(parent, { recursive: true });
      writeFileSync(abs, 'ignored\n');
      break;
    case 'emptyDir':
      mkdirSync(abs, { recursive: true });
      break;
    case 'stage':
      // Something staged in the worktree's index that differs from both HEAD and the files.
      if (existsSync(join(wt, 'd/g.txt')) && lstatSync(join(wt, 'd/g.txt')).isFile()) {
        writeFileSync(join(wt, 'd/g.txt'), 'staged\n');
        try {
          git(wt, ['add', '--', 'd/g.txt']);
        } catch {
          // a conflicting path layout: nothing staged
        }
        writeFileSync(join(wt, 'd/g.txt'), 'after staging\n');
      }
      break;
  }
}

/** `add -A` + `write-tree` in a copy of the worktree's index: what a snapshot must give. */
function referenceTree(wt: string): string {
  const index = git(wt, ['rev-parse', '--path-format=absolute', '--git-path', 'index']).trim();
  const copy = join(tempDir('idx'), 'index');
  copyFileSync(index, copy);
  const env = { GIT_INDEX_FILE: copy };
  git(wt, ['add', '-A'], { env });
  return git(wt, ['write-tree'], { env }).trim();
}

/** Every file and link under `dir` (not .git), with its bytes/target and exec bit: the worktree as it is. */
function listing(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (p === '.git') continue;
    const abs = join(dir, p);
    if (e.isDirectory()) out.push(...listing(dir, p));
    else if (e.isSymbolicLink()) out.push(`${p} -> ${readlinkSync(abs)}`);
    else out.push(`${p} ${(lstatSync(abs).mode & 0o100) !== 0 ? 'x' : '-'} ${readFileSync(abs).toString('base64')}`);
  }
  return out.sort();
}

describe('status-driven snapshot (property)', () => {
  it('gives the tree `add -A` + `write-tree` gives, for any mix of changes', async () => {
    const repo = makeRepo(BASE);
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const t0 = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    const wt = join(tempDir('snap'), 'wt');
    await g.provisionWorktree(repo, wt, head);
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 6 }), async (ops) => {
        await g.provisionWorktree(repo, wt, head);
        for (const op of ops) apply(wt, op);
        const want = referenceTree(wt);
        const snap = await g.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: t0 });
        expect(snap.oversized).toBeUndefined();
        expect(snap.tree).toBe(want);
        // The index now holds the snapshot, and a second snapshot of the unchanged worktree agrees.
        expect(git(wt, ['write-tree']).trim()).toBe(want);
        expect((await g.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: t0 })).tree).toBe(want);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses an oversized file inside a new untracked folder: index bytes unchanged, the file never hashed', async () => {
    const repo = makeRepo(BASE);
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const wt = join(tempDir('snap'), 'wt');
    await g.provisionWorktree(repo, wt, head);
    writeFiles(wt, { 'deep/new/dir/big.bin': Buffer.alloc(3000, 1), 'deep/new/small.txt': 's\n', 'a.txt': 'changed\n' });
    const index = git(wt, ['rev-parse', '--path-format=absolute', '--git-path', 'index']).trim();
    const before = sha256File(index);
    const bigOid = git(wt, ['hash-object', 'deep/new/dir/big.bin']).trim();
    expect(await g.snapshotWorktree(wt, { maxUntrackedBytes: 2048, baseTree: head })).toEqual({ tree: '', oversized: [{ path: 'deep/new/dir/big.bin', bytes: 3000 }] });
    expect(sha256File(index)).toBe(before);
    expect(() => git(wt, ['cat-file', '-e', bigOid])).toThrow();
    expect(readdirSync(index.slice(0, index.lastIndexOf('/'))).filter((f) => f.includes('cee-snapshot'))).toEqual([]);
  });
});

describe('status-driven provisioning (property)', () => {
  it('ends exactly where `reset --hard <commit>` + `clean -fd` would: files, index, HEAD; ignored files kept', async () => {
    const repo = makeRepo(BASE);
    const c1 = git(repo, ['rev-parse', 'HEAD']).trim();
    // A second commit that moves files around (file ↔ folder included), so provisioning crosses real changes.
    writeFiles(repo, { 'a.txt': 'a2\n', 'x': 'x is a file now\n', 'n/new.txt': 'n\n' });
    rmSync(join(repo, 'x'), { recursive: true, force: true });
    writeFiles(repo, { x: 'x is a file now\n' });
    rmSync(join(repo, 'd/g.txt'));
    const c2 = commitAll(repo, 'two');
    const wt = join(tempDir('prov'), 'wt');
    const ref = join(tempDir('prov'), 'ref');
    await gs.provisionWorktree(repo, wt, c1);
    git(repo, ['worktree', 'add', '-q', '--detach', ref, c1]);
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 0, maxLength: 5 }), fc.boolean(), fc.boolean(), async (ops, from2, to2) => {
        const [from, to] = [from2 ? c2 : c1, to2 ? c2 : c1];
        for (const dir of [wt, ref]) {
          git(dir, ['reset', '-q', '--hard', from]);
          git(dir, ['clean', '-fdxq']);
          for (const op of ops) apply(dir, op);
        }
        await gs.provisionWorktree(repo, wt, to);
        git(ref, ['reset', '-q', '--hard', to]);
        git(ref, ['clean', '-fdq']);
        expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(to);
        expect(git(wt, ['write-tree']).trim()).toBe(git(repo, ['rev-parse', `${to}^{tree}`]).trim());
        expect(git(wt, ['status', '--porcelain=v1', '--untracked-files=all'])).toBe('');
        // Same files, bytes, links and exec bits as the reference, ignored files included
        // (empty folders aside: git does not record folders).
        expect(listing(wt)).toEqual(listing(ref));
      }),
      { numRuns: 40 },
    );
  });

  it('small repositories take plain `reset --hard` + `clean`, with the same end state', async () => {
    const repo = makeRepo(BASE);
    const c1 = git(repo, ['rev-parse', 'HEAD']).trim();
    writeFiles(repo, { 'a.txt': 'a2\n', 'n/new.txt': 'n\n' });
    const c2 = commitAll(repo, 'two');
    const wt = join(tempDir('small'), 'wt');
    await g.provisionWorktree(repo, wt, c1);
    for (const op of [{ op: 'modify', path: 'a.txt', text: 'x' }, { op: 'add', path: 'n/m/deep.txt', text: 'y' }, { op: 'ignored', path: 'build.log' }] as Op[]) apply(wt, op);
    await g.provisionWorktree(repo, wt, c2);
    expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(c2);
    expect(git(wt, ['status', '--porcelain=v1', '--untracked-files=all'])).toBe('');
    expect(existsSync(join(wt, 'build.log'))).toBe(true);
    const snap = await g.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: c2 });
    await g.provisionWorktree(repo, wt, c1, { knownTree: snap.tree });
    expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(c1);
    expect(git(wt, ['status', '--porcelain=v1', '--untracked-files=all'])).toBe('');
  });

  it('a large index that is split still counts as large: the status-driven path, not `reset --hard`', async () => {
    const files: Record<string, FileSpec> = {};
    for (let i = 0; i < 300; i++) files[`many/f${i}.txt`] = `${i}\n`;
    const repo = makeRepo(files);
    const c1 = git(repo, ['rev-parse', 'HEAD']).trim();
    const { binary, calls } = loggingGit();
    // Index of 300 entries ≈ 25 KB; its split part after a write is far smaller than the threshold.
    const gl = createGitAdapter({ gitBinary: binary, smallIndexBytes: 10_000 });
    const wt = join(tempDir('split'), 'wt');
    await gl.provisionWorktree(repo, wt, c1);
    // Files as old as a real checkout's (entries written in the index's own second are kept in the split part).
    const old = new Date('2020-01-01T00:00:00Z');
    for (const f of Object.keys(files)) utimesSync(join(wt, f), old, old);
    git(wt, ['-c', 'core.splitIndex=true', 'update-index', '-q', '--refresh']);
    writeFiles(wt, { 'many/f1.txt': 'changed\n' });
    await gl.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: c1 });
    const own = lstatSync(git(wt, ['rev-parse', '--path-format=absolute', '--git-path', 'index']).trim()).size;
    expect(own).toBeLessThan(10_000);
    const before = calls().length;
    await gl.provisionWorktree(repo, wt, c1);
    expect(calls().slice(before)).not.toContain('reset');
    expect(calls().slice(before)).toContain('status');
    expect(git(wt, ['status', '--porcelain=v1', '--untracked-files=all'])).toBe('');
    expect(readFileSync(join(wt, 'many/f1.txt'), 'utf8')).toBe('1\n');
  });

  it('with knownTree rewrites only what differs (and falls back when the claim is wrong)', async () => {
    const repo = makeRepo(BASE);
    const c1 = git(repo, ['rev-parse', 'HEAD']).trim();
    writeFiles(repo, { 'a.txt': 'a2\n', 'n/new.txt': 'n\n' });
    const c2 = commitAll(repo, 'two');
    const wt = join(tempDir('known'), 'wt');
    await gs.provisionWorktree(repo, wt, c1);
    writeFiles(wt, { 'scratch.txt': 'scratch\n' });
    const snap = await gs.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: c1 });
    const untouched = lstatSync(join(wt, 'd/e/f.txt')).mtimeMs;
    await gs.provisionWorktree(repo, wt, c2, { knownTree: snap.tree });
    expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(c2);
    expect(git(wt, ['status', '--porcelain=v1', '--untracked-files=all'])).toBe('');
    expect(existsSync(join(wt, 'scratch.txt'))).toBe(false);
    expect(readFileSync(join(wt, 'n/new.txt'), 'utf8')).toBe('n\n');
    expect(lstatSync(join(wt, 'd/e/f.txt')).mtimeMs).toBe(untouched);
    // A wrong claim (the files changed after the snapshot): the full reset still ends at c1 exactly.
    writeFiles(wt, { 'a.txt': 'edited after the snapshot\n' });
    await gs.provisionWorktree(repo, wt, c1, { knownTree: git(repo, ['rev-parse', `${c2}^{tree}`]).trim() });
    expect(git(wt, ['rev-parse', 'HEAD']).trim()).toBe(c1);
    expect(git(wt, ['status', '--porcelain=v1', '--untracked-files=all'])).toBe('');
    expect(readFileSync(join(wt, 'a.txt'), 'utf8')).toBe('a\n');
  });
});

describe('atomic ref transactions, tag objects, open, gc', () => {
  it('updateRefs: all or nothing; the conflict names its ref', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const blob = git(repo, ['hash-object', '-w', '--stdin'], { input: '1\n' }).trim();
    await g.updateRefs(repo, [
      { ref: 'refs/cee/a', oid: head, expectedOld: null },
      { ref: 'refs/cee/b', oid: blob, expectedOld: null },
    ]);
    expect(git(repo, ['for-each-ref', '--format=%(refname)', 'refs/cee/']).trim().split('\n')).toEqual(['refs/cee/a', 'refs/cee/b']);
    // The second update fails its check: the first does not happen either.
    await expect(
      g.updateRefs(repo, [
        { ref: 'refs/cee/c', oid: head, expectedOld: null },
        { ref: 'refs/cee/b', oid: head, expectedOld: head },
      ]),
    ).rejects.toMatchObject({ code: 'REF_CONFLICT', details: { ref: 'refs/cee/b', exists: false } });
    await expect(g.updateRefs(repo, [{ ref: 'refs/cee/a', oid: blob, expectedOld: null }])).rejects.toMatchObject({
      code: 'REF_CONFLICT',
      details: { ref: 'refs/cee/a', exists: true },
    });
    expect(git(repo, ['for-each-ref', '--format=%(refname)', 'refs/cee/']).trim().split('\n')).toEqual(['refs/cee/a', 'refs/cee/b']);
    await g.updateRefs(repo, [{ ref: 'refs/cee/b', oid: head, expectedOld: blob }, { ref: 'refs/cee/a', oid: blob }]);
    expect(git(repo, ['rev-parse', 'refs/cee/a', 'refs/cee/b']).trim().split('\n')).toEqual([blob, head]);
    await expect(g.updateRefs(repo, [{ ref: 'refs/cee/-x', oid: head }, { ref: 'nope', oid: head }])).rejects.toMatchObject({ code: 'GIT_BAD_ARGUMENT' });
  });

  it('createTagObject writes a tag object and no ref; a tree or a missing object is REV_NOT_FOUND', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const tree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    const oid = await g.createTagObject(repo, 'codex-cp-1', head, 'meta');
    expect(git(repo, ['cat-file', '-t', oid]).trim()).toBe('tag');
    expect(git(repo, ['tag', '-l']).trim()).toBe('');
    await expect(g.createTagObject(repo, 'codex-cp-2', tree, 'm')).rejects.toMatchObject({ code: 'REV_NOT_FOUND' });
    await expect(g.createTagObject(repo, 'codex-cp-2', '0'.repeat(40), 'm')).rejects.toMatchObject({ code: 'REV_NOT_FOUND' });
    await expect(g.createTagObject(repo, 'bad..name', head, 'm')).rejects.toMatchObject({ code: 'TAG_NAME_INVALID' });
    await expect(g.createTag(repo, 'a.lock', head, 'm')).rejects.toMatchObject({ code: 'TAG_NAME_INVALID' });
  });

  it('open in one git call gives what the long path gives (branch, detached, linked worktree, subfolder, unborn)', async () => {
    const repo = makeRepo({ 'sub/f.txt': '1\n' });
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const real = (p: string) => git(p, ['rev-parse', '--path-format=absolute', '--show-toplevel']).trim();
    expect(await g.open(join(repo, 'sub'))).toMatchObject({ root: real(repo), head, branch: 'main' });
    const wt = join(tempDir('open'), 'wt');
    git(repo, ['worktree', 'add', '-q', '--detach', wt, head]);
    const info = await g.open(wt);
    expect(info).toMatchObject({ root: real(wt), head, branch: null });
    expect(info.commonDir).toBe(git(repo, ['rev-parse', '--path-format=absolute', '--git-common-dir']).trim());
    git(repo, ['checkout', '-q', '-b', 'feature/x']);
    expect((await g.open(repo)).branch).toBe('feature/x');
    const empty = tempDir('unborn');
    git(empty, ['init', '-q', '-b', 'trunk']);
    expect(await g.open(empty)).toMatchObject({ head: null, branch: 'trunk' });
    await expect(g.open(tempDir('none'))).rejects.toMatchObject({ code: 'NOT_A_REPO' });
  });

  it('gcAuto asks git only past the threshold, and git packs the loose objects', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    git(repo, ['config', 'gc.autoDetach', 'false']);
    const commonDir = join(repo, '.git');
    expect(await g.gcAuto(repo, commonDir)).toBe(false);
    // 9,000 loose objects, reachable (git packs those; young unreachable ones stay loose until pruned).
    const files: Record<string, FileSpec> = {};
    for (let i = 0; i < 9000; i++) files[`many/${i % 90}/${i}.txt`] = `blob ${i}\n`;
    writeFiles(repo, files);
    git(repo, ['add', '-A']);
    const tree = git(repo, ['write-tree']).trim();
    const commit = git(repo, ['commit-tree', tree, '-p', 'HEAD', '-m', 'many']).trim();
    git(repo, ['update-ref', 'refs/heads/main', commit]);
    const loose = () => Number(/count: (\d+)/.exec(git(repo, ['count-objects', '-v']))![1]);
    expect(loose()).toBeGreaterThan(8000);
    expect(await g.gcAuto(repo, commonDir)).toBe(true);
    // gc runs in the background: wait for it (its lock file goes away when it is done).
    for (let i = 0; i < 300 && loose() >= 8000; i++) await new Promise((r) => setTimeout(r, 100));
    expect(loose()).toBeLessThan(8000);
    for (let i = 0; i < 100 && existsSync(join(commonDir, 'gc.pid')); i++) await new Promise((r) => setTimeout(r, 100));
  }, 60_000);
});

describe('parseStatusV2', () => {
  it('reads changed, untracked, gitlinks and conflicts; ignores staged-only entries', () => {
    const out = [
      '1 .M N... 100644 100644 100644 a b name with space.txt',
      '1 M. N... 100644 100644 100644 a b staged-only.txt',
      '1 .D N... 100644 100644 000000 a b gone.txt',
      '2 R. N... 100644 100644 100644 a b R100 new name.txt',
      'old name.txt',
      '2 RM N... 100644 100644 100644 a b R100 moved.txt',
      'was.txt',
      '1 .M SC.. 160000 160000 160000 a b sub',
      '? new/',
      '? top.txt',
      'u UU N... 100644 100644 100644 100644 a b c both.txt',
      '',
    ].join('\0');
    expect(parseStatusV2(out)).toEqual({
      changed: ['name with space.txt', 'gone.txt', 'moved.txt'],
      deleted: ['gone.txt'],
      gitlinks: ['sub'],
      untracked: ['new/', 'top.txt'],
      unmerged: true,
    });
  });
});
