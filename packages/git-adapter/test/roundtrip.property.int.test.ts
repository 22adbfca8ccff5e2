import { lstatSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGitAdapter } from '../src/index.js';
import { type FileSpec, git, makeRepo, tempDir, writeFiles } from './helpers.js';

const g = createGitAdapter();

/** Name components git accepts everywhere: spaces, tabs, newlines, unicode; no `.`/`..`, no `/`. */
const component = fc
  .array(fc.constantFrom('a', 'b', 'Z', ' ', 'ü', '日', '\n', '\t', '-', '_', '#', ':'), { minLength: 1, maxLength: 5 })
  .map((cs) => cs.join(''))
  .filter((c) => c.toLowerCase() !== 'git~1');
const content = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
  fc.constantFrom('', 'line\n', 'crlf\r\n', 'no newline'),
);
const spec: fc.Arbitrary<FileSpec> = fc.oneof(
  { weight: 4, arbitrary: content },
  { weight: 1, arbitrary: content.map((c) => ({ content: c, exec: true as const })) },
  { weight: 1, arbitrary: component.map((t) => ({ link: t })) },
);
const fileSet = fc
  .array(fc.tuple(fc.array(component, { minLength: 1, maxLength: 3 }), spec), { minLength: 1, maxLength: 12 })
  .map((entries) => {
    // Drop entries whose path is a prefix folder of another (a name cannot be both a file and a folder).
    const out: Record<string, FileSpec> = {};
    const taken: string[] = [];
    for (const [parts, s] of entries) {
      const p = `f/${parts.join('/')}`;
      if (taken.some((t) => t === p || t.startsWith(`${p}/`) || p.startsWith(`${t}/`))) continue;
      taken.push(p);
      out[p] = s;
    }
    return out;
  });

describe('exactness (property)', () => {
  it('snapshot → reset elsewhere → reset back reproduces the tree hash and the bytes, modes and links', async () => {
    const repo = makeRepo({ 'base.txt': 'base\n', 'f/keep.txt': 'keep\n' });
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const t0 = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    const wt = join(tempDir('prop'), 'wt');
    await g.provisionWorktree(repo, wt, head);
    await fc.assert(
      fc.asyncProperty(fileSet, async (files) => {
        await g.resetWorktree(wt, t0);
        rmSync(join(wt, 'f'), { recursive: true, force: true });
        writeFiles(wt, files);
        const snap = await g.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: t0 });
        await g.resetWorktree(wt, t0);
        expect(git(wt, ['write-tree']).trim()).toBe(t0);
        await g.resetWorktree(wt, snap.tree);
        expect(git(wt, ['write-tree']).trim()).toBe(snap.tree);
        expect((await g.snapshotWorktree(wt, { maxUntrackedBytes: 1 << 20, baseTree: t0 })).tree).toBe(snap.tree);
        for (const [p, s] of Object.entries(files)) {
          const abs = join(wt, p);
          if (typeof s === 'string' || Buffer.isBuffer(s)) expect(readFileSync(abs)).toEqual(Buffer.from(s));
          else if ('link' in s) expect(readlinkSync(abs)).toBe(s.link);
          else {
            expect(readFileSync(abs)).toEqual(Buffer.from(s.content));
            expect(lstatSync(abs).mode & 0o100).toBe(0o100);
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});
