import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plan, Step } from '../domain/plan.js';
import { ApprovalRequiredError, CeeError, InputError, StepFailedError } from '../errors/index.js';
import { checkpoint } from './checkpoint.js';
import type { Engine } from './context.js';
import { edit } from './edit.js';
import { plan } from './plan.js';
import { test } from './test.js';

/**
 * The executor port of the autonomous cycle: proposes a unified diff for a step. Each attempt starts from the
 * step's starting tree; `lastFailure` tells a repairing executor what went wrong. Model engines implement
 * this; `patchDirExecutor` replays patches written by a person or another agent.
 */
export interface Executor {
  propose(input: { plan: Plan; step: Step; attempt: number; lastFailure?: { code: string; message: string } }): Promise<{ patch: Uint8Array; name: string } | null>;
}

/** `step-<N>.diff` for the first attempt, `step-<N>.attempt-<k>.diff` for later ones. */
export function patchDirExecutor(dir: string): Executor {
  return {
    async propose({ step, attempt }) {
      const name = attempt === 1 ? `step-${step.id}.diff` : `step-${step.id}.attempt-${attempt}.diff`;
      const file = path.join(dir, name);
      try {
        return { patch: await readFile(file), name: file };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
  };
}

export interface RunOptions {
  objective?: string;
  from?: string;
  executor: Executor;
  /** Attempts per step (default: the run settings' maxStepAttempts, at least 2). */
  maxAttempts?: number;
}

export interface RunStepReport {
  step: number;
  attempts: Array<{ patch: string; outcome: 'checkpointed' | 'rejected' | 'failed' | 'approval'; code?: string; message?: string }>;
  checkpoint?: string;
}

export interface RunReport {
  runId: string;
  steps: RunStepReport[];
  completed: boolean;
  lastCheckpoint: string | null;
}

/**
 * `cee run`: plan → for each step edit → test → checkpoint, retrying a failed step from its starting tree
 * within its attempt budget; a failed test already recovers the worktree to the last good checkpoint. Stops at
 * an approval gate (exit 4); `cee approve` then `cee run` again resumes where it stopped.
 */
export async function run(engine: Engine, options: RunOptions): Promise<RunReport> {
  let state = await engine.readState();
  if (options.from || !state.runId || state.phase === 'MERGED') {
    await plan(engine, { objective: options.objective, from: options.from });
    state = await engine.readState();
  }
  const thePlan = state.plan!;
  const maxAttempts = Math.max(2, options.maxAttempts ?? engine.config.run.maxStepAttempts);
  const report: RunReport = { runId: state.runId!, steps: [], completed: false, lastCheckpoint: state.lastCheckpoint };

  for (const step of thePlan.steps) {
    state = await engine.readState();
    const current = state.steps[String(step.id)];
    if (current?.status === 'checkpointed') continue;
    const stepReport: RunStepReport = { step: step.id, attempts: [] };
    report.steps.push(stepReport);
    let lastFailure: { code: string; message: string } | undefined;
    // A step that a person approved (or that was applied before a stop) goes straight on to test.
    let resume = current?.status === 'approved' || current?.status === 'applied' || current?.status === 'tested';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let name = 'resumed change';
      try {
        if (!resume) {
          const proposal = await options.executor.propose({ plan: thePlan, step, attempt, lastFailure });
          if (!proposal) {
            if (attempt === 1) throw new InputError('NO_PROPOSAL', `The executor proposed no change for step ${step.id}.`);
            break;
          }
          name = proposal.name;
          await edit(engine, { step: step.id, patch: proposal.patch, patchName: proposal.name });
        }
        resume = false;
        const after = await engine.readState();
        if (after.steps[String(step.id)]?.status !== 'tested') await test(engine);
        const meta = await checkpoint(engine, {});
        stepReport.attempts.push({ patch: name, outcome: 'checkpointed' });
        stepReport.checkpoint = meta.tag;
        report.lastCheckpoint = meta.tag;
        lastFailure = undefined;
        break;
      } catch (e) {
        if (e instanceof ApprovalRequiredError) {
          stepReport.attempts.push({ patch: name, outcome: 'approval', code: e.code, message: e.message });
          throw new ApprovalRequiredError(e.code, `${e.message} Then run \`cee run\` again to go on.`, { details: { ...(e.details ?? {}), run: report } });
        }
        // Retry what a better proposal can fix: guardrail denials, red tests, patches git cannot use.
        const retryable = e instanceof CeeError && (e.exit === 1 || e.exit === 3 || e.code.startsWith('PATCH_') || e.code.startsWith('GUARDRAIL_'));
        if (!retryable) throw e;
        resume = false;
        lastFailure = { code: e.code, message: e.message };
        stepReport.attempts.push({ patch: name, outcome: e.exit === 1 ? 'failed' : 'rejected', code: e.code, message: e.message });
        await engine.failure(e, step.id);
        engine.reporter.warn(`step ${step.id}, attempt ${attempt}/${maxAttempts}: ${e.message}`);
      }
    }
    if (lastFailure || !stepReport.checkpoint) {
      throw new StepFailedError('STEP_ATTEMPTS_EXHAUSTED', `Step ${step.id} did not pass within ${stepReport.attempts.length} attempt(s); the run stays at ${report.lastCheckpoint ?? 'its base'}. Last: ${lastFailure?.message ?? 'no proposal'}`, {
        details: { run: report },
      });
    }
  }
  report.completed = true;
  return report;
}
