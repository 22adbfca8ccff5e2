import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.js';
import { guardrailSources, loadConfig } from './load.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'cee-config-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
};

describe('loadConfig', () => {
  it('applies the seed defaults when nothing is configured (fresh clone)', async () => {
    const { config, configFile } = await loadConfig(root);
    expect(configFile).toBeNull();
    expect(config.guardrails.denyPaths).toEqual(['infra/', '.github/', 'migrations/', 'secrets/']);
    expect(config.guardrails.maxFilesPerStep).toBe(12);
    expect(config.context_limits).toEqual({ planning: 50000, editing: 30000, validation: 20000 });
    expect(config.stateDir).toBe('codex_engine');
  });

  it('reads codex_engine/tools/*.json and lets the cosmiconfig file win key by key', async () => {
    write('codex_engine/tools/guardrails.json', JSON.stringify({ maxFilesPerStep: 5, denyPaths: ['a/'] }));
    write('.ceerc.json', JSON.stringify({ guardrails: { maxFilesPerStep: 7 } }));
    const loaded = await loadConfig(root);
    expect(loaded.config.guardrails.maxFilesPerStep).toBe(7);
    expect(loaded.config.guardrails.denyPaths).toEqual(['a/']);
    expect(guardrailSources(loaded)).toMatchObject({ maxFilesPerStep: '.ceerc.json', denyPaths: 'codex_engine/tools/guardrails.json' });
  });

  it('accepts the wrapped form of a tools file ({ "validation": {...} })', async () => {
    write('codex_engine/tools/validation.json', JSON.stringify({ validation: { tests: ['node --test'] } }));
    write('codex_engine/tools/extension_manifest.json', JSON.stringify({ extensions: [{ name: 'jira' }] }));
    const { config } = await loadConfig(root);
    expect(config.validation.tests).toEqual(['node --test']);
    expect(config.extensions[0]!.name).toBe('jira');
  });

  it('reads the "cee" key of package.json and cee.config.ts through jiti', async () => {
    write('package.json', JSON.stringify({ name: 'x', cee: { guardrails: { maxTotalAddedLoc: 99 } } }));
    expect((await loadConfig(root)).config.guardrails.maxTotalAddedLoc).toBe(99);
    rmSync(path.join(root, 'package.json'));
    write('cee.config.ts', 'const n: number = 33;\nexport default { guardrails: { maxTotalAddedLoc: n } };\n');
    const loaded = await loadConfig(root);
    expect(loaded.config.guardrails.maxTotalAddedLoc).toBe(33);
    expect(loaded.configFile).toBe('cee.config.ts');
  });

  it('names the file, the field and the problem for an invalid value', async () => {
    write('codex_engine/tools/guardrails.json', JSON.stringify({ maxFilesPerStep: 'twelve' }));
    const err = await loadConfig(root).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.exit).toBe(2);
    expect(err.message).toContain('codex_engine/tools/guardrails.json');
    expect(err.message).toContain('maxFilesPerStep');
    expect(err.message).toMatch(/expected number/i);
  });

  it('rejects unknown keys and broken JSON with the file named', async () => {
    write('codex_engine/tools/guardrails.json', JSON.stringify({ denyPath: ['x/'] }));
    await expect(loadConfig(root)).rejects.toThrow(/guardrails\.json[\s\S]*denyPath/);
    write('codex_engine/tools/guardrails.json', '{ not json');
    await expect(loadConfig(root)).rejects.toThrow(/Invalid JSON in codex_engine\/tools\/guardrails\.json/);
  });

  it('refuses a stateDir outside the repository', async () => {
    write('.ceerc.json', JSON.stringify({ stateDir: '../elsewhere' }));
    await expect(loadConfig(root)).rejects.toThrow(/stateDir/);
  });
});
