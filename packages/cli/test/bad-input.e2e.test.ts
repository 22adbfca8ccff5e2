import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cee, cleanup, git, makeRepo, newFileDiff, userTreeFingerprint, writePlan } from './harness.js';

let repo: string;
let before: string;
beforeEach(async () => {
  repo = makeRepo();
  expect((await cee(['plan', '--from', writePlan(repo, ['src/**'])], { cwd: repo })).code).toBe(0);
  before = userTreeFingerprint(repo);
});
afterEach(() => cleanup(repo));

const stateFile = () => path.join(repo, 'codex_engine/state/state.json');

describe('bad input: clear error, documented exit code, nothing changed', () => {
  it('a missing patch file → exit 2 naming the file', async () => {
    const state = readFileSync(stateFile(), 'utf8');
    const r = await cee(['edit', '--patch', 'nope.diff', '--json'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.json.error.message).toContain('nope.diff');
    expect(readFileSync(stateFile(), 'utf8')).toBe(state);
    expect(userTreeFingerprint(repo)).toBe(before);
  });

  it('a patch that does not apply → exit 2 with git’s reason, nothing applied', async () => {
    const bad = path.join(path.dirname(repo), 'bad.diff');
    writeFileSync(bad, 'diff --git a/src/util.js b/src/util.js\n--- a/src/util.js\n+++ b/src/util.js\n@@ -1,3 +1,3 @@\n export function add(a, b) {\n-  return a - b;\n+  return b + a;\n }\n');
    const r = await cee(['edit', '--patch', bad, '--json'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.json.error.code).toBe('PATCH_DOES_NOT_APPLY');
    expect(userTreeFingerprint(repo)).toBe(before);
    const state = JSON.parse(readFileSync(stateFile(), 'utf8'));
    expect(state.steps['1']).toBeUndefined();
  });

  it('a patch on stdin works the same way', async () => {
    const r = await cee(['edit', '--patch', '-', '--json'], { cwd: repo, input: newFileDiff('src/x.js', 'export const x = 1;\n') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.changedFiles).toEqual(['src/x.js']);
  });

  it('a corrupt state.json → exit 2, and the file is left as it was', async () => {
    writeFileSync(stateFile(), '{"version": 1, "runId": ');
    const ok = path.join(path.dirname(repo), 'ok.diff');
    writeFileSync(ok, newFileDiff('src/y.js', 'export const y = 2;\n'));
    for (const args of [['status', '--json'], ['edit', '--patch', ok, '--json']]) {
      const r = await cee(args, { cwd: repo });
      expect(r.code).toBe(2);
      expect(r.json.error.code).toBe('STATE_CORRUPT');
      expect(r.json.error.message).toContain('codex_engine/state/state.json');
    }
    expect(readFileSync(stateFile(), 'utf8')).toBe('{"version": 1, "runId": ');
  });

  it('invalid guardrails → exit 2 naming the file and the field, for every command that loads config', async () => {
    const file = path.join(repo, 'codex_engine/tools/guardrails.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ maxFilesPerStep: -1, denyPaths: 'infra/' }));
    for (const args of [['status'], ['checkpoints'], ['plan', '--from', writePlan(repo)]]) {
      const r = await cee(args, { cwd: repo });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('codex_engine/tools/guardrails.json');
      expect(r.stderr).toMatch(/maxFilesPerStep/);
      expect(r.stderr).toMatch(/denyPaths/);
    }
  });

  it('an invalid plan → exit 2 naming the field', async () => {
    const plan = path.join(path.dirname(repo), 'bad-plan.json');
    writeFileSync(plan, JSON.stringify({ objective: 'x', steps: [{ title: 'a', files: [] }] }));
    const r = await cee(['plan', '--from', plan], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad-plan.json');
    expect(r.stderr).toMatch(/steps\[0\]\.files|files/);
  });

  it('an edit outside the step scope is a guardrail violation (exit 3)', async () => {
    const p = path.join(path.dirname(repo), 'scope.diff');
    writeFileSync(p, newFileDiff('README2.md', '# outside\n'));
    const r = await cee(['edit', '--patch', p, '--json'], { cwd: repo });
    expect(r.code).toBe(3);
    expect(r.json.reason_class).toBe('out_of_scope');
    const failures = readFileSync(path.join(repo, 'codex_engine/state/failure_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(failures.at(-1)).toMatchObject({ command: 'edit', code: 'GUARDRAIL_OUT_OF_SCOPE', exit: 3, rule: { id: 'out_of_scope' } });
  });

  it('no plan with requirePlan → exit 3', async () => {
    const fresh = makeRepo();
    const p = path.join(path.dirname(fresh), 'p.diff');
    writeFileSync(p, newFileDiff('src/z.js', 'export const z = 3;\n'));
    const r = await cee(['edit', '--patch', p, '--json'], { cwd: fresh });
    expect(r.code).toBe(3);
    expect(r.json.reason_class).toBe('require_plan');
    cleanup(fresh);
  });

  it('a second cee on the same repository gets exit 5; a dead holder’s lock is taken over', async () => {
    const lock = path.join(repo, '.git/cee/lock.json');
    const os = await import('node:os');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command: 'edit' }));
    const r = await cee(['plan', '--from', writePlan(repo)], { cwd: repo });
    expect(r.code).toBe(5);
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), startedAt: new Date().toISOString(), command: 'edit' }));
    const r2 = await cee(['plan', '--from', writePlan(repo)], { cwd: repo });
    expect(r2.code).toBe(0);
    expect(r2.stderr).toContain('took over the lock');
  });

  it('outside a git repository → exit 2', async () => {
    const r = await cee(['status', '--cwd', path.dirname(repo)], { cwd: path.dirname(repo) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not inside a git repository/);
  });

  it('unknown commands and options → exit 2', async () => {
    expect((await cee(['frobnicate'], { cwd: repo })).code).toBe(2);
    expect((await cee(['edit', '--step', 'x', '--patch', 'a'], { cwd: repo })).code).toBe(2);
    git(repo, 'status');
  });
});
