import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SEED_CONTEXT_LIMITS, SEED_GUARDRAILS } from '../config/schema.js';
import { emptyState } from '../domain/state.js';
import type { Engine } from './context.js';

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

export interface InitResult {
  created: string[];
  kept: string[];
  gitignore: 'created' | 'updated' | 'unchanged';
}

/** Paths inside the state dir that stay out of git (machine-local state, logs and readable copies). */
export function ignoredPaths(stateDir: string): string[] {
  const d = stateDir.replace(/\/+$/, '');
  return [`${d}/tools/checkpoints/`, `${d}/state/`, `${d}/analytics/`, `${d}/QA_Continuity_Log.md`, `${d}/PLAN.md`];
}

async function writeIfAbsent(file: string, content: string, result: InitResult, root: string): Promise<void> {
  const relPath = path.relative(root, file).split(path.sep).join('/');
  try {
    await writeFile(file, content, { flag: 'wx' });
    result.created.push(relPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    result.kept.push(relPath);
  }
}

/** Scaffold codex_engine/ (idempotent; never overwrites a file that exists) and add the ignored paths. */
export async function init(engine: Engine): Promise<InitResult> {
  const { paths, repo } = engine;
  const result: InitResult = { created: [], kept: [], gitignore: 'unchanged' };
  for (const dir of [paths.tools, path.join(paths.tools, 'extensions'), paths.checkpointCopies, path.dirname(paths.stateFile), path.dirname(paths.metrics)]) {
    await mkdir(dir, { recursive: true });
  }
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await writeIfAbsent(path.join(paths.tools, 'guardrails.json'), json(SEED_GUARDRAILS), result, repo.root);
  await writeIfAbsent(path.join(paths.tools, 'context_limits.json'), json(SEED_CONTEXT_LIMITS), result, repo.root);
  await writeIfAbsent(path.join(paths.tools, 'extension_manifest.json'), json({ extensions: [] }), result, repo.root);
  await writeIfAbsent(path.join(paths.tools, 'extensions', '.gitkeep'), '', result, repo.root);
  await writeIfAbsent(path.join(paths.tools, 'checkpoints', '.gitkeep'), '', result, repo.root);
  // The local files exist from the start, so tools and people find the whole layout.
  const stateCreated = !(await exists(paths.stateFile));
  if (stateCreated) {
    await engine.state.write(emptyState());
    result.created.push(engine.rel(paths.stateFile));
  } else result.kept.push(engine.rel(paths.stateFile));
  await writeIfAbsent(paths.failureLog, '', result, repo.root);
  await writeIfAbsent(paths.metrics, '', result, repo.root);
  await writeIfAbsent(paths.planMd, '# Plan\n\nNo plan yet: make one with `cee plan --from plan.json`.\n', result, repo.root);
  if (!(await exists(paths.ledger))) {
    await engine.ledger.append('init', `CEE initialised in ${repo.root}`, { stateDir: engine.loaded.stateDir });
    result.created.push(engine.rel(paths.ledger));
  } else result.kept.push(engine.rel(paths.ledger));

  const gitignore = path.join(repo.root, '.gitignore');
  let existing = '';
  try {
    existing = await readFile(gitignore, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const have = new Set(existing.split(/\r?\n/).map((l) => l.trim()));
  const missing = ignoredPaths(engine.loaded.stateDir).filter((p) => !have.has(p) && !have.has(`/${p}`));
  if (missing.length) {
    const prefix = existing === '' ? '' : existing.endsWith('\n') ? '\n' : '\n\n';
    await writeFile(gitignore, `${existing}${prefix}# CEE (Codex Engine): local state, logs and readable checkpoint copies\n${missing.join('\n')}\n`);
    result.gitignore = existing === '' ? 'created' : 'updated';
  }
  return result;
}
