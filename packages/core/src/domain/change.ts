/**
 * A change as git itself parsed it (diff-tree --raw -z -M plus numstat), never as a lenient parser read it.
 * Guardrails evaluate these records; the git adapter produces them.
 */
export type ChangeStatus = 'A' | 'M' | 'D' | 'R' | 'C' | 'T';

/** Git file modes as six octal digits: 100644, 100755, 120000 (symlink), 160000 (gitlink), 040000, 000000 (absent). */
export type GitMode = string;

export interface AddedLine {
  /** 1-based line number in the new file. */
  line: number;
  text: string;
}

export interface FileChange {
  status: ChangeStatus;
  /** The path after the change (for deletions: the deleted path). Repository-relative, `/`-separated, unquoted. */
  path: string;
  /** The path before the change, for renames and copies. */
  oldPath?: string;
  oldMode: GitMode;
  newMode: GitMode;
  oldOid?: string;
  newOid?: string;
  /** Rename/copy similarity in percent. */
  similarity?: number;
  binary: boolean;
  /** Added and deleted line counts (0 for binary files). */
  added: number;
  deleted: number;
  /** Added lines with their new line numbers, when the producer read them (policy, secret scan, LOC caps). */
  addedLines?: AddedLine[];
  /** Deleted lines, when the producer read them (tier classification). */
  deletedLines?: string[];
}

export interface ChangeSet {
  baseTree: string;
  newTree: string;
  files: FileChange[];
}
