import path from 'node:path';
import { emptyState, SessionStateSchema, type CheckpointMetadata, type SessionState } from '../domain/state.js';
import { InputError, isCeeError } from '../errors/index.js';
import type { GitPort } from '../ports/git.js';
import { writeAtomic } from '../state/atomic.js';
import { renderPlanMarkdown } from '../domain/plan.js';
import type { Engine } from './context.js';
import { faultPoint } from './fault.js';
import { writeReadableCopy } from './checkpoint.js';
import { runCtx } from './edit.js';
import { timed } from './timings.js';

/** Where the last restore keeps what it replaced, so `cee restore --undo` can bring it back. */
export const UNDO_REF = 'refs/cee/restore-undo';
/** A blob with the replaced state and run tip (refs may point at blobs; this keeps it safe from gc). */
export const UNDO_STATE_REF = 'refs/cee/restore-undo-state';

export interface RestoreOptions {
  tag?: string;
  codeOnly?: boolean;
  stateOnly?: boolean;
  workdir?: boolean;
  undo?: boolean;
}

export interface RestoreResult {
  tag: string | null;
  restored: Array<'code' | 'state' | 'workdir'>;
  tree: string;
  snapshot: string | null;
  undone?: boolean;
}

/**
 * Optional extras of @cgce/git-adapter, used when the port offers them: provisioning from a tree the worktree
 * is known to hold (only the files that differ are rewritten) and several ref updates in one transaction.
 */
interface GitExtras {
  provisionWorktree(root: string, path: string, commit: string, options?: { knownTree?: string }): Promise<void>;
  updateRefs?(root: string, updates: ReadonlyArray<{ ref: string; oid: string; expectedOld?: string | null }>, message?: string): Promise<void>;
}
const extras = (git: GitPort) => git as GitPort & GitExtras;

/** The run worktree as just recorded: its tree, the branch tip and its tree, and the checkpoint made of it (if any). */
interface WorktreeSnapshot {
  tree: string;
  tip: string;
  tipTree: string;
  meta: CheckpointMetadata | null;
}

/**
 * Snapshot whatever the run worktree holds that no checkpoint has, as a checkpoint of its own. Returns what was
 * recorded even when nothing needed a checkpoint (then `meta` is null): the worktree and its index now hold
 * exactly `tree`, which lets the restore rewrite only the files that differ.
 */
async function snapshotWorktreeIfChanged(
  engine: Engine,
  state: SessionState,
  why: string,
  onTip?: (tip: string) => void,
): Promise<WorktreeSnapshot | null> {
  const { git } = engine.deps;
  const root = engine.repo.root;
  if (!state.worktree || !state.branchRef) return null;
  const branchRef = state.branchRef;
  const [tip, tipTree] = await Promise.all([git.readRef(root, branchRef), git.treeOf(root, branchRef).catch(() => null)]);
  if (!tip || !tipTree) return null;
  onTip?.(tip);
  let snap: Awaited<ReturnType<GitPort['snapshotWorktree']>>;
  try {
    snap = await git.snapshotWorktree(state.worktree, { maxUntrackedBytes: engine.config.guardrails.maxUntrackedFileBytes, baseTree: tipTree });
  } catch (e) {
    // No (longer a) worktree there: nothing to keep; provisioning makes a new one.
    if (isCeeError(e) && (e.code === 'NOT_A_WORKTREE' || e.code === 'WORKTREE_IS_MAIN')) return null;
    throw e;
  }
  if (snap.oversized?.length) {
    throw new InputError('UNTRACKED_TOO_LARGE', `Cannot snapshot the run worktree before ${why}: ${snap.oversized.map((o) => o.path).join(', ')} exceed guardrails.maxUntrackedFileBytes. Nothing was changed.`);
  }
  if (snap.tree === tipTree) return { tree: snap.tree, tip, tipTree, meta: null };
  const meta = await recordSideCheckpoint(engine, state, {
    kind: 'snapshot',
    tree: snap.tree,
    parent: tip,
    step: state.currentStep,
    message: `snapshot of uncommitted run changes before ${why}`,
  });
  return { tree: snap.tree, tip, tipTree, meta };
}

/** Snapshot the user's working tree as a checkpoint before a command changes it ("checkpoint before risk"). */
export async function snapshotUserTree(engine: Engine, state: SessionState, why: string): Promise<CheckpointMetadata> {
  const { git } = engine.deps;
  const root = engine.repo.root;
  const snap = await git.snapshotUserTree(root, { maxUntrackedBytes: engine.config.guardrails.maxUntrackedFileBytes });
  if (snap.oversized?.length) {
    throw new InputError('UNTRACKED_TOO_LARGE', `Cannot snapshot your working tree before ${why}: ${snap.oversized.map((o) => `${o.path} (${o.bytes} bytes)`).join(', ')} exceed guardrails.maxUntrackedFileBytes. Nothing was changed.`);
  }
  return recordSideCheckpoint(engine, state, { kind: 'before-risk', tree: snap.tree, parent: engine.repo.head, step: null, message: `your working tree before ${why}` });
}

