import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { collectFindings, createHookBus, type HookLogger, loadExtensions } from '@cgce/core';
import { describe, expect, it } from 'vitest';
import linter, { addedLines, findForbidden, linterOptionsSchema, NAME, VERSION } from './index.js';

const logger: HookLogger = { info() {}, warn() {}, error() {} };

const DIFF = [
  'diff --git a/src/a.ts b/src/a.ts',
  'index 1111111..2222222 100644',
  '--- a/src/a.ts',
  '+++ b/src/a.ts',
  '@@ -1,3 +1,4 @@',
  ' const a = 1;',
  '-const b = 2;',
  '+const b = 3;',
  '+console.log(b); // TODO remove',
  ' export { a };',
  '@@ -10 +11,2 @@',
  '-old();',
  '+debugger;',
  '+fine();',
  '\\ No newline at end of file',
  'diff --git a/old.ts b/old.ts',
  'deleted file mode 100644',
  '--- a/old.ts',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-console.log("gone");',
  'diff --git a/new.ts b/new.ts',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/new.ts',
  '@@ -0,0 +1,2 @@',
  '+++counter;',
  '+console.log("new");',
  '',
].join('\n');

const CHANGE = { files: [{ path: 'src/a.ts', status: 'M' }], diff: DIFF };
const INPUT = {
  run: { id: 'r1', repoRoot: '/repo', command: 'test' },
  plan: { objective: 'o', steps: [{ id: 1, title: 't', files: ['src/**'] }] },
  step: { id: 1, title: 't', files: ['src/**'] },
  change: CHANGE,
};

/** The extension as `cee` loads it from a repository: the host's own loader (path form), then the hook bus. */
async function bus(options: Record<string, unknown>) {
  const { plugins } = await loadExtensions([{ name: './src/index.ts', hooks: ['pre-validation'], options }], {
    repoRoot: fileURLToPath(new URL('..', import.meta.url)),
    manifestFile: 'codex_engine/tools/extensions.json',
    importer: (file) => import(pathToFileURL(file).href),
  });
  return createHookBus(plugins, { logger });
}

describe('addedLines', () => {
  it('reads added lines with their file and new line number', () => {
    expect(addedLines(DIFF)).toEqual([
      { file: 'src/a.ts', line: 2, text: 'const b = 3;' },
      { file: 'src/a.ts', line: 3, text: 'console.log(b); // TODO remove' },
      { file: 'src/a.ts', line: 11, text: 'debugger;' },
      { file: 'src/a.ts', line: 12, text: 'fine();' },
      { file: 'new.ts', line: 1, text: '++counter;' },
      { file: 'new.ts', line: 2, text: 'console.log("new");' },
    ]);
  });

  it('reads what git itself writes, quoted paths included', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cee-linter-'));
    try {
      const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' });
      git('init', '-q');
      writeFileSync(path.join(dir, 'späce.ts'), 'a\nb\nc\n');
      git('add', '.');
      git('commit', '-qm', 'init');
      writeFileSync(path.join(dir, 'späce.ts'), 'a\nB\nc\nd\n');
      const diff = git('diff');
      expect(diff).toContain('"b/sp\\303\\244ce.ts"');
      expect(addedLines(diff)).toEqual([
        { file: 'späce.ts', line: 2, text: 'B' },
        { file: 'späce.ts', line: 4, text: 'd' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('@cgce/extension-linter', () => {
  it('declares its name, version and host API', async () => {
    const plugin = await linter({ forbid: [], severity: 'error' });
    expect(plugin.meta).toEqual({ name: NAME, version: VERSION, hostApi: '^1.0.0' });
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    expect([pkg.name, pkg.version]).toEqual([NAME, VERSION]);
  });

  it('reports nothing without forbidden patterns', async () => {
    const out = await (await bus({})).run('pre-validation', INPUT);
    expect(out).toEqual([{ plugin: NAME, result: { findings: [] } }]);
  });

  it('reports added lines matching a forbidden pattern, as errors by default', async () => {
    const out = await (await bus({ forbid: ['console\\.log', '^debugger;$'] })).run('pre-validation', INPUT);
    expect(collectFindings(out)).toEqual([
      { file: 'src/a.ts', line: 3, message: 'added line matches forbidden pattern /console\\.log/', severity: 'error', plugin: NAME },
      { file: 'src/a.ts', line: 11, message: 'added line matches forbidden pattern /^debugger;$/', severity: 'error', plugin: NAME },
      { file: 'new.ts', line: 2, message: 'added line matches forbidden pattern /console\\.log/', severity: 'error', plugin: NAME },
    ]);
  });

  it('takes the default severity, and per-pattern severity, flags and message', async () => {
    const out = await (
      await bus({ severity: 'warning', forbid: ['debugger', { pattern: 'todo', flags: 'i', message: 'no TODOs in a step', severity: 'info' }] })
    ).run('pre-validation', INPUT);
    expect(collectFindings(out).map((f) => [f.file, f.line, f.severity, f.message])).toEqual([
      ['src/a.ts', 3, 'info', 'no TODOs in a step'],
      ['src/a.ts', 11, 'warning', 'added line matches forbidden pattern /debugger/'],
    ]);
  });

  it('reports nothing when the context has no diff', async () => {
    const out = await (await bus({ forbid: ['.'] })).run('pre-validation', { ...INPUT, change: { files: CHANGE.files } });
    expect(out[0]!.result).toEqual({ findings: [] });
  });

  it('validates its options, bad regular expressions included', () => {
    const bad = linterOptionsSchema.safeParse({
      forbid: ['(', 3, { pattern: 'x', flags: 'g', level: 1 }, { pattern: 'y', severity: 'fatal' }],
      severity: 'loud',
    });
    expect(bad.success).toBe(false);
    expect(bad.success ? [] : bad.error.issues.map((i) => i.path.join('.'))).toEqual([
      'severity',
      'forbid.0',
      'forbid.1',
      'forbid.2.level',
      'forbid.2.flags',
      'forbid.3.severity',
    ]);
    expect(linterOptionsSchema.safeParse({ forbid: 'x' }).success).toBe(false);
  });

  it('findForbidden is usable on its own', () => {
    const parsed = linterOptionsSchema.safeParse({ forbid: ['\\+\\+'] });
    expect(parsed.success && findForbidden(DIFF, parsed.data.forbid)).toEqual([
      { file: 'new.ts', line: 1, message: 'added line matches forbidden pattern /\\+\\+/', severity: 'error' },
    ]);
  });
});
