import { describe, expect, it } from 'vitest';
import { compileGoRegex, lineReach, translateGoRegex } from './regex.js';

const t = (src: string) => translateGoRegex(src);
const re = (src: string) => compileGoRegex(src);

describe('Go (RE2) → JavaScript regex translation', () => {
  it('leading flag groups become flags', () => {
    expect(t('(?i)abc')).toEqual({ source: 'abc', flags: 'i' });
    expect(t('(?is)a.c')).toEqual({ source: 'a.c', flags: 'is' });
    expect(t('(?i)(?m)^a$')).toEqual({ source: '^a$', flags: 'im' });
  });

  it('an inline (?i) applies to the rest of its group, across |', () => {
    expect(t('\\b(p8e-(?i)[a-z0-9]{4})x').source).toBe('\\b(p8e-(?i:[a-z0-9]{4}))x');
    expect(t('(a(?i)b|c)d').source).toBe('(a(?i:b)|(?i:c))d');
    const r = re('(a(?i)b|c)d');
    expect(['aBd', 'Cd', 'cd'].map((s) => r.test(s))).toEqual([true, true, true]);
    expect(['ABd', 'cD'].map((s) => r.test(s))).toEqual([false, false]);
    expect(re('x(?i)y').test('xY')).toBe(true);
    expect(re('x(?i)y').test('XY')).toBe(false);
  });

  it('keeps (?flags:…) and (?-i:…) as JS modifiers', () => {
    const r = re('(?i)[a-z]+(?-i:API)');
    expect(r.test('fooAPI')).toBe(true);
    expect(r.test('FOOapi')).toBe(false);
    expect(re('(?s:.)').test('\n')).toBe(true);
  });

  it('\\z, \\A, named groups, POSIX classes, \\Q…\\E, \\x{…}, a leading ] in a class', () => {
    expect(re('ab\\z').test('ab')).toBe(true);
    expect(re('ab\\z').test('ab\n')).toBe(false);
    expect(re('(?m)ab\\z').test('ab\nx')).toBe(false);
    expect(re('\\Aab').test('xab')).toBe(false);
    expect(re('(?P<key>k+)').exec('kk')?.groups?.['key']).toBe('kk');
    expect(t('[[:alnum:]_]+').source).toBe('[0-9A-Za-z_]+');
    expect(re('^[[:^space:]]+$').test('a-b')).toBe(true);
    expect(re('^[[:^space:]]+$').test('a b')).toBe(false);
    expect(re('^[[:punct:]]+$').test('!-/[]{}~')).toBe(true);
    expect(re('\\Qa.b*\\E').test('a.b*')).toBe(true);
    expect(re('\\Qa.b*\\E').test('axbb')).toBe(false);
    expect(re('\\x{41}').test('A')).toBe(true);
    expect(re('[]a]').test(']')).toBe(true);
    expect(re('\\pL+').test('é')).toBe(true);
  });

  it('refuses what JS cannot do and what can backtrack exponentially', () => {
    expect(() => t('(?U)a+')).toThrow(/ungreedy/);
    expect(() => t('\\C')).toThrow(/not supported/);
    expect(() => t('(a+)+$')).toThrow(/nested unbounded/);
    expect(() => t('(?:\\w*\\s?)*x')).toThrow(/nested unbounded/);
    expect(() => t('(x\\w+)+y')).toThrow(/nested unbounded/);
    // Unambiguous repetition is fine: each round starts at a character the inner part cannot match.
    expect(() => t('^[a-z0-9_-]+(?:\\.[a-z0-9_-]+)+$')).not.toThrow();
    expect(() => t('(?:-[0-9]{10,13}){3}')).not.toThrow();
    expect(() => re('a{2,1}')).toThrow('numbers out of order in {} quantifier');
  });

  it('judges how far a match can reach from its keyword', () => {
    expect(lineReach(re('ghp_[0-9a-zA-Z]{36}'))).toBe('line');
    expect(lineReach(re("(?i)key[\\s'\"]{0,3}=\\s?x"))).toBe('near');
    expect(lineReach(re('BEGIN[\\s\\S-]{64,}?KEY'))).toBe('far');
    expect(lineReach(re('BEGIN((?:[^-]|-[^-]){64,}?)END'))).toBe('far');
    expect(lineReach(re('(?s)a.*b'))).toBe('far');
    expect(lineReach(re('a\\s*=\\s*b'))).toBe('far');
  });
});
