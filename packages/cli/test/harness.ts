import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Runs the BUILT cee binary, as a user would. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
export const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/patches/', import.meta.url));

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed --json output
  json: any;
  ms: number;
}

export function cee(args: string[], options: { cwd: string; input?: string | Buffer; env?: Record<string, string> }): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // A plain terminal-less user: no colour (NO_COLOR), and no FORCE_COLOR inherited from the test runner.
    const { FORCE_COLOR: _force, ...inherited } = process.env;
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...inherited, ...GIT_ENV, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.stdin.end(options.input ?? '');
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      let json: unknown = null;
      if (args.includes('--json')) {
        try {
          json = JSON.parse(stdout);
        } catch {
          json = { unparsable: stdout };
        }
      }
      resolve({ code: code ?? -1, stdout, stderr: Buffer.concat(err).toString('utf8'), json, ms: Date.now() - started });
    });
  });
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
}

export function tmpdir(prefix = 'cee-e2e-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A small Node project with tests, committed on main. */
export function makeRepo(): string {
  const dir = path.join(tmpdir(), 'repo');
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  mkdirSync(path.join(dir, 'test'));
  writeFileSync(path.join(dir, 'package.json'), '{ "name": "sample", "private": true, "type": "module" }\n');
  writeFileSync(path.join(dir, 'src/util.js'), 'export function add(a, b) {\n  return a + b;\n}\n');
  writeFileSync(
    path.join(dir, 'test/util.test.js'),
    "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/util.js';\n\ntest('add', () => assert.equal(add(1, 2), 3));\n",
  );
  writeFileSync(path.join(dir, 'README.md'), '# sample\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

/** Build the corpus base repository once and copy it per case. */
export function corpusBase(): string {
  const dir = path.join(tmpdir('cee-corpus-'), 'base');
  execFileSync('bash', [path.join(CORPUS, 'make-base-repo.sh'), dir], { stdio: 'ignore', env: { ...process.env, ...GIT_ENV } });
  return dir;
}

export function copyRepo(src: string): string {
  const dest = path.join(tmpdir(), 'repo');
  cpSync(src, dest, { recursive: true, verbatimSymlinks: true });
  return dest;
}

export function writePlan(dir: string, files: string[] = ['**'], steps = 1): string {
  const file = path.join(path.dirname(dir), `plan-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      objective: 'Test objective',
      steps: Array.from({ length: steps }, (_, i) => ({ title: `Step ${i + 1}`, goal: `goal ${i + 1}`, files, estimatedLoc: 10 })),
    }),
  );
  return file;
}

/** Everything invariant 1 protects: working tree status, index bytes, stash, HEAD and branch. */
export function userTreeFingerprint(dir: string): string {
  const index = path.join(dir, '.git/index');
  return JSON.stringify({
    status: git(dir, 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.', ':(exclude)codex_engine'),
    index: existsSync(index) ? createHash('sha256').update(readFileSync(index)).digest('hex') : null,
    stash: git(dir, 'stash', 'list'),
    head: git(dir, 'rev-parse', 'HEAD'),
    branch: git(dir, 'symbolic-ref', '-q', 'HEAD'),
  });
}

export function newFileDiff(file: string, text: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return `diff --git a/${file} b/${file}\nnew file mode 100644\n--- /dev/null\n+++ b/${file}\n@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}\n`;
}

/** Remove a repository made by makeRepo/copyRepo with the folder around it (plans and patches live there). */
export function cleanup(dir: string): void {
  rmSync(path.dirname(dir), { recursive: true, force: true });
}

/** `node --test` run with the Node that runs these tests. */
export const NODE_TEST = `"${process.execPath}" --test`;

/**
 * A sample repository that has adopted CEE: `cee init`, the given validation commands and guardrail overrides
 * written into codex_engine/tools and committed.
 */
export async function adoptedRepo(
  options: { validation?: Record<string, unknown>; guardrails?: Record<string, unknown> } = {},
): Promise<string> {
  const repo = makeRepo();
  const init = await cee(['init'], { cwd: repo });
  if (init.code !== 0) throw new Error(`cee init failed: ${init.stderr}`);
  writeFileSync(path.join(repo, 'codex_engine/tools/validation.json'), JSON.stringify(options.validation ?? { tests: [NODE_TEST] }));
  if (options.guardrails) {
    const file = path.join(repo, 'codex_engine/tools/guardrails.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...options.guardrails }));
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'adopt cee');
  return repo;
}
