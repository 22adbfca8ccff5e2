import { closeSync, constants, type Dirent, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { SecretFinding, SecretScanner } from '@cgce/core';
import type { SecretScannerEngine } from './scanner.js';

/** Files larger than this are skipped (counted in `summary.skipped.large`). */
export const MAX_SCAN_BYTES = 10 * 1024 * 1024;
/** A NUL byte in this many leading bytes marks a file as binary. */
const BINARY_SNIFF = 8192;

export interface ScanFilesSummary {
  /** Files scanned. */
  files: number;
  /** Bytes scanned. */
  bytes: number;
  skipped: { binary: number; large: number; symlinks: number; other: number };
}

export interface ScanFilesResult {
  findings: SecretFinding[];
  summary: ScanFilesSummary;
}

function isEngine(s: SecretScanner): s is SecretScannerEngine {
  return typeof (s as Partial<SecretScannerEngine>).scanBytes === 'function';
}

/**
 * Scan files and folders (paths absolute or relative to `root`). Folders are walked (a `.git`
 * folder is not entered); a file named twice is scanned once. Never follows a symlink, to a file or
 * a folder (lstat for the given paths, the directory entry's type below them, O_NOFOLLOW on open);
 * skips files over 10 MB and binaries (a NUL byte in the first 8 KB); reports paths relative to
 * `root`, with `/`. Synchronous: one core, no event-loop round trips per file.
 */
export function scanFiles(paths: readonly string[], root: string, scanner: SecretScanner): ScanFilesResult {
  const summary: ScanFilesSummary = { files: 0, bytes: 0, skipped: { binary: 0, large: 0, symlinks: 0, other: 0 } };
  const findings: SecretFinding[] = [];
  const absRoot = resolve(root);
  const toRel = (abs: string): string => {
    const rel = relative(absRoot, abs);
    return sep === '/' ? rel : rel.split(sep).join('/');
  };

  const seen = new Set<string>();
  const scanFile = (abs: string, rel: string, sizeHint: number): void => {
    if (seen.has(rel)) return;
    seen.add(rel);
    if (sizeHint > MAX_SCAN_BYTES) {
      summary.skipped.large += 1;
      return;
    }
    const bytes = readRegularFile(abs);
    if (bytes === undefined) {
      summary.skipped.other += 1;
      return;
    }
    if (bytes === 'large' || bytes.length > MAX_SCAN_BYTES) {
      summary.skipped.large += 1;
      return;
    }
    if (bytes.subarray(0, BINARY_SNIFF).indexOf(0) !== -1) {
      summary.skipped.binary += 1;
      return;
    }
    summary.files += 1;
    summary.bytes += bytes.length;
    const found = isEngine(scanner) ? scanner.scanBytes(bytes, rel) : scanner.scanText(bytes.toString('utf8'), rel);
    for (const f of found) findings.push(f);
  };

  /** `rel`: the folder relative to the root, '' or ending in '/'. */
  const walk = (dir: string, rel: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      summary.skipped.other += 1;
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name === '.git') continue;
      const abs = `${dir}${sep}${e.name}`;
      // The entry's type comes from the directory listing (no stat): a symlink is never followed.
      if (e.isSymbolicLink()) summary.skipped.symlinks += 1;
      else if (e.isDirectory()) walk(abs, `${rel}${e.name}/`);
      else if (e.isFile()) scanFile(abs, `${rel}${e.name}`, 0);
      else summary.skipped.other += 1;
    }
  };

  const visit = (abs: string): void => {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(abs);
    } catch {
      summary.skipped.other += 1;
      return;
    }
    const rel = toRel(abs);
    if (st.isSymbolicLink()) summary.skipped.symlinks += 1;
    else if (st.isDirectory()) walk(abs, rel === '' ? '' : `${rel}/`);
    else if (st.isFile()) scanFile(abs, rel, st.size);
    else summary.skipped.other += 1;
  };

  for (const p of paths) visit(isAbsolute(p) ? p : resolve(absRoot, p));
  return { findings, summary };
}

/** Read-only; where the platform has them, refuse a symlink and never block on a FIFO. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Reused read buffer: the scanner never keeps the bytes it is given. */
let readBuffer = Buffer.allocUnsafeSlow(1 << 20);

/**
 * Read a file that the listing or lstat said is regular, into the shared buffer (valid until the next
 * call). Opened with O_NOFOLLOW and O_NONBLOCK, then checked again with fstat on the descriptor, so
 * a file swapped for a symlink, a FIFO or a device in between is neither followed nor blocked on.
 * Never reads more than MAX_SCAN_BYTES + 1 bytes.
 */
function readRegularFile(abs: string): Buffer | 'large' | undefined {
  let fd: number;
  try {
    fd = openSync(abs, OPEN_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    if (st.size > MAX_SCAN_BYTES) return 'large';
    // One byte more than the size: a file that grew past the limit since fstat is caught too.
    const size = st.size + 1;
    if (readBuffer.length < size) {
      let len = readBuffer.length;
      while (len < size) len *= 2;
      readBuffer = Buffer.allocUnsafeSlow(Math.min(len, MAX_SCAN_BYTES + 2));
    }
    let got = 0;
    while (got < size) {
      const n = readSync(fd, readBuffer, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return readBuffer.subarray(0, got);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
