import { describe, expect, it } from 'vitest';
import { createGitAdapter, parsePatchSections, parseRawNumstat } from '../src/index.js';
import { commitAll, git, makeRepo, writeFiles } from './helpers.js';

const g = createGitAdapter();
const tree = (repo: string) => git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
const blob = (repo: string, rev: string) => git(repo, ['rev-parse', rev]).trim();

describe('diffTrees', () => {
  it('reports modes, oids, statuses, similarity, binary and line counts exactly', async () => {
    const long = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const repo = makeRepo({
      'keep.txt': 'a\nb\nc\n',
      'old name.txt': long,
      'gone.txt': 'bye\n',
      'run.sh': '#!/bin/sh\necho hi\n',
      'link': { link: 'keep.txt' },
      'data.bin': Buffer.from([0, 1, 2, 3]),
    });
    const t1 = tree(repo);
    const oldKeep = blob(repo, 'HEAD:keep.txt');
    git(repo, ['rm', '-q', 'gone.txt', 'old name.txt', 'link']);
    writeFiles(repo, {
      'keep.txt': 'a\nB\nc\nd\n',
      'new name ü.txt': long.replace('line 3\n', 'line three\n'),
      'run.sh': { content: '#!/bin/sh\necho hi\n', exec: true },
      'link': 'now a file\n',
      'data.bin': Buffer.from([0, 9, 9, 3]),
      'empty': '',
    });
    commitAll(repo, 'change');
    const t2 = tree(repo);
    const cs = await g.diffTrees(repo, t1, t2);
    expect(cs.baseTree).toBe(t1);
    expect(cs.newTree).toBe(t2);
    const by = Object.fromEntries(cs.files.map((f) => [f.path, f]));
    expect(Object.keys(by).sort()).toEqual(['data.bin', 'empty', 'gone.txt', 'keep.txt', 'link', 'new name ü.txt', 'run.sh']);
    expect(by['keep.txt']).toEqual({
      status: 'M',
      path: 'keep.txt',
      oldMode: '100644',
      newMode: '100644',
      oldOid: oldKeep,
      newOid: blob(repo, 'HEAD:keep.txt'),
      binary: false,
      added: 2,
      deleted: 1,
    });
    expect(by['new name ü.txt']).toMatchObject({ status: 'R', oldPath: 'old name.txt', similarity: expect.any(Number), added: 1, deleted: 1 });
    expect(by['new name ü.txt']!.similarity).toBeGreaterThan(80);
    expect(by['gone.txt']).toMatchObject({ status: 'D', oldMode: '100644', newMode: '000000', deleted: 1, added: 0 });
    expect(by['gone.txt']!.newOid).toBeUndefined();
    expect(by['empty']).toMatchObject({ status: 'A', oldMode: '000000', newMode: '100644', added: 0, deleted: 0 });
    expect(by['empty']!.oldOid).toBeUndefined();
    expect(by['run.sh']).toMatchObject({ status: 'M', oldMode: '100644', newMode: '100755', added: 0, deleted: 0 });
    expect(by['link']).toMatchObject({ status: 'T', oldMode: '120000', newMode: '100644' });
    expect(by['data.bin']).toMatchObject({ status: 'M', binary: true, added: 0, deleted: 0 });
    expect(cs.files.every((f) => f.addedLines === undefined)).toBe(true);
  });

  it('withLines: added lines with new line numbers and deleted lines, matched to files by order', async () => {
    const repo = makeRepo({
      'a.txt': '1\n2\n3\n4\n5\n',
      'crlf.md': '# t\r\nkeep\r\n',
      'new\nline.txt': 'x\n',
      'link': { link: 'a.txt' },
      'noeol.txt': 'last',
    });
    const t1 = tree(repo);
    git(repo, ['rm', '-q', 'link']);
    writeFiles(repo, {
      'a.txt': '1\nTWO\n3\n4\n5\n6\n7\n',
      'crlf.md': '# t\r\nkeep\r\nadded\r\n',
      'new\nline.txt': 'x\ny\n',
      'tab\tand space.txt': '--- looks like a header\n+++ and another\n@@ -1 +1 @@\ndiff --git a/x b/x\n',
      'link': 'file now\n',
      'noeol.txt': 'last\nmore',
      'bin.dat': Buffer.from([0, 0, 0]),
    });
    commitAll(repo, 'lines');
    const cs = await g.diffTrees(repo, t1, tree(repo), { withLines: true });
    const by = Object.fromEntries(cs.files.map((f) => [f.path, f]));
    expect(by['a.txt']!.addedLines).toEqual([
      { line: 2, text: 'TWO' },
      { line: 6, text: '6' },
      { line: 7, text: '7' },
    ]);
    expect(by['a.txt']!.deletedLines).toEqual(['2']);
    expect(by['crlf.md']!.addedLines).toEqual([{ line: 3, text: 'added\r' }]);
    expect(by['new\nline.txt']!.addedLines).toEqual([{ line: 2, text: 'y' }]);
    expect(by['tab\tand space.txt']!.addedLines!.map((l) => l.text)).toEqual([
      '--- looks like a header',
      '+++ and another',
      '@@ -1 +1 @@',
      'diff --git a/x b/x',
    ]);
    expect(by['link']).toMatchObject({ status: 'T', deletedLines: ['a.txt'], addedLines: [{ line: 1, text: 'file now' }] });
    expect(by['noeol.txt']).toMatchObject({ deletedLines: ['last'], addedLines: [{ line: 1, text: 'last' }, { line: 2, text: 'more' }] });
    expect(by['bin.dat']).toMatchObject({ binary: true, addedLines: [], deletedLines: [] });
    for (const f of cs.files) if (!f.binary && f.status !== 'T') expect(f.addedLines!.length, f.path).toBe(f.added);
  });

  it('an identical pair of trees gives no files; cost does not depend on unrelated files', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`d${i % 10}/f${i}.txt`] = `${i}\n`;
    const repo = makeRepo(files);
    const t1 = tree(repo);
    expect((await g.diffTrees(repo, t1, t1, { withLines: true })).files).toEqual([]);
    writeFiles(repo, { 'd3/f3.txt': 'changed\n' });
    commitAll(repo, 'one');
    const cs = await g.diffTrees(repo, t1, tree(repo), { withLines: true });
    expect(cs.files.map((f) => f.path)).toEqual(['d3/f3.txt']);
    // The empty tree works as a base (first commit of a repository).
    const all = await g.diffTrees(repo, await g.emptyTree(repo), t1);
    expect(all.files).toHaveLength(300);
  });
});

