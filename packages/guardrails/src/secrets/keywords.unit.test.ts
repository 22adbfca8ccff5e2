import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeywordIndex, toUnits } from './keywords.js';

/** Every (position, keyword) pair, by brute force. */
function naive(text: string, keywords: readonly string[]): string[] {
  const low = text.toLowerCase();
  const out: string[] = [];
  keywords.forEach((k, ki) => {
    for (let i = low.indexOf(k); i !== -1; i = low.indexOf(k, i + 1)) out.push(`${i}:${ki}`);
  });
  return out.sort();
}

function found(ix: KeywordIndex, text: string): string[] {
  const hits = ix.find(toUnits(text));
  const out: string[] = [];
  for (let h = 0; h < hits.length; h += 2) out.push(`${hits[h]}:${hits[h + 1]}`);
  return out.sort();
}

describe('KeywordIndex (one-pass keyword prefilter)', () => {
  it('finds every occurrence, case-insensitively, overlapping ones included', () => {
    const ix = new KeywordIndex(['ghp_', 'secret', 'secret_access_key', 'akia', 'xoxb', '-----begin', 'ret_']);
    const text = 'x GHP_abc secret_access_key Secret AKIAAKIA xoxbxoxb -----BEGIN ret_';
    expect(found(ix, text)).toEqual(naive(text, ix.keywords));
    expect(found(ix, text).length).toBe(11);
  });

  it('finds keywords at the very start and the very end', () => {
    const ix = new KeywordIndex(['abcd', 'wxyz']);
    expect(found(ix, 'abcd')).toEqual(['0:0']);
    expect(found(ix, '..wxyz')).toEqual(['2:1']);
    expect(found(ix, 'abc')).toEqual([]);
  });

  it('handles short keywords (2 and 1 characters) with a smaller stride', () => {
    const ix = new KeywordIndex(['sk', 'q', 'long_keyword']);
    const text = 'ask SK q Q long_keyword';
    expect(found(ix, text)).toEqual(naive(text, ix.keywords));
  });

  it('code units above 0xFF never hide a keyword', () => {
    const ix = new KeywordIndex(['token']);
    const text = '\u{1F600}token\u0161token\u4e2dTOKEN';
    expect(found(ix, text)).toEqual(naive(text, ix.keywords));
  });

  it('matches a brute-force search on random texts and keyword sets', () => {
    const alphabet = 'abcdeAB_-.\n 0';
    const word = fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength: 1, maxLength: 7 });
    fc.assert(
      fc.property(fc.uniqueArray(word, { minLength: 1, maxLength: 12 }), fc.string({ unit: fc.constantFrom(...alphabet.split('')), maxLength: 400 }), (kws, text) => {
        const keywords = [...new Set(kws.map((k) => k.toLowerCase()))];
        const ix = new KeywordIndex(keywords);
        expect(found(ix, text)).toEqual(naive(text, ix.keywords));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses non-ASCII keywords', () => {
    expect(() => new KeywordIndex(['clé'])).toThrow(/not ASCII/);
  });
});
