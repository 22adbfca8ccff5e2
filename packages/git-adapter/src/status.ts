import { type GitRunner, IN_WORKTREE } from './runner.js';

/** What differs between a CEE worktree's files and its index, from one `git status`. */
export interface WorktreeStatus {
  /** Tracked paths whose file differs from the index entry (modified, deleted, type change), gitlinks excluded. */
  changed: string[];
  /**
   * The subset of `changed` git sees as deleted. Such a path may now be a folder: status lists no untracked
   * files under a tracked path, so callers look there themselves.
   */
  deleted: string[];
  /** Submodules (gitlinks) whose checked-out commit differs from the index. */
  gitlinks: string[];
  /** Untracked, not ignored: files, and folders (ending in `/`) whose content is all untracked. */
  untracked: string[];
  /** The index has conflict entries (never the case in a CEE worktree; callers then take the slow path). */
  unmerged: boolean;
}

/**
 * `git status --porcelain=v2 -z` in a CEE worktree, with the untracked cache and index preloading on
 * (WORKTREE_CONFIG) and optional locks allowed, so the refreshed stat data and the untracked cache are
 * written back into the worktree's own index: the next call then skips folders whose mtime did not change.
 * One stat pass over the tracked files, like `add -A`, but no full walk of the folders.
 * Only for CEE's own worktrees: the user's index is never written this way. `pathspec` (from a ChangeTracker's
 * trusted window) limits both the stat pass and the search for untracked files to what changed.
 */
export async function worktreeStatus(run: GitRunner, top: string, pathspec?: readonly string[] | null): Promise<WorktreeStatus> {
  const res = await run.exec(
    top,
    ['status', '--porcelain=v2', '-z', '--untracked-files=normal', '--no-renames', '--ignore-submodules=dirty', ...(pathspec ? ['--', ...pathspec] : [])],
    { ...IN_WORKTREE, env: { GIT_OPTIONAL_LOCKS: '1' } },
  );
  return parseStatusV2(res.stdout);
}

/** Parse `status --porcelain=v2 -z` (exported for unit tests). */
export function parseStatusV2(out: Buffer | string): WorktreeStatus {
  const fields = (typeof out === 'string' ? out : out.toString('utf8')).split('\0');
  const result: WorktreeStatus = { changed: [], deleted: [], gitlinks: [], untracked: [], unmerged: false };
  for (let i = 0; i < fields.length; i++) {
    const rec = fields[i]!;
    if (rec === '') continue;
    const kind = rec[0];
    if (kind === '?') {
      result.untracked.push(rec.slice(2));
    } else if (kind === '1' || kind === '2') {
      // 1 XY sub mH mI mW hH hI path            2 XY sub mH mI mW hH hI Xscore path NUL origPath
      const parts = rec.split(' ');
      const head = kind === '1' ? 8 : 9;
      const path = parts.slice(head).join(' ');
      if (kind === '2') i++; // the original path of a rename/copy (index vs HEAD): not needed
      const y = parts[1]![1];
      if (y === '.') continue; // the file matches the index (a staged-only change)
      if (parts[2]!.startsWith('S')) result.gitlinks.push(path);
      else {
        result.changed.push(path);
        if (y === 'D') result.deleted.push(path);
      }
    } else if (kind === 'u') {
      result.unmerged = true;
    }
    // '!' (ignored) is never asked for.
  }
  return result;
}
