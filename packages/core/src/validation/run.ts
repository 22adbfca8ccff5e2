import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestResult, ValidationConfig } from '../index.js';
import { parseJunit, parseSummary } from './parse.js';

/** POSIX single-quote a path so `{files}` can never inject shell syntax. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

interface Ran {
  exitCode: number | null;
  output: string;
  durationMs: number;
}

function runShell(command: string, cwd: string, timeoutMs: number, onOutput?: (chunk: string) => void): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd,
      env: { ...process.env, CI: process.env.CI ?? '1', FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const chunks: string[] = [];
    let size = 0;
    const take = (b: Buffer) => {
      const s = b.toString('utf8');
      onOutput?.(s);
      // Keep the last ~1 MB: summaries are at the end.
      chunks.push(s);
      size += s.length;
      while (size > 1_000_000 && chunks.length > 1) size -= chunks.shift()!.length;
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ exitCode: 127, output: String(e), durationMs: Date.now() - started });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, output: chunks.join(''), durationMs: Date.now() - started });
    });
  });
}

/**
 * Run the static and test commands in the step's worktree. `{files}` is replaced by the step's changed files
 * (shell-quoted). Counts come from JUnit XML when configured, else the runner's summary, else the exit code.
 */
export async function runValidation(
  config: ValidationConfig,
  worktree: string,
  changedFiles: string[],
  onOutput?: (chunk: string) => void,
): Promise<TestResult> {
  const commands: TestResult['commands'] = [];
  const files = changedFiles.map(shellQuote).join(' ');
  const list: Array<['static' | 'tests', string]> = [
    ...config.static.map((c) => ['static', c] as ['static', string]),
    ...config.tests.map((c) => ['tests', c] as ['tests', string]),
  ];
  for (const [kind, template] of list) {
    const command = template.replaceAll('{files}', files);
    const junitFile = kind === 'tests' && config.junit ? path.resolve(worktree, config.junit) : null;
    if (junitFile?.startsWith(worktree + path.sep)) await rm(junitFile, { force: true });
    const ran = await runShell(command, worktree, config.timeoutSeconds * 1000, onOutput);
    let counts: { passed: number; failed: number } | null = null;
    let source: 'junit' | 'summary' | 'exit-code' = 'exit-code';
    if (junitFile?.startsWith(worktree + path.sep)) {
      const xml = await readFile(junitFile, 'utf8').catch(() => null);
      counts = xml ? parseJunit(xml) : null;
      if (counts) source = 'junit';
    }
    if (!counts && kind === 'tests') {
      counts = parseSummary(ran.output);
      if (counts) source = 'summary';
    }
    const ok = ran.exitCode === 0;
    if (!counts) counts = { passed: ok ? 1 : 0, failed: ok ? 0 : 1 };
    // A non-zero exit is a failure even when the summary claims otherwise.
    if (!ok && counts.failed === 0) counts = { ...counts, failed: 1 };
    commands.push({
      kind,
      command: template,
      exitCode: ran.exitCode,
      passed: counts.passed,
      failed: counts.failed,
      source,
      durationMs: ran.durationMs,
      outputTail: ran.output.slice(-4000),
    });
  }
  const passed = commands.filter((c) => c.kind === 'tests').reduce((a, c) => a + c.passed, 0);
  const failed = commands.reduce((a, c) => a + (c.kind === 'tests' ? c.failed : c.exitCode === 0 ? 0 : 1), 0);
  return { passed, failed, total: passed + failed, ok: commands.every((c) => c.exitCode === 0) && failed === 0, commands, at: new Date().toISOString() };
}
