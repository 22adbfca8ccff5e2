import type { ChangeSet } from '../domain/change.js';

/**
 * The git port: everything CEE asks of git. `@cgce/git-adapter` implements it with simple-git; nothing else
 * runs git. Every call runs git with hooks disabled, no fsmonitor, NTFS and HFS path protections on, no
 * prompts, and never touches the user's index, stash or current branch unless the method says so.
 *
 * Object ids are full hex strings. Paths are repository-relative with `/` separators unless named `*Path`
 * and documented as absolute.
 */
export interface RepoInfo {
  /** Absolute path of the working tree root (`rev-parse --show-toplevel`). */
  root: string;
  /** Absolute path of this worktree's git dir. */
  gitDir: string;
  /** Absolute path of the common git dir (shared by all worktrees; where refs and objects live). */
  commonDir: string;
  /** Commit HEAD points to, or null in a repository without commits. */
  head: string | null;
  /** Current branch short name, or null when detached. */
  branch: string | null;
}

export interface TagInfo {
  name: string;
  /** The tag object's id (annotated tags), or the commit id for lightweight tags. */
  tagOid: string;
  /** The commit the tag points to. */
  commit: string;
  /** The commit's tree. */
  tree: string;
  /** The annotated tag's message (empty for lightweight tags). */
  message: string;
  /** Tagger date, ISO-8601. */
  date: string;
}

export interface RefInfo {
  ref: string;
  oid: string;
}

export interface CommitSpec {
  tree: string;
  parents: string[];
  message: string;
}

export interface ApplyResult {
  /** The tree that results from applying the patch to the base tree (computed in a temporary index). */
  tree: string;
}

export interface SnapshotResult {
  tree: string;
  /** Untracked (now added) files larger than the cap: the snapshot was refused, nothing was recorded. */
  oversized?: Array<{ path: string; bytes: number }>;
}

export interface GitPort {
  /** Open the repository that contains `cwd`. Throws InputError(`NOT_A_REPO`) outside a git repository. */
  open(cwd: string): Promise<RepoInfo>;

  /** `rev-parse --verify --quiet <rev>^{commit}`; null when it does not resolve. */
  resolveCommit(root: string, rev: string): Promise<string | null>;
  /** The tree of a commit-ish. */
  treeOf(root: string, commitish: string): Promise<string>;
  /** The empty tree's id (for the first commit of an empty repository). */
  emptyTree(root: string): Promise<string>;

  // --- refs ---------------------------------------------------------------------------------------
  readRef(root: string, ref: string): Promise<string | null>;
  /**
   * Atomically set `ref` to `oid`. `expectedOld`: a hex id the ref must currently have; `null` means
   * the ref must not exist yet (atomic create); `undefined` means no check. Throws on a failed check.
   */
  updateRef(root: string, ref: string, oid: string, expectedOld?: string | null): Promise<void>;
  deleteRef(root: string, ref: string): Promise<void>;
  /** All refs under a prefix such as `refs/cee/` (or under any of several prefixes), sorted by name. */
  listRefs(root: string, prefix: string | readonly string[]): Promise<RefInfo[]>;

  // --- objects ------------------------------------------------------------------------------------
  writeBlob(root: string, data: string | Uint8Array): Promise<string>;
  readBlob(root: string, oid: string): Promise<Buffer>;
  /** The bytes of `path` in a tree-ish, or null when absent. */
  readFileAt(root: string, treeish: string, path: string): Promise<Buffer | null>;
  /** `commit-tree` with CEE's identity (or the user's when configured). Returns the commit id. */
  commitTree(root: string, spec: CommitSpec): Promise<string>;

  // --- tags -----------------------------------------------------------------------------------------
  /**
   * Create an annotated tag `refs/tags/<name>` on `commit` with `message`, atomically: throws
   * InputError(`TAG_EXISTS`) when the tag exists already (never overwrites).
   */
  createTag(root: string, name: string, commit: string, message: string): Promise<string>;
  /** One tag, or null. */
  readTag(root: string, name: string): Promise<TagInfo | null>;
  /** Tags matching a for-each-ref pattern (e.g. `refs/tags/codex-cp-*`), in one git call. */
  listTags(root: string, pattern: string): Promise<TagInfo[]>;

