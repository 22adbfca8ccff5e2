import { type ChangeSet, GuardrailsSchema } from '@cgce/core';
import { describe, expect, it } from 'vitest';
import { createPolicyEngine } from './index.js';

const change = (path: string): ChangeSet => ({
  baseTree: 'a'.repeat(40),
  newTree: 'b'.repeat(40),
  files: [{ status: 'M', path, oldMode: '100644', newMode: '100644', binary: false, added: 1, deleted: 0, addedLines: [{ line: 1, text: '{}' }] }],
});

describe("CEE's own state folder", () => {
  const engine = createPolicyEngine();
  const config = GuardrailsSchema.parse({});
  it('is protected where the stateDir setting puts it', () => {
    const moved = engine.evaluate(change('.cee/tools/guardrails.json'), { config, sources: {}, scope: ['**'], stateDir: '.cee' });
    expect(moved[0]).toMatchObject({ rule: 'exec_config', verdict: 'deny' });
    const nested = engine.evaluate(change('ops/cee/tools/validation.json'), { config, sources: {}, scope: ['**'], stateDir: 'ops/cee' });
    expect(nested[0]).toMatchObject({ rule: 'exec_config', verdict: 'deny' });
  });
  it('defaults to codex_engine/, in any case', () => {
    const d = engine.evaluate(change('Codex_Engine/tools/guardrails.json'), { config, sources: {}, scope: ['**'] });
    expect(d[0]).toMatchObject({ rule: 'exec_config', verdict: 'deny' });
    const ok = engine.evaluate(change('src/codex_engine.json'), { config, sources: {}, scope: ['**'] });
    expect(ok.filter((x) => x.verdict === 'deny')).toEqual([]);
  });
});
