import picomatch from 'picomatch';

export type Language = 'ts' | 'python' | 'java' | 'markdown' | 'json' | 'other';

export function languageOf(path: string): Language {
  const p = path.toLowerCase();
  if (/\.(?:[cm]?[jt]sx?)$/.test(p)) return 'ts';
  if (/\.pyi?$/.test(p)) return 'python';
  if (p.endsWith('.java')) return 'java';
  if (/\.(?:md|markdown)$/.test(p)) return 'markdown';
  if (p.endsWith('.json')) return 'json';
  return 'other';
}

/** Where tests live, by the conventions of the seed's languages (JS/TS, Python, Java). */
export const TEST_GLOBS: readonly string[] = [
  '**/*.test.*',
  '**/*.spec.*',
  '**/test/**',
  '**/tests/**',
  '**/__tests__/**',
  '**/test_*.py',
  '**/*_test.py',
  '**/conftest.py',
  '**/src/test/java/**',
  '**/*Test.java',
  '**/*Tests.java',
  '**/*IT.java',
];

const isTest = picomatch(TEST_GLOBS as string[], { dot: true });

export function isTestPath(path: string): boolean {
  return isTest(path);
}

/**
 * A matcher for a user glob from `approvalTiers`: `dir/` means everything under `dir`; a pattern without
 * a slash also matches any file with that name in any folder (`*.sql`), as in `.gitignore`. Never throws:
 * a pattern picomatch rejects only matches itself literally.
 */
export function globMatcher(pattern: string): (path: string) => boolean {
  let p = pattern.trim().replace(/^\.\//, '');
  if (p.endsWith('/')) p += '**';
  try {
    const m = picomatch(p, { dot: true, basename: !p.includes('/') });
    return (path) => m(path) || path === pattern;
  } catch {
    return (path) => path === pattern;
  }
}
