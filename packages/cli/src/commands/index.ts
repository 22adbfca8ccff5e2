import {
  approve,
  checkpoint,
  checkpointsDiff,
  edit,
  init,
  InputError,
  metricsReport,
  merge,
  plan,
  restore,
  status,
  test,
  UsageError,
} from '@cgce/core';
import { type Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Invocation } from '../main.js';
import { readStdin } from '../main.js';
import { paint } from '../output.js';
import { registerCheckpointCommands } from './checkpoints.js';
import { registerMiscCommands } from './misc.js';

const LIFECYCLE = { lock: true, hooks: true, metrics: true } as const;

function stepNumber(v: string): number {
  if (!/^[1-9][0-9]{0,5}$/.test(v)) throw new UsageError(`--step must be a positive whole number: got "${v}"`);
  return Number(v);
}

export function registerCommands(program: Command, inv: Invocation): void {
  program
    .command('init')
    .description('scaffold codex_engine/ (idempotent; never overwrites an edited file)')
    .action(() =>
      inv.withEngine('init', { lock: true }, (e) => init(e), (r) => {
        if (inv.global.json) return inv.out.json({ ok: true, ...r });
        for (const f of r.created) inv.out.line(`created ${f}`);
        for (const f of r.kept) inv.out.line(`kept    ${f} (exists)`);
        inv.out.line(`.gitignore ${r.gitignore}`);
      }),
    );

  program
    .command('plan')
    .description('make a multi-step plan (--from FILE imports JSON or a Markdown checklist)')
    .argument('[objective]', 'what the run should achieve')
    .option('--from <file>', 'plan file (JSON or Markdown checklist), or - for stdin')
    .action((objective: string | undefined, o: { from?: string }) =>
      inv.withEngine(
        'plan',
        LIFECYCLE,
        async (e) => plan(e, { objective, from: o.from, stdin: o.from === '-' ? (await readStdin()).toString('utf8') : undefined }),
        (r) => {
          if (inv.global.json) return inv.out.json({ ok: true, runId: r.runId, branch: r.branch, planFile: r.planFile, plan: r.plan });
          inv.out.line(`Run ${r.runId} on branch ${r.branch}: ${r.plan.objective}`);
          for (const s of r.plan.steps) inv.out.line(`  ${s.id}. ${s.title}  [${s.files.join(', ')}] ~${s.estimatedLoc} lines`);
          inv.out.line(`Plan written to ${r.planFile}`);
        },
      ),
    );

  program
    .command('edit')
    .description('apply a unified diff for a step in the run worktree, under guardrails')
    .argument('[goal]', 'what this edit should do (recorded in the conversation)')
    .option('--step <n>', 'plan step (default: the current one)', stepNumber)
    .option('--patch <file>', 'unified diff file, or - for stdin')
    .action((goal: string | undefined, o: { step?: number; patch?: string }) =>
      inv.withEngine(
        'edit',
        LIFECYCLE,
        async (e) => {
          if (!o.patch) {
            throw new UsageError(
              e.config.engines.executor
                ? 'The executor engine is not available in this version: pass the change with --patch FILE (or - for stdin).'
                : 'No executor engine is configured (`engines.executor`): pass the change with --patch FILE (or - for stdin).',
            );
          }
          let patch: Buffer;
          if (o.patch === '-') patch = await readStdin();
          else {
            try {
              patch = await readFile(path.resolve(o.patch));
            } catch (err) {
              throw new InputError('PATCH_FILE_UNREADABLE', `Cannot read the patch file ${o.patch}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
            }
          }
          return edit(e, { step: o.step, patch, patchName: o.patch === '-' ? 'stdin' : o.patch, goal });
        },
        (r) => {
          if (inv.global.json) return inv.out.json({ ok: true, ...r });
          inv.out.line(`Step ${r.step}: change applied in the run worktree (${r.changedFiles.length} file(s), tier ${r.tier})`);
          for (const f of r.changedFiles) inv.out.line(`  ${f}`);
          inv.out.line(`Next: cee test`);
        },
      ),
    );

  for (const name of ['test', 'analyze']) {
    program
      .command(name)
      .description(name === 'test' ? 'run static checks and the targeted tests in the run worktree' : 'alias of test')
      .action(() =>
        inv.withEngine(
          'test',
          LIFECYCLE,
          (e) => test(e, { onOutput: inv.global.json ? undefined : (c) => process.stderr.write(c) }),
          (r) => {
            if (inv.global.json) return inv.out.json({ ok: true, step: r.step, passed: r.result.passed, failed: r.result.failed, total: r.result.total, result: r.result, findings: r.findings });
            inv.out.line(`Step ${r.step}: ${paint('green', `${r.result.passed} passed`)}, ${r.result.failed} failed`);
          },
        ),
      );
  }

  program
    .command('checkpoint')
    .description('tag codex-cp-N on the step commit with its metadata stored in git')
    .argument('[message]', 'checkpoint message')
    .action((message: string | undefined) =>
      inv.withEngine('checkpoint', LIFECYCLE, (e) => checkpoint(e, { message }), (m) => {
        if (inv.global.json) return inv.out.json({ ok: true, tag: m.tag, commit: m.commit, tree: m.tree, verified: m.verified, verification: m.verification, step: m.step, message: m.message });
        inv.out.line(`${paint('bold', m.tag)} ${m.commit.slice(0, 12)} tree ${m.tree.slice(0, 12)} ${m.verified ? paint('green', 'verified') : paint('yellow', 'not verified')}: ${m.message}`);
      }),
    );

  program
    .command('restore')
    .description('roll back code and reasoning state to a checkpoint')
    .argument('[tag]', 'checkpoint tag, e.g. codex-cp-3')
    .option('--code-only', 'restore only the code')
    .option('--state-only', 'restore only the reasoning state (plan, conversation, approvals)')
    .option('--workdir', "apply the checkpoint to your working tree (what is there is checkpointed first)")
    .option('--undo', 'undo the last restore')
    .action((tag: string | undefined, o: { codeOnly?: boolean; stateOnly?: boolean; workdir?: boolean; undo?: boolean }) =>
      inv.withEngine('restore', LIFECYCLE, (e) => restore(e, { tag, ...o }), (r) => {
        if (inv.global.json) return inv.out.json({ ok: true, ...r });
        if (r.undone) return inv.out.line(`Last restore undone (tree ${r.tree.slice(0, 12)})`);
        inv.out.line(`Restored ${r.restored.join(' + ')} to ${r.tag} (tree ${r.tree.slice(0, 12)})${r.snapshot ? `; earlier work kept as ${r.snapshot}` : ''}`);
      }),
    );

  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(decision)
      .description(decision === 'approve' ? 'sign off a step whose approval tier requires it' : 'reject a pending step (its change is discarded)')
      .argument('[comment]', 'why')
      .option('--step <n>', 'plan step (default: the current one)', stepNumber)
      .requiredOption('--by <name>', 'who decides')
      .action((comment: string | undefined, o: { step?: number; by: string }) =>
        inv.withEngine(decision, { lock: true, metrics: true }, (e) => approve(e, { step: o.step, by: o.by, comment, decision: decision === 'approve' ? 'approved' : 'rejected' }), (r) => {
          if (inv.global.json) return inv.out.json({ ok: true, ...r });
          inv.out.line(`Step ${r.step} ${r.decision} by ${r.by} (${r.approvals}/${r.needed}); step is now ${r.status}`);
        }),
      );
  }

  program
    .command('merge')
    .description('bring the verified run into your branch, then archive it')
    .addOption(new Option('--mode <mode>', 'fast-forward only, or always a merge commit (default: run.mergeMode)').choices(['ff', 'merge']))
    .action((o: { mode?: 'ff' | 'merge' }) =>
      inv.withEngine('merge', LIFECYCLE, (e) => merge(e, { mode: o.mode }), (r) => {
        if (inv.global.json) return inv.out.json({ ok: true, ...r });
        inv.out.line(`Run ${r.runId} merged (${r.mode}) from ${r.tag}: ${r.mergedAs.slice(0, 12)}; your previous tree is ${r.before}`);
      }),
    );

  program
    .command('status')
    .description('where the session stands')
    .option('--detailed', 'the five labelled lines and the steps')
    .action((o: { detailed?: boolean }) =>
      inv.withEngine('status', { lock: false }, (e) => status(e), (r) => {
        if (inv.global.json) return inv.out.json({ ok: true, ...r });
        if (o.detailed) {
          inv.out.line(`Current State: ${r.currentState}`);
          inv.out.line(`Checkpoint: ${r.checkpoint ?? 'none'}`);
          inv.out.line(`Files Modified: ${r.filesModified}/${r.maxFiles}`);
          inv.out.line(`Tests Passing: ${r.testsPassed}/${r.testsTotal}`);
          inv.out.line(`Next Action: ${r.nextAction}`);
          if (r.runId) inv.out.line(`Run: ${r.runId} (${r.objective}) on ${r.branch}`);
          for (const s of r.steps) inv.out.line(`  ${s.id}. ${s.title}: ${s.status}${s.checkpoint ? ` (${s.checkpoint})` : ''}`);
          if (r.pending) inv.out.line(paint('yellow', `Interrupted: ${r.pending.kind} started ${r.pending.startedAt} (pid ${r.pending.pid})`));
        } else {
          inv.out.line(`${r.currentState} · checkpoint ${r.checkpoint ?? 'none'} · next: ${r.nextAction}`);
        }
      }),
    );

  program
    .command('metrics')
    .description('totals and per-day figures from codex_metrics.jsonl')
    .option('--week', 'the last 7 days')
    .option('--since <date>', 'from this date (ISO-8601)')
    .action((o: { week?: boolean; since?: string }) =>
      inv.withEngine(
        'metrics',
        { lock: false },
        (e) => {
          let since: Date | null = null;
          if (o.week) since = new Date(Date.now() - 7 * 24 * 3600 * 1000);
          if (o.since) {
            since = new Date(o.since);
            if (Number.isNaN(since.getTime())) throw new UsageError(`--since: "${o.since}" is not a date (use ISO-8601, e.g. 2026-11-01)`);
          }
          return metricsReport(e, since);
        },
        (r) => {
          if (inv.global.json) return inv.out.json({ ok: true, ...r });
          const t = r.totals;
          inv.out.line(`commands ${t.commands} · tests passed ${t.tests_passed} · guardrail events ${t.guardrail_events} · tokens ${t.tokens_used} · failures ${t.failures}`);
          if (r.days.length) inv.out.table([['day', 'commands', 'tests_passed', 'guardrail_events', 'tokens_used', 'failures'], ...r.days.map((d) => [d.day, String(d.commands), String(d.tests_passed), String(d.guardrail_events), String(d.tokens_used), String(d.failures)])]);
        },
      ),
    );

  registerCheckpointCommands(program, inv, checkpointsDiff);
  registerMiscCommands(program, inv);
}
