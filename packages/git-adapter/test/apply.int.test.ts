import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyError, createGitAdapter, GitCommandError } from '../src/index.js';
import { CORPUS, git, gitBuf, makeBaseRepo, makeRepo, tempDir, userState } from './helpers.js';

const g = createGitAdapter();
const patchOf = (name: string) => readFileSync(join(CORPUS, name, 'patch.diff'));

let base: string;
let baseTree: string;
/** The adapter's temp files go to a folder of their own, checked empty after every test. */
let adapterTmp: string;
const savedTmp = process.env.TMPDIR;

beforeAll(() => {
  base = makeBaseRepo();
  baseTree = git(base, ['rev-parse', 'HEAD^{tree}']).trim();
  adapterTmp = tempDir('adapter-tmp');
});
beforeEach(() => {
  process.env.TMPDIR = adapterTmp;
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  expect(readdirSync(adapterTmp)).toEqual([]);
});

describe('applyPatchToTree', () => {
  it('applies the CRLF corpus patch byte-exactly and touches no working tree or index', async () => {
    const before = userState(base);
    const { tree } = await g.applyPatchToTree(base, baseTree, patchOf('b07-crlf-markdown-edit'));
    expect(gitBuf(base, ['cat-file', 'blob', `${tree}:docs/windows-notes.md`]).toString('latin1')).toBe(
      '# Windows notes\r\n\r\nThis file uses CRLF line endings.\r\nDo not convert it to LF.\r\nKeep CRLF.\r\n',
    );
    // Only that file changed.
    expect(git(base, ['diff-tree', '-r', '--name-only', baseTree, tree]).trim()).toBe('docs/windows-notes.md');
    expect(userState(base)).toEqual(before);
  });

  it('applies renames, binary patches and mode changes exactly as git does', async () => {
    const renamed = await g.applyPatchToTree(base, baseTree, patchOf('b05-rename-within-src'));
    expect(git(base, ['diff-tree', '-r', '-M', '--name-status', baseTree, renamed.tree])).toMatch(/R\d+\tsrc\/util\.ts\tsrc\/lib\/util\.ts/);
    const bin = await g.applyPatchToTree(base, baseTree, patchOf('l06-binary-patch'));
    expect(git(base, ['ls-tree', bin.tree, 'src/payload.js'])).toMatch(/^100644 blob /);
    const mode = await g.applyPatchToTree(base, baseTree, patchOf('l05-mode-exec-bit'));
    expect(git(base, ['ls-tree', mode.tree, 'src/util.ts'])).toMatch(/^100755 blob /);
  });

  it('PATCH_MALFORMED for truncated, garbage and empty input, with git’s message', async () => {
    await expect(g.applyPatchToTree(base, baseTree, patchOf('x06-truncated-hunk'))).rejects.toMatchObject({
      code: 'PATCH_MALFORMED',
      exit: 2,
      message: expect.stringContaining('corrupt patch at line'),
    });
    await expect(g.applyPatchToTree(base, baseTree, Buffer.from('hello world\n'))).rejects.toMatchObject({
      code: 'PATCH_MALFORMED',
      message: expect.stringContaining('No valid patches in input'),
    });
    await expect(g.applyPatchToTree(base, baseTree, new Uint8Array())).rejects.toMatchObject({ code: 'PATCH_MALFORMED' });
    await expect(g.applyPatchToTree(base, baseTree, patchOf('x04-ed-script-cve-2018-1000156'))).rejects.toMatchObject({ code: 'PATCH_MALFORMED' });
    const fragment = Buffer.from('@@ -1 +1 @@\n-a\n+b\n');
    await expect(g.applyPatchToTree(base, baseTree, fragment)).rejects.toMatchObject({ code: 'PATCH_MALFORMED' });
  });

  it('PATCH_DOES_NOT_APPLY for context that does not match, a file that exists, a file that does not', async () => {
    const wrongContext = Buffer.from(
      'diff --git a/src/util.ts b/src/util.ts\n--- a/src/util.ts\n+++ b/src/util.ts\n@@ -1,3 +1,3 @@\n export function nope() {\n-  x\n+  y\n }\n',
    );
    await expect(g.applyPatchToTree(base, baseTree, wrongContext)).rejects.toMatchObject({
      code: 'PATCH_DOES_NOT_APPLY',
      message: expect.stringContaining('src/util.ts'),
    });
    const exists = Buffer.from('diff --git a/README.md b/README.md\nnew file mode 100644\n--- /dev/null\n+++ b/README.md\n@@ -0,0 +1 @@\n+x\n');
    await expect(g.applyPatchToTree(base, baseTree, exists)).rejects.toMatchObject({ code: 'PATCH_DOES_NOT_APPLY' });
    const missing = Buffer.from('diff --git a/nope.ts b/nope.ts\n--- a/nope.ts\n+++ b/nope.ts\n@@ -1 +1 @@\n-a\n+b\n');
    await expect(g.applyPatchToTree(base, baseTree, missing)).rejects.toMatchObject({ code: 'PATCH_DOES_NOT_APPLY' });
  });

  it('PATCH_REJECTED_BY_GIT for what git refuses on its own (.git paths, ../, beyond a symlink)', async () => {
    for (const name of ['p01-dotdot-escape-repo', 'g01-dotgit-hooks', 'l02-symlink-then-write-through']) {
      const err = await g.applyPatchToTree(base, baseTree, patchOf(name)).catch((e: unknown) => e);
      expect(err, name).toMatchObject({ code: 'PATCH_REJECTED_BY_GIT', exit: 2 });
    }
    expect(git(base, ['status', '--porcelain'])).toBe('');
  });

  it('seedIndexFrom: a matching index is copied, a stale one is ignored', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const tree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    const indexPath = join(repo, '.git', 'index');
    const patch = Buffer.from('diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+A\n');
    const plain = await g.applyPatchToTree(repo, tree, patch);
    const seeded = await g.applyPatchToTree(repo, tree, patch, { seedIndexFrom: indexPath });
    expect(seeded.tree).toBe(plain.tree);
    // Stage something else: the index no longer holds `tree`, so it must not be used.
    git(repo, ['rm', '-q', '--cached', 'b.txt']);
    const stale = await g.applyPatchToTree(repo, tree, patch, { seedIndexFrom: indexPath });
    expect(stale.tree).toBe(plain.tree);
    const missing = await g.applyPatchToTree(repo, tree, patch, { seedIndexFrom: join(repo, 'no-such-index') });
    expect(missing.tree).toBe(plain.tree);
  });
});

