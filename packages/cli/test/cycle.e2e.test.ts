import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cee, cleanup, git, makeRepo, newFileDiff, tmpdir, userTreeFingerprint, writePlan } from './harness.js';

const VALIDATION = { tests: [`"${process.execPath}" --test`] };

describe('the governed cycle, end to end, with the built cee binary', () => {
  let repo: string;
  let before: string;
  const patch = (name: string, text: string) => {
    const f = path.join(path.dirname(repo), name);
    writeFileSync(f, text);
    return f;
  };

  beforeAll(async () => {
    repo = makeRepo();
    expect((await cee(['init'], { cwd: repo })).code).toBe(0);
    writeFileSync(path.join(repo, 'codex_engine/tools/validation.json'), JSON.stringify(VALIDATION));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'adopt cee');
    // Some user state that must survive: a staged change, an unstaged change, a stash.
    writeFileSync(path.join(repo, 'README.md'), '# sample\n\nstashed\n');
    git(repo, 'stash', '-q');
    writeFileSync(path.join(repo, 'notes.txt'), 'staged\n');
    git(repo, 'add', 'notes.txt');
    writeFileSync(path.join(repo, 'README.md'), '# sample\n\nlocal edit\n');
    before = userTreeFingerprint(repo);
  });
  afterAll(() => cleanup(repo));

  it('prints the version line', async () => {
    const r = await cee(['--version'], { cwd: repo });
    expect(r.stdout).toMatch(/^Codex Engine v\d+\.\d+\.\d+ — Autonomous Engineering Edition\n$/);
  });

  it('init created the whole layout of the contract', async () => {
    for (const f of [
      'codex_engine/tools/guardrails.json',
      'codex_engine/tools/context_limits.json',
      'codex_engine/tools/extension_manifest.json',
      'codex_engine/tools/extensions',
      'codex_engine/tools/checkpoints',
      'codex_engine/state/state.json',
      'codex_engine/state/failure_log.jsonl',
      'codex_engine/analytics/codex_metrics.jsonl',
      'codex_engine/QA_Continuity_Log.md',
      'codex_engine/PLAN.md',
    ]) {
      expect(existsSync(path.join(repo, f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(path.join(repo, 'codex_engine/tools/guardrails.json'), 'utf8'))).toEqual({
      denyPaths: ['infra/', '.github/', 'migrations/', 'secrets/'],
      allowExtensions: ['.js', '.py', '.ts', '.java', '.md', '.json'],
      maxFilesPerStep: 12,
      maxTotalAddedLoc: 400,
      requirePlan: true,
      approvalTiers: { low: ['add comments', 'format code'], medium: ['refactor', 'add test'], high: ['change API', 'delete files'] },
    });
    expect(JSON.parse(readFileSync(path.join(repo, 'codex_engine/tools/context_limits.json'), 'utf8'))).toEqual({ planning: 50000, editing: 30000, validation: 20000 });
    // Only the committed policy shows up for git; the local state is ignored.
    expect(git(repo, 'check-ignore', 'codex_engine/state/state.json', 'codex_engine/PLAN.md', 'codex_engine/QA_Continuity_Log.md', 'codex_engine/analytics/codex_metrics.jsonl').trim().split('\n')).toHaveLength(4);
  });

  it('init is idempotent and never overwrites an edited file', async () => {
    const file = path.join(repo, 'codex_engine/tools/context_limits.json');
    const edited = readFileSync(file, 'utf8');
    const r = await cee(['init', '--json'], { cwd: repo });
    expect(r.code).toBe(0);
    expect(r.json.created).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(edited);
    expect(readFileSync(path.join(repo, '.gitignore'), 'utf8').match(/codex_engine\/state\//g)).toHaveLength(1);
  });

  it('plans, edits, tests and checkpoints two steps without touching the user tree', async () => {
    const plan = await cee(['plan', '--from', writePlan(repo, ['src/**', 'test/**'], 2), '--json'], { cwd: repo });
    expect(plan.code).toBe(0);
    expect(plan.json.plan.steps.map((s: { id: number }) => s.id)).toEqual([1, 2]);
    expect(readFileSync(path.join(repo, 'codex_engine/PLAN.md'), 'utf8')).toContain('Step 1');

    const p1 = patch('s1.diff', newFileDiff('src/mul.js', 'export function mul(a, b) {\n  return a * b;\n}\n') + newFileDiff('test/mul.test.js', "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { mul } from '../src/mul.js';\n\ntest('mul', () => assert.equal(mul(2, 3), 6));\n"));
    const e1 = await cee(['edit', '--step', '1', '--patch', p1, '--json'], { cwd: repo });
    expect(e1.code, e1.stderr).toBe(0);
    expect(e1.json.changedFiles.sort()).toEqual(['src/mul.js', 'test/mul.test.js']);
    expect(existsSync(path.join(repo, 'src/mul.js'))).toBe(false);

    const t1 = await cee(['test', '--json'], { cwd: repo });
    expect(t1.code, t1.stdout + t1.stderr).toBe(0);
    expect(t1.json).toMatchObject({ passed: 2, failed: 0 });

    const c1 = await cee(['checkpoint', 'first', '--json'], { cwd: repo });
    expect(c1.code, c1.stderr).toBe(0);
    expect(c1.json).toMatchObject({ tag: 'codex-cp-1', verified: true });
    expect(git(repo, 'rev-parse', 'codex-cp-1^{tree}').trim()).toBe(c1.json.tree);

    const p2 = patch('s2.diff', 'diff --git a/src/util.js b/src/util.js\n--- a/src/util.js\n+++ b/src/util.js\n@@ -1,3 +1,4 @@\n export function add(a, b) {\n+  // adds\n   return a + b;\n }\n');
    expect((await cee(['edit', '--patch', p2], { cwd: repo })).code).toBe(0);
    const t2 = await cee(['test'], { cwd: repo });
    expect(t2.code).toBe(0);
    const c2 = await cee(['checkpoint', '--json'], { cwd: repo });
    expect(c2.json.tag).toBe('codex-cp-2');

    const status = await cee(['status', '--detailed'], { cwd: repo });
    const lines = status.stdout.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'Current State: EXECUTING_PHASE_2',
      'Checkpoint: codex-cp-2',
      'Files Modified: 1/12',
      'Tests Passing: 2/2',
      'Next Action: Merge + Archive',
    ]);
    // Invariant 1: working tree (outside codex_engine/), index, stash, HEAD and branch untouched.
    expect(userTreeFingerprint(repo)).toBe(before);
  });

  it('lists and shows checkpoints with their metadata', async () => {
    const list = await cee(['checkpoints', '--json'], { cwd: repo });
    expect(list.json.checkpoints.map((c: { tag: string }) => c.tag)).toEqual(['codex-cp-2', 'codex-cp-1']);
    const show = await cee(['checkpoints', 'show', 'codex-cp-1', '--json'], { cwd: repo });
    expect(show.json).toMatchObject({ tag: 'codex-cp-1', step: 1, verified: true, message: 'first' });
    expect(show.json.state.plan.steps).toHaveLength(2);
    expect(show.json.tests.passed).toBe(2);
    const diff = await cee(['checkpoints', 'diff', 'codex-cp-1', 'codex-cp-2', '--json'], { cwd: repo });
    expect(diff.json.files).toEqual([expect.objectContaining({ path: 'src/util.js', status: 'M', added: 1 })]);
  });

  it('restores exactly the recorded tree and state, and can undo it', async () => {
    const r = await cee(['restore', 'codex-cp-1', '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const wt = path.join(repo, '.git/cee/worktrees/run');
    git(wt, 'add', '-A');
    expect(git(wt, 'write-tree').trim()).toBe(git(repo, 'rev-parse', 'codex-cp-1^{tree}').trim());
    const state = JSON.parse(readFileSync(path.join(repo, 'codex_engine/state/state.json'), 'utf8'));
    expect(state.lastCheckpoint).toBe('codex-cp-1');
    expect(state.steps['2']).toBeUndefined();
    const status = await cee(['status', '--detailed'], { cwd: repo });
    expect(status.stdout).toContain('Checkpoint: codex-cp-1');

    const undo = await cee(['restore', '--undo', '--json'], { cwd: repo });
    expect(undo.code, undo.stderr).toBe(0);
    git(wt, 'add', '-A');
    expect(git(wt, 'write-tree').trim()).toBe(git(repo, 'rev-parse', 'codex-cp-2^{tree}').trim());
    expect(userTreeFingerprint(repo)).toBe(before);
  });

  it('keeps every checkpoint through git gc and restores it in a fresh clone after fetch', async () => {
    git(repo, 'gc', '-q', '--prune=now');
    const remote = path.join(tmpdir(), 'remote.git');
    git(path.dirname(remote), 'init', '-q', '--bare', remote);
    git(repo, 'remote', 'add', 'origin', remote);
    expect((await cee(['checkpoints', 'push', 'origin'], { cwd: repo })).code).toBe(0);
    const clone = path.join(tmpdir(), 'clone');
    git(path.dirname(clone), 'clone', '-q', remote, clone);
    expect((await cee(['checkpoints', 'fetch', 'origin'], { cwd: clone })).code).toBe(0);
    const r = await cee(['restore', 'codex-cp-2', '--json'], { cwd: clone });
    expect(r.code, r.stderr).toBe(0);
    const wt = path.join(clone, '.git/cee/worktrees/run');
    git(wt, 'add', '-A');
    expect(git(wt, 'write-tree').trim()).toBe(git(repo, 'rev-parse', 'codex-cp-2^{tree}').trim());
    const status = await cee(['status', '--detailed'], { cwd: clone });
    expect(status.stdout).toContain('Checkpoint: codex-cp-2');
    cleanup(clone);
    cleanup(remote);
  });

  it('merges the verified run into the user branch after checkpointing the user tree', async () => {
    git(repo, 'stash', '-q');
    const r = await cee(['merge', '--json'], { cwd: repo });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(readFileSync(path.join(repo, 'src/mul.js'), 'utf8')).toContain('mul');
    expect(git(repo, 'rev-parse', 'HEAD').trim()).toBe(git(repo, 'rev-parse', 'codex-cp-2^{commit}').trim());
    expect(r.json.before).toMatch(/^codex-cp-\d+$/);
    const verify = await cee(['audit', 'verify', '--json'], { cwd: repo });
    expect(verify.json.ok).toBe(true);
    const metrics = readFileSync(path.join(repo, 'codex_engine/analytics/codex_metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.length).toBeGreaterThan(5);
    for (const m of metrics) expect(Object.keys(m)).toEqual(expect.arrayContaining(['timestamp', 'step', 'tests_passed', 'guardrail_events', 'tokens_used']));
  });
});