describe('parsers', () => {
  it('parseRawNumstat handles a path starting with ":" and digits, and renames', () => {
    const z = '0'.repeat(40);
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const out =
      `:000000 100644 ${z} ${a} A\0:weird\0` +
      `:100644 100644 ${a} ${b} R075\0old\tname\x00123\0` +
      `1\t0\t:weird\0` +
      `2\t3\t\0old\tname\x00123\0`;
    expect(parseRawNumstat(out)).toEqual([
      { status: 'A', path: ':weird', oldMode: '000000', newMode: '100644', newOid: a, binary: false, added: 1, deleted: 0 },
      { status: 'R', path: '123', oldPath: 'old\tname', similarity: 75, oldMode: '100644', newMode: '100644', oldOid: a, newOid: b, binary: false, added: 2, deleted: 3 },
    ]);
    expect(parseRawNumstat('')).toEqual([]);
  });

  it('parsePatchSections consumes exactly the announced lines', () => {
    const out = ['diff --git a/x b/x', 'index 1..2 100644', '--- a/x', '+++ b/x', '@@ -0,0 +1,2 @@', '+--- a/y', '+diff --git a/y b/y', 'diff --git a/z b/z', 'deleted file mode 100644', '@@ -1 +0,0 @@', '-gone', '\\ No newline at end of file', ''].join('\n');
    expect(parsePatchSections(out)).toEqual([
      { added: [{ line: 1, text: '--- a/y' }, { line: 2, text: 'diff --git a/y b/y' }], deleted: [] },
      { added: [], deleted: ['gone'] },
    ]);
  });
});
