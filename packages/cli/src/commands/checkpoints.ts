import type { Engine, CheckpointDiff } from '@cgce/core';
import type { Command } from 'commander';
import type { Invocation } from '../main.js';
import { paint } from '../output.js';

const READ = { lock: false } as const;

export function registerCheckpointCommands(program: Command, inv: Invocation, diff: (e: Engine, a: string, b: string) => Promise<CheckpointDiff>): void {
  const cps = program
    .command('checkpoints')
    .description('list checkpoints, newest first')
    .action(() =>
      inv.withEngine('checkpoints', READ, (e) => e.checkpoints.list(), (list) => {
        if (inv.global.json) return inv.out.json({ ok: true, checkpoints: list.map((c) => ({ ...c, time: c.createdAt })) });
        if (!list.length) return inv.out.line('No checkpoints yet.');
        inv.out.table([
          ['tag', 'commit', 'tree', 'verified', 'kind', 'message', 'time'],
          ...list.map((c) => [c.tag, c.commit.slice(0, 12), c.tree.slice(0, 12), c.verified ? 'yes' : 'no', c.kind, c.message, c.createdAt]),
        ]);
      }),
    );

  cps
    .command('show')
    .description("one checkpoint's metadata")
    .argument('<tag>')
    .action((tag: string) =>
      inv.withEngine('checkpoints show', READ, async (e) => (await e.checkpoints.get(tag)).meta, (m) => {
        if (inv.global.json) return inv.out.json({ ok: true, ...m });
        inv.out.line(`${paint('bold', m.tag)} (${m.kind}) ${m.verified ? 'verified' : 'not verified'}: ${m.message}`);
        inv.out.line(`commit ${m.commit}\ntree   ${m.tree}\nparent ${m.parent ?? '-'}\ntime   ${m.createdAt}`);
        inv.out.line(`run ${m.runId ?? '-'} step ${m.step ?? '-'} · tests ${m.verification.tests} · secret scan ${m.verification.secretScan} · approvals ${m.verification.approvals}`);
        if (m.tests) inv.out.line(`tests: ${m.tests.passed} passed, ${m.tests.failed} failed`);
        const approvals = m.state.approvals.filter((a) => a.step === m.step);
        for (const a of approvals) inv.out.line(`approval: ${a.decision} by ${a.by} at ${a.at}${a.comment ? ` — ${a.comment}` : ''}`);
        if (m.state.plan) inv.out.line(`plan: ${m.state.plan.objective} (${m.state.plan.steps.length} steps)`);
        inv.out.line(`conversation: ${m.state.conversation.length} message(s) · reasoning: ${m.state.reasoning.length} entr(ies) · guardrail events: ${m.state.guardrailEvents.length}`);
      }),
    );

  cps
    .command('diff')
    .description('what changed between two checkpoints')
    .argument('<a>')
    .argument('<b>')
    .action((a: string, b: string) =>
      inv.withEngine('checkpoints diff', READ, (e) => diff(e, a, b), (d) => {
        if (inv.global.json) return inv.out.json({ ok: true, ...d });
        inv.out.line(`${d.from} → ${d.to}: ${d.files.length} file(s), +${d.added} −${d.deleted}`);
        for (const f of d.files) inv.out.line(`  ${f.status} ${f.oldPath ? `${f.oldPath} → ` : ''}${f.path}${f.binary ? ' (binary)' : ` +${f.added} −${f.deleted}`}${f.oldMode !== f.newMode && f.oldMode !== '000000' && f.newMode !== '000000' ? ` mode ${f.oldMode}→${f.newMode}` : ''}`);
      }),
    );

  for (const verb of ['push', 'fetch'] as const) {
    cps
      .command(verb)
      .description(`${verb} checkpoints and their metadata ${verb === 'push' ? 'to' : 'from'} a git remote`)
      .argument('[remote]', 'git remote', 'origin')
      .action((remote: string) =>
        inv.withEngine(`checkpoints ${verb}`, { lock: verb === 'fetch' }, async (e) => {
          if (verb === 'push') await e.checkpoints.push(remote);
          else await e.checkpoints.fetch(remote);
          return { remote, checkpoints: (await e.checkpoints.list()).length };
        }, (r) => {
          if (inv.global.json) return inv.out.json({ ok: true, ...r });
          inv.out.line(`${verb === 'push' ? 'Pushed to' : 'Fetched from'} ${r.remote}: ${r.checkpoints} checkpoint(s) here now`);
        }),
      );
  }
}
