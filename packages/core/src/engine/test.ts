import type { SessionState, TestResult } from '../domain/state.js';
import { InputError, StepFailedError } from '../errors/index.js';
import { runValidation } from '../validation/run.js';
import { requireRun, type Engine } from './context.js';
import { approvalsNeeded, awaitingApproval } from './guard.js';
import { runCtx } from './edit.js';

export interface TestOptions {
  onOutput?: (chunk: string) => void;
}

/**
 * `cee test`: static analysis and the targeted test suites in the step's worktree; records pass/fail counts.
 * Exit 1 (StepFailedError) when anything fails, after the result is recorded.
 */
export async function test(engine: Engine, options: TestOptions = {}): Promise<{ step: number; result: TestResult; findings: unknown[] }> {
  const state = await engine.readState();
  requireRun(state);
  const id = state.currentStep ?? 1;
  const step = state.steps[String(id)];
  if (!step || !['applied', 'approved', 'tested'].includes(step.status) || !state.worktree) {
    if (step?.status === 'awaiting_approval') throw awaitingApproval(id, step.tier ?? 'high', step.tierReasons, approvalsNeeded(engine, step.tier ?? 'high'), 0);
    throw new InputError('NOTHING_TO_TEST', `Step ${id} has no applied change to test: run \`cee edit --step ${id} --patch <file>\` first.`);
  }
  const planStep = state.plan?.steps.find((s) => s.id === id);
  const base = { run: runCtx(engine, state), plan: state.plan, step: planStep, change: { files: step.changedFiles.map((p) => ({ path: p, status: 'M' })) } };
  const findings: Array<{ file: string; line?: number; message: string; severity: string; plugin: string }> = [];
  for (const { plugin, result } of await engine.hooks.run('pre-validation', base, `step:${id}`)) {
    for (const f of (result as { findings?: Array<{ file: string; line?: number; message: string; severity: string }> } | undefined)?.findings ?? []) {
      findings.push({ ...f, plugin });
    }
  }
  const { validation } = engine.config;
  if (validation.static.length + validation.tests.length === 0) {
    engine.reporter.warn('no validation commands are configured (`validation.static`, `validation.tests`): nothing to run');
  }
  engine.reporter.progress(`running ${validation.static.length + validation.tests.length} validation command(s) in the run worktree`);
  // Only existing (not deleted) files are handed to targeted commands.
  const existing = [];
  for (const p of step.changedFiles) if (await engine.deps.git.readFileAt(engine.repo.root, step.patchTree ?? 'HEAD', p)) existing.push(p);
  const result = await runValidation(validation, state.worktree, existing, options.onOutput);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length) result.ok = false;
  step.tests = result;
  step.status = result.ok ? 'tested' : 'failed';
  state.phase = result.ok ? 'TESTED' : 'FAILED';
  state.reasoning.push({ at: result.at, step: id, text: `test: ${result.passed} passed, ${result.failed} failed${errors.length ? `, ${errors.length} extension finding(s)` : ''}` });
  await engine.state.write(state);
  await engine.ledger.append('test', `Step ${id} tested: ${result.passed} passed, ${result.failed} failed${errors.length ? `, ${errors.length} finding(s)` : ''}`, {
    step: id,
    passed: result.passed,
    failed: result.failed,
    commands: result.commands.map((c) => ({ command: c.command, exitCode: c.exitCode, source: c.source })),
  });
  await engine.hooks.run('post-validation', { ...base, tests: { passed: result.passed, failed: result.failed } }, `step:${id}`);
  if (!result.ok) {
    const kept = await recoverFailedStep(engine, state, id);
    engine.reporter.warn(`step ${id} failed: the run worktree is back at ${kept.recoveredTo}; the failed attempt is kept as ${kept.ref}`);
    const first = errors[0];
    throw new StepFailedError(
      first ? 'EXTENSION_FINDING' : 'TESTS_FAILED',
      first
        ? `Step ${id}: ${first.plugin} reported ${first.file}${first.line ? `:${first.line}` : ''}: ${first.message}`
        : `Step ${id}: validation failed (${result.passed} passed, ${result.failed} failed)`,
      { ...(first ? { plugin: first.plugin, hook: 'pre-validation' } : {}), details: { step: id, tests: result, findings } },
    );
  }
  return { step: id, result, findings };
}

/**
 * A failed step is not left half-done: its attempt is kept reachable under refs/cee/failed/… for inspection,
 * and the run worktree goes back to where the step started (the run's last checkpoint).
 */
async function recoverFailedStep(engine: Engine, state: SessionState, id: number): Promise<{ ref: string; recoveredTo: string }> {
  const { git } = engine.deps;
  const root = engine.repo.root;
  const step = state.steps[String(id)]!;
  const start = step.startCommit!;
  const startTree = await git.treeOf(root, start);
  const snap = await git.snapshotWorktree(state.worktree!, { maxUntrackedBytes: engine.config.guardrails.maxUntrackedFileBytes, baseTree: startTree });
  const ref = `refs/cee/failed/${state.runId}/step-${id}-attempt-${step.attempts}`;
  if (snap.tree) {
    const commit = await git.commitTree(root, { tree: snap.tree, parents: [start], message: `CEE: failed attempt ${step.attempts} of step ${id}` });
    await git.updateRef(root, ref, commit);
  }
  await git.resetWorktree(state.worktree!, startTree);
  const recoveredTo = state.lastCheckpoint ?? `the run's base ${start.slice(0, 12)}`;
  await engine.ledger.append('recovery', `Step ${id} failed its validation: worktree recovered to ${recoveredTo}; attempt kept as ${ref}`, {
    step: id,
    ref,
    recoveredTo,
  });
  return { ref, recoveredTo };
}
