import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  displayPath,
  hasAllowedExtension,
  isDotGitComponent,
  matchesDenyPath,
  matchesScope,
  normalizePath,
  parseCQuoted,
  unquoteGitPath,
} from './index.js';

const rules = (p: string): string[] => normalizePath(p).problems.map((d) => d.rule);

describe('unquoteGitPath', () => {
  it('returns unquoted names unchanged', () => {
    expect(unquoteGitPath('src/util.ts')).toBe('src/util.ts');
    expect(unquoteGitPath('docs/my file.md')).toBe('docs/my file.md');
  });

  it('reads every C escape git writes', () => {
    expect(unquoteGitPath('"src/evil\\nname.ts"')).toBe('src/evil\nname.ts');
    expect(unquoteGitPath('"a\\tb"')).toBe('a\tb');
    expect(unquoteGitPath('"q\\"uote\\\\back"')).toBe('q"uote\\back');
    expect(unquoteGitPath('"\\a\\b\\v\\f\\r"')).toBe('\x07\b\v\f\r');
  });

  it('decodes octal escapes as UTF-8 bytes', () => {
    expect(unquoteGitPath('"docs/caf\\303\\251.md"')).toBe('docs/café.md');
    expect(unquoteGitPath('"\\342\\200\\256evil"')).toBe('\u202eevil');
    // A BOM produced by escapes is kept, never silently dropped.
    expect(unquoteGitPath('"\\357\\273\\277x"')).toBe('\ufeffx');
  });

  it('marks invalid UTF-8 and refuses bad quoting', () => {
    const q = parseCQuoted('"\\377x"');
    expect(q?.invalidUtf8).toBe(true);
    expect(q?.value).toContain('\ufffd');
    expect(unquoteGitPath('"unterminated')).toBeNull();
    expect(unquoteGitPath('"bad \\q escape"')).toBeNull();
    expect(unquoteGitPath('"\\400"')).toBeNull();
    expect(unquoteGitPath('"a" trailing')).toBeNull();
    expect(unquoteGitPath(42 as unknown as string)).toBeNull();
  });
});

