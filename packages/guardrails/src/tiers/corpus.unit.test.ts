import type { ChangeSet } from '@cgce/core';
import { describe, expect, it } from 'vitest';
import { createTierClassifier } from './classifier.js';
import { guardrailsWithTiers } from './harness.js';
import { memoryContents } from './memory.js';

/**
 * Cases from /work/shared/corpus/patches, with the base files copied from its make-base-repo.sh and the
 * ChangeSets git reports for their patches (diff-tree -M with numstat).
 */

const APP_TS = `import { greet } from "./util";
import { registerRoutes } from "./api/routes";

export function main(): void {
  const routes = registerRoutes();
  console.log(greet("world"), routes.length);
}

main();
`;

const UTIL_TS = `export function greet(name: string): string {
  return \`Hello, \${name}!\`;
}

export function add(a: number, b: number): number {
  return a + b;
}

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
`;

const LEGACY_TS = `// Deprecated helpers kept for backwards compatibility.
export function oldGreet(name: string): string {
  return "Hi " + name;
}
`;

const BASE = { 'src/app.ts': APP_TS, 'src/util.ts': UTIL_TS, 'src/legacy.ts': LEGACY_TS };

const classify = (change: ChangeSet, after: Record<string, string>) =>
  createTierClassifier().classify(change, memoryContents(BASE, after), guardrailsWithTiers());

describe('corpus', () => {
  it('a01-delete-allowed-file: deleting src/legacy.ts is high (delete, and its export goes)', async () => {
    const change: ChangeSet = {
      baseTree: 'base',
      newTree: 'new',
      files: [
        {
          status: 'D',
          path: 'src/legacy.ts',
          oldMode: '100644',
          newMode: '000000',
          oldOid: 'd864cbfe536e1b3ec9c0f79547867c56e97deae2',
          newOid: '0000000000000000000000000000000000000000',
          binary: false,
          added: 0,
          deleted: 4,
          deletedLines: LEGACY_TS.trimEnd().split('\n'),
        },
      ],
    };
    const { 'src/legacy.ts': _gone, ...after } = BASE;
    expect(await classify(change, after)).toEqual({
      tier: 'high',
      reasons: ['delete:src/legacy.ts', 'api-change:src/legacy.ts#oldGreet'],
    });
  });

  it('b05-rename-within-src: a rename with a small edit and an import update is not high', async () => {
    const newUtil = UTIL_TS.replace(/name\}!`/, 'name}.`');
    const newApp = APP_TS.replace('from "./util"', 'from "./lib/util"');
    const change: ChangeSet = {
      baseTree: 'base',
      newTree: 'new',
      files: [
        {
          status: 'M',
          path: 'src/app.ts',
          oldMode: '100644',
          newMode: '100644',
          oldOid: '2c2f0d7894c3be524306c787718ad19a0ad2c7e9',
          newOid: '0b5e182931462086dc818cb72add322b91ef7347',
          binary: false,
          added: 1,
          deleted: 1,
          addedLines: [{ line: 1, text: 'import { greet } from "./lib/util";' }],
          deletedLines: ['import { greet } from "./util";'],
        },
        {
          status: 'R',
          path: 'src/lib/util.ts',
          oldPath: 'src/util.ts',
          oldMode: '100644',
          newMode: '100644',
          oldOid: '77640f5397794568091e54f9272b5196239208ec',
          newOid: '006612c47b15866fda19a5dec288d69dbd37c499',
          similarity: 89,
          binary: false,
          added: 1,
          deleted: 1,
          addedLines: [{ line: 2, text: UTIL_TS.split('\n')[1]?.replace('!', '.') ?? '' }],
          deletedLines: [UTIL_TS.split('\n')[1] ?? ''],
        },
      ],
    };
    const { 'src/util.ts': _moved, ...rest } = BASE;
    const result = await classify(change, { ...rest, 'src/app.ts': newApp, 'src/lib/util.ts': newUtil });
    expect(result).toEqual({ tier: 'medium', reasons: ['refactor:src/app.ts', 'refactor:src/lib/util.ts'] });
    expect(result.reasons.some((r) => r.startsWith('delete:') || r.startsWith('api-change:'))).toBe(false);
  });
});