describe('patchFiles', () => {
  it('lists the file patches git sees, with rename sources', async () => {
    expect(await g.patchFiles(base, patchOf('b05-rename-within-src'))).toEqual([
      { path: 'src/app.ts' },
      { path: 'src/lib/util.ts', oldPath: 'src/util.ts' },
    ]);
    // git takes the ---/+++ names, not the `diff --git` line.
    expect(await g.patchFiles(base, patchOf('p06-header-mismatch'))).toEqual([{ path: 'infra/config.json' }]);
    expect(await g.patchFiles(base, patchOf('p09-control-chars-in-path'))).toEqual([
      { path: 'src/evil\nname.ts' },
      { path: 'src/tab\tname.ts' },
    ]);
    expect(await g.patchFiles(base, patchOf('l06-binary-patch'))).toEqual([{ path: 'src/payload.js' }]);
    expect(await g.patchFiles(base, patchOf('p01-dotdot-escape-repo'))).toEqual([{ path: '../cee-escape.ts' }]);
  });

  it('copies, deletions and several renames keep their order', async () => {
    const patch = Buffer.from(
      [
        'diff --git a/x y.txt b/z w.txt',
        'similarity index 100%',
        'rename from x y.txt',
        'rename to z w.txt',
        'diff --git a/gone.txt b/gone.txt',
        'deleted file mode 100644',
        '--- a/gone.txt',
        '+++ /dev/null',
        '@@ -1 +0,0 @@',
        '-bye',
        'diff --git a/src/a.ts b/lib/ä.ts',
        'similarity index 90%',
        'copy from src/a.ts',
        'copy to lib/ä.ts',
        '',
      ].join('\n'),
    );
    expect(await g.patchFiles(base, patch)).toEqual([
      { path: 'z w.txt', oldPath: 'x y.txt' },
      { path: 'gone.txt' },
      { path: 'lib/ä.ts', oldPath: 'src/a.ts' },
    ]);
  });

  it('PATCH_MALFORMED when git cannot parse the patch', async () => {
    await expect(g.patchFiles(base, patchOf('x06-truncated-hunk'))).rejects.toMatchObject({ code: 'PATCH_MALFORMED' });
    await expect(g.patchFiles(base, Buffer.from(''))).rejects.toMatchObject({ code: 'PATCH_MALFORMED' });
  });
});

describe('applyError', () => {
  it('maps git’s messages to the three codes and caps the message', () => {
    const e = (stderr: string) => applyError(new GitCommandError(['apply'], 1, stderr));
    expect(e('error: corrupt patch at line 6').code).toBe('PATCH_MALFORMED');
    expect(e('error: No valid patches in input (allow with "--allow-empty")').code).toBe('PATCH_MALFORMED');
    expect(e('fatal: patch fragment without header at line 1: @@ -1 +1 @@').code).toBe('PATCH_MALFORMED');
    expect(e('error: unrecognized input').code).toBe('PATCH_MALFORMED');
    expect(e('error: patch failed: a.txt:1\nerror: a.txt: patch does not apply').code).toBe('PATCH_DOES_NOT_APPLY');
    expect(e('error: b.txt: already exists in index').code).toBe('PATCH_DOES_NOT_APPLY');
    expect(e('error: c.txt: does not exist in index').code).toBe('PATCH_DOES_NOT_APPLY');
    expect(e("error: invalid path '../x'").code).toBe('PATCH_REJECTED_BY_GIT');
    const long = e(`error: ${'x'.repeat(5000)}`);
    expect(long.message.length).toBeLessThan(2200);
    expect(long.exit).toBe(2);
  });
});