/**
 * An unverified checkpoint of something CEE is about to replace (uncommitted run work, the user's tree): a commit
 * on `parent`, its `codex-cp-N` tag with the current state, the readable copy and a ledger entry.
 */
async function recordSideCheckpoint(
  engine: Engine,
  state: SessionState,
  side: { kind: 'snapshot' | 'before-risk'; tree: string; parent: string | null; step: number | null; message: string },
): Promise<CheckpointMetadata> {
  const root = engine.repo.root;
  const commit = await engine.deps.git.commitTree(root, { tree: side.tree, parents: side.parent ? [side.parent] : [], message: `CEE: ${side.message}` });
  const meta = await engine.checkpoints.create(() => ({
    kind: side.kind,
    message: side.message,
    runId: state.runId,
    step: side.step,
    commit,
    tree: side.tree,
    parent: side.parent,
    verified: false,
    verification: { tests: 'not-run', secretScan: 'not-run', approvals: 'not-required' },
    tests: null,
    secretFindings: [],
    state: JSON.parse(engine.redact(JSON.stringify(state))) as SessionState,
  }));
  await Promise.all([
    writeReadableCopy(engine, meta),
    engine.ledger.append('checkpoint', `${meta.tag}: ${side.message}`, { tag: meta.tag, commit, kind: side.kind }),
  ]);
  return meta;
}

/** The blob `restore --undo` reads: the state being replaced and the run tip. */
function undoBlob(engine: Engine, state: SessionState, tip: string | null): Promise<string> {
  return engine.deps.git.writeBlob(engine.repo.root, engine.redact(JSON.stringify({ kind: 'cee-restore-undo', tip, state })));
}

async function saveUndo(engine: Engine, state: SessionState, tree: string, tip: string | null, blobP?: Promise<string>): Promise<void> {
  const { git } = engine.deps;
  const root = engine.repo.root;
  const [blob, commit] = await Promise.all([
    blobP ?? undoBlob(engine, state, tip),
    git.commitTree(root, { tree, parents: tip ? [tip] : [], message: 'CEE: what the last restore replaced' }),
  ]);
  const { updateRefs } = extras(git);
  if (updateRefs) {
    await updateRefs.call(git, root, [
      { ref: UNDO_STATE_REF, oid: blob },
      { ref: UNDO_REF, oid: commit },
    ]);
    return;
  }
  await git.updateRef(root, UNDO_STATE_REF, blob);
  await git.updateRef(root, UNDO_REF, commit);
}

/**
 * `cee restore`: roll back the run's code (exact tree) and reasoning state to a checkpoint. Uncommitted work in
 * the run worktree is snapshotted first, and what was replaced is kept for `cee restore --undo`.
 */
