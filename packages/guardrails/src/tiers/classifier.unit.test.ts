import type { ChangeSet, FileChange, FileContents } from '@cgce/core';
import { describe, expect, it } from 'vitest';
import { createTierClassifier } from './classifier.js';
import { classifySnapshots, guardrailsWithTiers } from './harness.js';
import { asLabel, resolveTiers, withDeclaredTier } from './labels.js';
import { memoryContents } from './memory.js';

const UTIL = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';
const UTIL_BODY = 'export function add(a: number, b: number): number {\n  const s = a + b;\n  return s;\n}\n';

describe('combining detectors', () => {
  it('an empty change is low', async () => {
    expect(await classifySnapshots({}, {})).toEqual({ tier: 'low', reasons: ['empty'] });
  });

  it('the tier is the highest any file gets; reasons are listed highest first', async () => {
    const r = await classifySnapshots(
      { 'README.md': '# Demo\n', 'src/a.ts': UTIL, 'src/b.ts': UTIL },
      { 'README.md': '# Demo\n\nMore docs.\n', 'src/a.ts': `// note\n${UTIL}`, 'src/b.ts': UTIL_BODY },
    );
    expect(r).toEqual({ tier: 'medium', reasons: ['refactor:src/b.ts', 'docs:README.md', 'comment-only:src/a.ts'] });
  });

  it('low only when every file is comment-only, format-only or docs', async () => {
    const r = await classifySnapshots(
      { 'docs/guide.md': '# Guide\n', 'src/a.ts': UTIL, 'config/app.json': '{"a":1,"b":[1,2]}' },
      { 'docs/guide.md': '# Guide\n\nMore.\n', 'src/a.ts': UTIL.replace('a: number, b', 'a:number,b'), 'config/app.json': '{\n  "a": 1,\n  "b": [1, 2]\n}\n' },
    );
    expect(r).toEqual({ tier: 'low', reasons: ['format-only:config/app.json', 'docs:docs/guide.md', 'format-only:src/a.ts'] });
  });

  it('a new source file is a refactor; a new test or doc is not', async () => {
    expect(await classifySnapshots({}, { 'src/new.ts': UTIL })).toEqual({ tier: 'medium', reasons: ['refactor:src/new.ts'] });
    expect(await classifySnapshots({}, { 'test/new.test.ts': UTIL })).toEqual({ tier: 'medium', reasons: ['test-only:test/new.test.ts'] });
    expect(await classifySnapshots({}, { 'docs/new.md': '# New\n' })).toEqual({ tier: 'low', reasons: ['docs:docs/new.md'] });
  });

  it('a JSON value change is a refactor', async () => {
    expect((await classifySnapshots({ 'a.json': '{"a":1}' }, { 'a.json': '{"a":2}' })).tier).toBe('medium');
  });

  it('a deleted file is high (delete), and its exports are API changes', async () => {
    const r = await classifySnapshots({ 'src/a.ts': UTIL, 'docs/old.md': '# Old\n' }, {});
    expect(r).toEqual({ tier: 'high', reasons: ['delete:docs/old.md', 'delete:src/a.ts', 'api-change:src/a.ts#add'] });
  });

  it('a deleted test file is a deletion but not an API change', async () => {
    expect(await classifySnapshots({ 'test/a.test.ts': 'export const x = 1;\n' }, {})).toEqual({ tier: 'high', reasons: ['delete:test/a.test.ts'] });
  });
});

