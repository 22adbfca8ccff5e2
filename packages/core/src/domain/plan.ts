import { z } from 'zod';

/** A plan step: its goal, the files in scope (globs) and an estimated diff size. Steps are numbered from 1. */
export const StepSchema = z
  .object({
    id: z.number().int().positive().optional(),
    title: z.string().min(1, 'must not be empty'),
    goal: z.string().default(''),
    files: z.array(z.string().min(1)).min(1, 'must name at least one file or glob'),
    estimatedLoc: z.number().int().min(0).default(0),
    /** A step may declare a higher approval tier than its change implies, never a lower one. */
    tier: z.enum(['low', 'medium', 'high']).optional(),
  })
  .strict();

export const PlanSchema = z
  .object({
    objective: z.string().min(1, 'must not be empty'),
    steps: z.array(StepSchema).min(1, 'must have at least one step'),
    acceptance: z.array(z.string()).default([]),
    /** What pre-plan hooks returned ({ context, criteria }) and the planner's notes. */
    context: z.array(z.unknown()).default([]),
    criteria: z.array(z.string()).default([]),
    source: z.enum(['file', 'planner', 'inline']).default('file'),
  })
  .strict();

export type Step = z.output<typeof StepSchema> & { id: number };
export type Plan = Omit<z.output<typeof PlanSchema>, 'steps'> & { steps: Step[] };
export type PlanInput = z.input<typeof PlanSchema>;

/** Number steps from 1 (ids given in the input are ignored: the order is the truth). */
export function numberSteps(plan: z.output<typeof PlanSchema>): Plan {
  return { ...plan, steps: plan.steps.map((s, i) => ({ ...s, id: i + 1 })) };
}

/** Render the plan as the readable codex_engine/PLAN.md. */
export function renderPlanMarkdown(plan: Plan, status: Record<number, string> = {}): string {
  const lines = [`# Plan: ${plan.objective}`, ''];
  for (const s of plan.steps) {
    const done = status[s.id] === 'checkpointed' || status[s.id] === 'merged';
    lines.push(`- [${done ? 'x' : ' '}] **Step ${s.id}: ${s.title}**${status[s.id] ? ` _(${status[s.id]})_` : ''}`);
    if (s.goal) lines.push(`  - Goal: ${s.goal}`);
    lines.push(`  - Files: ${s.files.map((f) => `\`${f}\``).join(', ')}`);
    lines.push(`  - Estimated diff: ~${s.estimatedLoc} lines`);
  }
  if (plan.acceptance.length) {
    lines.push('', '## Acceptance', '', ...plan.acceptance.map((a) => `- ${a}`));
  }
  if (plan.criteria.length) {
    lines.push('', '## Criteria from extensions', '', ...plan.criteria.map((a) => `- ${a}`));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Parse a Markdown checklist plan:
 *   # Objective text
 *   - [ ] Step title — `src/a.ts`, `test/**` (~30)
 * Each checklist item is a step; backticked tokens are its files; `(~N)` its estimate.
 */
export function parseMarkdownPlan(text: string): unknown {
  const lines = text.split(/\r?\n/);
  let objective = '';
  const steps: Array<Record<string, unknown>> = [];
  const acceptance: string[] = [];
  let section: 'steps' | 'acceptance' = 'steps';
  for (const raw of lines) {
    const line = raw.trim();
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h) {
      const title = h[1]!.replace(/^Plan:\s*/i, '').trim();
      if (/^acceptance/i.test(title)) section = 'acceptance';
      else if (!objective) objective = title;
      continue;
    }
    const item = /^[-*]\s+\[[ xX]\]\s+(.*)$/.exec(line);
    if (item && section === 'steps') {
      const body = item[1]!;
      const files = [...body.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const est = /\(~\s*(\d+)\s*\)/.exec(body);
      const title = body
        .replace(/`[^`]+`/g, '')
        .replace(/\(~\s*\d+\s*\)/, '')
        .replace(/\*\*/g, '')
        .replace(/[\s—:,-]+$/u, '')
        .trim();
      steps.push({ title, goal: title, files, estimatedLoc: est ? Number(est[1]) : 0 });
      continue;
    }
    const bullet = /^[-*]\s+(.*)$/.exec(line);
    if (bullet && section === 'acceptance') acceptance.push(bullet[1]!.trim());
  }
  return { objective, steps, acceptance };
}
