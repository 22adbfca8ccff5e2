import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {adoptedRepo, cee, cleanup, git, newFileDiff, userTreeFingerprint, writePlan } from './harness.js';

/**
 * Fault injection: CEE_FAULT makes cee SIGKILL itself at a named point (like `kill -9` or a power cut).
 * After each crash: state parses, no checkpoint is lost, the user's tree is untouched (or, for merge,
 * completely changed), the next command recovers, and the cycle completes.
 */
const POINTS = {
  edit: ['edit:after-pending', 'edit:after-provision', 'edit:after-checkout'],
  checkpoint: ['checkpoint:after-pending', 'checkpoint:after-commit', 'checkpoint:after-tag', 'checkpoint:after-branch'],
  restore: ['restore:after-undo', 'restore:after-pending', 'restore:after-provision', 'restore:after-branch'],
  merge: ['merge:after-snapshot', 'merge:after-pending', 'merge:after-merge', 'merge:after-archive'],
};

async function setup() {
  const repo = await adoptedRepo();
  expect((await cee(['plan', '--from', writePlan(repo, ['src/**', 'test/**'], 2)], { cwd: repo })).code).toBe(0);
  const p1 = path.join(path.dirname(repo), 'p1.diff');
  writeFileSync(p1, newFileDiff('src/a.js', 'export const a = 1;\n'));
  const p2 = path.join(path.dirname(repo), 'p2.diff');
  writeFileSync(p2, newFileDiff('src/b.js', 'export const b = 2;\n') + newFileDiff('src/c d.js', 'export const c = 3;\n'));
  for (const args of [['edit', '--patch', p1], ['test'], ['checkpoint', 'one']]) expect((await cee(args, { cwd: repo })).code).toBe(0);
  return { repo, p2 };
}

const tags = (repo: string) => git(repo, 'tag', '-l', 'codex-cp-*').trim().split('\n').filter(Boolean).sort();
const treeOf = (repo: string, rev: string) => git(repo, 'rev-parse', `${rev}^{tree}`).trim();
const worktreeTree = (repo: string) => {
  const wt = path.join(repo, '.git/cee/worktrees/run');
  git(wt, 'add', '-A');
  return git(wt, 'write-tree').trim();
};

async function afterCrash(repo: string, before: string[]) {
  const state = JSON.parse(readFileSync(path.join(repo, 'codex_engine/state/state.json'), 'utf8'));
  expect(state.version).toBe(1);
  for (const t of before) expect(tags(repo)).toContain(t);
  const doctor = await cee(['doctor', '--json'], { cwd: repo });
  expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
  const after = JSON.parse(readFileSync(path.join(repo, 'codex_engine/state/state.json'), 'utf8'));
  expect(after.pending).toBeNull();
  expect((await cee(['audit', 'verify'], { cwd: repo })).code).toBe(0);
}

describe('crash safety (kill -9 at every named point)', () => {
  it.each(POINTS.edit)('%s', async (point) => {
    const { repo, p2 } = await setup();
    const user = userTreeFingerprint(repo);
    const crashed = await cee(['edit', '--patch', p2], { cwd: repo, env: { CEE_FAULT: point } });
    expect(crashed.code).toBe(-1);
    await afterCrash(repo, ['codex-cp-1']);
    for (const args of [['edit', '--patch', p2], ['test'], ['checkpoint']]) {
      const r = await cee(args, { cwd: repo });
      expect(r.code, r.stderr).toBe(0);
    }
    expect(tags(repo)).toEqual(['codex-cp-1', 'codex-cp-2']);
    expect(worktreeTree(repo)).toBe(treeOf(repo, 'codex-cp-2'));
    expect(userTreeFingerprint(repo)).toBe(user);
    cleanup(repo);
  });

  it.each(POINTS.checkpoint)('%s', async (point) => {
    const { repo, p2 } = await setup();
    const user = userTreeFingerprint(repo);
    for (const args of [['edit', '--patch', p2], ['test']]) expect((await cee(args, { cwd: repo })).code).toBe(0);
    expect((await cee(['checkpoint', 'two'], { cwd: repo, env: { CEE_FAULT: point } })).code).toBe(-1);
    await afterCrash(repo, ['codex-cp-1']);
    const state = JSON.parse(readFileSync(path.join(repo, 'codex_engine/state/state.json'), 'utf8'));
    if (state.lastCheckpoint !== 'codex-cp-2') expect((await cee(['checkpoint', 'two'], { cwd: repo })).code).toBe(0);
    expect(tags(repo)).toContain('codex-cp-2');
    const cp2 = tags(repo).at(-1)!;
    expect((await cee(['restore', 'codex-cp-1'], { cwd: repo })).code).toBe(0);
    expect(worktreeTree(repo)).toBe(treeOf(repo, 'codex-cp-1'));
    expect((await cee(['restore', cp2], { cwd: repo })).code).toBe(0);
    expect(worktreeTree(repo)).toBe(treeOf(repo, cp2));
    expect(userTreeFingerprint(repo)).toBe(user);
    cleanup(repo);
  });

  it.each(POINTS.restore)('%s', async (point) => {
    const { repo, p2 } = await setup();
    for (const args of [['edit', '--patch', p2], ['test'], ['checkpoint']]) expect((await cee(args, { cwd: repo })).code).toBe(0);
    const user = userTreeFingerprint(repo);
    expect((await cee(['restore', 'codex-cp-1'], { cwd: repo, env: { CEE_FAULT: point } })).code).toBe(-1);
    await afterCrash(repo, ['codex-cp-1', 'codex-cp-2']);
    const state = JSON.parse(readFileSync(path.join(repo, 'codex_engine/state/state.json'), 'utf8'));
    if (state.lastCheckpoint !== 'codex-cp-1') expect((await cee(['restore', 'codex-cp-1'], { cwd: repo })).code).toBe(0);
    expect(worktreeTree(repo)).toBe(treeOf(repo, 'codex-cp-1'));
    expect((await cee(['status', '--detailed'], { cwd: repo })).stdout).toContain('Checkpoint: codex-cp-1');
    expect(userTreeFingerprint(repo)).toBe(user);
    cleanup(repo);
  });

  it.each(POINTS.merge)('%s', async (point) => {
    const { repo, p2 } = await setup();
    for (const args of [['edit', '--patch', p2], ['test'], ['checkpoint']]) expect((await cee(args, { cwd: repo })).code).toBe(0);
    writeFileSync(path.join(repo, 'scratch.txt'), 'user work in progress\n');
    const headBefore = git(repo, 'rev-parse', 'HEAD').trim();
    expect((await cee(['merge'], { cwd: repo, env: { CEE_FAULT: point } })).code).toBe(-1);
    await afterCrash(repo, ['codex-cp-1', 'codex-cp-2']);
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    // Never half: either the old commit with the user's files, or the merged commit with all of them.
    if (head === headBefore) {
      expect(git(repo, 'ls-files', 'src')).not.toContain('src/b.js');
      expect((await cee(['merge'], { cwd: repo })).code).toBe(0);
    }
    expect(git(repo, 'rev-parse', 'HEAD').trim()).toBe(git(repo, 'rev-parse', 'codex-cp-2^{commit}').trim());
    expect(readFileSync(path.join(repo, 'src/c d.js'), 'utf8')).toContain('c = 3');
    expect(readFileSync(path.join(repo, 'scratch.txt'), 'utf8')).toBe('user work in progress\n');
    expect(git(repo, 'status', '--porcelain', '--', 'src')).toBe('');
    cleanup(repo);
  });
});
