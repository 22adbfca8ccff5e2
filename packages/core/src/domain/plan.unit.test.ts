import { describe, expect, it } from 'vitest';
import { numberSteps, parseMarkdownPlan, PlanSchema, renderPlanMarkdown } from './plan.js';

describe('plans', () => {
  it('numbers steps from 1 and renders PLAN.md', () => {
    const plan = numberSteps(PlanSchema.parse({ objective: 'Add slugify', steps: [{ title: 'a', files: ['src/a.ts'] }, { title: 'b', files: ['test/**'], estimatedLoc: 9 }] }));
    expect(plan.steps.map((s) => s.id)).toEqual([1, 2]);
    const md = renderPlanMarkdown(plan, { 1: 'checkpointed' });
    expect(md).toContain('# Plan: Add slugify');
    expect(md).toContain('- [x] **Step 1: a**');
    expect(md).toContain('- [ ] **Step 2: b**');
  });

  it('parses a Markdown checklist', () => {
    const parsed = PlanSchema.parse(
      parseMarkdownPlan('# Add slugify\n\n- [ ] Add slugify — `src/util.ts`, `test/**` (~30)\n- [ ] Docs `README.md`\n\n## Acceptance\n- node --test passes\n'),
    );
    expect(parsed.objective).toBe('Add slugify');
    expect(parsed.steps[0]).toMatchObject({ title: 'Add slugify', files: ['src/util.ts', 'test/**'], estimatedLoc: 30 });
    expect(parsed.acceptance).toEqual(['node --test passes']);
  });

  it('requires files for every step', () => {
    expect(PlanSchema.safeParse({ objective: 'x', steps: [{ title: 'a', files: [] }] }).success).toBe(false);
  });
});
