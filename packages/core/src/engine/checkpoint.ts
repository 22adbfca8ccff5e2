import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ChangeSet } from '../domain/change.js';
import type { CheckpointMetadata, SessionState } from '../domain/state.js';
import { InputError } from '../errors/index.js';
import { requireRun, type Engine } from './context.js';
import { faultPoint } from './fault.js';
import { approvalsNeeded, awaitingApproval, blockWith, secretDecisions } from './guard.js';
import { runCtx } from './edit.js';
import { timed } from './timings.js';

export interface CheckpointOptions {
  message?: string;
}

/** Built-in protections and secrets still apply to files that running the step wrote (test output, builds). */
function generatedFileDecisions(engine: Engine, change: ChangeSet, patchPaths: Set<string>) {
  const extra: ChangeSet = { ...change, files: change.files.filter((f) => !patchPaths.has(f.path)) };
  if (!extra.files.length) return [];
  const ctx = engine.policyContext(undefined);
  const builtIn = engine.deps.policy.evaluate(extra, ctx).filter((d) => d.source.file === 'built-in' && d.verdict === 'deny');
  // Built-ins include CEE's own config (the policy knows stateDir from the context).
  return [...builtIn, ...secretDecisions(engine, extra)];
}

export async function writeReadableCopy(engine: Engine, meta: CheckpointMetadata): Promise<void> {
  await mkdir(engine.paths.checkpointCopies, { recursive: true });
  await writeFile(path.join(engine.paths.checkpointCopies, `${meta.tag}.json`), `${engine.redact(JSON.stringify(meta, null, 2))}\n`);
}

/**
 * `cee checkpoint`: record the worktree as it is (untracked files included, ignored ones excluded), check what
 * running the step added, commit it on the run branch and tag it `codex-cp-N` with the metadata in the tag.
 */
