import { existsSync } from 'node:fs';
import { copyFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SnapshotResult } from '@cgce/core';
import { type GitRunner, splitNul, withTempDir } from './runner.js';
import { linkedWorktree, repoDirs } from './worktrees.js';

/**
 * Untracked (not ignored) files larger than `cap` bytes, checked BEFORE anything is added: an oversized
 * file is never hashed into the object database, and the index is never touched on refusal.
 * One `ls-files --others` call plus an lstat per untracked file.
 */
async function oversizedUntracked(
  run: GitRunner,
  top: string,
  cap: number,
  env: Record<string, string>,
): Promise<Array<{ path: string; bytes: number }>> {
  const res = await run.exec(top, ['ls-files', '-z', '--others', '--exclude-standard'], { env });
  const paths = splitNul(res.stdout);
  const found: Array<{ path: string; bytes: number }> = [];
  for (let i = 0; i < paths.length; i += 64) {
    const chunk = paths.slice(i, i + 64);
    const stats = await Promise.all(chunk.map((p) => lstat(join(top, p)).catch(() => null)));
    stats.forEach((st, j) => {
      if (st && (st.isFile() || st.isSymbolicLink()) && st.size > cap) found.push({ path: chunk[j]!, bytes: st.size });
    });
  }
  return found;
}

/**
 * Record a CEE worktree as it is (untracked files included, ignored ones excluded) in its own index:
 * `add -A` + `write-tree`. Refuses, changing nothing, when an untracked file exceeds `maxUntrackedBytes`.
 * (`baseTree` is not needed: the size check runs on the untracked files themselves, before `add`.)
 */
export async function snapshotWorktree(
  run: GitRunner,
  worktreePath: string,
  options: { maxUntrackedBytes: number; baseTree: string },
): Promise<SnapshotResult> {
  const { top } = await linkedWorktree(run, worktreePath);
  const oversized = await oversizedUntracked(run, top, options.maxUntrackedBytes, {});
  if (oversized.length > 0) return { tree: '', oversized };
  await run.exec(top, ['add', '-A']);
  const tree = await run.text(top, ['write-tree']);
  return { tree: tree.trim() };
}

/**
 * Record the user's working tree as a tree through a temporary copy of their index (`GIT_INDEX_FILE`):
 * their index file, HEAD, stash and files are not touched. Works without commits and without an index.
 */
export async function snapshotUserTree(run: GitRunner, root: string, options: { maxUntrackedBytes: number }): Promise<SnapshotResult> {
  const dirs = await repoDirs(run, root);
  return withTempDir(async (dir) => {
    const index = join(dir, 'index');
    const real = join(dirs.gitDir, 'index');
    if (existsSync(real)) await copyFile(real, index);
    const env = { GIT_INDEX_FILE: index };
    const oversized = await oversizedUntracked(run, dirs.top, options.maxUntrackedBytes, env);
    if (oversized.length > 0) return { tree: '', oversized };
    await run.exec(dirs.top, ['add', '-A'], { env });
    const tree = await run.text(dirs.top, ['write-tree'], { env });
    return { tree: tree.trim() };
  });
}

/**
 * The tree of the user's index (what is staged), written through a temporary copy of the index file so the
 * real one is not touched (`write-tree` would otherwise store its cache-tree extension in it).
 */
export async function indexTree(run: GitRunner, root: string): Promise<string> {
  const dirs = await repoDirs(run, root);
  return withTempDir(async (dir) => {
    const index = join(dir, 'index');
    const real = join(dirs.gitDir, 'index');
    if (existsSync(real)) await copyFile(real, index);
    const tree = await run.text(dirs.top, ['write-tree'], { env: { GIT_INDEX_FILE: index } });
    return tree.trim();
  });
}

/** Tracked and untracked-but-not-ignored files of the working tree (what a scan of "the repository" means). */
export async function listFiles(run: GitRunner, root: string): Promise<string[]> {
  const dirs = await repoDirs(run, root);
  const res = await run.exec(dirs.top, ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--deduplicate']);
  return splitNul(res.stdout);
}
