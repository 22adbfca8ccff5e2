import { InputError } from '../errors/index.js';
import { requireRun, type Engine } from './context.js';
import { approvalsNeeded } from './guard.js';

export interface ApproveOptions {
  step?: number;
  by: string;
  comment?: string;
  decision: 'approved' | 'rejected';
}

export interface ApproveResult {
  step: number;
  decision: 'approved' | 'rejected';
  by: string;
  approvals: number;
  needed: number;
  status: string;
}

/**
 * `cee approve` / `cee reject`: record who decided, when and why. Enough approvals let the step go on to
 * test and checkpoint; a rejection discards the pending change from the run's worktree.
 */
export async function approve(engine: Engine, options: ApproveOptions): Promise<ApproveResult> {
  const state = await engine.readState();
  requireRun(state);
  const id = options.step ?? state.currentStep ?? 1;
  const step = state.steps[String(id)];
  if (step?.status !== 'awaiting_approval') {
    throw new InputError('NOT_AWAITING_APPROVAL', `Step ${id} is not waiting for approval${step ? ` (it is ${step.status})` : ''}.`);
  }
  if (!/^[^\s<>][^<>\n]{0,99}$/.test(options.by)) throw new InputError('BAD_APPROVER', `--by must name a person (1–100 characters, no newlines): got "${options.by}"`);
  const tier = step.tier ?? 'high';
  const at = new Date().toISOString();
  state.approvals.push({ step: id, by: options.by, decision: options.decision, comment: engine.redact(options.comment ?? ''), at, tier });
  state.feedback.push({ at, by: options.by, step: id, text: engine.redact(`${options.decision}${options.comment ? `: ${options.comment}` : ''}`) });
  const needed = Math.max(1, approvalsNeeded(engine, tier));
  const approvers = new Set(state.approvals.filter((a) => a.step === id && a.decision === 'approved' && a.at >= (step.editedAt ?? '')).map((a) => a.by));
  if (options.decision === 'rejected') {
    step.status = 'rejected';
    state.phase = 'PLANNED';
    if (step.startCommit && state.worktree) {
      const tree = await engine.deps.git.treeOf(engine.repo.root, step.startCommit);
      await engine.deps.git.resetWorktree(state.worktree, tree);
    }
  } else if (approvers.size >= needed) {
    step.status = 'approved';
    state.phase = 'EDITED';
  }
  await engine.state.write(state);
  await engine.ledger.append(
    'approval',
    `Step ${id} ${options.decision} by ${options.by}${options.comment ? `: ${options.comment}` : ''} (${approvers.size}/${needed})`,
    { step: id, by: options.by, decision: options.decision, tier },
  );
  return { step: id, decision: options.decision, by: options.by, approvals: approvers.size, needed, status: step.status };
}
