import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
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
 * folder is not entered). Never follows a symlink, to a file or a folder (lstat); skips files over
 * 10 MB and binaries (a NUL byte in the first 8 KB); reports paths relative to `root`, with `/`.
 * Synchronous: one core, no event-loop round trips per file.
 */
export function scanFiles(paths: readonly string[], root: string, scanner: SecretScanner): ScanFilesResult {
  const summary: ScanFilesSummary = { files: 0, bytes: 0, skipped: { binary: 0, large: 0, symlinks: 0, other: 0 } };
  const findings: SecretFinding[] = [];
  const absRoot = resolve(root);
  const toRel = (abs: string): string => {
    const rel = relative(absRoot, abs);
    return sep === '/' ? rel : rel.split(sep).join('/');
  };

  const visit = (abs: string): void => {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(abs);
    } catch {
      summary.skipped.other += 1;
      return;
    }
    if (st.isSymbolicLink()) {
      summary.skipped.symlinks += 1;
      return;
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(abs).sort();
      } catch {
        summary.skipped.other += 1;
        return;
      }
      for (const name of names) if (name !== '.git') visit(join(abs, name));
      return;
    }
    if (!st.isFile()) {
      summary.skipped.other += 1;
      return;
    }
    if (st.size > MAX_SCAN_BYTES) {
      summary.skipped.large += 1;
      return;
    }
    const bytes = readRegularFile(abs);
    if (bytes === undefined) {
      summary.skipped.other += 1;
      return;
    }
    if (bytes.length > MAX_SCAN_BYTES) {
      summary.skipped.large += 1;
      return;
    }
    const sniff = bytes.subarray(0, BINARY_SNIFF);
    if (sniff.indexOf(0) !== -1) {
      summary.skipped.binary += 1;
      return;
    }
    const rel = toRel(abs);
    summary.files += 1;
    summary.bytes += bytes.length;
    const found = isEngine(scanner) ? scanner.scanBytes(bytes, rel) : scanner.scanText(bytes.toString('utf8'), rel);
    for (const f of found) findings.push(f);
  };

  for (const p of paths) visit(isAbsolute(p) ? p : resolve(absRoot, p));
  return { findings, summary };
}

/** Read-only; where the platform has them, refuse a symlink and never block on a FIFO. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Read a file that lstat said is regular. Opened, then checked again with fstat on the open
 * descriptor, so a file swapped for a symlink or a FIFO in between is not followed or blocked on.
 */
function readRegularFile(abs: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(abs, OPEN_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const size = Math.min(st.size, MAX_SCAN_BYTES + 1);
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === size ? buf : buf.subarray(0, got);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
