import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {adoptedRepo, cee, cleanup, git, newFileDiff, userTreeFingerprint, writePlan } from './harness.js';

let repo: string;
afterEach(() => cleanup(repo));

async function setup() {
  repo = await adoptedRepo();
  const dir = path.join(path.dirname(repo), 'patches');
  mkdirSync(dir);
  return dir;
}

const BREAK = 'diff --git a/src/util.js b/src/util.js\n--- a/src/util.js\n+++ b/src/util.js\n@@ -1,3 +1,3 @@\n export function add(a, b) {\n-  return a + b;\n+  return a - b;\n }\n';

describe('cee run (the autonomous cycle, replaying proposals)', () => {
  it('retries a failed step from its starting tree and checkpoints every step', async () => {
    const dir = await setup();
    const before = userTreeFingerprint(repo);
    writeFileSync(path.join(dir, 'step-1.diff'), newFileDiff('src/one.js', 'export const one = 1;\n'));
    writeFileSync(path.join(dir, 'step-2.diff'), BREAK);
    writeFileSync(path.join(dir, 'step-2.attempt-2.diff'), newFileDiff('src/two.js', 'export const two = 2;\n'));
    const r = await cee(['run', '--from', writePlan(repo, ['src/**'], 2), '--patches', dir, '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.completed).toBe(true);
    expect(r.json.steps[1].attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'checkpointed']);
    expect(r.json.lastCheckpoint).toBe('codex-cp-2');
    const files = git(repo, 'ls-tree', '-r', '--name-only', 'codex-cp-2');
    expect(files).toContain('src/two.js');
    expect(git(repo, 'show', 'codex-cp-2:src/util.js')).toContain('a + b');
    expect(userTreeFingerprint(repo)).toBe(before);
    expect((await cee(['merge'], { cwd: repo })).code).toBe(0);
  });

  it('gives up after the attempt budget with exit 1, staying at the last good checkpoint', async () => {
    const dir = await setup();
    writeFileSync(path.join(dir, 'step-1.diff'), BREAK);
    writeFileSync(path.join(dir, 'step-1.attempt-2.diff'), newFileDiff('infra/x.json', '{}\n'));
    const r = await cee(['run', '--from', writePlan(repo, ['src/**', 'infra/**']), '--patches', dir, '--json'], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.json.error.code).toBe('STEP_ATTEMPTS_EXHAUSTED');
    expect(r.json.run.steps[0].attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'rejected']);
    const wt = path.join(repo, '.git/cee/worktrees/run');
    expect(readFileSync(path.join(wt, 'src/util.js'), 'utf8')).toContain('a + b');
  });

  it('stops at an approval gate (exit 4) and resumes after approval', async () => {
    const dir = await setup();
    writeFileSync(path.join(dir, 'step-1.diff'), 'diff --git a/README.md b/README.md\ndeleted file mode 100644\n--- a/README.md\n+++ /dev/null\n@@ -1 +0,0 @@\n-# sample\n');
    writeFileSync(path.join(dir, 'step-2.diff'), newFileDiff('src/two.js', 'export const two = 2;\n'));
    const plan = writePlan(repo, ['**'], 2);
    const first = await cee(['run', '--from', plan, '--patches', dir], { cwd: repo });
    expect(first.code).toBe(4);
    expect((await cee(['approve', '--by', 'ana'], { cwd: repo })).code).toBe(0);
    const again = await cee(['run', '--patches', dir, '--json'], { cwd: repo });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.lastCheckpoint).toBe('codex-cp-2');
  });

  it('without an executor it says how to drive the cycle (exit 2)', async () => {
    await setup();
    const r = await cee(['run', 'do things'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--patches/);
  });
});
