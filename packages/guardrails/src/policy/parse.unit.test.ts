import { describe, expect, it } from 'vitest';
import { gitHeaderName, headerSplits, parsePatch, skipTreePrefix } from './parse.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const parse = (s: string) => parsePatch(enc(s));
const issues = (s: string): string[] => parse(s).issues.map((i) => i.rule);
const paths = (s: string) => parse(s).files.map((f) => [f.oldPath, f.newPath]);

const NEW_FILE = (p: string) => `diff --git a/${p} b/${p}\nnew file mode 100644\n--- /dev/null\n+++ b/${p}\n@@ -0,0 +1 @@\n+x\n`;

describe('git name helpers (apply.c)', () => {
  it('skip_tree_prefix strips one component whatever its name', () => {
    expect(skipTreePrefix(1, 'a/src/x')).toBe('src/x');
    expect(skipTreePrefix(1, 'x/infra/config.json')).toBe('infra/config.json');
    expect(skipTreePrefix(1, '/tmp/x')).toBeNull();
    expect(skipTreePrefix(1, 'README.md')).toBeNull();
    expect(skipTreePrefix(0, 'README.md')).toBe('README.md');
  });

  it('git_header_name needs both sides to agree', () => {
    expect(gitHeaderName(1, 'a/src/x.ts b/src/x.ts')).toBe('src/x.ts');
    expect(gitHeaderName(1, 'a/docs/my file.md b/docs/my file.md')).toBe('docs/my file.md');
    expect(gitHeaderName(1, 'a/src/x.ts b/src/y.ts')).toBeNull();
    expect(gitHeaderName(1, '"a/x\\ty" "b/x\\ty"')).toBe('x\ty');
    expect(gitHeaderName(1, 'a/x "b/x"')).toBe('x');
  });

  it('header splits enumerate the ambiguous unquoted forms', () => {
    expect(headerSplits('a/x b/y')).toEqual([{ left: 'a/x', right: 'b/y' }]);
    expect(headerSplits('a/a b b/a b')).toHaveLength(3);
    expect(headerSplits('"a/x" "b/y"')).toEqual([{ left: 'a/x', right: 'b/y' }]);
    expect(headerSplits('"a/x')).toEqual([]);
  });
});

