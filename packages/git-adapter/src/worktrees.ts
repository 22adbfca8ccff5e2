import { existsSync, realpathSync } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '@cgce/core';
import { identityEnv, resolveIdentity } from './identity.js';
import { type ExecOptions, GitCommandError, type GitRunner, IN_WORKTREE, splitNul, withTempDir } from './runner.js';
import { pathspecOf } from './changes.js';
import { type WorktreeStatus, worktreeStatus } from './status.js';
import { assertArg, isHexOid } from './validate.js';

export interface WorktreeRecord {
  path: string;
  head: string | null;
  bare: boolean;
  prunable: boolean;
}

export interface RepoDirs {
  /** Top of the working tree. */
  top: string;
  gitDir: string;
  commonDir: string;
  /** True for the repository's main working tree (git dir = common dir). */
  isMain: boolean;
}

/** `rev-parse --show-toplevel --absolute-git-dir --git-common-dir` (absolute), in one call. */
export async function repoDirs(run: GitRunner, cwd: string): Promise<RepoDirs> {
  if (!existsSync(cwd)) throw new GitCommandError(['rev-parse'], -1, `cannot run git in ${cwd}: no such directory`);
  const res = await run.exec(cwd, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--absolute-git-dir', '--git-common-dir']);
  const out = res.stdout.toString('utf8');
  const lines = out.replace(/\n$/, '').split('\n');
  if (lines.length !== 3) throw new GitCommandError(['rev-parse'], 0, `unexpected rev-parse output: ${JSON.stringify(out)}`);
  const [top, gitDir, commonDirRaw] = lines as [string, string, string];
  const commonDir = resolve(cwd, commonDirRaw);
  return { top, gitDir, commonDir, isMain: samePath(gitDir, commonDir) };
}

/**
 * The top of a linked worktree, read from its files without running git: `<path>/.git` is a file
 * `gitdir: <G>` and `<G>/commondir` exists (git writes both for `worktree add`; a submodule's `.git` file has
 * no `commondir`). Null when `path` is anything else (a subfolder, the main tree, a submodule, a broken
 * worktree): callers then ask git.
 */
export async function linkedWorktreeFromFiles(path: string): Promise<RepoDirs | null> {
  try {
    const dotGit = join(path, '.git');
    if (!(await lstat(dotGit)).isFile()) return null;
    const m = /^gitdir: (.+?)\r?\n?$/.exec(await readFile(dotGit, 'utf8'));
    if (!m) return null;
    const top = resolve(path);
    const gitDir = resolve(top, m[1]!);
    const common = (await readFile(join(gitDir, 'commondir'), 'utf8')).trim();
    if (!common || !existsSync(join(gitDir, 'HEAD'))) return null;
    const commonDir = resolve(gitDir, common);
    if (samePath(gitDir, commonDir)) return null;
    return { top, gitDir, commonDir, isMain: false };
  } catch {
    return null;
  }
}

/** Throw unless `worktreePath` is a linked worktree: CEE never resets or snapshots the user's own tree here. */
export async function linkedWorktree(run: GitRunner, worktreePath: string): Promise<RepoDirs> {
  const fast = await linkedWorktreeFromFiles(worktreePath);
  if (fast) return fast;
  let dirs: RepoDirs;
  try {
    dirs = await repoDirs(run, worktreePath);
  } catch (e) {
    throw new InputError('NOT_A_WORKTREE', `${worktreePath} is not a git worktree`, { cause: e });
  }
  if (dirs.isMain) {
    throw new InputError('WORKTREE_IS_MAIN', `${worktreePath} is the repository's main working tree, not a CEE worktree`);
  }
  return dirs;
}

export function samePath(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

function canonical(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync.native(abs);
  } catch {
    return abs;
  }
}

/** `worktree list --porcelain -z`, parsed. The main worktree comes first. */
export async function worktreeRecords(run: GitRunner, root: string): Promise<WorktreeRecord[]> {
  const res = await run.exec(root, ['worktree', 'list', '--porcelain', '-z']);
  const records: WorktreeRecord[] = [];
  let cur: WorktreeRecord | null = null;
  for (const field of res.stdout.toString('utf8').split('\0')) {
    if (field === '') {
      cur = null;
      continue;
    }
    if (field.startsWith('worktree ')) {
      cur = { path: field.slice('worktree '.length), head: null, bare: false, prunable: false };
      records.push(cur);
    } else if (cur && field.startsWith('HEAD ')) cur.head = field.slice(5);
    else if (cur && field === 'bare') cur.bare = true;
    else if (cur && (field === 'prunable' || field.startsWith('prunable '))) cur.prunable = true;
  }
  return records;
}

export async function listWorktrees(run: GitRunner, root: string): Promise<string[]> {
  return (await worktreeRecords(run, root)).map((r) => r.path);
}

export interface ProvisionOptions {
  /**
   * The tree that the worktree's files and index are known to hold exactly, untracked files included (for
   * example a snapshot just taken): the status pass is skipped and only the files that differ from
   * `commit`'s tree are rewritten. When that fails (a file changed meanwhile), the full reset runs.
   */
  knownTree?: string;
}

/**
 * Is `abs` a worktree registered in the repository whose main working tree is `root`? Read from the
 * administrative files (no git process): `<abs>/.git` names `<G>`, `<G>/commondir` is `<root>/.git` and
 * `<G>/gitdir` names `<abs>/.git` back. Null when anything does not fit: callers then ask `worktree list`.
 */
async function registeredWorktree(root: string, abs: string): Promise<RepoDirs | null> {
  const dirs = await linkedWorktreeFromFiles(abs);
  if (!dirs) return null;
  try {
    const rootGit = join(root, '.git');
    if (!(await lstat(rootGit)).isDirectory() || !samePath(dirs.commonDir, rootGit)) return null;
    const back = (await readFile(join(dirs.gitDir, 'gitdir'), 'utf8')).trim();
    return samePath(resolve(dirs.gitDir, back), join(abs, '.git')) ? dirs : null;
  } catch {
    return null;
  }
}

/** More untracked entries than this: one plain `clean -fd` is cheaper than naming them all. */
const MAX_NAMED_CLEAN = 200;
/**
 * Up to this many differing paths, `restore --source -SW <paths>` beats a two-tree `read-tree -m -u` (which
 * walks both trees whole: ~70 ms at 50,000 files); pathspec matching makes it slower beyond (git 2.39).
 */
const MAX_RESTORE_PATHS = 64;

/**
 * Move a worktree whose index and files hold exactly `from` to `to`, rewriting only the files that differ.
 * Few paths: `diff-tree` then `restore --source=<to> --staged --worktree` on them (which refuses, changing
 * nothing, when a file becomes a folder or the reverse); otherwise, or on that refusal, `read-tree -m -u`.
 */
export async function moveTree(run: GitRunner, top: string, from: string, to: string): Promise<void> {
  if (from === to) return;
  const diff = await run.exec(top, ['diff-tree', '-r', '-z', '--name-only', '--no-renames', from, to], IN_WORKTREE);
  const paths = splitNul(diff.stdout);
  if (paths.length === 0) return;
  if (paths.length <= MAX_RESTORE_PATHS) {
    const res = await run.exec(
      top,
      ['restore', `--source=${to}`, '--staged', '--worktree', '--no-recurse-submodules', '--pathspec-from-file=-', '--pathspec-file-nul'],
      { ...IN_WORKTREE, input: `${paths.join('\0')}\0`, okExitCodes: [0, 1, 128] },
    );
    if (res.exitCode === 0) return;
  }
  await run.exec(top, ['read-tree', '-m', '-u', from, to], IN_WORKTREE);
}

/**
 * The size of a worktree's index: its `index` file, or with a split index (the run worktree's, see
 * WORKTREE_CONFIG) the shared index beside it, which holds nearly all the entries.
 */
async function indexBytes(gitDir: string): Promise<number> {
  const own = (await stat(join(gitDir, 'index')).catch(() => null))?.size ?? 0;
  const names = await readdir(gitDir).catch(() => [] as string[]);
  const shared = await Promise.all(names.filter((n) => n.startsWith('sharedindex.')).map((n) => stat(join(gitDir, n)).then((st) => st.size, () => 0)));
  return Math.max(own, ...shared);
}

/**
 * Reset a reused worktree to `commit` touching only what differs: one `status` (the untracked cache makes it
 * a stat pass), restore modified files from the index, remove untracked ones, then move the index and files
 * from the index's tree to the commit's tree (moveTree) and point HEAD at `commit`.
 * The same end state as `reset --hard <commit>` + `clean -fd` (untracked folders that hold nothing at all
 * may remain: git does not record folders). Returns false, having changed nothing it could not redo, when the
 * worktree is in a state this does not handle (conflicts, HEAD on a branch): the caller then runs the reset.
 */
async function resetByStatus(run: GitRunner, dirs: RepoDirs, commit: string, knownTree?: string): Promise<boolean> {
  const top = dirs.top;
  const headFile = (await readFile(join(dirs.gitDir, 'HEAD'), 'utf8')).trim();
  if (!isHexOid(headFile)) return false; // HEAD on a branch: `reset --hard` would move the branch; keep that path
  // A small index (under ~10,000 files) is walked faster than extra git processes start: plain commands.
  if ((await indexBytes(dirs.gitDir)) < run.smallIndexBytes) {
    if (!knownTree) return false;
    // Nothing untracked (the index holds the whole worktree), so no `clean` is needed.
    await run.exec(top, ['reset', '-q', '--hard', '--no-recurse-submodules', commit], IN_WORKTREE);
    return true;
  }
  // With a watcher (the daemon): only what changed since the last snapshot is looked at (see changes.ts).
  const tracker = knownTree ? undefined : run.changeTracker;
  const window = tracker ? await tracker.take(dirs) : null;
  let reached: string | null = null;
  try {
    const unchanged = window?.trusted && window.paths.length === 0;
    const [revs, st] = await Promise.all([
      run.exec(top, ['rev-parse', `${commit}^{commit}`, `${commit}^{tree}`], { ...IN_WORKTREE, okExitCodes: [0, 128] }),
      knownTree ? null : unchanged ? NOTHING_CHANGED : worktreeStatus(run, top, pathspecOf(window)),
    ]);
    const [commitOid, targetTree] = revs.stdout.toString('utf8').trim().split('\n');
    if (revs.exitCode !== 0 || !commitOid || !targetTree || !isHexOid(commitOid) || !isHexOid(targetTree)) return false;
    let from = knownTree;
    if (st) {
      if (st.unmerged || st.gitlinks.length > 0) return false;
      if (st.changed.length > 0) {
        await run.exec(top, ['checkout-index', '-f', '-q', '-u', '-z', '--stdin'], { ...IN_WORKTREE, input: `${st.changed.join('\0')}\0` });
      }
      if (st.untracked.length > MAX_NAMED_CLEAN) await run.exec(top, ['clean', '-fdq'], IN_WORKTREE);
      else if (st.untracked.length > 0) await run.exec(top, ['clean', '-fdq', '--', ...st.untracked], IN_WORKTREE);
      from = st === NOTHING_CHANGED && window?.tree ? window.tree : (await run.exec(top, ['write-tree'], IN_WORKTREE)).stdout.toString('utf8').trim();
    }
    await moveTree(run, top, from!, targetTree);
    if (headFile !== commitOid) await run.exec(top, ['update-ref', '--no-deref', '-m', 'cee: provision', 'HEAD', commitOid], IN_WORKTREE);
    reached = targetTree;
    return true;
  } catch (e) {
    // Anything git refused (a file changed meanwhile, a conflict): the full reset below puts it right.
    if (e instanceof GitCommandError) return false;
    throw e;
  } finally {
    // Index and files now hold the target tree (what the watcher saw change meanwhile stays in its next
    // window); otherwise what changed is still to be looked at.
    if (window) {
      if (reached) tracker!.settle(top, reached);
      else tracker!.putBack(top, window);
    }
  }
}

/** A status that found nothing: the watcher vouches that no file changed since the last snapshot. */
const NOTHING_CHANGED: WorktreeStatus = { changed: [], deleted: [], gitlinks: [], untracked: [], unmerged: false };

/**
 * Make `path` a detached worktree at `commit`. A registered worktree is reused and only what differs is
 * rewritten (ignored files such as node_modules stay): a `status` pass, then the files that differ (see
 * resetByStatus), falling back to `reset --hard` + `clean -fd`; otherwise `worktree add --detach`.
 */
export async function provisionWorktree(run: GitRunner, root: string, path: string, commit: string, options: ProvisionOptions = {}): Promise<void> {
  assertArg(commit, 'commit');
  if (options.knownTree) assertArg(options.knownTree, 'tree');
  const abs = resolve(root, path);
  const registered = await registeredWorktree(root, abs);
  if (registered) {
    if (await resetByStatus(run, registered, commit, options.knownTree)) return;
    await run.exec(abs, ['reset', '-q', '--hard', '--no-recurse-submodules', commit], IN_WORKTREE);
    await run.exec(abs, ['clean', '-fdq'], IN_WORKTREE);
    return;
  }
  const records = await worktreeRecords(run, root);
  const idx = records.findIndex((r) => samePath(r.path, abs));
  if (idx === 0) throw new InputError('WORKTREE_IS_MAIN', `${abs} is the repository's main working tree`);
  const rec = idx > 0 ? records[idx] : undefined;
  if (rec && existsSync(join(abs, '.git'))) {
    await run.exec(abs, ['reset', '-q', '--hard', '--no-recurse-submodules', commit], IN_WORKTREE);
    await run.exec(abs, ['clean', '-fdq'], IN_WORKTREE);
    return;
  }
  if (rec) await run.exec(root, ['worktree', 'prune']);
  await mkdir(dirname(abs), { recursive: true });
  try {
    await run.exec(root, ['worktree', 'add', '--detach', '-q', abs, commit]);
  } catch (e) {
    if (e instanceof GitCommandError && /already exists/.test(e.stderr)) {
      throw new InputError('WORKTREE_PATH_EXISTS', `${abs} exists and is not a worktree of this repository`, { cause: e });
    }
    if (e instanceof GitCommandError && /invalid reference|not a commit|unknown revision/i.test(e.stderr)) {
      throw new InputError('REV_NOT_FOUND', `${commit} does not name a commit`, { cause: e });
    }
    throw e;
  }
}

/** Remove a worktree (files and administrative data). Unknown paths only trigger a prune; nothing else is deleted. */
export async function removeWorktree(run: GitRunner, root: string, path: string): Promise<void> {
  const abs = resolve(root, path);
  const records = await worktreeRecords(run, root);
  const idx = records.findIndex((r) => samePath(r.path, abs));
  if (idx === 0) throw new InputError('WORKTREE_IS_MAIN', `${abs} is the repository's main working tree`);
  if (idx > 0 && existsSync(abs)) {
    await run.exec(root, ['worktree', 'remove', '--force', '--force', abs]);
  }
  await run.exec(root, ['worktree', 'prune']);
}

/**
 * `read-tree -m -u from to` in the worktree: a two-tree merge that rewrites only the files that differ and
 * fails, changing nothing, when one of them is dirty (InputError(`WORKTREE_DIRTY`)).
 */
export async function checkoutTree(run: GitRunner, worktreePath: string, fromTree: string, toTree: string): Promise<void> {
  assertArg(fromTree, 'tree');
  assertArg(toTree, 'tree');
  const { top } = await linkedWorktree(run, worktreePath);
  const args = ['read-tree', '-m', '-u', fromTree, toTree];
  try {
    await run.exec(top, args, IN_WORKTREE);
  } catch (e) {
    if (!(e instanceof GitCommandError)) throw e;
    if (/not uptodate/.test(e.stderr)) {
      // Stale stat data makes unchanged files look dirty: refresh the worktree's own index, try once more.
      await run.exec(top, ['update-index', '-q', '--refresh'], { ...IN_WORKTREE, okExitCodes: [0, 1] });
      try {
        await run.exec(top, args, IN_WORKTREE);
        return;
      } catch (e2) {
        throw mapCheckoutError(e2, worktreePath);
      }
    }
    throw mapCheckoutError(e, worktreePath);
  }
}

/**
 * Compute the merge in memory first (`merge-tree --write-tree`, git ≥ 2.38): a conflict is reported before
 * anything in the user's repository is written, so their index stays byte-identical. Older gits skip this
 * and rely on `merge --abort`.
 */
async function precheckMerge(run: GitRunner, top: string, commit: string): Promise<void> {
  const head = await run.exec(top, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { okExitCodes: [0, 1, 128] });
  if (head.exitCode !== 0) return;
  const res = await run.exec(top, ['merge-tree', '--write-tree', '--no-messages', '--name-only', 'HEAD', commit], {
    okExitCodes: [0, 1, 128, 129],
  });
  if (res.exitCode === 1 && res.stdout.length > 0) {
    const lines = res.stdout.toString('utf8').split('\n').slice(1).filter(Boolean);
    throw new InputError('MERGE_CONFLICT', `merging ${commit} conflicts in: ${lines.join(', ')}; nothing was changed`, {
      details: { paths: lines },
    });
  }
}

function mapCheckoutError(e: unknown, wt: string): unknown {
  if (e instanceof GitCommandError && /not uptodate|would be overwritten|would be lost|untracked working tree/i.test(e.stderr)) {
    return new InputError('WORKTREE_DIRTY', `cannot update ${wt}: ${e.stderr.trim()}`, { cause: e });
  }
  return e;
}

/** Index and files to exactly `tree` (HEAD unchanged), then untracked files removed (ignored files kept). */
async function hardResetToTree(run: GitRunner, top: string, tree: string, opts: ExecOptions = {}): Promise<void> {
  try {
    await run.exec(top, ['read-tree', '-u', '--reset', tree], opts);
  } catch (e) {
    // Newer gits refuse to overwrite untracked files even with --reset: remove them first, then retry.
    if (!(e instanceof GitCommandError) || !/untracked|would be overwritten/i.test(e.stderr)) throw e;
    await run.exec(top, ['clean', '-fdq'], opts);
    await run.exec(top, ['read-tree', '-u', '--reset', tree], opts);
  }
  await run.exec(top, ['clean', '-fdq'], opts);
}

export async function resetWorktree(run: GitRunner, worktreePath: string, tree: string): Promise<void> {
  assertArg(tree, 'tree');
  const { top } = await linkedWorktree(run, worktreePath);
  await hardResetToTree(run, top, tree, IN_WORKTREE);
}

/** The user's tree and index become `tree`; HEAD stays (restore --workdir). */
export async function restoreUserTree(run: GitRunner, root: string, tree: string): Promise<void> {
  assertArg(tree, 'tree');
  const { top } = await repoDirs(run, root);
  await hardResetToTree(run, top, tree);
}

/** `status --porcelain=v1 -z`: anything staged, modified or untracked (not ignored). Never writes the index. */
export async function isDirty(run: GitRunner, worktreePath: string): Promise<boolean> {
  const res = await run.exec(worktreePath, ['status', '--porcelain=v1', '-z', '--untracked-files=normal', '--ignore-submodules=none']);
  return res.stdout.length > 0;
}

/**
 * Paths whose content or mode differs between the working tree and `baseTree`, untracked (not ignored)
 * files included, sorted. `diff-index` needs fresh stat data: a CEE worktree refreshes its own index; the
 * main working tree is refreshed in a temporary copy of its index, so the user's index is never written.
 */
export async function changedPaths(run: GitRunner, worktreePath: string, baseTree: string): Promise<string[]> {
  assertArg(baseTree, 'tree');
  const dirs = await repoDirs(run, worktreePath);
  // A temporary copy of the user's index must stay self-contained: the worktree settings are for CEE's own.
  const collect = async (env: Record<string, string>) => {
    const wt = dirs.isMain ? {} : IN_WORKTREE;
    await run.exec(dirs.top, ['update-index', '-q', '--refresh', '--ignore-submodules'], { ...wt, env, okExitCodes: [0, 1] });
    const [diff, others] = await Promise.all([
      run.exec(dirs.top, ['diff-index', '-z', '--name-only', '--no-renames', baseTree, '--'], { ...wt, env }),
      run.exec(dirs.top, ['ls-files', '-z', '--others', '--exclude-standard'], { ...wt, env }),
    ]);
    return [...new Set([...splitNul(diff.stdout), ...splitNul(others.stdout)])].sort();
  };
  if (!dirs.isMain) return collect({});
  return withTempDir(async (dir) => {
    const tmpIndex = join(dir, 'index');
    const real = join(dirs.gitDir, 'index');
    if (existsSync(real)) await copyFile(real, tmpIndex);
    return collect({ GIT_INDEX_FILE: tmpIndex });
  });
}

/**
 * Bring `commit` into the user's current branch: `merge --ff-only` or `merge --no-ff -m message`. Hooks
 * off, no editor, no autostash. A conflict is aborted (`merge --abort`) and reported as
 * InputError(`MERGE_CONFLICT`); a branch that cannot fast-forward as `MERGE_NOT_FAST_FORWARD`; local changes
 * in the way as `MERGE_BLOCKED`. In every failure the user's tree is left as it was.
 */
export async function mergeIntoCurrent(
  run: GitRunner,
  root: string,
  commit: string,
  mode: 'ff' | 'merge',
  message: string,
): Promise<{ commit: string }> {
  assertArg(commit, 'commit');
  const { top } = await repoDirs(run, root);
  const env = identityEnv(await resolveIdentity(run, top));
  const common = ['--no-verify', '--no-edit', '--no-autostash', '--no-squash', '--no-signoff', '--no-stat', '-q'];
  const args =
    mode === 'ff'
      ? ['merge', '--ff-only', ...common, commit]
      : ['merge', '--no-ff', '--no-log', '--cleanup=verbatim', ...common, '-m', message, commit];
  if (mode === 'merge') await precheckMerge(run, top, commit);
  const res = await run.exec(top, args, { env, okExitCodes: [0, 1, 2, 128] });
  if (res.exitCode !== 0) {
    const inMerge = await run.exec(top, ['rev-parse', '-q', '--verify', 'MERGE_HEAD'], { okExitCodes: [0, 1, 128] });
    if (inMerge.exitCode === 0) {
      await run.exec(top, ['merge', '--abort'], { env, okExitCodes: [0, 1, 128] });
      throw new InputError('MERGE_CONFLICT', `merging ${commit} conflicts; the merge was aborted. ${res.stdout.toString('utf8').trim()}`.trim());
    }
    const msg = `${res.stderr}\n${res.stdout.toString('utf8')}`.trim();
    if (/Not possible to fast-forward|not possible to fast-forward/i.test(msg)) {
      throw new InputError('MERGE_NOT_FAST_FORWARD', `the current branch cannot be fast-forwarded to ${commit}`);
    }
    if (/would be overwritten|commit your changes or stash|not uptodate|untracked working tree files/i.test(msg)) {
      throw new InputError('MERGE_BLOCKED', `local changes would be overwritten by the merge: ${msg}`);
    }
    throw new GitCommandError(args, res.exitCode, msg);
  }
  const head = await run.exec(top, ['rev-parse', '--verify', 'HEAD']);
  return { commit: head.stdout.toString('utf8').trim() };
}
