import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {adoptedRepo, cee, cleanup, git, makeRepo, newFileDiff, NODE_TEST, userTreeFingerprint, writePlan } from './harness.js';

let repos: string[] = [];
afterEach(() => {
  for (const r of repos) cleanup(r);
  repos = [];
});

async function adopted(validation: Record<string, unknown> = { tests: [NODE_TEST] }, guardrails?: Record<string, unknown>) {
  const repo = await adoptedRepo({ validation, guardrails });
  repos.push(repo);
  return repo;
}

function patchFile(repo: string, name: string, text: string): string {
  const f = path.join(path.dirname(repo), name);
  writeFileSync(f, text);
  return f;
}

const DELETE_TEST = 'diff --git a/test/util.test.js b/test/util.test.js\ndeleted file mode 100644\n--- a/test/util.test.js\n+++ /dev/null\n@@ -1,5 +0,0 @@\n-import { test } from \'node:test\';\n-import assert from \'node:assert/strict\';\n-import { add } from \'../src/util.js\';\n-\n-test(\'add\', () => assert.equal(add(1, 2), 3));\n';

describe('approval tiers', () => {
  it('a deletion stops at exit 4 until approved; the approval lands in the checkpoint metadata', async () => {
    const repo = await adopted();
    const before = userTreeFingerprint(repo);
    expect((await cee(['plan', '--from', writePlan(repo, ['src/**', 'test/**'])], { cwd: repo })).code).toBe(0);
    const e = await cee(['edit', '--patch', patchFile(repo, 'del.diff', DELETE_TEST), '--json'], { cwd: repo });
    expect(e.code).toBe(4);
    expect(e.json).toMatchObject({ verdict: 'approval', tier: 'high' });
    expect((await cee(['test'], { cwd: repo })).code).toBe(4);
    expect((await cee(['checkpoint'], { cwd: repo })).code).toBe(4);
    expect((await cee(['status', '--detailed'], { cwd: repo })).stdout).toContain('Current State: AWAITING_APPROVAL_PHASE_1');
    const a = await cee(['approve', '--step', '1', '--by', 'ana', 'tests moved elsewhere', '--json'], { cwd: repo });
    expect(a.code, a.stderr).toBe(0);
    expect(a.json).toMatchObject({ status: 'approved', approvals: 1, needed: 1 });
    expect((await cee(['test'], { cwd: repo })).code).toBe(0);
    const c = await cee(['checkpoint', '--json'], { cwd: repo });
    expect(c.json).toMatchObject({ verified: true, verification: { approvals: 'given' } });
    const show = await cee(['checkpoints', 'show', c.json.tag, '--json'], { cwd: repo });
    expect(show.json.state.approvals).toEqual([expect.objectContaining({ step: 1, by: 'ana', decision: 'approved', comment: 'tests moved elsewhere', tier: 'high' })]);
    expect(userTreeFingerprint(repo)).toBe(before);
  });

  it('several approvers can be required; reject discards the change', async () => {
    const repo = await adopted({ tests: [NODE_TEST] }, { approval: { requireApproval: ['high'], approvers: { high: 2 } } });
    expect((await cee(['plan', '--from', writePlan(repo, ['src/**', 'test/**'])], { cwd: repo })).code).toBe(0);
    expect((await cee(['edit', '--patch', patchFile(repo, 'del.diff', DELETE_TEST)], { cwd: repo })).code).toBe(4);
    const one = await cee(['approve', '--by', 'ana', '--json'], { cwd: repo });
    expect(one.json).toMatchObject({ status: 'awaiting_approval', approvals: 1, needed: 2 });
    const again = await cee(['approve', '--by', 'ana', '--json'], { cwd: repo });
    expect(again.json.approvals).toBe(1);
    const rej = await cee(['reject', '--by', 'bo', 'keep the tests', '--json'], { cwd: repo });
    expect(rej.json).toMatchObject({ status: 'rejected' });
    const wt = path.join(repo, '.git/cee/worktrees/run');
    expect(readFileSync(path.join(wt, 'test/util.test.js'), 'utf8')).toContain('add');
    const ledger = readFileSync(path.join(repo, 'codex_engine/QA_Continuity_Log.md'), 'utf8');
    expect(ledger).toContain('rejected by bo');
  });
});