describe('parsePatch: what git would touch', () => {
  it('reads a plain git diff', () => {
    const p = parse(NEW_FILE('src/new.ts'));
    expect(p.issues).toEqual([]);
    expect(p.files[0]).toMatchObject({ newPath: 'src/new.ts', isNew: true, newMode: '100644', added: 1, hunks: 1, headerPath: 'src/new.ts' });
    expect(p.files[0]?.addedLines).toEqual([{ line: 1, text: 'x' }]);
  });

  it('strips one leading component whatever it is (-p1)', () => {
    const s = 'diff --git x/infra/config.json y/infra/config.json\n--- x/infra/config.json\n+++ y/infra/config.json\n@@ -1 +1 @@\n-a\n+b\n';
    expect(paths(s)).toEqual([['infra/config.json', 'infra/config.json']]);
  });

  it('reads C-quoted names with octal escapes', () => {
    const s = 'diff --git "a/src/evil\\nname.ts" "b/src/evil\\nname.ts"\nnew file mode 100644\n--- /dev/null\n+++ "b/src/evil\\nname.ts"\n@@ -0,0 +1 @@\n+x\n';
    expect(paths(s)).toEqual([[undefined, 'src/evil\nname.ts']]);
    const s2 = 'diff --git "a/docs/caf\\303\\251.md" "b/docs/caf\\303\\251.md"\nnew file mode 100644\n--- /dev/null\n+++ "b/docs/caf\\303\\251.md"\n@@ -0,0 +1 @@\n+x\n';
    expect(paths(s2)).toEqual([[undefined, 'docs/café.md']]);
  });

  it('ends traditional names at TAB and strips timestamps', () => {
    const s = '--- /dev/null\t2020-01-01 00:00:00.000000000 +0000\n+++ b/new file.md\t2020-01-01 00:00:00.000000000 +0000\n@@ -0,0 +1 @@\n+x\n';
    expect(paths(s)).toEqual([[undefined, 'new file.md']]);
  });

  it('reads traditional absolute names the way git does (first component dropped)', () => {
    const s = '--- /dev/null\n+++ /tmp/cee-abs.ts\n@@ -0,0 +1 @@\n+x\n';
    const p = parse(s);
    expect(p.files[0]?.newPath).toBe('tmp/cee-abs.ts');
    expect(p.files[0]?.names.find((n) => n.source === '+++')?.raw).toBe('/tmp/cee-abs.ts');
  });

  it('guesses -p0 for slash-less traditional names and keeps it for later patches (like git)', () => {
    const s =
      '--- README.md\n+++ README.md\n@@ -1 +1 @@\n-a\n+b\n' +
      'diff --git a/src/util.ts b/src/util.ts\n--- a/src/util.ts\n+++ b/src/util.ts\n@@ -1 +1 @@\n-a\n+b\n';
    expect(paths(s)).toEqual([
      ['README.md', 'README.md'],
      ['a/src/util.ts', 'b/src/util.ts'],
    ]);
  });

  it('prefers the shorter traditional name like git (and reports the mismatch)', () => {
    const s = '--- a/src/util.ts\n+++ b/src/util.ts.sh\n@@ -1 +1 @@\n-a\n+b\n';
    expect(paths(s)).toEqual([['src/util.ts', 'src/util.ts']]);
    expect(issues(s)).toContain('header_mismatch');
  });

  it('reads renames, copies and mode lines', () => {
    const r = parse('diff --git a/src/util.ts b/infra/util.ts\nsimilarity index 100%\nrename from src/util.ts\nrename to infra/util.ts\n');
    expect(r.issues).toEqual([]);
    expect(r.files[0]).toMatchObject({ oldPath: 'src/util.ts', newPath: 'infra/util.ts', isRename: true, hasMinusPlus: false, headerPath: 'infra/util.ts' });
    const c = parse('diff --git a/src/a.ts b/src/b.ts\nsimilarity index 100%\ncopy from src/a.ts\ncopy to src/b.ts\n');
    expect(c.files[0]).toMatchObject({ oldPath: 'src/a.ts', newPath: 'src/b.ts', isCopy: true });
    const m = parse('diff --git a/src/util.ts b/src/util.ts\nold mode 100644\nnew mode 100755\n');
    expect(m.issues).toEqual([]);
    expect(m.files[0]).toMatchObject({ oldMode: '100644', newMode: '100755' });
    const sp = parse('diff --git a/docs/guide.md b/docs/my guide.md\nsimilarity index 100%\nrename from docs/guide.md\nrename to docs/my guide.md\n');
    expect(sp.issues).toEqual([]);
    expect(sp.files[0]?.headerPath).toBe('docs/my guide.md');
  });

  it('accepts CRLF content lines, empty context lines and "no newline" markers', () => {
    expect(issues('diff --git a/d.md b/d.md\n--- a/d.md\n+++ b/d.md\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n')).toEqual([]);
    expect(issues('diff --git a/d.md b/d.md\n--- a/d.md\n+++ b/d.md\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n')).toEqual([]);
    expect(issues('diff --git a/d.md b/d.md\n--- a/d.md\n+++ b/d.md\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n')).toEqual([]);
  });

  it('accepts a format-patch mail preamble and signature', () => {
    const mail = `From 1234 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] add\n\n---\n src/new.ts | 1 +\n 1 file changed\n\n${NEW_FILE('src/new.ts')}-- \n2.39.5\n\n`;
    expect(parse(mail).issues).toEqual([]);
  });

  it('reports binary patches', () => {
    expect(issues('diff --git a/x.png b/x.png\nindex 1234567..89abcde 100644\nBinary files a/x.png and b/x.png differ\n')).toEqual([]);
    expect(parse('diff --git a/x.png b/x.png\nindex 1234567..89abcde 100644\nBinary files a/x.png and b/x.png differ\n').files[0]?.binary).toBe(true);
    expect(issues('Binary files a/x and b/x differ\n')).toContain('binary_patch');
  });
});

