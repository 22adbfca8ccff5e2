import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {adoptedRepo, cee, cleanup, git, newFileDiff } from './harness.js';

/** Invariant 5: a secret the scanner finds is never written into metadata, logs, metrics or the ledger. */
describe('redaction', () => {
  let repo: string;
  // Built at run time so this file itself holds no scannable token.
  const body = 'Xq7Lm2Vb9Nc4Rt8Wy1Pz6Kd3Hf5Gj0SaUe2Io9Lk4Mn7Bv1Cx8Zq3Wr6Ty5Pa0Sd2Fg7Hj1Kl4QwE5rT8yU3iO6pA9sD2fG4h';
  const secret = ['sk-ant-api03-', body.slice(0, 93), 'AA'].join('');
  const aws = ['AKIA', 'Q3ZT7LMX2B5NWK4R'].join('');

  beforeAll(async () => {
    repo = await adoptedRepo({ validation: { tests: [] } });
  });
  afterAll(() => cleanup(repo));

  it('stores a secret in the plan and the goal redacted, warns, and goes on', async () => {
    const plan = path.join(path.dirname(repo), 'plan.json');
    writeFileSync(plan, JSON.stringify({ objective: `Rotate the key ${secret}`, steps: [{ title: `Use ${aws}`, files: ['src/**'] }] }));
    const r = await cee(['plan', '--from', plan], { cwd: repo });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/secret/);
    const p = path.join(path.dirname(repo), 'x.diff');
    writeFileSync(p, newFileDiff('src/x.js', 'export const x = 1;\n'));
    expect((await cee(['edit', '--patch', p, `goal mentions ${secret}`], { cwd: repo })).code).toBe(0);
    expect((await cee(['test'], { cwd: repo })).code).toBe(0);
    const cp = await cee(['checkpoint', `message with ${aws}`, '--json'], { cwd: repo });
    expect(cp.code).toBe(0);
    // A secret in a diff blocks the step (exit 3) and is not echoed back either.
    const leak = path.join(path.dirname(repo), 'leak.diff');
    writeFileSync(leak, newFileDiff('src/leak.js', `export const key = '${aws}';\nexport const s = '${'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEYQ'.replace('EXAMPLE', 'R3ALX')}';\n`));
    const blocked = await cee(['edit', '--step', '1', '--patch', leak, '--json'], { cwd: repo });
    expect(blocked.code).toBe(3);
    expect(blocked.json.reason_class).toBe('secret');
    expect(blocked.stdout).not.toContain(aws);

    const files = [
      'codex_engine/state/state.json',
      'codex_engine/state/failure_log.jsonl',
      'codex_engine/analytics/codex_metrics.jsonl',
      'codex_engine/QA_Continuity_Log.md',
      'codex_engine/PLAN.md',
      ...readdirSync(path.join(repo, 'codex_engine/tools/checkpoints')).filter((f) => f.endsWith('.json')).map((f) => `codex_engine/tools/checkpoints/${f}`),
    ];
    for (const f of files) {
      const text = readFileSync(path.join(repo, f), 'utf8');
      expect(text, f).not.toContain(secret);
      expect(text, f).not.toContain(aws);
    }
    const tagMessage = git(repo, 'cat-file', '-p', 'codex-cp-1');
    expect(tagMessage).not.toContain(secret);
    expect(tagMessage).not.toContain(aws);
    expect(tagMessage).toContain('REDACTED');
  });
});
