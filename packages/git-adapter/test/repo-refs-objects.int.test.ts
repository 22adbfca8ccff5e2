import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CEE_IDENTITY, createGitAdapter } from '../src/index.js';
import { commitAll, git, gitBuf, loggingGit, makeRepo, tempDir, writeFiles } from './helpers.js';

const g = createGitAdapter();

describe('open', () => {
  it('describes a repository from its root and from a subfolder', async () => {
    const repo = makeRepo({ 'a/b.txt': 'x\n' });
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const info = await g.open(join(repo, 'a'));
    const real = realpathSync(repo);
    expect(info).toEqual({ root: real, gitDir: join(real, '.git'), commonDir: join(real, '.git'), head, branch: 'main' });
  });

  it('works in a repository without commits, detached, and inside a linked worktree', async () => {
    const empty = makeRepo();
    const e = await g.open(empty);
    expect(e.head).toBeNull();
    expect(e.branch).toBe('main');

    const repo = makeRepo({ 'f.txt': '1\n' });
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    git(repo, ['checkout', '-q', '--detach']);
    expect((await g.open(repo)).branch).toBeNull();

    const wt = join(tempDir('wt'), 'linked');
    git(repo, ['worktree', 'add', '-q', '--detach', wt, 'HEAD']);
    const w = await g.open(wt);
    expect(w.root).toBe(realpathSync(wt));
    expect(w.commonDir).toBe(join(realpathSync(repo), '.git'));
    expect(w.gitDir).not.toBe(w.commonDir);
    expect(w.head).toBe(head);
  });

  it('throws NOT_A_REPO outside a repository and for a missing folder', async () => {
    const plain = tempDir('plain');
    const fake = join(plain, 'x');
    mkdirSync(fake);
    // GIT_CEILING_DIRECTORIES keeps git from finding a repository above the temp folder.
    process.env.GIT_CEILING_DIRECTORIES = plain;
    try {
      await expect(g.open(fake)).rejects.toMatchObject({ code: 'NOT_A_REPO', message: `${fake} is not inside a git repository` });
      await expect(g.open(join(plain, 'missing'))).rejects.toMatchObject({ code: 'NOT_A_REPO' });
    } finally {
      delete process.env.GIT_CEILING_DIRECTORIES;
    }
  });

  it('a bare repository has no working tree: NOT_A_REPO', async () => {
    const bare = join(tempDir('bare'), 'b.git');
    git(tempDir('x'), ['init', '-q', '--bare', bare]);
    await expect(g.open(bare)).rejects.toMatchObject({ code: 'NOT_A_REPO' });
  });

  it('ignores an inherited GIT_DIR / GIT_WORK_TREE / GIT_INDEX_FILE', async () => {
    const a = makeRepo({ 'a.txt': 'a\n' });
    const b = makeRepo({ 'b.txt': 'b\n' });
    process.env.GIT_DIR = join(b, '.git');
    process.env.GIT_WORK_TREE = b;
    process.env.GIT_INDEX_FILE = join(b, '.git', 'index');
    try {
      expect((await g.open(a)).root).toBe(realpathSync(a));
      expect(await g.readFileAt(a, 'HEAD', 'a.txt')).toEqual(Buffer.from('a\n'));
    } finally {
      delete process.env.GIT_DIR;
      delete process.env.GIT_WORK_TREE;
      delete process.env.GIT_INDEX_FILE;
    }
  });
});

describe('revisions and trees', () => {
  it('resolveCommit, treeOf, emptyTree', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const tree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    expect(await g.resolveCommit(repo, 'HEAD')).toBe(head);
    expect(await g.resolveCommit(repo, 'main')).toBe(head);
    expect(await g.resolveCommit(repo, 'nope')).toBeNull();
    expect(await g.resolveCommit(repo, tree)).toBeNull();
    expect(await g.resolveCommit(repo, '--all')).toBeNull();
    expect(await g.treeOf(repo, head)).toBe(tree);
    expect(await g.treeOf(repo, tree)).toBe(tree);
    await expect(g.treeOf(repo, 'nope')).rejects.toMatchObject({ code: 'REV_NOT_FOUND' });
    expect(await g.emptyTree(repo)).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
  });

  it('emptyTree follows the object format (sha256)', async () => {
    const repo = makeRepo(undefined, { objectFormat: 'sha256' });
    expect(await g.emptyTree(repo)).toBe('6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321');
  });
});

