import { GuardrailError, InputError } from '../errors/index.js';
import { requireRun, type Engine } from './context.js';
import { faultPoint } from './fault.js';
import { blockWith, secretDecisions } from './guard.js';
import { snapshotUserTree } from './restore.js';

export interface MergeOptions {
  mode?: 'ff' | 'merge';
}

export interface MergeResult {
  runId: string;
  tag: string;
  commit: string;
  mergedAs: string;
  mode: 'ff' | 'merge';
  before: string;
  archivedAs: string;
  branchKept: boolean;
}

/**
 * `cee merge`: bring a verified run into the user's branch. Only when the latest checkpoint is verified (tests
 * green, secret scan clean, approvals given) and is the run's tip; the user's tree is snapshotted first.
 */
export async function merge(engine: Engine, options: MergeOptions = {}): Promise<MergeResult> {
  const { git } = engine.deps;
  const root = engine.repo.root;
  const state = await engine.readState();
  requireRun(state);
  if (state.phase === 'MERGED') throw new InputError('ALREADY_MERGED', `Run ${state.runId} is merged already.`);
  if (!state.lastCheckpoint) throw new GuardrailError('MERGE_NOT_VERIFIED', 'Nothing to merge: the run has no checkpoint yet.');
  const { meta } = await engine.checkpoints.get(state.lastCheckpoint);
  const tip = await git.readRef(root, state.branchRef);
  if (!meta.verified) {
    const v = meta.verification;
    throw new GuardrailError(
      'MERGE_NOT_VERIFIED',
      `Cannot merge: the latest checkpoint ${meta.tag} is not verified (tests ${v.tests}, secret scan ${v.secretScan}, approvals ${v.approvals}).`,
      [],
      { rule: { id: 'merge_requires_verified', file: 'built-in', key: 'merge' } },
    );
  }
  if (tip !== meta.commit) {
    throw new GuardrailError('MERGE_NOT_VERIFIED', `Cannot merge: the run branch has moved past ${meta.tag} (checkpoint the current step first).`);
  }
  const pendingStep = Object.entries(state.steps).find(([, s]) => ['applied', 'approved', 'tested', 'awaiting_approval'].includes(s.status));
  if (pendingStep) {
    throw new GuardrailError('MERGE_NOT_VERIFIED', `Cannot merge: step ${pendingStep[0]} has a change that is not checkpointed (${pendingStep[1].status}).`);
  }
  if (!engine.repo.branch) throw new InputError('DETACHED_HEAD', 'Cannot merge into a detached HEAD: check out the branch to merge into first.');
  // One last secret scan over everything the run adds, as git computes it (base → the checkpoint).
  const whole = await git.diffTrees(root, state.base.tree, meta.tree, { withLines: true });
  const secrets = secretDecisions(engine, whole);
  if (secrets.length) return blockWith(engine, state, null, secrets, `Merge of run ${state.runId}`);
  const mode = options.mode ?? engine.config.run.mergeMode;
  const before = await snapshotUserTree(engine, state, `merge of run ${state.runId}`);
  faultPoint('merge:after-snapshot');
  state.pending = { kind: 'merge', startedAt: new Date().toISOString(), pid: process.pid, data: { tag: meta.tag, before: before.tag, beforeTree: before.tree, head: engine.repo.head, target: meta.commit } };
  await engine.state.write(state);
  faultPoint('merge:after-pending');
  engine.reporter.progress(`merging ${meta.tag} into ${engine.repo.branch} (${mode === 'ff' ? 'fast-forward' : 'merge commit'})`);
  const merged = await git.mergeIntoCurrent(root, meta.commit, mode, `Merge CEE run ${state.runId}: ${state.plan?.objective ?? ''}`.trim());
  faultPoint('merge:after-merge');
  // Archive: keep the run reachable under refs/cee/archive, drop the branch if configured.
  const archivedAs = `refs/cee/archive/${state.runId}`;
  await git.updateRef(root, archivedAs, meta.commit);
  const keep = engine.config.run.keepBranchAfterMerge;
  if (!keep) await git.deleteRef(root, state.branchRef);
  await pruneArchives(engine);
  faultPoint('merge:after-archive');
  state.phase = 'MERGED';
  state.pending = null;
  await engine.state.write(state);
  await engine.ledger.append('merge', `Run ${state.runId} merged into ${engine.repo.branch} at ${merged.commit.slice(0, 12)} from ${meta.tag} (${mode}); your previous tree is ${before.tag}`, {
    runId: state.runId,
    tag: meta.tag,
    commit: merged.commit,
    before: before.tag,
    mode,
  });
  return { runId: state.runId, tag: meta.tag, commit: meta.commit, mergedAs: merged.commit, mode, before: before.tag, archivedAs, branchKept: keep };
}

/** Keep the newest `run.retainRuns` archives; checkpoints stay (their tags keep them reachable). */
async function pruneArchives(engine: Engine): Promise<void> {
  const refs = await engine.deps.git.listRefs(engine.repo.root, 'refs/cee/archive/');
  const sorted = refs.map((r) => r.ref).sort();
  const excess = sorted.length - engine.config.run.retainRuns;
  for (const ref of sorted.slice(0, Math.max(0, excess))) await engine.deps.git.deleteRef(engine.repo.root, ref);
}