export async function restore(engine: Engine, options: RestoreOptions): Promise<RestoreResult> {
  if (options.undo) return undoRestore(engine);
  if (!options.tag) throw new InputError('USAGE', 'cee restore needs a checkpoint tag (e.g. codex-cp-3) or --undo.');
  if (options.codeOnly && options.stateOnly) throw new InputError('USAGE', '--code-only and --state-only exclude each other.');
  const { git } = engine.deps;
  const root = engine.repo.root;
  // The checkpoint and the current state are read together; the checkpoint's error comes first.
  const [got, read] = await Promise.allSettled([engine.checkpoints.get(options.tag), engine.readState()]);
  if (got.status === 'rejected') throw got.reason;
  const { meta } = got.value;
  let current: SessionState;
  if (read.status === 'fulfilled') current = read.value;
  else {
    // A corrupt state is exactly what --state-only restores from.
    if (!(options.stateOnly || !options.codeOnly)) throw read.reason;
    engine.reporter.warn(`${(read.reason as Error).message.split('.')[0]}: it will be replaced by the checkpoint's state`);
    current = emptyState();
  }
  await engine.hooks.run('pre-restore', { run: runCtx(engine, current), checkpoint: { tag: meta.tag, commit: meta.commit } }, `restore:${meta.tag}`);
  const restored: RestoreResult['restored'] = [];
  let snapshotTag: string | null = null;

  if (options.workdir) {
    const before = await snapshotUserTree(engine, current, `restore --workdir ${meta.tag}`);
    snapshotTag = before.tag;
    current.pending = { kind: 'restore', startedAt: new Date().toISOString(), pid: process.pid, data: { tag: meta.tag, workdir: true, before: before.tag } };
    await engine.state.write(current);
    await git.restoreUserTree(root, meta.tree);
    current.pending = null;
    await engine.state.write(current);
    restored.push('workdir');
    await engine.ledger.append('restore', `Working tree restored to ${meta.tag} (previous contents kept as ${before.tag})`, { tag: meta.tag, before: before.tag });
    await engine.hooks.run('post-restore', { run: runCtx(engine, current), checkpoint: { tag: meta.tag, commit: meta.commit } }, `restore:${meta.tag}`);
    return { tag: meta.tag, restored, tree: meta.tree, snapshot: snapshotTag };
  }

  const restoredState = SessionStateSchema.parse(meta.state);
  const runId = restoredState.runId ?? current.runId ?? `restored-${meta.number}`;
  const branchRef = restoredState.branchRef ?? current.branchRef ?? `refs/heads/cee/run/${runId}`;
  // The undo blob (state + tip) does not depend on the snapshot: it is written while the snapshot runs.
  let blobP: Promise<string> | undefined;
  const snap = await timed('restore:snapshot', () =>
    snapshotWorktreeIfChanged(engine, current, `restore of ${meta.tag}`, (tip) => {
      blobP = undoBlob(engine, current, tip);
      blobP.catch(() => undefined);
    }),
  );
  snapshotTag = snap?.meta?.tag ?? null;
  // The snapshot does not move the run branch: its tip is still the one read there.
  const currentTip = snap ? snap.tip : current.branchRef ? await git.readRef(root, current.branchRef) : null;
  const undoTree = snap?.tree ?? (currentTip ? await git.treeOf(root, currentTip) : meta.tree);
  await timed('restore:undo', () => saveUndo(engine, current, undoTree, currentTip, snap ? blobP : undefined));
  faultPoint('restore:after-undo');

  const wt = engine.paths.worktree;
  // Right after the snapshot the worktree and its index hold exactly `snap.tree`: only what differs from the
  // checkpoint's tree is rewritten. Otherwise (no worktree yet, another path) the full provisioning runs.
  const knownTree = snap && current.worktree && path.resolve(current.worktree) === path.resolve(wt) ? snap.tree : undefined;
  const next: SessionState = options.codeOnly ? structuredClone(current) : { ...restoredState, worktree: wt };
  next.pending = null;
  if (!options.stateOnly) {
    engine.reporter.progress(`restoring ${meta.tag} into the run worktree`);
    next.pending = { kind: 'restore', startedAt: new Date().toISOString(), pid: process.pid, data: { tag: meta.tag } };
    await engine.state.write({ ...current, pending: next.pending });
    faultPoint('restore:after-pending');
    await timed('restore:provision', () =>
      knownTree ? extras(git).provisionWorktree(root, wt, meta.commit, { knownTree }) : git.provisionWorktree(root, wt, meta.commit),
    );
    faultPoint('restore:after-provision');
    if (meta.kind === 'step' || meta.kind === 'snapshot') await timed('restore:branch', () => git.updateRef(root, branchRef, meta.commit));
    faultPoint('restore:after-branch');
    next.worktree = wt;
    next.branchRef = branchRef;
    next.pending = null;
    restored.push('code');
  }
  if (!options.codeOnly) restored.push('state');
  next.restoredFrom = meta.tag;
  next.lastCheckpoint = meta.tag;
  if (!next.runId) next.runId = runId;
  await timed('restore:record', async () => {
    await engine.state.write(next);
    const plan = next.plan;
    // PLAN.md and the ledger are independent files: write them together.
    await Promise.all([
      plan
        ? writeAtomic(engine.paths.planMd, engine.redact(renderPlanMarkdown(plan, Object.fromEntries(Object.entries(next.steps).map(([k, v]) => [Number(k), v.status])))))
        : undefined,
      engine.ledger.append('restore', `Restored ${restored.join(' + ')} to ${meta.tag}${snapshotTag ? ` (uncommitted work kept as ${snapshotTag})` : ''}`, {
        tag: meta.tag,
        tree: meta.tree,
        restored,
        snapshot: snapshotTag,
      }),
    ]);
  });
  await engine.hooks.run('post-restore', { run: runCtx(engine, next), checkpoint: { tag: meta.tag, commit: meta.commit } }, `restore:${meta.tag}`);
  return { tag: meta.tag, restored, tree: meta.tree, snapshot: snapshotTag };
}

async function undoRestore(engine: Engine): Promise<RestoreResult> {
  const { git } = engine.deps;
  const root = engine.repo.root;
  const undo = await git.readRef(root, UNDO_REF);
  if (!undo) throw new InputError('NOTHING_TO_UNDO', 'There is no restore to undo.');
  const stateBlob = await git.readRef(root, UNDO_STATE_REF);
  const msg = stateBlob ? (await git.readBlob(root, stateBlob)).toString('utf8') : '';
  let parsed: { tip: string | null; state: unknown };
  try {
    parsed = JSON.parse(msg) as { tip: string | null; state: unknown };
  } catch {
    throw new InputError('UNDO_CORRUPT', `The undo record ${UNDO_REF} is unreadable.`);
  }
  const state = SessionStateSchema.parse(parsed.state);
  const tree = await git.treeOf(root, undo);
  const wt = engine.paths.worktree;
  if (state.worktree) {
    await git.provisionWorktree(root, wt, parsed.tip ?? undo);
    await git.resetWorktree(wt, tree);
  }
  if (state.branchRef && parsed.tip) await git.updateRef(root, state.branchRef, parsed.tip);
  await engine.state.write(state);
  await git.deleteRef(root, UNDO_REF);
  await git.deleteRef(root, UNDO_STATE_REF);
  await engine.ledger.append('restore', 'Last restore undone', { tree, tip: parsed.tip });
  return { tag: state.lastCheckpoint, restored: ['code', 'state'], tree, snapshot: null, undone: true };
}