describe('normalizePath', () => {
  it('accepts ordinary paths and folds them', () => {
    expect(rules('src/util.ts')).toEqual([]);
    expect(rules('docs/my file.md')).toEqual([]);
    expect(rules('.gitignore')).toEqual([]);
    expect(rules('docs/café.md')).toEqual([]);
    expect(normalizePath('Infra/Config.JSON').normalized).toBe('infra/config.json');
    // NFD and NFC spellings are one file on macOS.
    expect(normalizePath('cafe\u0301.md').normalized).toBe(normalizePath('café.md').normalized);
    expect(normalizePath('\u0130nfra/x').normalized.startsWith('i')).toBe(true);
  });

  it('rejects paths outside the repository', () => {
    expect(rules('/etc/passwd')).toContain('absolute_path');
    expect(rules('C:/Windows/x')).toContain('absolute_path');
    expect(rules('\\\\server\\share')).toContain('absolute_path');
    expect(rules('~/x')).toContain('absolute_path');
    expect(rules('../x')).toContain('path_traversal');
    expect(rules('src/../../x')).toContain('path_traversal');
    expect(rules('src/./x')).toContain('path_traversal');
    expect(rules('src//x')).toContain('path_traversal');
    expect(rules('src/x/')).toContain('path_traversal');
    expect(rules('')).toContain('path_traversal');
    expect(rules('src/.\u200c./x')).toContain('path_traversal');
    expect(rules('src/.. /x')).toContain('path_traversal');
    expect(rules('src/.../x')).toContain('path_traversal');
  });

  it('rejects characters that break tools or alias other names', () => {
    for (const p of [
      'src/evil\nname.ts',
      'src/tab\tname.ts',
      'src/\u202eevil.ts',
      'src/zero\u200bwidth.ts',
      'src/\u00adsoft.ts',
      'src\\x.ts',
      'src/x.ts.',
      'src/x.ts ',
      'src/dir./x.ts',
      'file.txt::$DATA',
      'src/a:b.ts',
      'nul.txt',
      'src/COM1',
      'PROGRA~1/x',
      'src/x\u0085.ts',
      'src/\ufffd.ts',
      'src/\ud800.ts',
      'src/nb\u00a0sp.ts',
      'src/line\u2028sep.ts',
      'src/q?.ts',
      'src/star*.ts',
    ]) {
      expect(rules(p), JSON.stringify(p)).toContain('invalid_path_chars');
    }
  });

  it('finds .git in every spelling', () => {
    for (const p of [
      '.git/hooks/pre-commit',
      '.GIT/config',
      '.Git/hooks/x',
      'src/.git/config',
      '.git',
      '.git./hooks/x',
      '.git /hooks/x',
      '.g\u200cit/hooks/x',
      '\ufeff.git/hooks/x',
      '.git\u200d/x',
      'GIT~1/hooks/x',
      'git~2/x',
      '.git::$INDEX_ALLOCATION/hooks/x',
      '.gi\u200et/x',
    ]) {
      expect(rules(p), JSON.stringify(p)).toContain('git_internal');
    }
    expect(rules('.github/workflows/ci.yml')).not.toContain('git_internal');
    expect(rules('.gitignore')).not.toContain('git_internal');
    expect(rules('src/git/x.ts')).not.toContain('git_internal');
    expect(isDotGitComponent('.git')).toBe(true);
    expect(isDotGitComponent('.gitx')).toBe(false);
  });

  it('orders problems most specific first and never throws', () => {
    expect(rules('/../.git/x')[0]).toBe('absolute_path');
    expect(normalizePath(undefined as unknown as string).problems[0]?.rule).toBe('malformed');
    const d = normalizePath('../x').problems[0];
    expect(d?.code).toBe('GUARDRAIL_PATH_TRAVERSAL');
    expect(d?.source).toEqual({ id: 'path_traversal', file: 'built-in', key: 'path-syntax' });
    expect(d?.message).toContain('../x');
  });

  it('property: never throws; .. and absolute always flagged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
        const r = normalizePath(s);
        expect(Array.isArray(r.problems)).toBe(true);
        if (s.split('/').includes('..')) expect(r.problems.map((p) => p.rule)).toContain('path_traversal');
        if (s.startsWith('/')) expect(r.problems.map((p) => p.rule)).toContain('absolute_path');
      }),
      { numRuns: 500 },
    );
  });

  it('property: any case/ignorable spelling of .git is git_internal', () => {
    const ignorable = fc.constantFrom('', '\u200c', '\u200d', '\u200e', '\u200f', '\u202a', '\u202e', '\u206a', '\u206f', '\ufeff');
    const letter = (c: string) => fc.constantFrom(c, c.toUpperCase());
    fc.assert(
      fc.property(
        fc.tuple(ignorable, ignorable, letter('g'), ignorable, letter('i'), ignorable, letter('t'), ignorable, fc.constantFrom('', '.', ' ', '..', '. ')),
        fc.constantFrom('', 'src/', 'a/b/'),
        ([i0, i1, g, i2, i, i3, t, i4, tail], prefix) => {
          const comp = `${i0}.${i1}${g}${i2}${i}${i3}${t}${i4}${tail}`;
          expect(rules(`${prefix}${comp}/hooks/x`)).toContain('git_internal');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('matchesDenyPath', () => {
  it('anchors at the root and respects the separator', () => {
    expect(matchesDenyPath('infra/main.tf', 'infra/')).toBe(true);
    expect(matchesDenyPath('infra', 'infra/')).toBe(true);
    expect(matchesDenyPath('Infra/backdoor.json', 'infra/')).toBe(true);
    expect(matchesDenyPath('INFRA/x', 'infra/')).toBe(true);
    expect(matchesDenyPath('infrastructure.md', 'infra/')).toBe(false);
    expect(matchesDenyPath('infra-old/x', 'infra/')).toBe(false);
    expect(matchesDenyPath('src/infra/x', 'infra/')).toBe(false);
    expect(matchesDenyPath('docs/infra.md', 'infra/')).toBe(false);
  });

  it('sees through normalisation tricks', () => {
    expect(matchesDenyPath('infr\u200ca/x.tf', 'infra/')).toBe(true);
    expect(matchesDenyPath('infra./x.tf', 'infra/')).toBe(true);
    expect(matchesDenyPath('infra /x.tf', 'infra/')).toBe(true);
    expect(matchesDenyPath('.GitHub/workflows/x.yml', '.github/')).toBe(true);
    expect(matchesDenyPath('mi\u0301grations/x', 'mígrations/')).toBe(true);
  });

  it('handles exact entries and globs', () => {
    expect(matchesDenyPath('secrets', 'secrets')).toBe(true);
    expect(matchesDenyPath('secrets/a/b', 'secrets')).toBe(true);
    expect(matchesDenyPath('secretsx', 'secrets')).toBe(false);
    expect(matchesDenyPath('config/prod.yml', 'config/prod.yml')).toBe(true);
    expect(matchesDenyPath('config/prod.yml.bak', 'config/prod.yml')).toBe(false);
    expect(matchesDenyPath('keys/a.pem', '**/*.pem')).toBe(true);
    expect(matchesDenyPath('a/b/KEY.PEM', '**/*.pem')).toBe(true);
    expect(matchesDenyPath('a/.hidden.pem', '**/*.pem')).toBe(true);
    expect(matchesDenyPath('secrets-prod/key.json', 'secret*')).toBe(true);
    expect(matchesDenyPath('a/secrets/x', '**/secrets/')).toBe(true);
    expect(matchesDenyPath('src/x.ts', '**/*.pem')).toBe(false);
    expect(matchesDenyPath('./infra/x', 'infra/')).toBe(true);
    expect(matchesDenyPath('infra/x', '/infra/')).toBe(true);
  });

  it('fails closed on garbage input', () => {
    expect(matchesDenyPath(undefined as unknown as string, 'infra/')).toBe(true);
    expect(matchesDenyPath('x', null as unknown as string)).toBe(true);
  });
});

describe('scope and extensions', () => {
  it('matches scope exactly', () => {
    expect(matchesScope('src/util.ts', ['src/util.ts', 'test/**'])).toBe(true);
    expect(matchesScope('test/a/b.test.ts', ['src/util.ts', 'test/**'])).toBe(true);
    expect(matchesScope('src/other.ts', ['src/util.ts', 'test/**'])).toBe(false);
    expect(matchesScope('Src/util.ts', ['src/util.ts'])).toBe(false);
    expect(matchesScope('src/a/b.ts', ['src/'])).toBe(true);
    expect(matchesScope('src/.hidden.ts', ['src/**'])).toBe(true);
    expect(matchesScope('x', [])).toBe(false);
  });

  it('compares extensions case-insensitively and refuses extension-less names', () => {
    const allow = ['.js', '.py', '.ts', '.java', '.md', '.json'];
    expect(hasAllowedExtension('src/a.ts', allow)).toBe(true);
    expect(hasAllowedExtension('README.MD', allow)).toBe(true);
    expect(hasAllowedExtension('scripts/setup.sh', allow)).toBe(false);
    expect(hasAllowedExtension('Makefile', allow)).toBe(false);
    expect(hasAllowedExtension('.gitattributes', allow)).toBe(false);
    // An entry that is a whole dotfile name allows that file (`.gitignore` in the list allows `.gitignore`).
    expect(hasAllowedExtension('.gitignore', allow)).toBe(false);
    expect(hasAllowedExtension('.gitignore', [...allow, '.gitignore'])).toBe(true);
    expect(hasAllowedExtension('a.ts.sh', allow)).toBe(false);
    expect(hasAllowedExtension('a.sh.ts', allow)).toBe(true);
    expect(hasAllowedExtension('types/x.d.ts', ['.d.ts'])).toBe(true);
  });
});

describe('displayPath', () => {
  it('escapes everything that could mislead a terminal', () => {
    expect(displayPath('src/util.ts')).toBe('src/util.ts');
    expect(displayPath('a\nb')).toBe('"a\\nb"');
    expect(displayPath('\u202eevil')).toBe('"\\u202eevil"');
    expect(displayPath('café')).toBe('"caf\\u00e9"');
  });
});
