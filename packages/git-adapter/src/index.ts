import type { ApplyResult, GitPort } from '@cgce/core';
import { type ApplyOptions, applyPatchToTree, patchFiles } from './apply.js';
import { diffTrees } from './diff.js';
import { commitTree, gcAuto, readBlob, readFileAt, writeBlob } from './objects.js';
import { deleteRef, emptyTree, listRefs, type RefUpdate, readRef, resolveCommit, treeOf, updateRef, updateRefs } from './refs.js';
import { fetch, open, push } from './repo.js';
import { createRunner, type GitAdapterOptions, type GitRunner } from './runner.js';
import { indexTree, listFiles, snapshotUserTree, snapshotWorktree } from './snapshots.js';
import { createTag, createTagObject, listTags, readTag } from './tags.js';
import { createLocalObjects } from './local.js';
import { createBlobBatcher } from './batch-read.js';
import { instrument } from './timings.js';
import {
  changedPaths,
  checkoutTree,
  isDirty,
  listWorktrees,
  mergeIntoCurrent,
  type ProvisionOptions,
  provisionWorktree,
  removeWorktree,
  resetWorktree,
  restoreUserTree,
} from './worktrees.js';

export type { ApplyOptions } from './apply.js';
export type { RefUpdate } from './refs.js';
export type { ProvisionOptions } from './worktrees.js';
export { parseStatusV2, type WorktreeStatus } from './status.js';
export { applyError, parseApplyNumstat } from './apply.js';
export { parsePatchSections, parseRawNumstat } from './diff.js';
export { CEE_IDENTITY, type Identity } from './identity.js';
export { createRunner, GitCommandError, type GitAdapterOptions, type GitRunner, SAFETY_CONFIG, gitEnv } from './runner.js';
export { parseTagRecords } from './tags.js';
export { type ChangeTracker, type ChangeWindow, MAX_PATHSPEC_PATHS, type WorktreeDirs } from './changes.js';
export { createWatchTracker, type WatchTrackerOptions } from './watch.js';

/**
 * The GitPort, plus the adapter's optional extras: the 4th parameter of applyPatchToTree and of
 * provisionWorktree, atomic multi-ref updates and unpublished tag objects (what @cgce/checkpoint uses, when
 * present, to create a checkpoint in fewer git processes).
 */
export interface GitAdapter extends GitPort {
  applyPatchToTree(root: string, baseTree: string, patch: Uint8Array, options?: ApplyOptions): Promise<ApplyResult>;
  provisionWorktree(root: string, path: string, commit: string, options?: ProvisionOptions): Promise<void>;
  /** Several ref updates in one transaction: all or none. InputError(`REF_CONFLICT`) names the ref that failed its check. */
  updateRefs(root: string, updates: readonly RefUpdate[], message?: string): Promise<void>;
  /** The annotated tag object createTag would publish, written but not referenced by any ref. */
  createTagObject(root: string, name: string, commit: string, message: string): Promise<string>;
  /** `git gc --auto`, but only once the loose objects (estimated without git) pass git's default threshold. */
  gcAuto(root: string, commonDir: string): Promise<boolean>;
  /** The runner every call goes through (for tests and tools that need one more plumbing call). */
  readonly runner: GitRunner;
}

/**
 * Create the git adapter: the only code in CEE that runs git. Every call runs with hooks disabled, no
 * fsmonitor, NTFS/HFS path protections, no signing, no prompts, `LC_ALL=C`, and without inherited
 * `GIT_DIR`/`GIT_WORK_TREE`/`GIT_INDEX_FILE` (see README.md).
 */
export function createGitAdapter(options: GitAdapterOptions = {}): GitAdapter {
  const run = createRunner(options);
  const local = createLocalObjects(run, options);
  const blobs = createBlobBatcher(run);
  const adapter: GitAdapter = {
    runner: run,
    open: async (cwd) => {
      const info = await open(run, cwd);
      local.opened(info);
      return info;
    },
    resolveCommit: (root, rev) => resolveCommit(run, root, rev),
    treeOf: (root, commitish) => treeOf(run, root, commitish),
    emptyTree: (root) => emptyTree(run, root),

    readRef: (root, ref) => readRef(run, root, ref),
    updateRef: (root, ref, oid, expectedOld) => updateRef(run, root, ref, oid, expectedOld),
    updateRefs: (root, updates, message) => updateRefs(run, root, updates, message),
    deleteRef: (root, ref) => deleteRef(run, root, ref),
    listRefs: (root, prefix) => listRefs(run, root, prefix),

    writeBlob: (root, data) => writeBlob(run, root, data, local),
    readBlob: (root, oid) => readBlob(run, root, oid),
    readFileAt: (root, treeish, path) => readFileAt(run, root, treeish, path, blobs),
    commitTree: (root, spec) => commitTree(run, root, spec, local),
    gcAuto: (root, commonDir) => gcAuto(run, root, commonDir),

    createTag: (root, name, commit, message) => createTag(run, root, name, commit, message, local),
    createTagObject: (root, name, commit, message) => createTagObject(run, root, name, commit, message, local),
    readTag: (root, name) => readTag(run, root, name),
    listTags: (root, pattern) => listTags(run, root, pattern),

    provisionWorktree: (root, path, commit, opts) => provisionWorktree(run, root, path, commit, opts),
    removeWorktree: (root, path) => removeWorktree(run, root, path),
    listWorktrees: (root) => listWorktrees(run, root),

    applyPatchToTree: (root, baseTree, patch, opts) => applyPatchToTree(run, root, baseTree, patch, opts),
    patchFiles: (root, patch) => patchFiles(run, root, patch),
    diffTrees: (root, fromTree, toTree, opts) => diffTrees(run, root, fromTree, toTree, opts),

    checkoutTree: (wt, fromTree, toTree) => checkoutTree(run, wt, fromTree, toTree),
    resetWorktree: (wt, tree) => resetWorktree(run, wt, tree),
    snapshotWorktree: (wt, opts) => snapshotWorktree(run, wt, opts),
    snapshotUserTree: (root, opts) => snapshotUserTree(run, root, opts),
    indexTree: (root) => indexTree(run, root),
    listFiles: (root) => listFiles(run, root),
    isDirty: (wt) => isDirty(run, wt),
    changedPaths: (wt, baseTree) => changedPaths(run, wt, baseTree),

    mergeIntoCurrent: (root, commit, mode, message) => mergeIntoCurrent(run, root, commit, mode, message),
    restoreUserTree: (root, tree) => restoreUserTree(run, root, tree),

    push: (root, remote, refspecs) => push(run, root, remote, refspecs),
    fetch: (root, remote, refspecs) => fetch(run, root, remote, refspecs),
  };
  // CEE_TIMINGS=1: record every port call as `git.<method>` (a no-op otherwise).
  return instrument(adapter, 'git');
}
