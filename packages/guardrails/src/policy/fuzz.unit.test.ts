import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChangeSet, type Decision, type FileChange, GuardrailsSchema, overallVerdict, type PolicyContext } from '@cgce/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizePath } from '../paths/index.js';
import { createPolicyEngine } from './index.js';

/**
 * Property and fuzz tests: random and mutated diffs into precheckPatch/evaluate never throw, never allow a
 * path outside the repository or inside .git, and (against real git) whenever the precheck lets a patch
 * through, git reads exactly the files the precheck reported.
 */

const CORPUS = fileURLToPath(new URL('../../../../../shared/corpus/patches/', import.meta.url));
if (!existsSync(join(CORPUS, 'make-base-repo.sh'))) throw new Error(`patch corpus not found at ${CORPUS}`);
const corpusPatches: Uint8Array[] = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(CORPUS, d.name, 'patch.diff')))
  .map((d) => new Uint8Array(readFileSync(join(CORPUS, d.name, 'patch.diff'))));

const engine = createPolicyEngine();
const ctx: PolicyContext = { config: GuardrailsSchema.parse({}), sources: {}, scope: ['**'] };
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A path is "hostile" when it leaves the repository, enters .git, or cannot be represented safely. */
const isHostile = (p: string): boolean => normalizePath(p).problems.length > 0;
const leavesRepoOrGit = (p: string): boolean =>
  normalizePath(p).problems.some((d) => d.rule === 'absolute_path' || d.rule === 'path_traversal' || d.rule === 'git_internal');