describe('parsePatch: what it refuses', () => {
  it('refuses inputs without a unified file patch', () => {
    expect(issues('')).toEqual(['unsupported_format']);
    expect(issues('hello\nworld\n')).toEqual(['unsupported_format']);
    expect(issues('--- a\t2018-13-37 13:37:37.000000000 +0100\n+++ b\t2018-13-37 13:38:38.000000000 +0100\n1337a\n1\n.\n1,112d\n!touch /tmp/x\n')).toEqual([
      'unsupported_format',
    ]);
    expect(issues('*** a/x\n--- b/x\n***************\n*** 1 ****\n! a\n--- 1 ----\n! b\n')).toEqual(['unsupported_format']);
    expect(issues('1c1\n< a\n---\n> b\n')).toEqual(['unsupported_format']);
    expect(issues('diff --cc x\nindex 1,2..3\n@@@ -1,1 -1,1 +1,1 @@@\n')).toEqual(['unsupported_format']);
  });

  it('refuses an ed script mixed into a real diff', () => {
    expect(issues(`1337a\n!touch /tmp/x\n.\n${NEW_FILE('src/a.ts')}`)).toContain('unsupported_format');
  });

  it('refuses truncated and miscounted hunks', () => {
    expect(issues('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,6 @@\n a\n+b\n')).toEqual(['malformed']);
    expect(issues('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b')).toEqual(['malformed']);
    expect(issues('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1,2 @@\n-a\n+b\n+c\n+d\n')).toEqual(['malformed']);
    expect(issues('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n b\n')).toEqual(['malformed']);
    expect(issues('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n*b\n')).toEqual(['malformed']);
    expect(issues('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,x +1 @@\n-a\n+b\n')).toEqual(['malformed']);
  });

  it('refuses text between file patches that git would skip', () => {
    expect(issues(`${NEW_FILE('a.md')}+smuggled\n`)).toContain('malformed');
    expect(issues(`${NEW_FILE('a.md')}some prose\n${NEW_FILE('b.md')}`)).toContain('malformed');
    expect(issues(`${NEW_FILE('a.md')}\n@@ -1 +1 @@\n-a\n+b\n`)).toContain('malformed');
    expect(issues(`@@ -1 +1 @@\n-a\n+b\n`)).toEqual(['malformed']);
  });

  it('refuses lone and contradictory headers', () => {
    expect(issues('diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b\n')).toContain('malformed');
    expect(issues(`diff --git a/x b/x\nhello\n${NEW_FILE('b.md')}`)).toContain('malformed');
    expect(issues('diff --git a/x b/x\nindex 1234567..89abcde 100644\n')).toContain('malformed');
    expect(issues('diff --git a/x b/x\nnew file mode 100644\ndeleted file mode 100644\n')).toContain('malformed');
    expect(issues('diff --git a/x b/x\nold mode 100644\n')).toContain('malformed');
    expect(issues('diff --git a/x b/x\nnew file mode 10064x\n--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+x\n')).toContain('malformed');
  });

  it('reports header disagreements', () => {
    const p06 = 'diff --git a/src/util.ts b/src/util.ts\n--- a/infra/config.json\n+++ b/infra/config.json\n@@ -1 +1 @@\n-a\n+b\n';
    expect(issues(p06)).toEqual(['header_mismatch']);
    expect(parse(p06).files[0]).toMatchObject({ oldPath: 'infra/config.json', newPath: 'infra/config.json', headerPath: 'src/util.ts' });
    // rename after +++ overrides the new name in git
    const late = 'diff --git a/src/u.ts b/src/u.ts\n--- a/src/u.ts\n+++ b/src/u.ts\nrename to infra/u.ts\n@@ -1 +1 @@\n-a\n+b\n';
    expect(parse(late).files[0]?.newPath).toBe('infra/u.ts');
    expect(issues(late)).toContain('header_mismatch');
    // /dev/null without "new file mode" is the name "dev/null" to git
    expect(issues('diff --git a/x.md b/x.md\n--- /dev/null\n+++ b/x.md\n@@ -0,0 +1 @@\n+x\n')).toContain('header_mismatch');
    expect(issues('diff --git a/x b/x\n--- a/x\n+++ b/x\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n')).toContain('header_mismatch');
  });

  it('refuses NUL bytes, invalid UTF-8 in headers, CR in headers and a leading BOM', () => {
    expect(issues(`${NEW_FILE('a.md')}\u0000`)).toContain('malformed');
    const bad = new Uint8Array([...enc('diff --git a/caf'), 0xe9, ...enc(' b/caf'), 0xe9, ...enc('\nnew file mode 100644\n')]);
    expect(parsePatch(bad).issues.map((i) => i.rule)).toContain('malformed');
    expect(issues(NEW_FILE('a.md').replace(/\n/gu, '\r\n'))).toContain('malformed');
    expect(issues(`\ufeff${NEW_FILE('a.md')}`)).toContain('malformed');
  });

  it('never throws on odd input', () => {
    expect(parsePatch('x' as unknown as Uint8Array).issues[0]?.rule).toBe('malformed');
    expect(parsePatch(new Uint8Array(10)).issues.length).toBeGreaterThan(0);
    expect(parsePatch(enc('diff --git ')).issues.length).toBeGreaterThan(0);
    expect(parsePatch(enc('diff --git "')).issues.length).toBeGreaterThan(0);
  });
});
