import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main, versionLine } from '@cgce/cli';
import { describe, expect, it } from 'vitest';

describe('the package entry', () => {
  it('runs cee in-process and resolves to the exit code of the contract', async () => {
    expect(versionLine()).toMatch(/^Codex Engine v\d+\.\d+\.\d+ /);
    const dir = mkdtempSync(path.join(tmpdir(), 'cee-lib-'));
    try {
      expect(await main(['status', '--json', '--cwd', dir])).toBe(2); // not a git repository
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
