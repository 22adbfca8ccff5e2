import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChangeTracker, createGitAdapter, createWatchTracker } from '../src/index.js';
import { git, loggingGit, makeRepo, tempDir } from './helpers.js';

/**
 * The watcher may only ever make a snapshot cheaper, never different: every test compares the tree a
 * tracker-driven snapshot records with the tree a full `add -A` gives for the same files (through a copy of
 * the worktree's index, so the reference changes nothing).
 */
const trackers: ChangeTracker[] = [];
afterEach(() => {
  for (const t of trackers.splice(0)) t.close();
});

function setup(syncTimeoutMs = 5000) {
  const repo = makeRepo({ 'a.txt': 'a\n', 'src/b.ts': 'b\n', 'src/deep/c.ts': 'c\n', 'docs/d.md': 'd\n' });
  const wt = join(repo, '.git', 'cee', 'worktrees', 'run');
  const tracker = createWatchTracker({ syncTimeoutMs });
  trackers.push(tracker);
  const { binary, calls } = loggingGit();
  // smallIndexBytes 0: provisioning takes its status-driven path (the one the watcher serves) at any size.
  const g = createGitAdapter({ changeTracker: tracker, gitBinary: binary, smallIndexBytes: 0 });
  return { repo, wt, tracker, g, calls };
}

/** What `add -A` + `write-tree` records for the worktree now (a temporary copy of its index). */
function referenceTree(wt: string): string {
  const gitDir = git(wt, ['rev-parse', '--absolute-git-dir']).trim();
  const tmp = join(tempDir('idx'), 'index');
  copyFileSync(join(gitDir, 'index'), tmp);
  // Keep the index's time: git decides which entries are "racily clean" (to be re-read) by comparing with it.
  const st = statSync(join(gitDir, 'index'));
  utimesSync(tmp, st.atime, st.mtime);
  const env = { GIT_INDEX_FILE: tmp };
  git(wt, ['-c', 'core.splitIndex=false', 'add', '-A'], { env });
  return git(wt, ['write-tree'], { env }).trim();
}

async function snapshot(g: ReturnType<typeof createGitAdapter>, wt: string): Promise<string> {
  const snap = await g.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: '' });
  return snap.tree;
}

