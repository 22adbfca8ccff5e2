import { describe, expect, it } from 'vitest';
import { createSecretScanner, parseGitleaksToml } from './index.js';

const rule = (body: string): string => `[[rules]]\nid = "ok"\nregex = '''ok_[a-z]{8}'''\n\n[[rules]]\n${body}\n`;
const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('parseGitleaksToml', () => {
  it('reads rules, per-rule and global allowlists in both spellings', () => {
    const cfg = parseGitleaksToml(
      `title = "t"
[extend]
useDefault = true
disabledRules = ["generic-secret"]

[allowlist]
description = "old style"
paths = ['''^vendor/''']

[[allowlists]]
targetRules = ["a"]
regexTarget = "line"
condition = "AND"
regexes = ['''x''']
stopwords = ["y"]

[[rules]]
id = "a"
description = "A"
regex = '''(a)(b)'''
secretGroup = 2
entropy = 3.25
keywords = ["AB"]
path = '''\\.ts$'''
tags = ["t"]
[rules.allowlist]
regexes = ['''^b$''']
[[rules.allowlists]]
stopwords = ["zz"]
`,
      'my.toml',
    );
    expect(cfg.title).toBe('t');
    expect(cfg.extend).toEqual({ useDefault: true, disabledRules: ['generic-secret'] });
    expect(cfg.allowlists).toHaveLength(2);
    expect(cfg.allowlists[1]).toMatchObject({ condition: 'AND', regexTarget: 'line', targetRules: ['a'], stopwords: ['y'] });
    expect(cfg.rules[0]).toMatchObject({ id: 'a', secretGroup: 2, entropy: 3.25, keywords: ['AB'], path: '\\.ts$', tags: ['t'] });
    expect(cfg.rules[0]!.allowlists).toHaveLength(2);
    expect(cfg.rules[0]!.origin).toBe('my.toml: rules[0] (id "a")');
  });

  it('names the TOML syntax problem with its line', () => {
    expect(message(() => parseGitleaksToml('[[rules]]\nid = "x"\nregex = [1,\n', '.gitleaks.toml'))).toMatch(
      /^\.gitleaks\.toml: invalid TOML at line \d+, column \d+: /,
    );
  });

  it('names the rule and the field of a bad regex', () => {
    expect(message(() => parseGitleaksToml(rule(`id = "x"\nregex = '''a{2,1}'''`), 'cfg.toml'))).toBe(
      'cfg.toml: rules[1] (id "x"): regex: numbers out of order in {} quantifier',
    );
    expect(message(() => parseGitleaksToml(rule(`id = "x"\nregex = '''(?<n>a)(?<n>b)'''`), 'cfg.toml'))).toBe(
      'cfg.toml: rules[1] (id "x"): regex: Duplicate capture group name',
    );
    expect(message(() => parseGitleaksToml(rule(`id = "x"\nregex = '''(abc'''`), 'cfg.toml'))).toBe(
      'cfg.toml: rules[1] (id "x"): regex: missing ")"',
    );
    expect(message(() => parseGitleaksToml(rule(`id = "x"\nregex = '''(?U)a+'''`), 'cfg.toml'))).toMatch(
      /rules\[1\] \(id "x"\): regex: the ungreedy flag U is not supported/,
    );
    expect(message(() => parseGitleaksToml(rule(`id = "x"\nregex = '''(\\w+\\s?)+$'''`), 'cfg.toml'))).toMatch(
      /rules\[1\] \(id "x"\): regex: nested unbounded quantifiers/,
    );
  });

  it('names bad fields', () => {
    const cases: Array<[string, RegExp]> = [
      [`id = "x"\nregex = '''a'''\nsecretGroup = 2`, /rules\[1\] \(id "x"\): secretGroup: is 2 but the regex has 0 capture group\(s\)/],
      [`id = "x"\nregex = '''a'''\nsecretGroup = -1`, /rules\[1\] \(id "x"\): secretGroup: must be a non-negative integer/],
      [`id = "x"\nregex = '''a'''\nentropy = "high"`, /rules\[1\] \(id "x"\): entropy: must be a non-negative number, got string/],
      [`id = "x"\nregex = '''a'''\nkeywords = "a"`, /rules\[1\] \(id "x"\): keywords: must be an array of strings/],
      [`id = "x"\nregex = '''a'''\nkeywords = ["a", 3]`, /rules\[1\] \(id "x"\): keywords\[1\]: must be a string, got number/],
      [`id = "x"\nregex = '''a'''\nkeywords = [""]`, /rules\[1\] \(id "x"\): keywords\[0\]: must not be empty/],
      [`id = "x"\nregexes = ['''a''']`, /rules\[1\] \(id "x"\): regexes: unknown field/],
      [`id = "x"\nregex = '''a'''\npath = '''[a'''`, /rules\[1\] \(id "x"\): path: missing "\]"/],
      [`regex = '''a'''`, /rules\[1\]: id: is required/],
      [`id = "ok"\nregex = '''b'''`, /rules\[1\] \(id "ok"\): duplicate id \(also rules\[0\]\)/],
      [`id = "x"\nregex = '''a'''\n[[rules.allowlists]]\nregexTarget = "file"\nregexes = ['''a''']`, /rules\[1\] \(id "x"\): allowlists\[0\]: regexTarget: must be "secret", "match" or "line"/],
      [`id = "x"\nregex = '''a'''\n[[rules.allowlists]]\nregexes = ['''(''']`, /rules\[1\] \(id "x"\): allowlists\[0\]: regexes\[0\]: missing "\)"/],
      [`id = "x"\nregex = '''a'''\n[[rules.allowlists]]\ncondition = "XOR"\npaths = ['''a''']`, /allowlists\[0\]: condition: must be "OR" or "AND"/],
      [`id = "x"\nregex = '''a'''\n[[rules.allowlists]]\ndescription = "empty"`, /rules\[1\] \(id "x"\): allowlists\[0\]: an allowlist needs at least one of/],
      [`id = "x"\nregex = '''a'''\n[[rules.allowlists]]\ntargetRules = ["x"]\npaths = ['''a''']`, /targetRules: is only allowed in the global/],
    ];
    for (const [body, expected] of cases) {
      expect(message(() => parseGitleaksToml(rule(body), 'cfg.toml')), body).toMatch(expected);
    }
  });

  it('names bad top-level fields', () => {
    expect(message(() => parseGitleaksToml('rule = 1', 'c'))).toBe('c: rule: unknown field');
    expect(message(() => parseGitleaksToml('[extend]\nuseDefault = "no"', 'c'))).toBe('c: extend.useDefault: must be true or false, got string');
    expect(message(() => parseGitleaksToml('[extend]\npath = "base.toml"', 'c'))).toMatch(/^c: extend\.path: is not supported/);
    expect(message(() => parseGitleaksToml('[allowlist]\nregexes = [\'\'\'a{2,1}\'\'\']', 'c'))).toBe(
      'c: allowlist: regexes[0]: numbers out of order in {} quantifier',
    );
    expect(message(() => parseGitleaksToml('rules = 3', 'c'))).toMatch(/^c: rules: must be an array of tables/);
  });
});

