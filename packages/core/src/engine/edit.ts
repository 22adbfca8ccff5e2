import type { ChangeSet } from '../domain/change.js';
import type { Decision } from '../domain/decision.js';
import type { Step } from '../domain/plan.js';
import type { SessionState, StepState } from '../domain/state.js';
import { GuardrailError, InputError } from '../errors/index.js';
import { decisionCode } from '../domain/decision.js';
import { requireRun, type Engine } from './context.js';
import { faultPoint } from './fault.js';
import { approvalsNeeded, awaitingApproval, blockWith, maxTier, secretDecisions } from './guard.js';

export interface EditOptions {
  step?: number;
  patch: Uint8Array;
  /** Where the patch came from, for messages (a file name or `stdin`). */
  patchName: string;
  goal?: string;
}

export interface EditResult {
  verdict: 'accept' | 'approval';
  reason_class: string;
  step: number;
  tier: string;
  tierReasons: string[];
  changedFiles: string[];
  decisions: Decision[];
  worktree: string;
  tree: string;
}

export function changedPathsOf(change: ChangeSet): string[] {
  const out = new Set<string>();
  for (const f of change.files) {
    out.add(f.path);
    if (f.oldPath) out.add(f.oldPath);
  }
  return [...out];
}

function requirePlanDecision(): Decision {
  return {
    rule: 'require_plan',
    code: decisionCode('require_plan'),
    verdict: 'deny',
    message: 'requirePlan is on and there is no plan: make one with `cee plan --from plan.json` first',
    source: { id: 'require_plan', file: 'defaults', key: 'requirePlan' },
  };
}

/** Pick the step to edit and the commit it starts from. */
async function resolveStep(engine: Engine, state: SessionState, wanted: number | undefined): Promise<{ step: Step; startCommit: string }> {
  requireRun(state);
  const plan = state.plan!;
  const id = wanted ?? defaultStep(state);
  const step = plan.steps.find((s) => s.id === id);
  if (!step) throw new InputError('STEP_NOT_FOUND', `The plan has no step ${id} (it has steps 1–${plan.steps.length}).`);
  const tip = await engine.deps.git.readRef(engine.repo.root, state.branchRef);
  if (!tip) throw new InputError('RUN_BRANCH_MISSING', `The run branch ${state.branchRef} is missing: restore a checkpoint (\`cee restore <tag>\`) or plan again.`);
  return { step, startCommit: tip };
}

/**
 * `cee edit`: check the patch as text, let git parse and apply it to a temporary index, evaluate the change git
 * computed, classify its tier, and only then apply it to the run's pooled worktree. The user's working tree,
 * index, stash and branch are never touched.
 */
