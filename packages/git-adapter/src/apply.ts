import { existsSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApplyResult } from '@cgce/core';
import { InputError } from '@cgce/core';
import { clip, GitCommandError, type GitRunner, splitNul, withTempDir } from './runner.js';
import { assertArg } from './validate.js';

export interface ApplyOptions {
  /**
   * Path of an index file known to hold exactly `baseTree` (e.g. the run worktree's index): it is copied
   * instead of running `read-tree baseTree`, which is faster on large repositories. It is checked
   * (`write-tree` must give `baseTree`) and ignored when it does not match.
   */
  seedIndexFrom?: string;
}

/** git's own words for a patch it cannot parse. */
const MALFORMED =
  /No valid patches in input|corrupt patch|patch fragment without header|unrecognized input|bad git-diff|lacks filename information|patch with only garbage|corrupt binary patch|unrecognized binary patch|missing binary patch data|inconsistent (?:old|new) filename|unable to find filename|invalid start of line|recount: unexpected line/i;
/** git's own words for a well-formed patch that does not fit the base tree. */
const DOES_NOT_APPLY =
  /does not apply|patch failed|already exists in (?:index|working directory)|does not exist in index|does not match index|which does not match the current contents|depends on old contents|still has contents|wrong type|has type \d+, expected|without full index line/i;

/** Map a failed `git apply` to the contract's errors, keeping git's message (trimmed, ≤ 2 KB). */
export function applyError(e: GitCommandError): InputError {
  const msg = clip(e.stderr);
  if (MALFORMED.test(e.stderr)) return new InputError('PATCH_MALFORMED', `git cannot parse the patch: ${msg}`, { cause: e });
  if (DOES_NOT_APPLY.test(e.stderr)) return new InputError('PATCH_DOES_NOT_APPLY', `the patch does not apply: ${msg}`, { cause: e });
  return new InputError('PATCH_REJECTED_BY_GIT', `git refused the patch: ${msg}`, { cause: e });
}

async function writePatch(dir: string, patch: Uint8Array): Promise<string> {
  const file = join(dir, 'patch.diff');
  await writeFile(file, patch, { mode: 0o600, flag: 'wx' });
  return file;
}

/**
 * Apply `patch` to `baseTree` in a temporary index (never a working tree): `apply --check --cached`, then
 * `apply --cached` (-p1, default whitespace handling, no --reject/--unidiff-zero/--recount/--unsafe-paths),
 * then `write-tree`. The patch and the index live in a private folder under the system temp folder that is
 * removed whatever happens.
 */
export async function applyPatchToTree(
  run: GitRunner,
  root: string,
  baseTree: string,
  patch: Uint8Array,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  assertArg(baseTree, 'base tree');
  return withTempDir(async (dir) => {
    const patchFile = await writePatch(dir, patch);
    const index = join(dir, 'index');
    const env = { GIT_INDEX_FILE: index };
    let seeded = false;
    if (options.seedIndexFrom && existsSync(options.seedIndexFrom)) {
      await copyFile(options.seedIndexFrom, index);
      const check = await run.exec(root, ['write-tree'], { env, okExitCodes: [0, 128] });
      seeded = check.exitCode === 0 && check.stdout.toString('utf8').trim() === baseTree;
    }
    if (!seeded) await run.exec(root, ['read-tree', baseTree], { env });
    for (const args of [
      ['apply', '--check', '--cached', '-p1', patchFile],
      ['apply', '--cached', '-p1', patchFile],
    ]) {
      try {
        await run.exec(root, args, { env });
      } catch (e) {
        if (e instanceof GitCommandError && e.exitCode > 0) throw applyError(e);
        throw e;
      }
    }
    const tree = await run.exec(root, ['write-tree'], { env });
    return { tree: tree.stdout.toString('utf8').trim() };
  });
}

/**
 * The file patches git itself sees in `patch` (`apply --numstat -z`), with the paths as git parsed them.
 * Renames and copies get `oldPath`: git prints only one name per patch, so the same patch is read again
 * reversed (`-R`, where git prints the source name and lists the patches in reverse order).
 */
export async function patchFiles(run: GitRunner, root: string, patch: Uint8Array): Promise<Array<{ path: string; oldPath?: string }>> {
  return withTempDir(async (dir) => {
    const patchFile = await writePatch(dir, patch);
    const numstat = async (reverse: boolean) => {
      const args = ['apply', '--numstat', '-z', '-p1', ...(reverse ? ['-R'] : []), patchFile];
      try {
        return parseApplyNumstat((await run.exec(root, args)).stdout);
      } catch (e) {
        if (e instanceof GitCommandError && e.exitCode > 0) throw applyError(e);
        throw e;
      }
    };
    const forward = await numstat(false);
    let reverse: string[] | null = null;
    try {
      const r = await numstat(true);
      if (r.length === forward.length) reverse = r.reverse();
    } catch {
      reverse = null;
    }
    return forward.map((path, i) => {
      const old = reverse?.[i];
      return old !== undefined && old !== path ? { path, oldPath: old } : { path };
    });
  });
}

/** `apply --numstat -z` records: `added TAB deleted TAB name NUL`. Names may hold tabs and newlines. */
export function parseApplyNumstat(out: Buffer | string): string[] {
  return splitNul(out).map((rec) => {
    const t1 = rec.indexOf('\t');
    const t2 = rec.indexOf('\t', t1 + 1);
    return rec.slice(t2 + 1);
  });
}