describe('approvalTiers: labels and globs', () => {
  it('a custom glob puts matching paths in its tier', async () => {
    const r = await classifySnapshots(
      { 'src/payments/charge.ts': UTIL },
      { 'src/payments/charge.ts': `// why\n${UTIL}` },
      { approvalTiers: { high: ['change API', 'delete files', 'src/payments/**'] } },
    );
    expect(r).toEqual({ tier: 'high', reasons: ['glob:src/payments/**:src/payments/charge.ts', 'comment-only:src/payments/charge.ts'] });
  });

  it('globs: `dir/` means everything below, a bare pattern matches names in any folder', async () => {
    const tiers = { medium: ['refactor', 'add test', 'docs/'], high: ['change API', 'delete files', '*.sql'] };
    const r = await classifySnapshots({ 'docs/a.md': 'a\n', 'db/q/x.sql': 'select 1;\n' }, { 'docs/a.md': 'b\n', 'db/q/x.sql': 'select 2;\n' }, { approvalTiers: tiers });
    expect(r.tier).toBe('high');
    expect(r.reasons).toEqual(['glob:*.sql:db/q/x.sql', 'refactor:db/q/x.sql', 'glob:docs/:docs/a.md', 'docs:docs/a.md']);
  });

  it('a glob also matches the old path of a rename', async () => {
    const r = await classifySnapshots({ 'src/payments/a.ts': UTIL }, { 'src/a.ts': UTIL }, {
      renames: { 'src/payments/a.ts': 'src/a.ts' },
      approvalTiers: { high: ['src/payments/**'] },
    });
    expect(r.tier).toBe('high');
    expect(r.reasons[0]).toBe('glob:src/payments/**:src/payments/a.ts');
  });

  it("moving the label 'refactor' into high makes refactors high", async () => {
    const r = await classifySnapshots({ 'src/a.ts': UTIL }, { 'src/a.ts': UTIL_BODY }, {
      approvalTiers: { medium: ['add test'], high: ['change API', 'delete files', 'refactor'] },
    });
    expect(r).toEqual({ tier: 'high', reasons: ['refactor:src/a.ts'] });
  });

  it('labels are matched ignoring case and spacing', async () => {
    expect(asLabel('  Change   api ')).toBe('change API');
    expect(asLabel('src/**')).toBeUndefined();
    const r = await classifySnapshots({ 'src/a.ts': UTIL }, { 'src/a.ts': `// c\n${UTIL}` }, { approvalTiers: { low: [], medium: ['Add Comments'] } });
    expect(r.tier).toBe('medium');
  });

  it('a label listed in two tiers counts at the higher one', () => {
    expect(resolveTiers(guardrailsWithTiers({ low: ['refactor'], high: ['refactor'] })).labels.get('refactor')).toBe('high');
  });

  it('a detector no tier lists is off: its files count as ordinary refactors', async () => {
    const r = await classifySnapshots({ 'src/a.ts': UTIL }, {}, { approvalTiers: { high: ['change API'] } });
    expect(r.reasons).toContain('refactor:src/a.ts');
    expect(r.reasons).not.toContain('delete:src/a.ts');
    const off = await classifySnapshots({ 'src/a.ts': UTIL }, { 'src/a.ts': `// c\n${UTIL}` }, { approvalTiers: { low: ['format code'] } });
    expect(off).toEqual({ tier: 'medium', reasons: ['refactor:src/a.ts'] });
  });

  it("renames are refactors by default; 'rename files' and 'move API' can raise them", async () => {
    const before = { 'src/util.ts': UTIL };
    const after = { 'src/lib/util.ts': UTIL };
    const renames = { 'src/util.ts': 'src/lib/util.ts' };
    expect(await classifySnapshots(before, after, { renames })).toEqual({ tier: 'medium', reasons: ['refactor:src/lib/util.ts'] });
    const renameHigh = await classifySnapshots(before, after, { renames, approvalTiers: { high: ['rename files'] } });
    expect(renameHigh).toEqual({ tier: 'high', reasons: ['rename:src/util.ts->src/lib/util.ts'] });
    const moveHigh = await classifySnapshots(before, after, { renames, approvalTiers: { medium: ['rename files'], high: ['move API'] } });
    expect(moveHigh).toEqual({ tier: 'high', reasons: ['api-move:src/util.ts#add', 'rename:src/util.ts->src/lib/util.ts'] });
  });

  it('a rename that also changes a signature is an API change', async () => {
    const r = await classifySnapshots({ 'src/util.ts': UTIL }, { 'src/lib/util.ts': UTIL.replace('b: number)', 'b: string)') }, {
      renames: { 'src/util.ts': 'src/lib/util.ts' },
    });
    expect(r.tier).toBe('high');
    expect(r.reasons).toContain('api-change:src/lib/util.ts#add');
  });

  it('renaming tests is test-only, renaming docs is docs', async () => {
    const t = await classifySnapshots({ 'test/a.test.ts': UTIL }, { 'test/b.test.ts': UTIL }, { renames: { 'test/a.test.ts': 'test/b.test.ts' } });
    expect(t).toEqual({ tier: 'medium', reasons: ['test-only:test/b.test.ts'] });
    const d = await classifySnapshots({ 'docs/a.md': '# A\n' }, { 'docs/b.md': '# A\n' }, { renames: { 'docs/a.md': 'docs/b.md' } });
    expect(d).toEqual({ tier: 'low', reasons: ['docs:docs/b.md'] });
  });
});

describe('declared tiers', () => {
  it('a step may declare a higher tier, never a lower one', () => {
    expect(withDeclaredTier({ tier: 'medium', reasons: ['refactor:a.ts'] }, 'high')).toEqual({ tier: 'high', reasons: ['refactor:a.ts', 'declared:high'] });
    const high = { tier: 'high' as const, reasons: ['delete:a.ts'] };
    expect(withDeclaredTier(high, 'low')).toBe(high);
    expect(withDeclaredTier(high, undefined)).toBe(high);
  });
});

