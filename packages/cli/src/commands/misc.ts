import { InputError, type LoadedPlugin, loadExtensions, patchDirExecutor, run, type SecretFinding, UsageError, writeAtomic } from '@cgce/core';
import { readFile } from 'node:fs/promises';
import { scanFiles } from '@cgce/guardrails';
import type { Command } from 'commander';
import path from 'node:path';
import type { Invocation } from '../main.js';
import { runDemo } from '../demo.js';

export function registerMiscCommands(program: Command, inv: Invocation): void {
  program
    .command('scan')
    .description('scan files or folders for secrets (exit 3 when one is found)')
    .argument('[paths...]', 'files or folders (default: the repository)')
    .option('--staged', 'scan the staged change instead (pre-commit hook)')
    .action((paths: string[], o: { staged?: boolean }) =>
      inv.withEngine(
        'scan',
        { lock: false },
        async (e) => {
          let findings: SecretFinding[];
          let files = 0;
          let bytes = 0;
          if (o.staged) {
            const head = e.repo.head ? await e.deps.git.treeOf(e.repo.root, e.repo.head) : await e.deps.git.emptyTree(e.repo.root);
            const staged = await e.deps.git.indexTree(e.repo.root);
            const change = await e.deps.git.diffTrees(e.repo.root, head, staged, { withLines: true });
            findings = change.files.flatMap((f) => {
              if (!f.addedLines?.length) return [];
              files++;
              const text = f.addedLines.map((l) => l.text).join('\n');
              bytes += text.length;
              return e.scanner.scanText(text, f.path).map((x) => ({ ...x, line: f.addedLines![x.line - 1]?.line ?? x.line }));
            });
          } else {
            // No paths: the repository's files as git sees them (ignored files and .git left out).
            const targets = paths.length ? paths.map((p) => path.resolve(inv.global.cwd, p)) : await e.deps.git.listFiles(e.repo.root);
            const r = scanFiles(targets, e.repo.root, e.scanner);
            findings = r.findings;
            files = r.summary.files;
            bytes = r.summary.bytes;
          }
          return { findings, files, bytes };
        },
        (r) => {
          if (inv.global.json) inv.out.json({ ok: r.findings.length === 0, files: r.files, bytes: r.bytes, findings: r.findings });
          // (ok mirrors the exit code: 3 when a secret was found)
          else {
            for (const f of r.findings) inv.out.line(`${f.file}:${f.line}:${f.column}: ${f.description} (${f.ruleId}) ${f.redacted}`);
            inv.out.line(`${r.files} file(s), ${(r.bytes / 1e6).toFixed(1)} MB scanned: ${r.findings.length ? `${r.findings.length} secret(s) found` : 'no secrets found'}`);
          }
          if (r.findings.length) inv.exitWith(3);
        },
      ),
    );

  const audit = program.command('audit').description('governance ledger tools');
  audit
    .command('verify')
    .description("check the ledger's hash chain (exit 1 naming the first broken entry)")
    .action(() =>
      inv.withEngine('audit verify', { lock: false }, (e) => e.ledger.verify().then((r) => ({ ...r, file: e.rel(e.ledger.file) })), (r) => {
        if (inv.global.json) inv.out.json(r);
        else if (r.ok) inv.out.line(`${r.file}: ${r.entries} entr${r.entries === 1 ? 'y' : 'ies'}, hash chain intact`);
        else inv.out.error(`${r.file}: entry #${r.broken!.seq} (line ${r.broken!.line}) is broken: ${r.broken!.problem}`);
        if (!r.ok) inv.exitWith(1);
      }),
    );

  program
    .command('demo')
    .description('the whole cycle on a throw-away sample repository')
    .option('--keep', 'keep the sample repository (its path is printed)')
    .action(async (o: { keep?: boolean }) => {
      const code = await runDemo(inv, { keep: !!o.keep });
      inv.exitWith(code);
    });

  program
    .command('doctor')
    .description('check CEE state in this repository and finish or roll back an interrupted operation')
    .action(() =>
      inv.withEngine('doctor', { lock: true }, async (e) => {
        const checks: Array<{ check: string; ok: boolean; detail: string }> = [];
        const state = await e.readState().then(
          (s) => {
            checks.push({ check: 'state', ok: true, detail: `${e.rel(e.paths.stateFile)} is valid` });
            return s;
          },
          (err: Error) => {
            checks.push({ check: 'state', ok: false, detail: err.message });
            return null;
          },
        );
        checks.push({ check: 'interrupted operation', ok: true, detail: e.recovery?.operation ? `${e.recovery.operation}: ${e.recovery.detail}` : 'none' });
        if (state?.branchRef) {
          const tip = await e.deps.git.readRef(e.repo.root, state.branchRef);
          checks.push({ check: 'run branch', ok: !!tip, detail: tip ? `${state.branchRef} at ${tip.slice(0, 12)}` : `${state.branchRef} is missing` });
        }
        if (state?.worktree) {
          const registered = (await e.deps.git.listWorktrees(e.repo.root)).includes(state.worktree);
          checks.push({ check: 'run worktree', ok: true, detail: registered ? state.worktree : 'not provisioned yet (the next edit or restore creates it)' });
        }
        const ledger = await e.ledger.verify();
        checks.push({ check: 'ledger', ok: ledger.ok, detail: ledger.ok ? `${ledger.entries} entries, chain intact` : `entry #${ledger.broken!.seq}: ${ledger.broken!.problem}` });
        const cps = await e.checkpoints.list();
        checks.push({ check: 'checkpoints', ok: true, detail: `${cps.length} (${cps.filter((c) => c.verified).length} verified)` });
        return { checks, recovery: e.recovery };
      }, (r) => {
        if (inv.global.json) inv.out.json({ ok: r.checks.every((c) => c.ok), ...r });
        else for (const c of r.checks) inv.out.line(`${c.ok ? 'ok  ' : 'FAIL'} ${c.check}: ${c.detail}`);
        if (!r.checks.every((c) => c.ok)) inv.exitWith(1);
      }),
    );

  program
    .command('run')
    .description('the autonomous cycle: plan → for each step edit → test → checkpoint, with retries')
    .argument('[objective]')
    .option('--from <file>', 'plan file (JSON or Markdown checklist)')
    .option('--patches <dir>', 'replay proposals from a folder: step-<N>.diff, step-<N>.attempt-<k>.diff')
    .action((objective: string | undefined, o: { from?: string; patches?: string }) =>
      inv.withEngine(
        'run',
        { lock: true, hooks: true, metrics: true },
        async (e) => {
          if (!o.patches) {
            throw new UsageError(
              'No executor: model engines (`engines.executor`) are not available in this version. Replay proposals with `cee run --from plan.json --patches <dir>`.',
            );
          }
          return run(e, { objective, from: o.from, executor: patchDirExecutor(path.resolve(inv.global.cwd, o.patches)) });
        },
        (r) => {
          if (inv.global.json) return inv.out.json({ ok: true, ...r });
          for (const s of r.steps) {
            for (const a of s.attempts) inv.out.line(`step ${s.step}: ${a.outcome}${a.code ? ` (${a.code})` : ''} — ${path.basename(a.patch)}`);
          }
          inv.out.line(`Run ${r.runId} complete at ${r.lastCheckpoint ?? 'its base'}: next, cee merge`);
        },
      ),
    );

  program
    .command('extend')
    .description('load an extension, validate it and record it in the manifest (--list shows what is loaded)')
    .argument('[module]', 'jira, figma, linter, an npm package, or a path relative to the repository root')
    .option('--list', 'show the configured extensions and their enabled hooks')
    .option('--hooks <hooks>', 'comma-separated hooks to enable (default: all it implements)')
    .action((module: string | undefined, o: { list?: boolean; hooks?: string }) =>
      inv.withEngine(
        'extend',
        { lock: !o.list },
        async (e) => {
          const manifestFile = path.join(e.paths.tools, 'extension_manifest.json');
          const manifestRel = e.rel(manifestFile);
          if (o.list || !module) {
            const { plugins, warnings } = await loadExtensions(e.config.extensions, { repoRoot: e.repo.root, manifestFile: e.loaded.sources.extensions ?? manifestRel });
            return { added: null, extensions: plugins.map(describe), warnings: warnings.map((w) => w.message) };
          }
          if (e.config.extensions.some((x) => x.name === module)) throw new InputError('EXTENSION_PRESENT', `${module} is already in ${manifestRel}.`);
          const entry = { name: module, ...(o.hooks ? { hooks: o.hooks.split(',').map((h) => h.trim()).filter(Boolean) } : {}), options: {} };
          // Load it for real before recording it: a broken extension never reaches the manifest.
          const { plugins, warnings } = await loadExtensions([entry], { repoRoot: e.repo.root, manifestFile: manifestRel, firstIndex: e.config.extensions.length });
          let current: unknown = { extensions: [] };
          try {
            current = JSON.parse(await readFile(manifestFile, 'utf8'));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError('MANIFEST_INVALID', `Cannot read ${manifestRel}: ${(err as Error).message}`);
          }
          const list = Array.isArray(current) ? current : ((current as { extensions?: unknown[] }).extensions ?? []);
          const next = Array.isArray(current) ? [...list, entry] : { ...(current as object), extensions: [...list, entry] };
          await writeAtomic(manifestFile, `${JSON.stringify(next, null, 2)}\n`);
          await e.ledger.append('extension', `Extension ${module} added to ${manifestRel}`, { name: module, hooks: plugins[0]?.enabledHooks ?? [] });
          return { added: module, extensions: plugins.map(describe), warnings: warnings.map((w) => w.message) };
        },
        (r) => {
          if (inv.global.json) return inv.out.json({ ok: true, ...r });
          if (r.added) inv.out.line(`Added ${r.added} to the manifest.`);
          if (!r.extensions.length) return inv.out.line('No extensions configured.');
          for (const x of r.extensions) inv.out.line(`${x.name}@${x.version} (${x.source}): ${x.hooks.join(', ') || 'no hooks enabled'}`);
        },
      ),
    );
}

function describe(p: LoadedPlugin) {
  return { name: p.name, version: p.version, source: p.source.request, form: p.form, hooks: p.enabledHooks };
}
