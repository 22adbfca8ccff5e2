import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cee, cleanup, copyRepo, CORPUS, corpusBase, git, writePlan } from './harness.js';

interface Expect {
  id: string;
  verdict: 'accept' | 'reject' | 'approval';
  reason_class: string;
  also_triggers: string[];
  must_not_exist: string[];
  must_be_unchanged: string[];
}

const cases = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const exists = (p: string) => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

describe('hostile-patch corpus through `cee edit --patch`', () => {
  let base: string;
  beforeAll(() => {
    base = corpusBase();
  });
  afterAll(() => cleanup(base));

  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases)('%s', async (name) => {
    const expected = JSON.parse(readFileSync(path.join(CORPUS, name, 'expect.json'), 'utf8')) as Expect;
    const repo = copyRepo(base);
    try {
      expect((await cee(['plan', '--from', writePlan(repo, ['**'])], { cwd: repo })).code).toBe(0);
      const blobsBefore = Object.fromEntries(expected.must_be_unchanged.map((f) => [f, git(repo, 'ls-files', '-s', '--', f)]));
      const bytesBefore = Object.fromEntries(expected.must_be_unchanged.map((f) => [f, readFileSync(path.join(repo, f))]));
      const r = await cee(['edit', '--patch', path.join(CORPUS, name, 'patch.diff'), '--json'], { cwd: repo });
      expect(r.ms).toBeLessThan(5000);
      expect(r.stderr).not.toMatch(/INTERNAL|TypeError|at .*\.js:\d+/);
      const verdict = r.code === 0 ? 'accept' : r.code === 4 ? 'approval' : r.code === 2 || r.code === 3 ? 'reject' : `exit ${r.code}`;
      expect(verdict, JSON.stringify(r.json)).toBe(expected.verdict);
      if (expected.verdict === 'reject') {
        expect(r.json.reason_class).toBe(expected.reason_class);
        const rules = new Set([r.json.reason_class, ...r.json.also_triggers, ...(r.json.decisions ?? []).map((d: { rule: string }) => d.rule)]);
        for (const also of expected.also_triggers) expect(rules.has(also), `${also} among ${[...rules].join(', ')}`).toBe(true);
      }
      const wt = path.join(repo, '.git/cee/worktrees/run');
      for (const p of expected.must_not_exist) {
        const places = path.isAbsolute(p) ? [p] : [path.join(repo, p), path.join(wt, p)];
        for (const place of places) expect(exists(place), place).toBe(false);
      }
      for (const f of expected.must_be_unchanged) {
        expect(readFileSync(path.join(repo, f)).equals(bytesBefore[f]!)).toBe(true);
        expect(git(repo, 'ls-files', '-s', '--', f)).toBe(blobsBefore[f]);
      }
      expect(git(repo, 'status', '--porcelain', '--', '.', ':(exclude)codex_engine')).toBe('');
      expect(existsSync(path.join(path.dirname(repo), 'cee-escape.ts'))).toBe(false);
    } finally {
      cleanup(repo);
    }
  });
});