function wellFormed(ds: Decision[]): void {
  for (const d of ds) {
    expect(typeof d.rule).toBe('string');
    expect(d.code).toBe(`GUARDRAIL_${d.rule.toUpperCase()}`);
    expect(['deny', 'approval', 'allow']).toContain(d.verdict);
    expect(typeof d.message).toBe('string');
    expect(d.message.length).toBeGreaterThan(0);
    expect(typeof d.source.id).toBe('string');
    expect(typeof d.source.file).toBe('string');
    expect(typeof d.source.key).toBe('string');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Generators

/** git's C quoting (core.quotePath=true): what a real diff would carry for an odd name. */
function quoteC(p: string): string {
  const bytes = new TextEncoder().encode(p);
  let needs = false;
  let out = '';
  for (const b of bytes) {
    const short: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };
    if (short[b] !== undefined) {
      out += short[b];
      needs = true;
    } else if (b < 0x20 || b >= 0x7f) {
      out += `\\${b.toString(8).padStart(3, '0')}`;
      needs = true;
    } else out += String.fromCharCode(b);
  }
  return needs ? `"${out}"` : p;
}

const withPrefix = (prefix: string, p: string): string => {
  const q = quoteC(`${prefix}${p}`);
  return q;
};

const safeComp = fc.stringMatching(/^[a-z][a-z0-9_-]{0,7}$/u);
const safeFile = fc.tuple(safeComp, fc.constantFrom('.ts', '.md', '.json', '.js')).map(([a, b]) => `${a}${b}`);
const hostileComp = fc.constantFrom(
  '..',
  '.',
  '',
  '.git',
  '.GIT',
  '.Git',
  '.g\u200cit',
  '\ufeff.git',
  'git~1',
  'GIT~1',
  '.git.',
  '.git ',
  '.git::$INDEX_ALLOCATION',
  'a\nb',
  'a\tb',
  'a\rb',
  '\u202eevil',
  'zero\u200bwidth',
  'back\\slash',
  'con',
  'x:y',
  'dir.',
  'dir ',
  'MIGRAT~1',
  '\u0000nul',
);
const safePath = fc.tuple(fc.array(safeComp, { maxLength: 3 }), safeFile).map(([d, f]) => [...d, f].join('/'));
const hostilePath = fc
  .tuple(fc.array(safeComp, { maxLength: 2 }), hostileComp, fc.array(safeComp, { maxLength: 2 }), safeFile, fc.constantFrom('', '', '', '/', '//', 'C:/'))
  .map(([a, h, b, f, lead]) => `${lead}${[...a, h, ...b, f].join('/')}`);

const HUNK_NEW = '@@ -0,0 +1 @@\n+x\n';
const HUNK_MOD = '@@ -1 +1 @@\n-a\n+b\n';

/** Templates that put the path `p` (next to safe names `s`) into one header position. */
const templates: Array<(p: string, s: string) => string> = [
  (p) => `diff --git ${withPrefix('a/', p)} ${withPrefix('b/', p)}\nnew file mode 100644\n--- /dev/null\n+++ ${withPrefix('b/', p)}\n${HUNK_NEW}`,
  (p) => `diff --git ${withPrefix('a/', p)} ${withPrefix('b/', p)}\n--- ${withPrefix('a/', p)}\n+++ ${withPrefix('b/', p)}\n${HUNK_MOD}`,
  (p) => `diff --git ${withPrefix('a/', p)} ${withPrefix('b/', p)}\ndeleted file mode 100644\n--- ${withPrefix('a/', p)}\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n`,
  (p, s) => `diff --git a/${s} ${withPrefix('b/', p)}\nsimilarity index 100%\nrename from ${s}\nrename to ${quoteC(p)}\n`,
  (p, s) => `diff --git ${withPrefix('a/', p)} b/${s}\nsimilarity index 100%\nrename from ${quoteC(p)}\nrename to ${s}\n`,
  (p, s) => `diff --git ${withPrefix('a/', p)} b/${s}\nsimilarity index 100%\ncopy from ${quoteC(p)}\ncopy to ${s}\n`,
  (p, s) => `diff --git a/${s} b/${s}\n--- ${withPrefix('a/', p)}\n+++ ${withPrefix('b/', p)}\n${HUNK_MOD}`,
  (p) => `--- /dev/null\n+++ ${withPrefix('b/', p)}\n${HUNK_NEW}`,
  (p) => `--- /dev/null\n+++ ${quoteC(p)}\n${HUNK_NEW}`,
  (p) => `--- ${withPrefix('a/', p)}\n+++ ${withPrefix('b/', p)}\n${HUNK_MOD}`,
  (p) => `diff --git ${withPrefix('a/', p)} ${withPrefix('b/', p)}\nold mode 100644\nnew mode 100755\n`,
  (p, s) => `diff --git a/${s} b/${s}\nnew file mode 100644\n--- /dev/null\n+++ b/${s}\n${HUNK_NEW}diff --git ${withPrefix('a/', p)} ${withPrefix('b/', p)}\nnew file mode 100644\n--- /dev/null\n+++ ${withPrefix('b/', p)}\n${HUNK_NEW}`,
];

type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'drop'; at: number }
  | { kind: 'dup'; at: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(
        '+smuggled',
        '--- a/.git/config',
        '+++ b/../../etc/passwd',
        'rename to .git/hooks/post-checkout',
        'rename to ../escape.ts',
        'new file mode 120000',
        'new mode 100755',
        'diff --git a/.git/x b/.git/x',
        '@@ -1 +1 @@',
        'GIT binary patch',
        '\\ No newline at end of file',
        '1337a',
        '',
        ' ',
        '-- ',
        '```',
      ),
      fc.string({ maxLength: 20 }),
    ),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(bytes: Uint8Array, muts: Mutation[]): Uint8Array {
  let lines = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes).split('\n');
  let flips: Array<{ at: number; byte: number }> = [];
  for (const m of muts) {
    const n = Math.max(lines.length, 1);
    switch (m.kind) {
      case 'drop':
        lines.splice(m.at % n, 1);
        break;
      case 'dup':
        lines.splice(m.at % n, 0, lines[m.at % n] ?? '');
        break;
      case 'swap': {
        const a = m.a % n;
        const b = m.b % n;
        const t = lines[a] ?? '';
        lines[a] = lines[b] ?? '';
        lines[b] = t;
        break;
      }
      case 'insert':
        lines.splice(m.at % (n + 1), 0, m.text);
        break;
      case 'truncate':
        lines = lines.slice(0, (m.at % n) + 1);
        break;
      case 'flip':
        flips = [...flips, { at: m.at, byte: m.byte }];
        break;
    }
  }
  const out = enc(lines.join('\n'));
  for (const f of flips) if (out.length > 0) out[f.at % out.length] = f.byte;
  return out;
}