  // --- worktrees --------------------------------------------------------------------------------------
  /**
   * Make `path` a detached worktree of the repository at `commit`, reusing it when it exists already:
   * then only what differs is rewritten (`reset --hard` + `clean -fd`, ignored files kept).
   */
  provisionWorktree(root: string, path: string, commit: string): Promise<void>;
  /** Remove a worktree (and prune its administrative files). */
  removeWorktree(root: string, path: string): Promise<void>;
  /** Paths of registered worktrees. */
  listWorktrees(root: string): Promise<string[]>;

  /**
   * Check a patch with `git apply --check` against `baseTree`, then apply it to a temporary index
   * seeded with `baseTree` (`apply --cached`) and write the resulting tree. Never touches any working
   * tree. Throws InputError(`PATCH_MALFORMED`) when git cannot parse it, InputError(`PATCH_DOES_NOT_APPLY`)
   * when it does not apply, with git's own message.
   */
  applyPatchToTree(root: string, baseTree: string, patch: Uint8Array, options?: { seedIndexFrom?: string }): Promise<ApplyResult>;
  /** `git apply --numstat --summary -z`: how many file patches git itself sees in the patch, and their paths. */
  patchFiles(root: string, patch: Uint8Array): Promise<Array<{ path: string; oldPath?: string }>>;

  /**
   * The change between two trees as git computes it: `diff-tree -r -z -M --raw` with numstat, plus the
   * added (and deleted) lines of text files when `withLines` is set. Cost scales with the change.
   */
  diffTrees(root: string, fromTree: string, toTree: string, options?: { withLines?: boolean }): Promise<ChangeSet>;

  /**
   * Move the worktree at `worktreePath` from tree `fromTree` (its current index) to `toTree`, touching only
   * the files that differ (`read-tree -m -u`). Fails, changing nothing, if a file to update is dirty.
   */
  checkoutTree(worktreePath: string, fromTree: string, toTree: string): Promise<void>;
  /** Hard-reset a worktree's files and index to `tree`, then remove untracked files (ignored files kept). */
  resetWorktree(worktreePath: string, tree: string): Promise<void>;

  /**
   * Record the worktree as it is, untracked files included (ignored ones excluded), in the worktree's own
   * index, and return the tree. Refuses (returns `oversized`, index unchanged) when an untracked file is
   * larger than `maxUntrackedBytes`.
   */
  snapshotWorktree(worktreePath: string, options: { maxUntrackedBytes: number; baseTree: string }): Promise<SnapshotResult>;
  /**
   * Record the user's working tree as a tree using a temporary index file: the user's index is not touched.
   */
  snapshotUserTree(root: string, options: { maxUntrackedBytes: number }): Promise<SnapshotResult>;
  /** Tracked and untracked-but-not-ignored files of a working tree, repository-relative. */
  listFiles(root: string): Promise<string[]>;
  /** The tree of the user's index (the staged change), via a temporary copy of the index file. */
  indexTree(root: string): Promise<string>;
  /** True when the worktree (or the user's tree) has uncommitted changes, untracked files included. */
  isDirty(worktreePath: string): Promise<boolean>;
  /** Changed paths in a worktree relative to its HEAD/index base (porcelain -z), for `status`. */
  changedPaths(worktreePath: string, baseTree: string): Promise<string[]>;

  // --- the user's branch (only merge and restore --workdir call these) ----------------------------------
  /** Fast-forward (or merge with a merge commit) the user's current branch to `commit`, updating the working tree. */
  mergeIntoCurrent(root: string, commit: string, mode: 'ff' | 'merge', message: string): Promise<{ commit: string }>;
  /** Replace the user's working tree and index with `tree`, keeping HEAD (restore --workdir). */
  restoreUserTree(root: string, tree: string): Promise<void>;

  // --- remotes -------------------------------------------------------------------------------------------
  push(root: string, remote: string, refspecs: string[]): Promise<void>;
  fetch(root: string, remote: string, refspecs: string[]): Promise<void>;
}
