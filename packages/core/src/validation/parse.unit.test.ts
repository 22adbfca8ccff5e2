import { describe, expect, it } from 'vitest';
import { parseJunit, parseSummary } from './parse.js';

describe('test summaries', () => {
  it.each([
    ['node --test', '# tests 5\n# suites 0\n# pass 4\n# fail 1\n# cancelled 0\n', { passed: 4, failed: 1 }],
    ['node spec reporter', 'ℹ tests 3\nℹ pass 3\nℹ fail 0\n', { passed: 3, failed: 0 }],
    ['vitest', ' Test Files  1 failed | 2 passed (3)\n      Tests  2 failed | 10 passed (12)\n', { passed: 10, failed: 2 }],
    ['jest', 'Tests:       1 failed, 2 passed, 3 total\n', { passed: 2, failed: 1 }],
    ['pytest', '============ 3 passed, 1 failed, 1 error in 0.12s ============\n', { passed: 3, failed: 2 }],
    ['go test -v', '=== RUN TestA\n--- PASS: TestA (0.00s)\n--- FAIL: TestB (0.00s)\nFAIL\n', { passed: 1, failed: 1 }],
    ['plain', 'unit: 7 passed, 0 failed\n', { passed: 7, failed: 0 }],
  ])('%s', (_name, out, expected) => {
    expect(parseSummary(out)).toEqual(expected);
  });

  it('returns null for unknown output', () => {
    expect(parseSummary('all good\n')).toBeNull();
  });
});

describe('JUnit XML', () => {
  it('sums suites', () => {
    const xml = '<testsuites><testsuite name="a" tests="4" failures="1" errors="0" skipped="1"/><testsuite name="b" tests="2" failures="0" errors="1"/></testsuites>';
    expect(parseJunit(xml)).toEqual({ passed: 3, failed: 2 });
  });
  it('prefers totals on the root', () => {
    expect(parseJunit('<testsuites tests="10" failures="2"><testsuite tests="1"/></testsuites>')).toEqual({ passed: 8, failed: 2 });
  });
  it('returns null without suites', () => {
    expect(parseJunit('<html/>')).toBeNull();
  });
});