describe('createSecretScanner configuration errors', () => {
  it('reports the config name given for the text', () => {
    expect(
      message(() => createSecretScanner({ configToml: ['[[rules]]\nid = "x"\nregex = \'\'\'(\'\'\''], configNames: ['repo/.gitleaks.toml'] })),
    ).toBe('repo/.gitleaks.toml: rules[0] (id "x"): regex: missing ")"');
  });

  it('a rule without regex or path must override an existing rule', () => {
    expect(message(() => createSecretScanner({ configToml: ['[[rules]]\nid = "new-rule"\nkeywords = ["abcd"]'] }))).toBe(
      'config[0]: rules[0] (id "new-rule"): a rule needs a regex or a path (no earlier rule has this id)',
    );
    expect(() => createSecretScanner({ configToml: ['[[rules]]\nid = "github-pat"\nentropy = 3.5'] })).not.toThrow();
  });

  it('an override with a new regex drops a secretGroup that no longer fits', () => {
    const s = createSecretScanner({ configToml: ['[[rules]]\nid = "private-key"\nregex = \'\'\'PRIVKEY[0-9]{20}\'\'\'\nkeywords = ["privkey"]\nentropy = 0'] });
    expect(s.scanText(`PRIVKEY${'12345678901234567890'}`, 'x').map((f) => f.ruleId)).toEqual(['private-key']);
  });
});
