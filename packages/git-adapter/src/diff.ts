import type { AddedLine, ChangeSet, ChangeStatus, FileChange } from '@cgce/core';
import { InternalError } from '@cgce/core';
import type { GitRunner } from './runner.js';
import { assertArg } from './validate.js';

const ZERO_OID = /^0+$/;
const STATUSES = new Set<ChangeStatus>(['A', 'M', 'D', 'R', 'C', 'T']);

/**
 * The change between two trees as git computes it: `diff-tree -r -z -M --raw --numstat` (one call), and
 * with `withLines` a second `diff-tree -r -M -p -U0` whose file sections are matched to the raw records by
 * order (names are never parsed out of patch text). Both calls cost O(change), not O(repository).
 */
export async function diffTrees(
  run: GitRunner,
  root: string,
  fromTree: string,
  toTree: string,
  options: { withLines?: boolean } = {},
): Promise<ChangeSet> {
  assertArg(fromTree, 'tree');
  assertArg(toTree, 'tree');
  const common = ['-r', '-M', '--no-abbrev', '--no-ext-diff', '--no-textconv', '--ignore-submodules=none'];
  const rawCall = run.exec(root, ['diff-tree', ...common, '-z', '--raw', '--numstat', fromTree, toTree]);
  const patchCall = options.withLines
    ? run.exec(root, [
        'diff-tree',
        ...common,
        '-p',
        '-U0',
        '--no-color',
        '--src-prefix=a/',
        '--dst-prefix=b/',
        '--diff-algorithm=myers',
        fromTree,
        toTree,
      ])
    : undefined;
  const [raw, patch] = await Promise.all([rawCall, patchCall]);
  const files = parseRawNumstat(raw.stdout.toString('utf8'));
  if (patch) attachLines(files, parsePatchSections(patch.stdout.toString('utf8')));
  return { baseTree: fromTree, newTree: toTree, files };
}

/** Parse `diff-tree -z --raw --numstat` output: all raw records, then one numstat record per raw record. */
export function parseRawNumstat(out: string): FileChange[] {
  const t = out.split('\0');
  const files: FileChange[] = [];
  let i = 0;
  while (i < t.length && t[i]!.startsWith(':')) {
    const header = t[i++]!.slice(1).split(' ');
    if (header.length !== 5) throw new InternalError(`unexpected diff-tree record ${JSON.stringify(header.join(' '))}`);
    const [oldMode, newMode, oldOid, newOid, st] = header as [string, string, string, string, string];
    const status = st[0] as ChangeStatus;
    if (!STATUSES.has(status)) throw new InternalError(`unexpected diff-tree status ${st}`);
    const first = t[i++]!;
    const file: FileChange = { status, path: first, oldMode, newMode, binary: false, added: 0, deleted: 0 };
    if (status === 'R' || status === 'C') {
      file.oldPath = first;
      file.path = t[i++]!;
      if (st.length > 1) file.similarity = Number.parseInt(st.slice(1), 10);
    }
    if (!ZERO_OID.test(oldOid)) file.oldOid = oldOid;
    if (!ZERO_OID.test(newOid)) file.newOid = newOid;
    files.push(file);
  }
  let k = 0;
  while (i < t.length) {
    const rec = t[i++]!;
    if (rec === '') continue;
    const t1 = rec.indexOf('\t');
    const t2 = rec.indexOf('\t', t1 + 1);
    if (t1 < 0 || t2 < 0) throw new InternalError(`unexpected numstat record ${JSON.stringify(rec)}`);
    const a = rec.slice(0, t1);
    const d = rec.slice(t1 + 1, t2);
    if (rec.length === t2 + 1) i += 2; // rename/copy form: TAB NUL old NUL new NUL
    const file = files[k++];
    if (!file) throw new InternalError('diff-tree printed more numstat records than raw records');
    if (a === '-' && d === '-') file.binary = true;
    else {
      file.added = Number.parseInt(a, 10);
      file.deleted = Number.parseInt(d, 10);
    }
  }
  if (k !== files.length) throw new InternalError(`diff-tree printed ${k} numstat records for ${files.length} changes`);
  return files;
}

export interface PatchSection {
  added: AddedLine[];
  deleted: string[];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * Split `diff-tree -p` output into its file sections (each starts with `diff --git `) and read the hunks,
 * consuming exactly the line counts the hunk headers announce. Lines keep everything but their `\n`
 * (a CR of a CRLF file stays).
 */
export function parsePatchSections(out: string): PatchSection[] {
  const lines = out.split('\n');
  const sections: PatchSection[] = [];
  let cur: PatchSection | undefined;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i++]!;
    if (line.startsWith('diff --git ')) {
      cur = { added: [], deleted: [] };
      sections.push(cur);
      continue;
    }
    const m = cur ? HUNK.exec(line) : null;
    if (!m || !cur) continue;
    let oldLeft = m[2] === undefined ? 1 : Number(m[2]);
    let newLeft = m[4] === undefined ? 1 : Number(m[4]);
    let newLine = Number(m[3]);
    while (i < lines.length && (oldLeft > 0 || newLeft > 0)) {
      const l = lines[i]!;
      const c = l[0];
      if (c === '+') {
        cur.added.push({ line: newLine++, text: l.slice(1) });
        newLeft--;
      } else if (c === '-') {
        cur.deleted.push(l.slice(1));
        oldLeft--;
      } else if (c === ' ') {
        newLine++;
        oldLeft--;
        newLeft--;
      } else if (c !== '\\') break;
      i++;
    }
    if (i < lines.length && lines[i]!.startsWith('\\')) i++;
  }
  return sections;
}

/** Match patch sections to raw records by order: a type change is printed as a deletion then a creation. */
function attachLines(files: FileChange[], sections: PatchSection[]): void {
  const expected = files.reduce((n, f) => n + (f.status === 'T' ? 2 : 1), 0);
  if (expected !== sections.length) {
    throw new InternalError(`diff-tree printed ${sections.length} patch sections for ${files.length} changes`);
  }
  let s = 0;
  for (const f of files) {
    if (f.status === 'T') {
      const del = sections[s++]!;
      const add = sections[s++]!;
      f.deletedLines = del.deleted;
      f.addedLines = add.added;
    } else {
      const sec = sections[s++]!;
      f.addedLines = sec.added;
      f.deletedLines = sec.deleted;
    }
  }
}
