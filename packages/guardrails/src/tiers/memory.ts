import type { ChangeSet, FileChange, FileContents } from '@cgce/core';

/** File contents from two in-memory snapshots (path → text): for previews, dry runs and tests. */
export function memoryContents(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): FileContents {
  const own = (o: Readonly<Record<string, string>>, p: string) => (Object.hasOwn(o, p) ? (o[p] ?? null) : null);
  return {
    before: async (p) => own(before, p),
    after: async (p) => own(after, p),
  };
}

function lines(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  return text.replace(/\r?\n$/, '').split(/\r?\n/);
}

/**
 * The ChangeSet between two snapshots, as git would report it with rename detection given by `renames`
 * (old path → new path). Line counts are a multiset difference, not a real diff: enough for tiers.
 */
export function changeSetBetween(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
  options: { renames?: Readonly<Record<string, string>> } = {},
): ChangeSet {
  const renames = options.renames ?? {};
  const renamedTo = new Set(Object.values(renames));
  const files: FileChange[] = [];
  const counts = (a: string | undefined, b: string | undefined) => {
    const left = new Map<string, number>();
    for (const l of lines(a)) left.set(l, (left.get(l) ?? 0) + 1);
    const addedLines: FileChange['addedLines'] = [];
    lines(b).forEach((text, i) => {
      const n = left.get(text) ?? 0;
      if (n > 0) left.set(text, n - 1);
      else addedLines.push({ line: i + 1, text });
    });
    const deletedLines = [...left].flatMap(([t, n]) => Array<string>(n).fill(t));
    return { added: addedLines.length, deleted: deletedLines.length, addedLines, deletedLines };
  };
  const base = { oldMode: '100644', newMode: '100644', binary: false } as const;
  for (const path of Object.keys(before).sort()) {
    if (Object.hasOwn(renames, path)) continue;
    if (!Object.hasOwn(after, path)) files.push({ ...base, status: 'D', path, newMode: '000000', ...counts(before[path], undefined) });
    else if (before[path] !== after[path]) files.push({ ...base, status: 'M', path, ...counts(before[path], after[path]) });
  }
  for (const [oldPath, path] of Object.entries(renames)) {
    files.push({ ...base, status: 'R', path, oldPath, ...counts(before[oldPath], after[path]) });
  }
  for (const path of Object.keys(after).sort()) {
    if (!Object.hasOwn(before, path) && !renamedTo.has(path)) {
      files.push({ ...base, status: 'A', path, oldMode: '000000', ...counts(undefined, after[path]) });
    }
  }
  return { baseTree: 'base', newTree: 'new', files };
}
