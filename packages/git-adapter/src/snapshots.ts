import { existsSync } from 'node:fs';
import { copyFile, link, lstat, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SnapshotResult } from '@cgce/core';
import { pathspecOf } from './changes.js';
import { type GitRunner, IN_WORKTREE, splitNul, withTempDir } from './runner.js';
import { worktreeStatus } from './status.js';
import { linkedWorktree, repoDirs } from './worktrees.js';

type Oversized = Array<{ path: string; bytes: number }>;

/** Files (not folders) among `paths` under `top` larger than `cap` bytes: one lstat each, 64 at a time. */
async function oversizedAmong(top: string, paths: readonly string[], cap: number): Promise<Oversized> {
  const found: Oversized = [];
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
 * Untracked (not ignored) files larger than `cap` bytes, checked BEFORE anything is added: an oversized
 * file is never hashed into the object database, and the index is never touched on refusal.
 * One `ls-files --others` call plus an lstat per untracked file (used for the user's tree).
 */
async function oversizedUntracked(run: GitRunner, top: string, cap: number, env: Record<string, string>): Promise<Oversized> {
  const res = await run.exec(top, ['ls-files', '-z', '--others', '--exclude-standard'], { env });
  return oversizedAmong(top, splitNul(res.stdout), cap);
}

/**
 * Record a CEE worktree as it is (untracked files included, ignored ones excluded) in its own index and return
 * the tree: the same result as `add -A` + `write-tree`, for the cost of one stat pass.
 *
 * 1. `status` (porcelain v2, untracked cache on): which tracked files differ from the index and which files
 *    are untracked; folders of untracked files are listed with `ls-files --others` limited to them;
 * 2. the untracked files are checked against `maxUntrackedBytes` BEFORE anything is added: an oversized file
 *    is refused, never hashed into the object database, and the index file is put back byte for byte (it is
 *    hard-linked aside first, since `status` writes refreshed stat data into it);
 * 3. `update-index --add --remove --replace --stdin` with exactly those paths (no walk, no pathspec matching),
 *    `add -A -- <path>` only for submodules and nested repositories, then `write-tree`.
 * (`baseTree` is not needed: the size check runs on the untracked files themselves, before anything is added.)
 */
export async function snapshotWorktree(
  run: GitRunner,
  worktreePath: string,
  options: { maxUntrackedBytes: number; baseTree: string },
): Promise<SnapshotResult> {
  const dirs = await linkedWorktree(run, worktreePath);
  const { top, gitDir } = dirs;
  const tracker = run.changeTracker;
  // With a watcher: what changed since the last snapshot (nothing at all: the index already holds the files).
  const window = tracker ? await tracker.take({ ...dirs, excludesFile: () => excludesFile(run, top) }) : null;
  if (window?.trusted && window.paths.length === 0) {
    const tree = window.tree ?? (await run.exec(top, ['write-tree'], IN_WORKTREE)).stdout.toString('utf8').trim();
    tracker!.settle(top, tree);
    return { tree };
  }
  const index = join(gitDir, 'index');
  const backup = `${index}.cee-snapshot-${process.pid}`;
  await rm(backup, { force: true });
  const kept = await link(index, backup).then(
    () => true,
    () => false,
  );
  let settled = false;
  try {
    const st = await worktreeStatus(run, top, pathspecOf(window));
    let untracked = st.untracked.filter((p) => !p.endsWith('/'));
    const folders = st.untracked.filter((p) => p.endsWith('/'));
    // A tracked file replaced by a folder shows only as deleted: its new content is untracked, look there too.
    const nowFolders = await Promise.all(st.deleted.map((p) => lstat(join(top, p)).then((s) => s.isDirectory(), () => false)));
    st.deleted.forEach((p, i) => {
      if (nowFolders[i]) folders.push(`${p}/`);
    });
    if (folders.length > 0) {
      const res = await run.exec(top, ['ls-files', '-z', '--others', '--exclude-standard', '--', ...folders], IN_WORKTREE);
      untracked = untracked.concat(splitNul(res.stdout));
    }
    // Nested repositories show as `path/`: `add -A` records them (as gitlinks), so do we.
    const nestedNew = untracked.filter((p) => p.endsWith('/'));
    untracked = untracked.filter((p) => !p.endsWith('/'));
    // A tracked gitlink whose repository is gone is a deletion (update-index below); one still there is added
    // with -f: like `add -A`, a tracked entry is updated even where an ignore rule now covers its folder.
    const gitlinkHere = await Promise.all(st.gitlinks.map((p) => lstat(join(top, p)).then((s) => s.isDirectory(), () => false)));
    const gitlinks = st.gitlinks.filter((_, i) => gitlinkHere[i]);
    const gitlinksGone = st.gitlinks.filter((_, i) => !gitlinkHere[i]);
    const oversized = await oversizedAmong(top, untracked, options.maxUntrackedBytes);
    if (oversized.length > 0) {
      if (kept) await rename(backup, index);
      return { tree: '', oversized };
    }
    const paths = [...st.changed, ...untracked, ...gitlinksGone];
    if (paths.length > 0) {
      await run.exec(top, ['update-index', '--add', '--remove', '--replace', '-z', '--stdin'], { ...IN_WORKTREE, input: `${paths.join('\0')}\0` });
    }
    if (gitlinks.length > 0) await run.exec(top, ['add', '-A', '-f', '--', ...gitlinks], IN_WORKTREE);
    if (nestedNew.length > 0) await run.exec(top, ['add', '-A', '--', ...nestedNew], IN_WORKTREE);
    const tree = (await run.exec(top, ['write-tree'], IN_WORKTREE)).stdout.toString('utf8').trim();
    tracker?.settle(top, tree);
    settled = true;
    return { tree };
  } finally {
    if (kept) await rm(backup, { force: true });
    // Refused or failed: the index is as it was, so what changed is still to be recorded.
    if (window && !settled) tracker!.putBack(top, window);
  }
}

/** `core.excludesFile`, absolute, or null: the tracker watches it for changes of the ignore rules. */
async function excludesFile(run: GitRunner, top: string): Promise<string | null> {
  const res = await run.exec(top, ['config', '--path', '--get', 'core.excludesFile'], { okExitCodes: [0, 1] });
  const value = res.stdout.toString('utf8').trim();
  return value ? resolve(top, value) : null;
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
    const tree = await run.exec(dirs.top, ['write-tree'], { env });
    return { tree: tree.stdout.toString('utf8').trim() };
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
    const tree = await run.exec(dirs.top, ['write-tree'], { env: { GIT_INDEX_FILE: index } });
    return tree.stdout.toString('utf8').trim();
  });
}

/** Tracked and untracked-but-not-ignored files of the working tree (what a scan of "the repository" means). */
export async function listFiles(run: GitRunner, root: string): Promise<string[]> {
  const dirs = await repoDirs(run, root);
  const res = await run.exec(dirs.top, ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--deduplicate']);
  return splitNul(res.stdout);
}