export async function checkpoint(engine: Engine, options: CheckpointOptions = {}): Promise<CheckpointMetadata> {
  const { git } = engine.deps;
  const root = engine.repo.root;
  const state = await engine.readState();
  requireRun(state);
  const id = state.currentStep ?? 1;
  const step = state.steps[String(id)];
  if (step?.status === 'awaiting_approval') throw awaitingApproval(id, step.tier ?? 'high', step.tierReasons, approvalsNeeded(engine, step.tier ?? 'high'), 0);
  if (!step?.startCommit || !state.worktree || !['applied', 'approved', 'tested', 'failed'].includes(step.status)) {
    throw new InputError('NOTHING_TO_CHECKPOINT', `Step ${id} has no applied change to checkpoint${step ? ` (it is ${step.status})` : ''}.`);
  }
  const planStep = state.plan?.steps.find((s) => s.id === id);
  // The step's start tree: needed only when running the step changed the tree after the edit (the worktree's
  // index holds the step's patch tree, which is the snapshot's base).
  const startTree = () => git.treeOf(root, step.startCommit!);
  await engine.hooks.run('pre-checkpoint', { run: runCtx(engine, state), plan: state.plan, step: planStep }, `step:${id}`);
  // The checkpoint store may read the numbers in use meanwhile (@cgce/checkpoint's prepare()).
  (engine.checkpoints as { prepare?: () => void }).prepare?.();
  engine.reporter.progress('recording the worktree');
  const worktree = state.worktree;
  const snap = await timed('checkpoint:snapshot', async () =>
    git.snapshotWorktree(worktree, { maxUntrackedBytes: engine.config.guardrails.maxUntrackedFileBytes, baseTree: step.patchTree ?? (await startTree()) }),
  );
  if (snap.oversized?.length) {
    const list = snap.oversized.map((o) => `${o.path} (${o.bytes} bytes)`).join(', ');
    throw new InputError(
      'UNTRACKED_TOO_LARGE',
      `Refusing to checkpoint: untracked file(s) larger than guardrails.maxUntrackedFileBytes (${engine.config.guardrails.maxUntrackedFileBytes}): ${list}. Add them to .gitignore or raise the limit.`,
      { details: { oversized: snap.oversized } },
    );
  }
  // What `edit` evaluated is the patch tree; only a tree that differs from it (files written by running the
  // step) needs the built-in protections and the secret scan again.
  if (snap.tree !== step.patchTree) {
    const from = await startTree();
    const change = await timed('checkpoint:rescan', () => git.diffTrees(root, from, snap.tree, { withLines: true }));
    const denies = generatedFileDecisions(engine, change, new Set(step.changedFiles));
    if (denies.length) return blockWith(engine, state, id, denies, `Checkpoint of step ${id}`);
  }
  const tier = step.tier ?? 'low';
  const needed = approvalsNeeded(engine, tier);
  const testsState = step.tests ? (step.tests.ok ? 'passed' : 'failed') : 'not-run';
  const approvalsState = needed === 0 ? 'not-required' : step.status === 'approved' || (step.status !== 'applied' && state.approvals.some((a) => a.step === id && a.decision === 'approved' && a.at >= (step.editedAt ?? ''))) ? 'given' : 'missing';
  const verified = testsState === 'passed' && approvalsState !== 'missing';
  const message = options.message?.trim() || `Step ${id}: ${planStep?.title ?? 'checkpoint'}`;

  state.pending = { kind: 'checkpoint', startedAt: new Date().toISOString(), pid: process.pid, data: { step: id, tree: snap.tree, startCommit: step.startCommit } };
  // The commit is an unreferenced object until the tag names it, so it is written while the pending state is
  // saved (a crash before the tag leaves at most an object that gc prunes; recovery looks for the tag).
  const [, commit] = await timed('checkpoint:commit', () =>
    Promise.all([
      engine.state.write(state),
      git.commitTree(root, { tree: snap.tree, parents: [step.startCommit!], message: `${message}\n\nCEE run ${state.runId}, step ${id}` }),
    ]),
  );
  faultPoint('checkpoint:after-pending');
  faultPoint('checkpoint:after-commit');
  let next: SessionState | null = null;
  // The tag, the counter and the run branch (compare-and-swap on the step's start) move in one ref transaction.
  const meta = await timed('checkpoint:tag', () => engine.checkpoints.create((tag) => {
    const after: SessionState = structuredClone(state);
    after.pending = null;
    after.lastCheckpoint = tag;
    if (verified) after.lastVerifiedCheckpoint = tag;
    after.restoredFrom = null;
    after.phase = 'CHECKPOINTED';
    after.steps[String(id)] = { ...step, status: 'checkpointed', checkpoint: tag };
    after.reasoning.push({ at: new Date().toISOString(), step: id, text: `checkpoint ${tag}: ${verified ? 'verified' : 'not verified'}` });
    next = after;
    return {
      kind: 'step',
      message: engine.redact(message),
      runId: state.runId,
      step: id,
      commit,
      tree: snap.tree,
      parent: step.startCommit!,
      verified,
      verification: { tests: testsState, secretScan: 'clean', approvals: approvalsState },
      tests: step.tests ?? null,
      secretFindings: [],
      state: JSON.parse(engine.redact(JSON.stringify(after))) as SessionState,
    };
  }, { alsoUpdate: [{ ref: state.branchRef, oid: commit, expectedOld: step.startCommit }] }));
  faultPoint('checkpoint:after-tag');
  faultPoint('checkpoint:after-branch');
  await timed('checkpoint:record', async () => {
    await engine.state.write(next!);
    // The readable copy and the ledger are independent files: write them together.
    await Promise.all([
      writeReadableCopy(engine, meta),
      engine.ledger.append('checkpoint', `${meta.tag} on step ${id} (${verified ? 'verified' : 'not verified'}): ${meta.message}`, {
        tag: meta.tag,
        commit,
        tree: snap.tree,
        step: id,
        verified,
      }),
    ]);
  });
  await engine.hooks.run('post-checkpoint', { run: runCtx(engine, next!), plan: state.plan, step: planStep, checkpoint: { tag: meta.tag, commit } }, `step:${id}`);
  // CEE writes objects with plumbing, which never runs git's housekeeping: let git pack loose objects once
  // there are many (no git process at all below git's default threshold; the repository's gc settings apply).
  const { gcAuto } = git as typeof git & { gcAuto?: (root: string, commonDir: string) => Promise<boolean> };
  if (gcAuto) await timed('checkpoint:gc', () => gcAuto(root, engine.repo.commonDir)).catch(() => false);
  return meta;
}
