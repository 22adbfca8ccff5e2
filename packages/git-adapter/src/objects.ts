import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommitSpec } from '@cgce/core';
import { InputError } from '@cgce/core';
import type { BatchedRead } from './batch-read.js';
import { identityEnv, resolveIdentity } from './identity.js';
import type { LocalObjects } from './local.js';
import { writeLoose } from './loose.js';
import { GitCommandError, type GitRunner } from './runner.js';
import { assertArg, isHexOid, isTreePath } from './validate.js';

/**
 * Stores the bytes as they are (no filters, no EOL conversion): written from Node where the repository's
 * object store is known (`local`), else `hash-object -w --stdin`.
 */
export async function writeBlob(run: GitRunner, root: string, data: string | Uint8Array, local?: LocalObjects): Promise<string> {
  const store = await local?.store(root);
  if (store) return writeLoose(store, 'blob', typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  const res = await run.exec(root, ['hash-object', '-w', '-t', 'blob', '--stdin'], { input: data });
  return res.stdout.toString('utf8').trim();
}

/** `cat-file blob <oid>`: the exact bytes. InputError(`OBJECT_NOT_FOUND`) when there is no such blob. */
export async function readBlob(run: GitRunner, root: string, oid: string): Promise<Buffer> {
  assertArg(oid, 'object id');
  const res = await run.exec(root, ['cat-file', 'blob', oid], { okExitCodes: [0, 128] });
  if (res.exitCode !== 0) throw new InputError('OBJECT_NOT_FOUND', `no blob ${oid}: ${res.stderr.trim()}`);
  return res.stdout;
}

/**
 * The bytes of `path` in a tree-ish, or null when the path is absent (or not a file). `path` is taken
 * literally: the tree-ish is resolved to an object id first, so a `:` in the path (or in the tree-ish) is
 * never misread, and `./`/`../` forms (which git would resolve against the current folder) can never exist
 * in a tree and give null. InputError(`REV_NOT_FOUND`) when the tree-ish does not resolve.
 */
export async function readFileAt(
  run: GitRunner,
  root: string,
  treeish: string,
  path: string,
  batch?: (root: string, tree: string, path: string) => Promise<BatchedRead>,
): Promise<Buffer | null> {
  assertArg(treeish, 'tree-ish');
  if (!isTreePath(path)) return null;
  let tree = treeish;
  if (!isHexOid(treeish)) {
    const res = await run.exec(root, ['rev-parse', '--verify', '--quiet', `${treeish}^{tree}`], { okExitCodes: [0, 1, 128] });
    tree = res.stdout.toString('utf8').trim();
    if (res.exitCode !== 0 || !tree) throw new InputError('REV_NOT_FOUND', `${treeish} does not name a commit or tree`);
  }
  // Reads asked for together share one `cat-file --batch` (batch-read.ts); a name with a line break cannot.
  if (batch && !/[\r\n]/.test(path)) {
    const got = await batch(root, tree, path);
    if (got === 'missing') throw new InputError('REV_NOT_FOUND', `${treeish} does not name a commit or tree`);
    return got;
  }
  const res = await run.exec(root, ['cat-file', 'blob', `${tree}:${path}`], { okExitCodes: [0, 128] });
  if (res.exitCode === 0) return res.stdout;
  if (isHexOid(treeish)) {
    // git's messages do not tell a missing path from a missing tree: ask, only on this (miss) path.
    const ok = await run.exec(root, ['cat-file', '-e', `${treeish}^{tree}`], { okExitCodes: [0, 1, 128] });
    if (ok.exitCode !== 0) throw new InputError('REV_NOT_FOUND', `${treeish} does not name a commit or tree`);
  }
  return null;
}

/** `commit-tree` with the repository's identity (or CEE's); the message is stored verbatim. */
export async function commitTree(run: GitRunner, root: string, spec: CommitSpec, local?: LocalObjects): Promise<string> {
  assertArg(spec.tree, 'tree');
  const args = ['commit-tree', '--no-gpg-sign', spec.tree];
  for (const p of spec.parents) args.push('-p', assertArg(p, 'parent'));
  if (spec.message.includes('\0')) throw new InputError('GIT_BAD_ARGUMENT', 'a commit message cannot contain NUL bytes');
  const id = await (local ? local.identity(root) : resolveIdentity(run, root));
  try {
    const res = await run.exec(root, args, { input: spec.message, env: identityEnv(id) });
    const oid = res.stdout.toString('utf8').trim();
    // git checked the tree and the parents: a tag of this commit needs no second look (createTagObject).
    local?.noteCommit(root, oid);
    return oid;
  } catch (e) {
    if (e instanceof GitCommandError && /not a valid|bad|not a tree|not a commit/i.test(e.stderr)) {
      throw new InputError('REV_NOT_FOUND', `commit-tree: ${e.stderr.trim()}`, { cause: e });
    }
    throw e;
  }
}

/** git's default `gc.auto`: loose objects beyond which `git gc --auto` packs them. */
const GC_AUTO_DEFAULT = 6700;
/** git's default `gc.logExpiry`. */
const GC_LOG_EXPIRY_MS = 24 * 3600 * 1000;

/**
 * Keep loose objects bounded. CEE writes objects with plumbing only (hash-object, update-index, write-tree,
 * commit-tree, mktag) or from Node, and neither runs git's automatic housekeeping. This estimates the loose
 * objects the way git does (one fan-out folder, `objects/17`, times 256) and, only past git's default
 * threshold, starts `git gc --auto` in the background without waiting for it (git's own `gc.autoDetach`
 * default does the same after a check of ~15 ms that a checkpoint need not wait for): git then applies the
 * repository's own `gc.*` settings (`gc.auto=0` turns it off) and its gc lock keeps two runs apart.
 * Returns whether git was asked.
 */
export async function gcAuto(run: GitRunner, root: string, commonDir: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(join(commonDir, 'objects', '17'));
  } catch {
    return false;
  }
  if (entries.length * 256 <= GC_AUTO_DEFAULT) return false;
  // Loose objects that nothing references (an evaluated patch that was retried, say) are not packed, only
  // pruned after gc.pruneExpire (2 weeks): git then records in gc.log that packing did not help and refuses
  // `gc --auto` for gc.logExpiry (a day). Do not even start it meanwhile.
  const log = await stat(join(commonDir, 'gc.log')).catch(() => null);
  if (log && Date.now() - log.mtimeMs < GC_LOG_EXPIRY_MS) return false;
  run.detach(root, ['gc', '--auto', '--quiet']);
  return true;
}