/** Every path the precheck says git will touch must be safe whenever the precheck does not deny. */
function assertNoUnsafeAllow(bytes: Uint8Array): void {
  const r = engine.precheckPatch(bytes, ctx);
  wellFormed(r.decisions);
  if (overallVerdict(r.decisions) === 'deny') return;
  for (const f of r.files) {
    for (const p of [f.newPath, f.oldPath, f.headerPath]) {
      if (p !== undefined) expect(leavesRepoOrGit(p), `allowed ${JSON.stringify(p)}`).toBe(false);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------

describe('precheckPatch fuzz', () => {
  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        assertNoUnsafeAllow(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random diff-shaped text', () => {
    const line = fc.oneof(
      fc.constantFrom('diff --git a/x b/x', '--- a/x', '+++ b/x', '--- /dev/null', '+++ /dev/null', '@@ -1 +1 @@', '@@ -0,0 +1,2 @@', 'new file mode 100644', 'rename from x', 'rename to y', 'index 1234567..89abcde 100644', '\\ No newline at end of file'),
      fc.string({ maxLength: 30 }).map((s) => `+${s}`),
      fc.string({ maxLength: 30 }).map((s) => `-${s}`),
      fc.string({ maxLength: 30 }).map((s) => ` ${s}`),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
        assertNoUnsafeAllow(enc(`${lines.join('\n')}\n`));
      }),
      { numRuns: 400 },
    );
  });

  it('never allows a mutated corpus patch that reaches outside the repository or into .git', () => {
    fc.assert(
      fc.property(fc.constantFrom(...corpusPatches), fc.array(mutation, { minLength: 1, maxLength: 4 }), (patch, muts) => {
        assertNoUnsafeAllow(mutate(patch, muts));
      }),
      { numRuns: 500 },
    );
  });

  it('denies a hostile path in any header position', () => {
    fc.assert(
      fc.property(hostilePath, safePath, fc.nat({ max: templates.length - 1 }), (p, s, t) => {
        const tpl = templates[t];
        if (!tpl) return;
        const r = engine.precheckPatch(enc(tpl(p, s)), ctx);
        wellFormed(r.decisions);
        expect(overallVerdict(r.decisions), `${JSON.stringify(p)} in template ${t}: ${r.decisions.map((d) => d.rule).join(',')}`).toBe('deny');
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 500) },
    );
  });

  it('denies header swaps between corpus patches when they disagree', () => {
    fc.assert(
      fc.property(fc.constantFrom(...corpusPatches), fc.constantFrom(...corpusPatches), fc.nat(), (a, b, k) => {
        // Take the first line of one patch's body and graft another patch's headers on top.
        const la = new TextDecoder().decode(a).split('\n');
        const lb = new TextDecoder().decode(b).split('\n');
        const hdr = lb.filter((l) => /^(diff --git|--- |\+\+\+ |rename |copy )/u.test(l));
        if (hdr.length === 0) return;
        const at = k % la.length;
        const grafted = [...la.slice(0, at), hdr[k % hdr.length] ?? '', ...la.slice(at)].join('\n');
        assertNoUnsafeAllow(enc(grafted));
      }),
      { numRuns: 300 },
    );
  });
});