describe('snapshots with a watcher (ChangeTracker)', () => {
  it('a change made just before the snapshot is always in it (the cookie makes every earlier event arrive)', async () => {
    const { repo, wt, g } = setup();
    await g.provisionWorktree(repo, wt, 'HEAD');
    await snapshot(g, wt); // starts watching (a full scan)
    for (let i = 0; i < 25; i++) {
      appendFileSync(join(wt, i % 2 ? 'a.txt' : 'src/deep/c.ts'), `${i}\n`);
      if (i % 5 === 0) writeFileSync(join(wt, `new-${i}.txt`), 'n\n');
      expect(await snapshot(g, wt)).toBe(referenceTree(wt));
    }
  });

  it('nothing changed since the last snapshot: no git process at all; the index rewritten meanwhile: write-tree only', async () => {
    const { repo, wt, g, calls } = setup();
    await g.provisionWorktree(repo, wt, 'HEAD');
    appendFileSync(join(wt, 'a.txt'), 'x\n');
    const first = await snapshot(g, wt);
    const before = calls().length;
    expect(await snapshot(g, wt)).toBe(first);
    expect(calls().slice(before)).toEqual([]);
    // The adapter's own command rewrites the index (same entries, no file changes): write-tree only.
    await g.checkoutTree(wt, first, first);
    let n = calls().length;
    expect(await snapshot(g, wt)).toBe(first);
    expect(calls().slice(n)).toEqual(['write-tree']);
    // Another program rewrites it: a full scan.
    git(wt, ['update-index', '-q', '--really-refresh']);
    n = calls().length;
    expect(await snapshot(g, wt)).toBe(first);
    expect(calls().slice(n)).toContain('status');
    appendFileSync(join(wt, 'src/b.ts'), 'y\n');
    n = calls().length;
    expect(await snapshot(g, wt)).toBe(referenceTree(wt));
    expect(calls().slice(n)).toContain('status');
  });

  it('an index written by another program, an ignore file outside the worktree, or a burst of events: a full scan', async () => {
    const { repo, wt, tracker, g } = setup();
    await g.provisionWorktree(repo, wt, 'HEAD');
    await snapshot(g, wt);
    const dirs = { top: wt, gitDir: git(wt, ['rev-parse', '--absolute-git-dir']).trim(), commonDir: join(repo, '.git') };
    // `git rm --cached` changes the index, not the files: no event could tell.
    git(wt, ['rm', '-q', '--cached', 'docs/d.md']);
    let w = await tracker.take(dirs);
    expect(w.trusted).toBe(false);
    tracker.putBack(wt, w);
    expect(await snapshot(g, wt)).toBe(referenceTree(wt));
    w = await tracker.take(dirs);
    expect(w.trusted).toBe(true);
    tracker.putBack(wt, w);
    // info/exclude decides about files that did not change.
    writeFileSync(join(wt, 'build.log'), 'log\n');
    await snapshot(g, wt);
    mkdirSync(join(repo, '.git', 'info'), { recursive: true });
    writeFileSync(join(repo, '.git', 'info', 'exclude'), '*.log\n');
    w = await tracker.take(dirs);
    expect(w.trusted).toBe(false);
    tracker.putBack(wt, w);
    expect(await snapshot(g, wt)).toBe(referenceTree(wt));
    // More events than the budget: the kernel's queue may have overflowed.
    const small = createWatchTracker({ maxEvents: 5 });
    trackers.push(small);
    await small.take(dirs);
    small.settle(wt, referenceTree(wt));
    for (let i = 0; i < 10; i++) writeFileSync(join(wt, `burst-${i}.txt`), `${i}\n`);
    expect((await small.take(dirs)).trusted).toBe(false);
  });

  it('a worktree removed and added again at the same path is watched anew (the old watches follow the old folders)', async () => {
    // A cookie that never comes back would cost the whole sync timeout: the new folders must be noticed at once
    // (by their birth time: a folder made again often gets the same inode number). Where the file system keeps
    // no birth time, only correctness is checked (the cookie's timeout then restarts the watch).
    const hasBirthTime = statSync(tempDir('bt'), { bigint: true }).birthtimeNs > 0n;
    const { repo, wt, g } = setup(hasBirthTime ? 120_000 : 3000);
    await g.provisionWorktree(repo, wt, 'HEAD');
    appendFileSync(join(wt, 'a.txt'), 'one\n');
    expect(await snapshot(g, wt)).toBe(referenceTree(wt));
    await g.removeWorktree(repo, wt);
    await g.provisionWorktree(repo, wt, 'HEAD');
    expect(await snapshot(g, wt)).toBe(referenceTree(wt));
    appendFileSync(join(wt, 'src/deep/c.ts'), 'two\n');
    writeFileSync(join(wt, 'src', 'new.ts'), 'new\n');
    const tree = await snapshot(g, wt);
    expect(tree).toBe(referenceTree(wt));
    expect(git(wt, ['ls-tree', '-r', '--name-only', tree])).toContain('src/new.ts');
  }, 20_000);

  it('a .gitignore that stops ignoring files that did not change: they are recorded (top level and deeper)', async () => {
    const { repo, wt, g } = setup();
    await g.provisionWorktree(repo, wt, 'HEAD');
    for (const dir of ['', 'src']) {
      writeFileSync(join(wt, dir, '.gitignore'), '*.log\n');
      writeFileSync(join(wt, dir, 'kept.log'), 'ignored for now\n');
      expect(await snapshot(g, wt)).toBe(referenceTree(wt));
      writeFileSync(join(wt, dir, '.gitignore'), '# nothing ignored\n');
      const tree = await snapshot(g, wt);
      expect(tree).toBe(referenceTree(wt));
      expect(git(wt, ['ls-tree', '-r', '--name-only', tree])).toContain(dir ? `${dir}/kept.log` : 'kept.log');
    }
  });

  it('nested repositories (gitlinks) new, moved on, and gone from a folder that became ignored: as add -A, with or without a watcher', async () => {
    for (const watched of [true, false]) {
      const { repo, wt, g: tracked } = setup();
      const g = watched ? tracked : createGitAdapter({ smallIndexBytes: 0 });
      await g.provisionWorktree(repo, wt, 'HEAD');
      await snapshot(g, wt);
      const commitIn = (dir: string, text: string) => {
        mkdirSync(join(wt, dir), { recursive: true });
        git(join(wt, dir), ['init', '-q']);
        writeFileSync(join(wt, dir, 'n.txt'), text);
        git(join(wt, dir), ['add', 'n.txt']);
        git(join(wt, dir), ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', text]);
      };
      commitIn('docs/inner', 'one\n');
      expect(await snapshot(g, wt)).toBe(referenceTree(wt));
      commitIn('docs/inner', 'two\n');
      expect(await snapshot(g, wt)).toBe(referenceTree(wt));
      writeFileSync(join(repo, '.git', 'info', 'exclude'), 'docs/\n');
      renameSync(join(wt, 'docs'), join(wt, 'moved'));
      mkdirSync(join(wt, 'docs'));
      writeFileSync(join(wt, 'docs', 'a.txt'), 'ignored now\n');
      const tree = await snapshot(g, wt);
      expect(tree).toBe(referenceTree(wt));
      expect(git(wt, ['ls-tree', '-r', tree])).toMatch(/^160000 commit [0-9a-f]+\tmoved\/inner$/m);
      rmSync(join(repo, '.git', 'info', 'exclude'));
    }
  });

  it('any sequence of file, folder, mode, link, ignore-file and index changes records what add -A records', async () => {
    const names = ['a.txt', 'b.ts', 'sp ace.md', 'ünï.txt', 'x.log'];
    const folders = ['', 'src', 'src/deep', 'docs', 'new', 'new/sub'];
    const path = fc.tuple(fc.constantFrom(...folders), fc.constantFrom(...names)).map(([d, n]) => (d ? `${d}/${n}` : n));
    const op = fc.oneof(
      fc.record({ k: fc.constant('write' as const), p: path, c: fc.string({ maxLength: 8 }) }),
      fc.record({ k: fc.constant('append' as const), p: path }),
      fc.record({ k: fc.constant('rm' as const), p: path }),
      fc.record({ k: fc.constant('rmdir' as const), d: fc.constantFrom('src', 'src/deep', 'docs', 'new') }),
      fc.record({ k: fc.constant('mvdir' as const), d: fc.constantFrom('src/deep', 'docs', 'new/sub'), to: fc.constantFrom('moved', 'new/moved', 'docs2') }),
      fc.record({ k: fc.constant('mv' as const), p: path, q: path }),
      fc.record({ k: fc.constant('chmod' as const), p: path }),
      fc.record({ k: fc.constant('link' as const), p: path }),
      fc.record({ k: fc.constant('ignore' as const), d: fc.constantFrom('', 'src', 'new'), rule: fc.constantFrom('*.log', 'deep/', 'sub', '') }),
      fc.record({ k: fc.constant('gitAdd' as const), p: path }),
      fc.record({ k: fc.constant('gitRmCached' as const), p: path }),
      fc.record({ k: fc.constant('provision' as const) }),
      fc.record({ k: fc.constant('exclude' as const), rule: fc.constantFrom('*.log', 'docs/', '') }),
      fc.record({ k: fc.constant('nested' as const), d: fc.constantFrom('new/sub', 'docs/inner') }),
    );
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 8 }), async (batches) => {
        const { repo, wt, g } = setup();
        await g.provisionWorktree(repo, wt, 'HEAD');
        await snapshot(g, wt);
        round++;
        for (const batch of batches) {
          for (const o of batch) {
            const abs = (p: string) => join(wt, p);
            const quiet = (f: () => void) => {
              try {
                f();
              } catch {
                // an operation that does not apply to the current files (a missing path, a file where a folder is)
              }
            };
            switch (o.k) {
              case 'write':
                quiet(() => {
                  mkdirSync(dirname(abs(o.p)), { recursive: true });
                  writeFileSync(abs(o.p), o.c);
                });
                break;
              case 'append':
                quiet(() => appendFileSync(abs(o.p), `${round}\n`));
                break;
              case 'rm':
                quiet(() => rmSync(abs(o.p)));
                break;
              case 'rmdir':
                rmSync(abs(o.d), { recursive: true, force: true });
                break;
              case 'mvdir':
                quiet(() => {
                  if (existsSync(abs(o.to))) return;
                  mkdirSync(dirname(abs(o.to)), { recursive: true });
                  renameSync(abs(o.d), abs(o.to));
                });
                break;
              case 'mv':
                quiet(() => {
                  mkdirSync(dirname(abs(o.q)), { recursive: true });
                  renameSync(abs(o.p), abs(o.q));
                });
                break;
              case 'chmod':
                quiet(() => chmodSync(abs(o.p), 0o755));
                break;
              case 'link':
                quiet(() => {
                  mkdirSync(dirname(abs(o.p)), { recursive: true });
                  rmSync(abs(o.p), { force: true });
                  symlinkSync('a.txt', abs(o.p));
                });
                break;
              case 'ignore':
                quiet(() => {
                  mkdirSync(abs(o.d || '.'), { recursive: true });
                  writeFileSync(join(abs(o.d || '.'), '.gitignore'), o.rule ? `${o.rule}\n` : '');
                });
                break;
              case 'gitAdd':
                quiet(() => git(wt, ['add', '-f', '--', o.p]));
                break;
              case 'gitRmCached':
                quiet(() => git(wt, ['rm', '-q', '-r', '--cached', '--', o.p]));
                break;
              case 'exclude':
                mkdirSync(join(repo, '.git', 'info'), { recursive: true });
                writeFileSync(join(repo, '.git', 'info', 'exclude'), o.rule ? `${o.rule}\n` : '');
                break;
              case 'nested':
                quiet(() => {
                  mkdirSync(abs(o.d), { recursive: true });
                  git(abs(o.d), ['init', '-q']);
                  writeFileSync(join(abs(o.d), 'n.txt'), `${round}\n`);
                  git(abs(o.d), ['add', 'n.txt']);
                  git(abs(o.d), ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'nested']);
                });
                break;
              case 'provision':
                await g.provisionWorktree(repo, wt, 'HEAD');
                // As `reset --hard` + `clean -fd`: no tracked file or index entry differs from HEAD. (Untracked
                // files may stay, as with clean: one ignored by a .gitignore that clean itself removed.)
                expect(git(wt, ['status', '--porcelain', '--untracked-files=no'], { env: { GIT_OPTIONAL_LOCKS: '0' } })).toBe('');
                break;
            }
          }
          const tree = await snapshot(g, wt);
          expect(tree).toBe(referenceTree(wt));
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
