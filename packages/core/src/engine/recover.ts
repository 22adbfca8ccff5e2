import { SessionStateSchema, type SessionState } from '../domain/state.js';
import type { Engine } from './context.js';
import { writeReadableCopy } from './checkpoint.js';

export interface RecoveryReport {
  operation: string | null;
  action: 'none' | 'rolled-back' | 'rolled-forward';
  detail: string;
}

/**
 * Finish or roll back an operation that a crashed cee left half done (state.pending). Called with the lock
 * held, so the operation's process is gone. Every branch below is idempotent: a crash during recovery is
 * recovered the same way next time.
 */
export async function recoverInterrupted(engine: Engine): Promise<RecoveryReport> {
  let state: SessionState;
  try {
    state = await engine.readState();
  } catch {
    return { operation: null, action: 'none', detail: 'state unreadable; nothing recovered' };
  }
  const pending = state.pending;
  if (!pending || pending.pid === process.pid) return { operation: null, action: 'none', detail: 'nothing interrupted' };
  const { git } = engine.deps;
  const root = engine.repo.root;
  const data = pending.data as Record<string, string | number | undefined>;
  let report: RecoveryReport;

  switch (pending.kind) {
    case 'edit': {
      // The worktree may be half moved: put it back where the recorded state says it is.
      const step = state.steps[String(data.step)];
      const start = String(data.startCommit ?? '');
      if (start && state.worktree) {
        await git.provisionWorktree(root, state.worktree, step?.startCommit ?? start);
        if (step?.patchTree && step.status !== 'rejected' && step.status !== 'checkpointed') await git.resetWorktree(state.worktree, step.patchTree);
      }
      report = { operation: 'edit', action: 'rolled-back', detail: `interrupted edit of step ${data.step} discarded; the worktree is back at the recorded state` };
      break;
    }
    case 'checkpoint': {
      const done = (await engine.checkpoints.list()).find(
        (c) => c.kind === 'step' && c.step === data.step && c.runId === state.runId && c.tree === data.tree && c.createdAt >= pending.startedAt,
      );
      if (done) {
        const { meta } = await engine.checkpoints.get(done.tag);
        if (state.branchRef) {
          const tip = await git.readRef(root, state.branchRef);
          if (tip !== meta.commit) await git.updateRef(root, state.branchRef, meta.commit);
        }
        state = SessionStateSchema.parse({ ...meta.state, pending: null });
        await writeReadableCopy(engine, meta);
        report = { operation: 'checkpoint', action: 'rolled-forward', detail: `checkpoint ${meta.tag} was created; the run branch and state now point to it` };
      } else {
        report = { operation: 'checkpoint', action: 'rolled-back', detail: `interrupted checkpoint of step ${data.step} discarded (no tag was created)` };
      }
      break;
    }
    case 'restore': {
      const tag = String(data.tag);
      if (data.workdir) {
        const { meta } = await engine.checkpoints.get(tag);
        await git.restoreUserTree(root, meta.tree);
        report = { operation: 'restore', action: 'rolled-forward', detail: `working tree restored to ${tag}` };
        break;
      }
      const { meta } = await engine.checkpoints.get(tag);
      const restored = SessionStateSchema.parse(meta.state);
      const wt = engine.paths.worktree;
      await git.provisionWorktree(root, wt, meta.commit);
      const branchRef = restored.branchRef ?? state.branchRef;
      if (branchRef && (meta.kind === 'step' || meta.kind === 'snapshot')) await git.updateRef(root, branchRef, meta.commit);
      state = { ...restored, worktree: wt, branchRef, restoredFrom: tag, lastCheckpoint: tag, pending: null };
      report = { operation: 'restore', action: 'rolled-forward', detail: `restore of ${tag} completed` };
      break;
    }
    case 'merge': {
      const target = String(data.target);
      const head = await git.resolveCommit(root, 'HEAD');
      if (head && head !== String(data.head) && (head === target || (await git.resolveCommit(root, `${head}^2`)) === target)) {
        if (state.runId) await git.updateRef(root, `refs/cee/archive/${state.runId}`, target);
        state.phase = 'MERGED';
        report = { operation: 'merge', action: 'rolled-forward', detail: `merge of ${data.tag} had completed; the run is archived` };
      } else {
        const now = await git.snapshotUserTree(root, { maxUntrackedBytes: Number.MAX_SAFE_INTEGER });
        if (now.tree !== data.beforeTree && data.beforeTree) {
          await git.restoreUserTree(root, String(data.beforeTree));
          report = { operation: 'merge', action: 'rolled-back', detail: `interrupted merge rolled back: your working tree is restored from ${data.before}` };
        } else {
          report = { operation: 'merge', action: 'rolled-back', detail: 'interrupted merge had not changed your working tree' };
        }
      }
      break;
    }
    default:
      report = { operation: pending.kind, action: 'rolled-back', detail: `interrupted ${pending.kind} cleared` };
  }
  state.pending = null;
  await engine.state.write(state);
  await engine.ledger.append('recovery', `Recovered an interrupted ${pending.kind} (pid ${pending.pid}, ${pending.startedAt}): ${report.detail}`, {
    operation: pending.kind,
    action: report.action,
  });
  engine.reporter.warn(`recovered an interrupted ${pending.kind}: ${report.detail}`);
  return report;
}
