import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { validate } from '../config/validate.js';
import { numberSteps, parseMarkdownPlan, PlanSchema, renderPlanMarkdown, type Plan } from '../domain/plan.js';
import { emptyState, type SessionState } from '../domain/state.js';
import { InputError, UsageError } from '../errors/index.js';
import { writeAtomic } from '../state/atomic.js';
import type { Engine } from './context.js';

export interface PlanOptions {
  objective?: string;
  /** A plan file (JSON or a Markdown checklist), or `-` for stdin bytes given in `stdin`. */
  from?: string;
  stdin?: string;
}

export interface PlanResult {
  runId: string;
  plan: Plan;
  branch: string;
  planFile: string;
  redacted: number;
}

export function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${t}-${randomBytes(3).toString('hex')}`;
}

async function readPlanInput(engine: Engine, options: PlanOptions): Promise<{ value: unknown; file: string }> {
  if (!options.from) {
    if (engine.config.engines.planner) {
      throw new UsageError('The planner engine is not available in this version: import a plan with `cee plan --from plan.json`.');
    }
    throw new UsageError(
      'No planner engine is configured (`engines.planner`): import a plan written by a person or another agent with `cee plan --from plan.json` (JSON or a Markdown checklist).',
    );
  }
  const file = options.from;
  let text: string;
  if (file === '-') text = options.stdin ?? '';
  else {
    try {
      text = await readFile(path.resolve(file), 'utf8');
    } catch (e) {
      throw new InputError('PLAN_FILE_UNREADABLE', `Cannot read the plan file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  }
  const isMarkdown = /\.(md|markdown)$/i.test(file) || (file === '-' && !text.trimStart().startsWith('{'));
  if (isMarkdown) return { value: parseMarkdownPlan(text), file };
  try {
    return { value: JSON.parse(text), file };
  } catch (e) {
    throw new InputError('PLAN_INVALID', `Invalid plan in ${file}: not valid JSON (${(e as Error).message})`);
  }
}

/**
 * `cee plan`: validate the plan, run pre-plan hooks, start a new run (its own branch at the user's HEAD),
 * write state and PLAN.md. Nothing in the user's working tree changes outside codex_engine/.
 */
export async function plan(engine: Engine, options: PlanOptions): Promise<PlanResult> {
  const { value, file } = await readPlanInput(engine, options);
  const input = (typeof value === 'object' && value !== null ? { ...(value as object) } : value) as Record<string, unknown>;
  if (options.objective && input && typeof input === 'object' && !input.objective) input.objective = options.objective;
  let parsed: Plan;
  try {
    parsed = numberSteps(validate(PlanSchema, input, 'plan', file));
  } catch (e) {
    throw new InputError('PLAN_INVALID', (e as Error).message, { details: { file } });
  }
  // Secrets in a plan are stored redacted (the command goes on and warns).
  const planJson = JSON.stringify(parsed);
  const { text: redactedJson, findings } = engine.scanner.redact(planJson);
  if (findings.length) engine.reporter.warn(`the plan contains ${findings.length} secret(s); they are stored redacted`);
  let finalPlan = JSON.parse(redactedJson) as Plan;

  const { repo, git } = { repo: engine.repo, git: engine.deps.git };
  if (!repo.head) throw new InputError('NO_COMMITS', 'This repository has no commits yet: CEE runs start from a commit (make one first).');
  const runId = newRunId();
  const hookResults = await engine.hooks.run('pre-plan', { run: { id: runId, repoRoot: repo.root, command: engine.command }, plan: finalPlan }, `run:${runId}`);
  for (const { plugin, result } of hookResults) {
    const r = result as { context?: unknown; criteria?: string[] } | undefined;
    if (!r) continue;
    finalPlan = {
      ...finalPlan,
      context: [...finalPlan.context, { plugin, context: r.context ?? null }],
      criteria: [...finalPlan.criteria, ...(r.criteria ?? [])],
    };
  }

  const previous = await engine.readState();
  const tree = await git.treeOf(repo.root, repo.head);
  const branchRef = `refs/heads/cee/run/${runId}`;
  await git.updateRef(repo.root, branchRef, repo.head, null);
  const now = new Date().toISOString();
  const state: SessionState = {
    ...emptyState(),
    runId,
    base: { commit: repo.head, tree, branch: repo.branch },
    branchRef,
    plan: finalPlan,
    currentStep: 1,
    phase: 'PLANNED',
    conversation: [{ role: 'user', content: engine.redact(finalPlan.objective), at: now }],
    tokens: { used: 0 },
  };
  if (previous.runId && previous.phase !== 'MERGED') {
    engine.reporter.warn(`run ${previous.runId} was not merged; its branch ${previous.branchRef} and checkpoints are kept`);
  }
  await engine.state.write(state);
  await writeAtomic(engine.paths.planMd, engine.redact(renderPlanMarkdown(finalPlan)));
  await engine.ledger.append('run', `Run ${runId} planned: ${finalPlan.objective} (${finalPlan.steps.length} step(s)) from ${repo.branch ?? 'detached HEAD'} at ${repo.head.slice(0, 12)}`, {
    runId,
    base: repo.head,
    steps: finalPlan.steps.map((s) => ({ id: s.id, title: s.title, files: s.files })),
  });
  await engine.hooks.run('post-plan', { run: { id: runId, repoRoot: repo.root, command: engine.command }, plan: finalPlan }, `run:${runId}`);
  return { runId, plan: finalPlan, branch: branchRef.replace('refs/heads/', ''), planFile: engine.rel(engine.paths.planMd), redacted: findings.length };
}