export async function edit(engine: Engine, options: EditOptions): Promise<EditResult> {
  const { git } = engine.deps;
  const root = engine.repo.root;
  const state = await engine.readState();
  if (!state.runId) {
    if (engine.config.guardrails.requirePlan) return blockWith(engine, state, null, [requirePlanDecision()], 'Edit');
    throw new InputError('NO_RUN', 'There is no run to edit: start one with `cee plan --from plan.json`.');
  }
  const { step, startCommit } = await resolveStep(engine, state, options.step);
  const existing = state.steps[String(step.id)];
  if (existing?.status === 'awaiting_approval') {
    throw awaitingApproval(step.id, existing.tier ?? 'high', existing.tierReasons, approvalsNeeded(engine, existing.tier ?? 'high'), 0);
  }
  if (options.patch.length === 0) throw new InputError('PATCH_EMPTY', `The patch ${options.patchName} is empty.`);
  if (options.patch.length > 16 * 1024 * 1024) throw new InputError('PATCH_TOO_LARGE', `The patch ${options.patchName} is larger than 16 MiB.`);

  const ctx = engine.policyContext(step.files);
  await engine.hooks.run('pre-edit', { run: runCtx(engine, state), plan: state.plan, step }, `step:${step.id}`);

  // 1. The raw text, before git sees it.
  const pre = engine.deps.policy.precheckPatch(options.patch, ctx);
  if (pre.decisions.some((d) => d.verdict === 'deny')) return blockWith(engine, state, step.id, pre.decisions, `Patch ${options.patchName}`);

  // 2. Let git parse and apply it to a temporary index: what git will really do.
  const baseTree = await git.treeOf(root, startCommit);
  const gitFiles = await git.patchFiles(root, options.patch);
  const cross = engine.deps.policy.crossCheck(pre, gitFiles, ctx);
  if (cross.some((d) => d.verdict === 'deny')) return blockWith(engine, state, step.id, cross, `Patch ${options.patchName}`);
  const { tree: newTree } = await git.applyPatchToTree(root, baseTree, options.patch);

  // 3. Policy on the change git computed (CEE's own config included), then secrets.
  const change = await git.diffTrees(root, baseTree, newTree, { withLines: true });
  const decisions = [...engine.deps.policy.evaluate(change, ctx), ...secretDecisions(engine, change)];
  if (decisions.some((d) => d.verdict === 'deny')) return blockWith(engine, state, step.id, decisions, `Patch ${options.patchName}`);

  // 4. Approval tier from the change (a step may declare a higher tier, never a lower one).
  const classified = await engine.deps.tiers.classify(
    change,
    {
      before: async (p) => (await git.readFileAt(root, baseTree, p))?.toString('utf8') ?? null,
      after: async (p) => (await git.readFileAt(root, newTree, p))?.toString('utf8') ?? null,
    },
    engine.config.guardrails,
  );
  const tier = maxTier(classified.tier, step.tier);
  const approvalDecisions = decisions.filter((d) => d.verdict === 'approval');
  const needed = Math.max(approvalsNeeded(engine, tier), approvalDecisions.length ? 1 : 0);
  const reasons = [...classified.reasons, ...approvalDecisions.map((d) => `${d.rule}:${d.path ?? ''}`)];

  // 5. Apply to the pooled worktree: reset to the step's start (O(changed files)), then move to the new tree.
  const wt = engine.paths.worktree;
  if (state.currentStep !== step.id && state.steps[String(state.currentStep)]?.status === 'applied') {
    engine.reporter.warn(`step ${state.currentStep}'s unchecked change is discarded: step ${step.id} starts from ${startCommit.slice(0, 12)}`);
  }
  engine.reporter.progress(`applying the change in the run worktree (${change.files.length} file(s))`);
  state.pending = { kind: 'edit', startedAt: new Date().toISOString(), pid: process.pid, data: { step: step.id, tree: newTree, startCommit } };
  await engine.state.write(state);
  faultPoint('edit:after-pending');
  await git.provisionWorktree(root, wt, startCommit);
  faultPoint('edit:after-provision');
  await git.checkoutTree(wt, baseTree, newTree);
  faultPoint('edit:after-checkout');

  // 6. The worktree's real change must be exactly what was evaluated.
  const real = await git.snapshotWorktree(wt, { maxUntrackedBytes: engine.config.guardrails.maxUntrackedFileBytes, baseTree });
  if (real.tree !== newTree) {
    await git.resetWorktree(wt, baseTree);
    state.pending = null;
    throw new GuardrailError(decisionCode('parser_differential'), `The worktree's real change (${real.tree.slice(0, 12)}) differs from the evaluated change (${newTree.slice(0, 12)}): discarded.`);
  }

  const changedFiles = changedPathsOf(change);
  const stepState: StepState = {
    status: needed > 0 ? 'awaiting_approval' : 'applied',
    startCommit,
    patchTree: newTree,
    changedFiles,
    tier,
    tierReasons: reasons,
    decisions,
    attempts: (existing?.attempts ?? 0) + 1,
    editedAt: new Date().toISOString(),
  };
  const now = new Date().toISOString();
  state.steps[String(step.id)] = stepState;
  state.currentStep = step.id;
  state.worktree = wt;
  state.phase = needed > 0 ? 'AWAITING_APPROVAL' : 'EDITED';
  state.pending = null;
  state.restoredFrom = null;
  if (options.goal) state.conversation.push({ role: 'user', content: engine.redact(options.goal), at: now, step: step.id });
  state.reasoning.push({ at: now, step: step.id, text: `edit: ${change.files.length} file(s), tier ${tier} (${reasons.join(', ') || 'no detector fired'})` });
  await engine.state.write(state);
  await engine.ledger.append('step', `Step ${step.id} edited: ${changedFiles.length} file(s), tier ${tier}${needed ? ', awaiting approval' : ''}`, {
    step: step.id,
    tree: newTree,
    files: changedFiles,
    tier,
    reasons,
  });
  await engine.hooks.run(
    'post-edit',
    { run: runCtx(engine, state), plan: state.plan, step, change: { files: change.files.map((f) => ({ path: f.path, status: f.status })) } },
    `step:${step.id}`,
  );
  if (needed > 0) throw awaitingApproval(step.id, tier, reasons, needed, 0);
  return { verdict: 'accept', reason_class: 'none', step: step.id, tier, tierReasons: reasons, changedFiles, decisions, worktree: wt, tree: newTree };
}

/** The step an edit works on by default: the current one, or the next after a checkpointed one. */
export function defaultStep(state: SessionState): number {
  const current = state.currentStep ?? 1;
  const last = state.plan?.steps.length ?? current;
  if (state.steps[String(current)]?.status === 'checkpointed' && current < last) return current + 1;
  return current;
}

export function runCtx(engine: Engine, state: SessionState) {
  return { id: state.runId, repoRoot: engine.repo.root, command: engine.command };
}