describe('failed steps', () => {
  it('a red test exits 1, recovers the worktree to the last checkpoint and keeps the attempt', async () => {
    const repo = await adopted();
    expect((await cee(['plan', '--from', writePlan(repo, ['src/**', 'test/**'])], { cwd: repo })).code).toBe(0);
    const bad = patchFile(repo, 'bad.diff', 'diff --git a/src/util.js b/src/util.js\n--- a/src/util.js\n+++ b/src/util.js\n@@ -1,3 +1,3 @@\n export function add(a, b) {\n-  return a + b;\n+  return a - b;\n }\n');
    expect((await cee(['edit', '--patch', bad], { cwd: repo })).code).toBe(0);
    const t = await cee(['test', '--json'], { cwd: repo });
    expect(t.code).toBe(1);
    expect(t.json).toMatchObject({ error: { code: 'TESTS_FAILED' }, tests: { passed: 0, failed: 1 } });
    const wt = path.join(repo, '.git/cee/worktrees/run');
    expect(readFileSync(path.join(wt, 'src/util.js'), 'utf8')).toContain('a + b');
    expect(git(repo, 'for-each-ref', '--format=%(refname)', 'refs/cee/failed/')).toMatch(/step-1-attempt-1/);
    const failures = readFileSync(path.join(repo, 'codex_engine/state/failure_log.jsonl'), 'utf8');
    expect(failures).toContain('TESTS_FAILED');
    const status = await cee(['status', '--detailed'], { cwd: repo });
    expect(status.stdout).toContain('Current State: FAILED_PHASE_1');
    expect(status.stdout).toContain('Tests Passing: 0/1');
  });

  it('merge refuses a run whose latest checkpoint is not verified', async () => {
    const repo = await adopted({ tests: [] });
    expect((await cee(['plan', '--from', writePlan(repo, ['src/**'])], { cwd: repo })).code).toBe(0);
    expect((await cee(['edit', '--patch', patchFile(repo, 'a.diff', newFileDiff('src/a.js', 'export const a = 1;\n'))], { cwd: repo })).code).toBe(0);
    expect((await cee(['checkpoint'], { cwd: repo })).code).toBe(0);
    const before = userTreeFingerprint(repo);
    const m = await cee(['merge', '--json'], { cwd: repo });
    expect(m.code).toBe(3);
    expect(m.json.error.message).toMatch(/not verified \(tests not-run/);
    expect(userTreeFingerprint(repo)).toBe(before);
  });
});

describe('merge', () => {
  it('fast-forward only refuses a moved branch; a merge commit joins it (user’s choice)', async () => {
    const repo = await adopted();
    expect((await cee(['plan', '--from', writePlan(repo, ['src/**'])], { cwd: repo })).code).toBe(0);
    for (const args of [['edit', '--patch', patchFile(repo, 'a.diff', newFileDiff('src/a.js', 'export const a = 1;\n'))], ['test'], ['checkpoint']]) {
      expect((await cee(args, { cwd: repo })).code).toBe(0);
    }
    writeFileSync(path.join(repo, 'README.md'), '# sample\n\nmoved on\n');
    git(repo, 'commit', '-q', '-am', 'user moved on');
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const ff = await cee(['merge', '--mode', 'ff', '--json'], { cwd: repo });
    expect(ff.code).toBe(2);
    expect(ff.json.error.message).toMatch(/fast-forward/i);
    expect(git(repo, 'rev-parse', 'HEAD').trim()).toBe(head);
    const mc = await cee(['merge', '--mode', 'merge', '--json'], { cwd: repo });
    expect(mc.code, mc.stderr + mc.stdout).toBe(0);
    expect(git(repo, 'rev-parse', 'HEAD^1').trim()).toBe(head);
    expect(git(repo, 'rev-parse', 'HEAD^2').trim()).toBe(git(repo, 'rev-parse', 'codex-cp-1^{commit}').trim());
    expect(readFileSync(path.join(repo, 'src/a.js'), 'utf8')).toContain('a = 1');
    expect(readFileSync(path.join(repo, 'README.md'), 'utf8')).toContain('moved on');
    expect((await cee(['status', '--detailed'], { cwd: repo })).stdout).toContain('Current State: MERGED');
  });
});

describe('checkpoint exactness', () => {
  it('restores the exact tree: empty files, exec bits, symlinks, spaces, unicode, deletions, renames, test output', async () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(path.join(repo, 'bin'));
    writeFileSync(path.join(repo, 'bin/run.js'), '#!/usr/bin/env node\n');
    chmodSync(path.join(repo, 'bin/run.js'), 0o755);
    symlinkSync('../src/util.js', path.join(repo, 'bin/util-link.js'));
    writeFileSync(path.join(repo, 'src/empty.js'), '');
    writeFileSync(path.join(repo, 'src/with space ü.js'), 'export const ü = 1;\n');
    writeFileSync(path.join(repo, 'src/old.js'), 'export const old = 1;\n');
    // The validation step writes files too: they are part of the snapshot (ignored ones are not).
    const gen = "const fs=require('fs');fs.mkdirSync('out',{recursive:true});fs.writeFileSync('out/report ✓.json','{}');fs.writeFileSync('out/ignored.log','x');";
    writeFileSync(path.join(repo, '.gitignore'), '*.log\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'special files');
    expect((await cee(['init'], { cwd: repo })).code).toBe(0);
    writeFileSync(path.join(repo, 'codex_engine/tools/validation.json'), JSON.stringify({ tests: [NODE_TEST, `"${process.execPath}" -e "${gen}"`] }));
    const g = path.join(repo, 'codex_engine/tools/guardrails.json');
    writeFileSync(g, JSON.stringify({ ...JSON.parse(readFileSync(g, 'utf8')), allowExtensions: ['.js', '.json', '.md'] }));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'adopt');
    expect((await cee(['plan', '--from', writePlan(repo, ['src/**', 'test/**', 'out/**'], 2)], { cwd: repo })).code).toBe(0);
    const rename = 'diff --git a/src/old.js b/src/new name.js\nsimilarity index 100%\nrename from src/old.js\nrename to src/new name.js\n';
    const p1 = patchFile(repo, 'p1.diff', rename + newFileDiff('src/ünï.js', 'export const u = 2;\n'));
    for (const args of [['edit', '--patch', p1], ['test'], ['checkpoint']]) {
      const r = await cee(args, { cwd: repo });
      expect(r.code, r.stderr).toBe(0);
    }
    const p2 = patchFile(repo, 'p2.diff', 'diff --git a/src/empty.js b/src/empty.js\ndeleted file mode 100644\n');
    expect((await cee(['edit', '--patch', p2], { cwd: repo })).code).toBe(4);
    expect((await cee(['approve', '--by', 'ana'], { cwd: repo })).code).toBe(0);
    for (const args of [['test'], ['checkpoint']]) expect((await cee(args, { cwd: repo })).code).toBe(0);

    const wt = path.join(repo, '.git/cee/worktrees/run');
    const tree = (rev: string) => git(repo, 'rev-parse', `${rev}^{tree}`).trim();
    const files1 = git(repo, 'ls-tree', '-r', '--full-tree', 'codex-cp-1');
    expect(files1).toMatch(/100755 blob \w+\tbin\/run\.js/);
    expect(files1).toMatch(/120000 blob \w+\tbin\/util-link\.js/);
    expect(files1).toContain('"out/report \\342\\234\\223.json"');
    expect(files1).not.toContain('ignored.log');
    expect(files1).toContain('src/new name.js');
    expect(files1).not.toContain('src/old.js');
    for (const tag of ['codex-cp-1', 'codex-cp-2', 'codex-cp-1']) {
      expect((await cee(['restore', tag], { cwd: repo })).code).toBe(0);
      git(wt, 'add', '-A');
      expect(git(wt, 'write-tree').trim()).toBe(tree(tag));
    }
  });
});