describe('refs', () => {
  it('updateRef creates atomically, checks the old value, deletes; readRef and listRefs are exact', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    const c1 = git(repo, ['rev-parse', 'HEAD']).trim();
    writeFiles(repo, { 'f.txt': '2\n' });
    const c2 = commitAll(repo, 'second');

    expect(await g.readRef(repo, 'refs/cee/runs/r1')).toBeNull();
    await g.updateRef(repo, 'refs/cee/runs/r1', c1, null);
    expect(await g.readRef(repo, 'refs/cee/runs/r1')).toBe(c1);
    await expect(g.updateRef(repo, 'refs/cee/runs/r1', c2, null)).rejects.toMatchObject({ code: 'REF_CONFLICT' });
    await expect(g.updateRef(repo, 'refs/cee/runs/r1', c2, c2)).rejects.toMatchObject({ code: 'REF_CONFLICT' });
    expect(await g.readRef(repo, 'refs/cee/runs/r1')).toBe(c1);
    await g.updateRef(repo, 'refs/cee/runs/r1', c2, c1);
    expect(await g.readRef(repo, 'refs/cee/runs/r1')).toBe(c2);
    await g.updateRef(repo, 'refs/cee/runs/r1', c1);
    expect(await g.readRef(repo, 'refs/cee/runs/r1')).toBe(c1);
    await expect(g.updateRef(repo, 'refs/cee/missing', c1, c2)).rejects.toMatchObject({ code: 'REF_CONFLICT' });

    await g.updateRef(repo, 'refs/cee/runs/r2', c2);
    await g.updateRef(repo, 'refs/cee/other', c2);
    await g.updateRef(repo, 'refs/ceex/no', c2);
    expect(await g.listRefs(repo, 'refs/cee/runs/')).toEqual([
      { ref: 'refs/cee/runs/r1', oid: c1 },
      { ref: 'refs/cee/runs/r2', oid: c2 },
    ]);
    expect((await g.listRefs(repo, 'refs/cee/')).map((r) => r.ref)).toEqual(['refs/cee/other', 'refs/cee/runs/r1', 'refs/cee/runs/r2']);
    expect((await g.listRefs(repo, 'refs/cee/runs/r')).length).toBe(2);
    expect(await g.listRefs(repo, 'refs/nothing/')).toEqual([]);
    // Several prefixes: one call, each ref once, sorted by name.
    expect((await g.listRefs(repo, ['refs/cee/runs/r2', 'refs/cee/other', 'refs/cee/'])).map((r) => r.ref)).toEqual([
      'refs/cee/other',
      'refs/cee/runs/r1',
      'refs/cee/runs/r2',
    ]);
    expect((await g.listRefs(repo, ['refs/cee/runs/r2', 'refs/cee/other'])).map((r) => r.ref)).toEqual(['refs/cee/other', 'refs/cee/runs/r2']);
    expect(await g.listRefs(repo, [])).toEqual([]);
    await expect(g.listRefs(repo, ['refs/cee/', 'HEAD'])).rejects.toMatchObject({ code: 'GIT_BAD_ARGUMENT' });

    // Short names are not guessed: only full refs.
    expect(await g.readRef(repo, 'refs/heads/main')).toBe(c2);
    expect(await g.readRef(repo, 'HEAD')).toBe(c2);
    await expect(g.readRef(repo, 'main')).rejects.toMatchObject({ code: 'GIT_BAD_ARGUMENT' });
    await expect(g.updateRef(repo, '--stdin', c1)).rejects.toMatchObject({ code: 'GIT_BAD_ARGUMENT' });

    await g.deleteRef(repo, 'refs/cee/runs/r1');
    expect(await g.readRef(repo, 'refs/cee/runs/r1')).toBeNull();
  });

  it('a packed ref is still found and still protected', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    const c1 = git(repo, ['rev-parse', 'HEAD']).trim();
    await g.updateRef(repo, 'refs/cee/packed', c1, null);
    git(repo, ['pack-refs', '--all']);
    expect(await g.readRef(repo, 'refs/cee/packed')).toBe(c1);
    await expect(g.updateRef(repo, 'refs/cee/packed', c1, null)).rejects.toMatchObject({ code: 'REF_CONFLICT' });
  });
});