describe('robustness', () => {
  const file = (over: Partial<FileChange>): FileChange => ({
    status: 'M',
    path: 'src/a.ts',
    oldMode: '100644',
    newMode: '100644',
    binary: false,
    added: 1,
    deleted: 1,
    ...over,
  });
  const classify = (files: FileChange[], contents: FileContents) =>
    createTierClassifier({ maxFileBytes: 64 * 1024 }).classify({ baseTree: 'a', newTree: 'b', files } satisfies ChangeSet, contents, guardrailsWithTiers());

  it('files over the size cap are not parsed: too-large, a refactor', async () => {
    const big = `${UTIL}${'// padding\n'.repeat(10_000)}`;
    expect(await classify([file({})], memoryContents({ 'src/a.ts': UTIL }, { 'src/a.ts': big }))).toEqual({ tier: 'medium', reasons: ['too-large:src/a.ts'] });
    expect((await classify([file({ status: 'D' })], memoryContents({ 'src/a.ts': big }, {}))).reasons).toEqual(['delete:src/a.ts', 'too-large:src/a.ts']);
  });

  it('binary files, mode changes, symlinks and type changes are refactors', async () => {
    const c = memoryContents({ 'src/a.ts': UTIL }, { 'src/a.ts': UTIL });
    expect((await classify([file({ binary: true })], c)).reasons).toEqual(['binary:src/a.ts']);
    expect((await classify([file({ newMode: '100755' })], c)).reasons).toEqual(['mode:src/a.ts']);
    expect((await classify([file({ status: 'A', newMode: '120000' })], c)).reasons).toEqual(['refactor:src/a.ts']);
    expect((await classify([file({ status: 'T', newMode: '120000' })], c)).reasons).toEqual(['refactor:src/a.ts']);
  });

  it('a failing or empty content lookup does not throw', async () => {
    const failing: FileContents = {
      before: () => Promise.reject(new Error('boom')),
      after: () => Promise.reject(new Error('boom')),
    };
    expect(await classify([file({})], failing)).toEqual({ tier: 'medium', reasons: ['unreadable:src/a.ts'] });
    expect(await classify([file({ status: 'D' })], failing)).toEqual({ tier: 'high', reasons: ['delete:src/a.ts'] });
  });

  it('pathological input (deep nesting, garbage, NUL bytes) never throws', async () => {
    const deep = `export const x = ${'['.repeat(20_000)}${']'.repeat(20_000)};\n`;
    const garbage = '\u0000\u0001}{)(export export function function (((\n';
    for (const [path, text] of [
      ['src/a.ts', deep],
      ['src/a.ts', garbage],
      ['src/a.py', garbage],
      ['src/A.java', garbage],
      ['src/a.py', `x = ${'('.repeat(5000)}1${')'.repeat(5000)}\n`],
    ] as const) {
      const r = await classify([file({ path })], memoryContents({ [path]: UTIL }, { [path]: text }));
      expect(['medium', 'high']).toContain(r.tier);
    }
  });

  it('when the parser itself fails, exported names are still compared as text', async () => {
    const deep = (inner: string) => `export const x = ${'['.repeat(20_000)}${inner}${']'.repeat(20_000)};\n`;
    const keep = await classify([file({})], memoryContents({ 'src/a.ts': `${UTIL}${deep('1')}` }, { 'src/a.ts': `${UTIL}${deep('2')}` }));
    expect(keep).toEqual({ tier: 'medium', reasons: ['syntax-error:src/a.ts'] });
    const lost = await classify([file({})], memoryContents({ 'src/a.ts': `${UTIL}${deep('1')}` }, { 'src/a.ts': deep('2') }));
    expect(lost).toEqual({ tier: 'high', reasons: ['api-change:src/a.ts#add', 'syntax-error:src/a.ts'] });
  });

  it('classifies a large change quickly', async () => {
    const fn = (i: number) => `/** Doc ${i}. */\nexport function f${i}(a: number, b: string): string {\n  return b.repeat(a) + ${i};\n}\n`;
    const before = Array.from({ length: 2000 }, (_, i) => fn(i)).join('\n');
    const after = before.replace(/\{\n {2}return/g, '{\n    return');
    const t0 = performance.now();
    const r = await createTierClassifier().classify(
      { baseTree: 'a', newTree: 'b', files: [file({})] },
      memoryContents({ 'src/a.ts': before }, { 'src/a.ts': after }),
      guardrailsWithTiers(),
    );
    expect(r).toEqual({ tier: 'low', reasons: ['format-only:src/a.ts'] });
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
