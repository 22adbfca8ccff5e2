import type { RefInfo } from '@cgce/core';
import { InputError } from '@cgce/core';
import { GitCommandError, type GitRunner } from './runner.js';
import { assertArg, assertRefName } from './validate.js';

/** `rev-parse --verify --quiet <rev>^{commit}`; null when it does not resolve. */
export async function resolveCommit(run: GitRunner, root: string, rev: string): Promise<string | null> {
  if (typeof rev !== 'string' || rev === '' || rev.startsWith('-') || /[\0\n\r]/.test(rev)) return null;
  const res = await run.exec(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { okExitCodes: [0, 1, 128] });
  const oid = res.stdout.toString('utf8').trim();
  return res.exitCode === 0 && oid ? oid : null;
}

/** The tree of a commit-ish (or a tree-ish). InputError(`REV_NOT_FOUND`) when it does not resolve. */
export async function treeOf(run: GitRunner, root: string, commitish: string): Promise<string> {
  assertArg(commitish, 'revision');
  const res = await run.exec(root, ['rev-parse', '--verify', '--quiet', `${commitish}^{tree}`], { okExitCodes: [0, 1, 128] });
  const oid = res.stdout.toString('utf8').trim();
  if (res.exitCode !== 0 || !oid) throw new InputError('REV_NOT_FOUND', `${commitish} does not name a commit or tree`);
  return oid;
}

/** The empty tree of this repository's object format (written, so it exists for commit-tree). */
export async function emptyTree(run: GitRunner, root: string): Promise<string> {
  const res = await run.exec(root, ['hash-object', '-t', 'tree', '-w', '--stdin'], { input: '' });
  return res.stdout.toString('utf8').trim();
}

/** The oid a ref points to (not peeled), or null. Exact: no DWIM of short names. */
export async function readRef(run: GitRunner, root: string, ref: string): Promise<string | null> {
  assertRefName(ref);
  const res = await run.exec(root, ['show-ref', '--verify', '--hash', ref], { okExitCodes: [0, 1, 128] });
  if (res.exitCode === 0) return res.stdout.toString('utf8').trim() || null;
  if (res.exitCode === 1 || /not a valid ref/.test(res.stderr)) return null;
  throw new GitCommandError(['show-ref', '--verify', '--hash', ref], res.exitCode, res.stderr);
}

/**
 * Atomically set `ref` to `oid`. `expectedOld`: the oid the ref must have now; `null`: the ref must not
 * exist (atomic create); `undefined`: no check. A failed check throws InputError(`REF_CONFLICT`).
 */
export async function updateRef(
  run: GitRunner,
  root: string,
  ref: string,
  oid: string,
  expectedOld?: string | null,
): Promise<void> {
  assertRefName(ref);
  assertArg(oid, 'object id');
  if (expectedOld) assertArg(expectedOld, 'expected old object id');
  const args = ['update-ref', '-m', 'cee', ref, oid];
  if (expectedOld !== undefined) args.push(expectedOld ?? '');
  try {
    await run.exec(root, args);
  } catch (e) {
    if (e instanceof GitCommandError && expectedOld !== undefined && /cannot lock ref|unable to create .*\.lock|File exists/i.test(e.stderr)) {
      const want = expectedOld === null ? 'not to exist' : `to be at ${expectedOld}`;
      throw new InputError('REF_CONFLICT', `${ref} was expected ${want}: ${e.stderr.trim()}`, { cause: e });
    }
    throw e;
  }
}

export async function deleteRef(run: GitRunner, root: string, ref: string): Promise<void> {
  assertRefName(ref);
  await run.exec(root, ['update-ref', '-m', 'cee', '-d', ref]);
}

/**
 * All refs whose full name starts with `prefix` (e.g. `refs/cee/`), or with any of several prefixes, sorted by
 * name. One git call.
 */
export async function listRefs(run: GitRunner, root: string, prefix: string | readonly string[]): Promise<RefInfo[]> {
  const prefixes = typeof prefix === 'string' ? [prefix] : [...prefix];
  if (prefixes.length === 0) return [];
  const folders = new Set<string>();
  for (const p of prefixes) {
    assertArg(p, 'ref prefix');
    if (!p.startsWith('refs/') && p !== 'refs') {
      throw new InputError('GIT_BAD_ARGUMENT', `invalid ref prefix ${JSON.stringify(p)}: expected refs/…`);
    }
    // for-each-ref matches whole path components: ask for the enclosing folder, filter by the exact prefix.
    folders.add(p.slice(0, p.lastIndexOf('/') + 1) || 'refs/');
  }
  const res = await run.exec(root, ['for-each-ref', '--format=%(refname)%00%(objectname)', ...folders]);
  const refs: RefInfo[] = [];
  for (const line of res.stdout.toString('utf8').split('\n')) {
    const nul = line.indexOf('\0');
    if (nul < 0) continue;
    const ref = line.slice(0, nul);
    if (prefixes.some((p) => ref.startsWith(p))) refs.push({ ref, oid: line.slice(nul + 1) });
  }
  return refs;
}

export interface RefUpdate {
  ref: string;
  /** The new object id. */
  oid: string;
  /** As for updateRef: an oid the ref must have now, `null` when it must not exist, undefined for no check. */
  expectedOld?: string | null;
}

/**
 * Several ref updates as ONE transaction (`update-ref --stdin -z`): either all of them happen or none.
 * A failed check throws InputError(`REF_CONFLICT`) whose details name the ref (`details.ref`) and whether it
 * already existed when it was expected not to (`details.exists`).
 */
export async function updateRefs(run: GitRunner, root: string, updates: readonly RefUpdate[], message = 'cee'): Promise<void> {
  if (updates.length === 0) return;
  const lines: string[] = [];
  for (const u of updates) {
    assertRefName(u.ref);
    assertArg(u.oid, 'object id');
    if (u.expectedOld) assertArg(u.expectedOld, 'expected old object id');
    // -z format: `create SP <ref> NUL <new> NUL` (must not exist), `update SP <ref> NUL <new> NUL [<old>] NUL`.
    if (u.expectedOld === null) lines.push(`create ${u.ref}\0${u.oid}\0`);
    else lines.push(`update ${u.ref}\0${u.oid}\0${u.expectedOld ?? ''}\0`);
  }
  const args = ['update-ref', '-m', message, '--stdin', '-z'];
  try {
    await run.exec(root, args, { input: lines.join('') });
  } catch (e) {
    if (!(e instanceof GitCommandError)) throw e;
    const m = /cannot lock ref '([^']+)'/.exec(e.stderr);
    const ref = m?.[1];
    const update = updates.find((u) => u.ref === ref);
    if (update && update.expectedOld !== undefined) {
      const exists = /reference already exists/.test(e.stderr);
      const want = update.expectedOld === null ? 'not to exist' : `to be at ${update.expectedOld}`;
      throw new InputError('REF_CONFLICT', `${update.ref} was expected ${want}: ${e.stderr.trim()}`, { cause: e, details: { ref: update.ref, exists } });
    }
    throw e;
  }
}