describe('tools', () => {
  it('scan finds a planted secret (exit 3) and nothing in clean files', async () => {
    const repo = makeRepo();
    repos.push(repo);
    expect((await cee(['scan'], { cwd: repo })).code).toBe(0);
    const key = ['gh', 'p_', 'R8sK2mVq9ZxT4wLp7NbC3yHd6FjA1uEg5XoQ'].join('');
    writeFileSync(path.join(repo, 'src/conf.js'), `export const token = '${key}';\n`);
    const r = await cee(['scan', '--json'], { cwd: repo });
    expect(r.code).toBe(3);
    expect(r.json.findings[0]).toMatchObject({ file: 'src/conf.js', line: 1 });
    expect(r.stdout).not.toContain(key);
    git(repo, 'add', 'src/conf.js');
    expect((await cee(['scan', '--staged'], { cwd: repo })).code).toBe(3);
  });

  it('guardrails.secrets.engine "gitleaks" runs the gitleaks binary (its stdin mode and JSON report)', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const bin = path.join(path.dirname(repo), 'bin');
    mkdirSync(bin);
    // A stand-in that speaks gitleaks' command line and report format: `version`, `stdin … --report-path F`.
    const fake = path.join(bin, 'gitleaks');
    writeFileSync(
      fake,
      `#!${process.execPath}
const fs = require('fs'); const a = process.argv.slice(2);
if (a[0] === 'version') { console.log('8.21.2'); process.exit(0); }
const input = fs.readFileSync(0, 'utf8'); const out = [];
input.split('\\n').forEach((l, i) => { const m = /ghp_[A-Za-z0-9]{36}/.exec(l); if (m) out.push({ RuleID: 'github-pat', Description: 'GitHub PAT', StartLine: i + 1, StartColumn: m.index + 1, Secret: m[0] }); });
fs.writeFileSync(a[a.indexOf('--report-path') + 1], JSON.stringify(out));
`,
    );
    chmodSync(fake, 0o755);
    mkdirSync(path.join(repo, 'codex_engine/tools'), { recursive: true });
    writeFileSync(path.join(repo, 'codex_engine/tools/guardrails.json'), JSON.stringify({ secrets: { engine: 'gitleaks' } }));
    const key = ['gh', 'p_', 'R8sK2mVq9ZxT4wLp7NbC3yHd6FjA1uEg5XoQ'].join('');
    writeFileSync(path.join(repo, 'src/conf.js'), `export const token = '${key}';\n`);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const r = await cee(['scan', '--json'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(3);
    expect(r.json.findings[0]).toMatchObject({ ruleId: 'github-pat', file: 'src/conf.js', line: 1 });
    expect(r.stdout).not.toContain(key);
    const missing = await cee(['scan'], { cwd: repo, env: { PATH: '/usr/bin:/bin' } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no gitleaks binary/);
  });

  it('audit verify exits 1 naming the first altered entry', async () => {
    const repo = await adopted();
    expect((await cee(['plan', '--from', writePlan(repo)], { cwd: repo })).code).toBe(0);
    expect((await cee(['audit', 'verify'], { cwd: repo })).code).toBe(0);
    const file = path.join(repo, 'codex_engine/QA_Continuity_Log.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Test objective', 'Another objective'));
    const r = await cee(['audit', 'verify'], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/entry #2 \(line \d+\) is broken/); // #1 is init's entry
  });

  it('metrics sum per day; --json output is one document', async () => {
    const repo = await adopted();
    expect((await cee(['plan', '--from', writePlan(repo)], { cwd: repo })).code).toBe(0);
    await cee(['edit', '--patch', patchFile(repo, 'x.diff', newFileDiff('.github/x.yml', 'a: 1\n'))], { cwd: repo });
    const m = await cee(['metrics', '--json'], { cwd: repo });
    expect(m.code).toBe(0);
    expect(m.json.totals.commands).toBeGreaterThanOrEqual(2);
    expect(m.json.totals.guardrail_events).toBeGreaterThanOrEqual(1);
    expect(m.json.days).toHaveLength(1);
    const w = await cee(['metrics', '--since', 'not-a-date'], { cwd: repo });
    expect(w.code).toBe(2);
  });
});