describe('evaluate fuzz', () => {
  const anyPath = fc.oneof(safePath, hostilePath, fc.string({ maxLength: 20 }));
  const record = fc.record(
    {
      status: fc.constantFrom('A', 'M', 'D', 'R', 'C', 'T', 'X'),
      path: anyPath,
      oldPath: fc.option(anyPath, { nil: undefined }),
      oldMode: fc.constantFrom('000000', '100644', '100755', '120000', '160000', '040000', 'junk'),
      newMode: fc.constantFrom('000000', '100644', '100755', '120000', '160000', 'junk'),
      binary: fc.oneof(fc.boolean(), fc.constant(undefined)),
      added: fc.oneof(fc.nat({ max: 500 }), fc.constant(Number.NaN), fc.constant(-1)),
      deleted: fc.nat({ max: 50 }),
      addedLines: fc.option(fc.array(fc.record({ line: fc.nat(), text: fc.string({ maxLength: 40 }) }), { maxLength: 5 }), { nil: undefined }),
    },
    { requiredKeys: ['status', 'path'] },
  );

  it('never throws and never allows a path outside the repository or in .git', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 6 }), fc.boolean(), (files, withScope) => {
        const change = { baseTree: 'a', newTree: 'b', files } as unknown as ChangeSet;
        const c: PolicyContext = withScope ? ctx : { ...ctx, scope: undefined };
        const ds = engine.evaluate(change, c);
        wellFormed(ds);
        const paths = (files as Array<Partial<FileChange>>).flatMap((f) => [f.path, f.oldPath]).filter((p): p is string => typeof p === 'string');
        if (paths.some(leavesRepoOrGit)) expect(overallVerdict(ds)).toBe('deny');
        if (paths.some(isHostile)) expect(overallVerdict(ds)).toBe('deny');
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on garbage change sets', () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        const ds = engine.evaluate(x as ChangeSet, ctx);
        wellFormed(ds);
        const pre = engine.precheckPatch(x as Uint8Array, x as PolicyContext);
        wellFormed(pre.decisions);
        wellFormed(engine.crossCheck(x as never, x as never, x as never));
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Differential against real git: what the precheck lets through, git must read the same way.

describe('precheck vs git apply (differential)', () => {
  let work = '';
  let repo = '';
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cee-policy-fuzz-'));
    repo = join(work, 'base');
    execFileSync('bash', [join(CORPUS, 'make-base-repo.sh'), repo], { env, stdio: 'pipe' });
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function gitFiles(bytes: Uint8Array): Array<{ path: string }> | null {
    const r = spawnSync('git', ['apply', '--numstat', '-z', '-'], { cwd: repo, env, input: bytes });
    if (r.status !== 0) return null;
    return String(r.stdout)
      .split('\0')
      .map((part) => /^(\d+|-)\t(\d+|-)\t([\s\S]*)$/u.exec(part))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ path: m[3] ?? '' }));
  }

  const existing = ['src/util.ts', 'src/app.ts', 'docs/guide.md', 'README.md', 'infra/config.json'];
  const nameArb = fc.oneof(fc.constantFrom(...existing, 'docs/new.md', 'a b.md', 'dev/null', 'src/util.ts.orig'), hostilePath);
  const prefixed = fc.tuple(fc.constantFrom('a/', 'b/', 'x/', '', 'a//'), nameArb, fc.boolean()).map(([pre, n, q]) => (q ? `"${pre}${n}"` : withPrefix(pre, n)));
  const vocabLine = fc.oneof(
    fc.tuple(prefixed, prefixed).map(([a, b]) => `diff --git ${a} ${b}`),
    fc.tuple(fc.constantFrom('--- ', '+++ '), fc.oneof(prefixed, fc.constant('/dev/null')), fc.constantFrom('', '\t2020-01-01 00:00:00 +0000', '\t1970-01-01 00:00:00 +0000')).map(
      ([k, n, t]) => `${k}${n}${t}`,
    ),
    fc.tuple(fc.constantFrom('rename from ', 'rename to ', 'copy from ', 'copy to '), nameArb).map(([k, n]) => `${k}${quoteC(n)}`),
    fc.constantFrom(
      'new file mode 100644',
      'new file mode 100755',
      'new file mode 120000',
      'deleted file mode 100644',
      'old mode 100644',
      'new mode 100755',
      'similarity index 90%',
      'index 1234567..89abcde 100644',
      'index 1234567..89abcde',
      '@@ -0,0 +1 @@',
      '@@ -1 +1 @@',
      '@@ -1,2 +1,2 @@',
      '@@ -1 +0,0 @@',
      '+x',
      '-a',
      ' ctx',
      '',
      '\\ No newline at end of file',
      'GIT binary patch',
      'Binary files a/x and b/x differ',
      'prose line',
    ),
  );
  const diffPath = fc.oneof(fc.constantFrom(...existing), safePath, hostilePath, fc.constantFrom('docs/my file.md', 'docs/café.md', 'a b/c d.md'));

  const stats: Record<string, number> = {};
  afterAll(() => {
    if (process.env.FUZZ_STATS) console.log(stats);
  });
  it('agrees with git on the files of every patch it lets through', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(diffPath, safePath, fc.nat({ max: templates.length - 1 })), { minLength: 1, maxLength: 3 }),
        fc.array(mutation, { maxLength: 2 }),
        fc.oneof(fc.constant(null), fc.array(vocabLine, { minLength: 1, maxLength: 14 }), fc.constantFrom(...corpusPatches)),
        (parts, muts, alt) => {
          const text =
            alt === null
              ? parts.map(([p, s, t]) => (templates[t] ?? templates[0])?.(p, s) ?? '').join('')
              : Array.isArray(alt)
                ? `${alt.join('\n')}\n`
                : new TextDecoder().decode(alt);
          const bytes = mutate(enc(text), muts);
          const pre = engine.precheckPatch(bytes, ctx);
          const g = gitFiles(bytes);
          const denied = overallVerdict(pre.decisions) === 'deny';
          const bucket = `${denied ? 'deny' : 'allow'}/${g === null ? 'git-fail' : 'git-ok'}`;
          stats[bucket] = (stats[bucket] ?? 0) + 1;
          if (g?.some((f) => leavesRepoOrGit(f.path))) {
            expect(denied, `git would touch ${JSON.stringify(g)}; precheck: ${pre.decisions.map((d) => d.message).join(' | ')}`).toBe(true);
          }
          if (!denied) {
            expect(g, `precheck allowed what git cannot parse: ${JSON.stringify(new TextDecoder().decode(bytes))}`).not.toBeNull();
            const cross = engine.crossCheck(pre, g ?? [], ctx);
            expect(cross.filter((d) => d.verdict === 'deny'), JSON.stringify({ text: new TextDecoder().decode(bytes), git: g, pre: pre.files })).toEqual([]);
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 250) },
    );
  });
});