describe('objects', () => {
  it('writeBlob / readBlob keep bytes exactly (binary, CRLF, empty)', async () => {
    const repo = makeRepo();
    git(repo, ['config', 'core.autocrlf', 'true']);
    const bytes = Buffer.from([0, 1, 2, 13, 10, 255, 254, 10, 13]);
    for (const data of [bytes, 'line\r\nline2\r\n', '', new Uint8Array([0xe2, 0x82, 0xac])]) {
      const oid = await g.writeBlob(repo, data);
      expect(gitBuf(repo, ['cat-file', '-t', oid]).toString().trim()).toBe('blob');
      expect(await g.readBlob(repo, oid)).toEqual(typeof data === 'string' ? Buffer.from(data) : Buffer.from(data));
    }
    await expect(g.readBlob(repo, '0123456789012345678901234567890123456789')).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
  });

  it('readFileAt reads literal paths (colons, spaces, unicode, newline), null when absent', async () => {
    const repo = makeRepo({
      'a:b.txt': 'colon\n',
      'dir/with space.txt': 'space\n',
      'ünï/cödé.md': 'unicode\n',
      'new\nline.txt': 'newline\n',
      'bin.dat': Buffer.from([0, 255, 0]),
      'link': { link: 'a:b.txt' },
    });
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const tree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    expect((await g.readFileAt(repo, 'HEAD', 'a:b.txt'))?.toString()).toBe('colon\n');
    expect((await g.readFileAt(repo, tree, 'dir/with space.txt'))?.toString()).toBe('space\n');
    expect((await g.readFileAt(repo, head, 'ünï/cödé.md'))?.toString()).toBe('unicode\n');
    expect((await g.readFileAt(repo, 'main', 'new\nline.txt'))?.toString()).toBe('newline\n');
    expect(await g.readFileAt(repo, 'HEAD', 'bin.dat')).toEqual(Buffer.from([0, 255, 0]));
    expect((await g.readFileAt(repo, 'HEAD', 'link'))?.toString()).toBe('a:b.txt');
    expect(await g.readFileAt(repo, 'HEAD', 'missing.txt')).toBeNull();
    expect(await g.readFileAt(repo, tree, 'missing.txt')).toBeNull();
    expect(await g.readFileAt(repo, 'HEAD', 'dir')).toBeNull();
    expect(await g.readFileAt(repo, 'HEAD', './a:b.txt')).toBeNull();
    expect(await g.readFileAt(repo, 'HEAD', '../x')).toBeNull();
    await expect(g.readFileAt(repo, 'nope', 'a:b.txt')).rejects.toMatchObject({ code: 'REV_NOT_FOUND' });
    await expect(g.readFileAt(repo, '0123456789012345678901234567890123456789', 'a')).rejects.toMatchObject({ code: 'REV_NOT_FOUND' });
  });

  it('readFileAt: reads asked for together share one cat-file --batch, with the same answers as one at a time', async () => {
    const files: Record<string, string | Buffer> = { 'dir/with space.txt': 'space\n', 'a:b.txt': 'colon\n', 'bin.dat': Buffer.from([0, 10, 255, 10]), 'empty': '' };
    for (let i = 0; i < 300; i++) files[`many/f${i}.txt`] = `${i}\n`.repeat(i % 7);
    const repo = makeRepo(files);
    const tree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    const { binary, calls } = loggingGit();
    const logged = createGitAdapter({ gitBinary: binary });
    const paths = [...Object.keys(files), 'missing.txt', 'dir', 'many'];
    const together = await Promise.all(paths.map((p) => logged.readFileAt(repo, tree, p)));
    expect(calls().filter((c) => c === 'cat-file')).toHaveLength(1);
    for (const [i, p] of paths.entries()) {
      const expected = p in files ? Buffer.from(files[p]!) : null;
      expect(together[i], p).toEqual(expected);
      expect(await g.readFileAt(repo, tree, p), p).toEqual(expected);
    }
    // A tree that does not exist fails every read of the batch that names it, and only those.
    const [bad, good] = await Promise.allSettled([
      logged.readFileAt(repo, '0123456789012345678901234567890123456789', 'a'),
      logged.readFileAt(repo, tree, 'a:b.txt'),
    ]);
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'REV_NOT_FOUND' } });
    expect(good).toMatchObject({ status: 'fulfilled', value: Buffer.from('colon\n') });
  });

  it('commitTree uses CEE identity without any configured identity, the repo identity when configured', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const tree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    const message = 'subject\n\n  body with # hash and trailing spaces  \n\n';
    const c = await g.commitTree(repo, { tree, parents: [head], message });
    expect(git(repo, ['log', '-1', '--format=%an <%ae>|%cn <%ce>|%P|%T', c]).trim()).toBe(
      `${CEE_IDENTITY.name} <${CEE_IDENTITY.email}>|${CEE_IDENTITY.name} <${CEE_IDENTITY.email}>|${head}|${tree}`,
    );
    const raw = git(repo, ['cat-file', 'commit', c]);
    expect(raw.slice(raw.indexOf('\n\n') + 2)).toBe(message);

    git(repo, ['config', 'user.name', 'Ada Lovelace']);
    git(repo, ['config', 'user.email', 'ada@example.org']);
    const root = await g.commitTree(repo, { tree: await g.emptyTree(repo), parents: [], message: 'root' });
    expect(git(repo, ['log', '-1', '--format=%an <%ae>|%P', root]).trim()).toBe('Ada Lovelace <ada@example.org>|');
    await expect(g.commitTree(repo, { tree: 'nope', parents: [], message: 'x' })).rejects.toMatchObject({ code: 'REV_NOT_FOUND' });
  });
});
