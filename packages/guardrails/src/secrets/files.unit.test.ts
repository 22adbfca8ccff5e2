import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretFinding, SecretScanner } from '@cgce/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretScanner, MAX_SCAN_BYTES, scanFiles } from './index.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n: number): string => Array.from({ length: n }, () => ALNUM[randomInt(ALNUM.length)]).join('');
const token = (): string => ['gh', 'p_', rand(36)].join('');

let root: string;
let outside: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cee-secrets-files-'));
  outside = mkdtempSync(join(tmpdir(), 'cee-secrets-outside-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const write = (rel: string, data: string | Buffer): void => {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), data);
};

describe('scanFiles', () => {
  it('walks folders, reports repo-relative paths, skips binaries, large files, symlinks and .git', () => {
    write('src/a.ts', `export const t = "${token()}";\n`);
    write('src/deep/b.env', `\n\nNPM_TOKEN=${['np', 'm_', rand(36)].join('')}\n`);
    write('src/clean.ts', 'export const token = process.env.TOKEN;\n');
    write('src/unicode.md', `# Clés\n\nVoilà: ${token()}\n`);
    write('bin/blob.bin', Buffer.concat([Buffer.from([0x7f, 0x45, 0x00, 0x01]), Buffer.from(token())]));
    write('big/huge.txt', Buffer.alloc(MAX_SCAN_BYTES + 1, 0x61));
    write('.git/config', `token = ${token()}\n`);
    writeFileSync(join(outside, 'secret.txt'), `${token()}\n`);
    symlinkSync(join(outside, 'secret.txt'), join(root, 'src/link.txt'));
    symlinkSync(outside, join(root, 'linked-dir'));

    const { findings, summary } = scanFiles(['.'], root, createSecretScanner());
    const got = findings.map((f) => [f.file, f.ruleId, f.line]).sort();
    expect(got).toEqual([
      ['src/a.ts', 'github-pat', 1],
      ['src/deep/b.env', 'npm-access-token', 3],
      ['src/unicode.md', 'github-pat', 3],
    ]);
    expect(summary.files).toBe(4);
    expect(summary.skipped).toEqual({ binary: 1, large: 1, symlinks: 2, other: 0 });
    expect(summary.bytes).toBeGreaterThan(100);
    const uni = findings.find((f) => f.file === 'src/unicode.md')!;
    expect(uni.column).toBe(8);
  });

  it('takes files and folders, absolute or relative to the root, each file once', () => {
    const { findings, summary } = scanFiles([join(root, 'src/a.ts'), 'src/deep', 'src/a.ts', 'src/deep/b.env'], root, createSecretScanner());
    expect(findings.map((f) => f.file).sort()).toEqual(['src/a.ts', 'src/deep/b.env']);
    expect(summary.files).toBe(2);
  });

  it('counts a missing path as skipped', () => {
    const { summary } = scanFiles(['nope/missing.ts'], root, createSecretScanner());
    expect(summary).toMatchObject({ files: 0, skipped: { other: 1 } });
  });

  it('applies allowPaths to repo-relative paths', () => {
    const { findings } = scanFiles(['.'], root, createSecretScanner({ allowPaths: ['src/deep/**', '**/*.md'] }));
    expect(findings.map((f) => f.file)).toEqual(['src/a.ts']);
  });

  it('works with any SecretScanner (decoding the text itself)', () => {
    const seen: string[] = [];
    const fake: SecretScanner = {
      scanText(text: string, file: string): SecretFinding[] {
        seen.push(file);
        return text.includes('Voilà')
          ? [{ ruleId: 'fake', description: '', file, line: 1, column: 1, redacted: '***', fingerprint: '0' }]
          : [];
      },
      redact: (text: string) => ({ text, findings: [] }),
    };
    const { findings } = scanFiles(['src'], root, fake);
    expect(findings.map((f) => f.file)).toEqual(['src/unicode.md']);
    expect(seen.sort()).toEqual(['src/a.ts', 'src/clean.ts', 'src/deep/b.env', 'src/unicode.md']);
  });
});
