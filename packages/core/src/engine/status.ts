import type { SessionState } from '../domain/state.js';
import type { Engine } from './context.js';
import { defaultStep } from './edit.js';

export interface StatusReport {
  runId: string | null;
  objective: string | null;
  currentState: string;
  checkpoint: string | null;
  filesModified: number;
  maxFiles: number;
  testsPassed: number;
  testsTotal: number;
  nextAction: string;
  step: number | null;
  steps: Array<{ id: number; title: string; status: string; checkpoint?: string }>;
  pending: SessionState['pending'];
  worktree: string | null;
  branch: string | null;
}

function nextAction(state: SessionState): string {
  if (!state.runId || !state.plan) return 'Plan (cee plan --from plan.json)';
  if (state.phase === 'MERGED') return 'Plan the next objective (cee plan)';
  const id = state.currentStep ?? 1;
  const step = state.steps[String(id)];
  switch (step?.status) {
    case 'awaiting_approval':
      return `Approve step ${id} (cee approve --step ${id} --by <name>)`;
    case 'applied':
    case 'approved':
      return `Test step ${id} (cee test)`;
    case 'tested':
      return `Checkpoint step ${id} (cee checkpoint)`;
    case 'failed':
      return `Fix step ${id} (cee edit --step ${id}) or restore (cee restore ${state.lastVerifiedCheckpoint ?? '<tag>'})`;
    case 'checkpointed': {
      const next = defaultStep(state);
      if (next !== id) return `Edit step ${next} (cee edit --step ${next})`;
      return 'Merge + Archive';
    }
    default:
      return `Edit step ${id} (cee edit --step ${id} --patch <file>)`;
  }
}

function currentState(state: SessionState): string {
  if (!state.runId) return 'IDLE';
  const id = state.currentStep ?? 1;
  if (state.phase === 'MERGED') return 'MERGED';
  if (state.phase === 'AWAITING_APPROVAL') return `AWAITING_APPROVAL_PHASE_${id}`;
  if (state.phase === 'FAILED') return `FAILED_PHASE_${id}`;
  if (state.phase === 'PLANNED' && Object.keys(state.steps).length === 0) return 'PLANNED';
  return `EXECUTING_PHASE_${id}`;
}

/** `cee status`: where the session stands, from real state. */
export async function status(engine: Engine): Promise<StatusReport> {
  const state = await engine.readState();
  const id = state.currentStep;
  const step = id ? state.steps[String(id)] : undefined;
  return {
    runId: state.runId,
    objective: state.plan?.objective ?? null,
    currentState: currentState(state),
    checkpoint: state.restoredFrom ?? state.lastCheckpoint,
    filesModified: step?.changedFiles.length ?? 0,
    maxFiles: engine.config.guardrails.maxFilesPerStep,
    testsPassed: step?.tests?.passed ?? 0,
    testsTotal: step?.tests?.total ?? 0,
    nextAction: nextAction(state),
    step: id,
    steps: (state.plan?.steps ?? []).map((s) => ({
      id: s.id,
      title: s.title,
      status: state.steps[String(s.id)]?.status ?? 'pending',
      ...(state.steps[String(s.id)]?.checkpoint ? { checkpoint: state.steps[String(s.id)]!.checkpoint! } : {}),
    })),
    pending: state.pending,
    worktree: state.worktree,
    branch: state.branchRef?.replace('refs/heads/', '') ?? null,
  };
}
