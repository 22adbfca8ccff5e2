import type { FileChange } from '../domain/change.js';
import { readJsonl, type MetricsRecord } from '../state/jsonl.js';
import type { Engine } from './context.js';

export interface CheckpointDiff {
  from: string;
  to: string;
  files: Array<Pick<FileChange, 'status' | 'path' | 'oldPath' | 'added' | 'deleted' | 'binary' | 'oldMode' | 'newMode'>>;
  added: number;
  deleted: number;
}

/** `cee checkpoints diff <a> <b>`: what changed between two checkpoints, as git computes it. */
export async function checkpointsDiff(engine: Engine, a: string, b: string): Promise<CheckpointDiff> {
  const [x, y] = await Promise.all([engine.checkpoints.get(a), engine.checkpoints.get(b)]);
  const change = await engine.deps.git.diffTrees(engine.repo.root, x.meta.tree, y.meta.tree);
  const files = change.files.map(({ status, path, oldPath, added, deleted, binary, oldMode, newMode }) => ({
    status,
    path,
    ...(oldPath ? { oldPath } : {}),
    added,
    deleted,
    binary,
    oldMode,
    newMode,
  }));
  return {
    from: x.meta.tag,
    to: y.meta.tag,
    files,
    added: files.reduce((s, f) => s + f.added, 0),
    deleted: files.reduce((s, f) => s + f.deleted, 0),
  };
}

export interface MetricsReport {
  since: string | null;
  totals: { commands: number; tests_passed: number; guardrail_events: number; tokens_used: number; failures: number };
  days: Array<{ day: string; commands: number; tests_passed: number; guardrail_events: number; tokens_used: number; failures: number }>;
}

/** `cee metrics`: totals and per-day figures from codex_metrics.jsonl. */
export async function metricsReport(engine: Engine, since: Date | null): Promise<MetricsReport> {
  const rows = (await readJsonl<MetricsRecord>(engine.paths.metrics)).filter((r) => !since || Date.parse(r.timestamp) >= since.getTime());
  const days = new Map<string, MetricsReport['days'][number]>();
  const totals = { commands: 0, tests_passed: 0, guardrail_events: 0, tokens_used: 0, failures: 0 };
  for (const r of rows) {
    const day = r.timestamp.slice(0, 10);
    const d = days.get(day) ?? { day, commands: 0, tests_passed: 0, guardrail_events: 0, tokens_used: 0, failures: 0 };
    for (const t of [d, totals]) {
      t.commands += 1;
      t.tests_passed += Number(r.tests_passed) || 0;
      t.guardrail_events += Number(r.guardrail_events) || 0;
      t.tokens_used += Number(r.tokens_used) || 0;
      t.failures += r.exit && r.exit !== 0 && r.exit !== 4 ? 1 : 0;
    }
    days.set(day, d);
  }
  return { since: since?.toISOString() ?? null, totals, days: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)) };
}
