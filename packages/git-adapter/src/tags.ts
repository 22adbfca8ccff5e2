import type { TagInfo } from '@cgce/core';
import { InputError } from '@cgce/core';
import { resolveIdentity } from './identity.js';
import type { LocalObjects } from './local.js';
import { writeLoose } from './loose.js';
import { readRef, resolveCommit } from './refs.js';
import { GitCommandError, type GitRunner } from './runner.js';
import { assertArg, isHexOid } from './validate.js';

const TAG_FIELDS = [
  '%(refname)',
  '%(objecttype)',
  '%(objectname)',
  '%(*objecttype)',
  '%(*objectname)',
  '%(tree)',
  '%(*tree)',
  '%(creatordate:iso-strict)',
  '%(contents)',
] as const;
/** NUL after every field; for-each-ref adds a newline after each record (a tag message cannot hold NUL). */
const TAG_FORMAT = `--format=${TAG_FIELDS.join('%00')}%00`;

/** A name made only of these, not starting with `.` and not ending in `.lock` or `.`, is always a valid ref part. */
const SIMPLE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

async function assertTagName(run: GitRunner, root: string, name: string): Promise<void> {
  assertArg(name, 'tag name');
  // `codex-cp-12` and the like need no git process; anything else goes through check-ref-format.
  if (SIMPLE_TAG.test(name) && !name.includes('..') && !name.endsWith('.lock') && !name.endsWith('.')) return;
  const res = await run.exec(root, ['check-ref-format', `refs/tags/${name}`], { okExitCodes: [0, 1] });
  if (res.exitCode !== 0) throw new InputError('TAG_NAME_INVALID', `${JSON.stringify(name)} is not a valid tag name`);
}

/**
 * The annotated tag object for `name` on `commit` (`git mktag`: tagger = the repository's identity or CEE's,
 * date now, UTC), written to the object store but not published under any ref. A full object id is handed to
 * mktag as it is (mktag itself checks that it names a commit); anything else is resolved first. A commit this
 * adapter has just written (`local.ownsCommit`) is known to be one: that tag is written from Node, no mktag.
 */
export async function createTagObject(run: GitRunner, root: string, name: string, commit: string, message: string, local?: LocalObjects): Promise<string> {
  if (message.includes('\0')) throw new InputError('GIT_BAD_ARGUMENT', 'a tag message cannot contain NUL bytes');
  const [, oid, id, store] = await Promise.all([
    assertTagName(run, root, name),
    isHexOid(commit) ? commit : resolveCommit(run, root, commit),
    local ? local.identity(root) : resolveIdentity(run, root),
    local?.ownsCommit(root, commit) ? local.store(root) : null,
  ]);
  if (!oid) throw new InputError('REV_NOT_FOUND', `${commit} does not name a commit`);
  const when = Math.floor(Date.now() / 1000);
  const body =
    `object ${oid}\ntype commit\ntag ${name}\ntagger ${id.name} <${id.email}> ${when} +0000\n\n` +
    (message.endsWith('\n') ? message : `${message}\n`);
  if (store) return writeLoose(store, 'tag', Buffer.from(body, 'utf8'));
  try {
    const made = await run.exec(root, ['mktag'], { input: body });
    return made.stdout.toString('utf8').trim();
  } catch (e) {
    if (e instanceof GitCommandError && /could not read tagged object|tagged as 'commit', but is a|bad object|invalid object/i.test(e.stderr)) {
      throw new InputError('REV_NOT_FOUND', `${commit} does not name a commit`, { cause: e });
    }
    throw e;
  }
}

/**
 * An annotated tag built with `git mktag` (createTagObject) and published with
 * `update-ref refs/tags/<name> <tag> ""`: atomic, never overwrites; InputError(`TAG_EXISTS`) when the tag
 * exists already. The message is stored verbatim, with a final newline added when missing (readTag/listTags
 * give it back without that one newline).
 */
export async function createTag(run: GitRunner, root: string, name: string, commit: string, message: string, local?: LocalObjects): Promise<string> {
  const tagOid = await createTagObject(run, root, name, commit, message, local);
  const ref = `refs/tags/${name}`;
  try {
    await run.exec(root, ['update-ref', '-m', 'cee: tag', ref, tagOid, '']);
  } catch (e) {
    if (e instanceof GitCommandError && (await readRef(run, root, ref)) !== null) {
      throw new InputError('TAG_EXISTS', `tag ${name} exists already`, { cause: e });
    }
    throw e;
  }
  return tagOid;
}

/** One tag (annotated or lightweight) that points at a commit, or null. */
export async function readTag(run: GitRunner, root: string, name: string): Promise<TagInfo | null> {
  if (typeof name !== 'string' || name === '' || name.startsWith('-') || /[\0\n\r*?[\\]/.test(name)) return null;
  const tags = await forEachTag(run, root, `refs/tags/${name}`);
  return tags.find((t) => t.name === name) ?? null;
}

/**
 * Tags matching a for-each-ref pattern (`refs/tags/codex-cp-*`; a pattern without `refs/` is taken under
 * `refs/tags/`), in one git call, in version order (`codex-cp-2` before `codex-cp-10`). Tags that do not
 * point at a commit are left out.
 */
export async function listTags(run: GitRunner, root: string, pattern: string): Promise<TagInfo[]> {
  assertArg(pattern, 'tag pattern');
  const full = pattern.startsWith('refs/') ? pattern : `refs/tags/${pattern}`;
  return forEachTag(run, root, full);
}

async function forEachTag(run: GitRunner, root: string, pattern: string): Promise<TagInfo[]> {
  const res = await run.exec(root, ['for-each-ref', '--sort=version:refname', TAG_FORMAT, pattern]);
  return parseTagRecords(res.stdout.toString('utf8'));
}

/** Parse the output of for-each-ref with TAG_FORMAT. Exported for unit tests. */
export function parseTagRecords(out: string): TagInfo[] {
  const fields = out.split('\0');
  const n = TAG_FIELDS.length;
  const tags: TagInfo[] = [];
  for (let i = 0; i + n <= fields.length; i += n) {
    const [refRaw, type, objectname, peeledType, peeled, tree, peeledTree, date, contents] = fields.slice(i, i + n) as string[];
    const ref = refRaw!.replace(/^\n/, '');
    if (!ref.startsWith('refs/tags/')) continue;
    const name = ref.slice('refs/tags/'.length);
    if (type === 'tag') {
      if (peeledType !== 'commit') continue; // a tag of a tree, blob or another tag: not a checkpoint
      tags.push({
        name,
        tagOid: objectname!,
        commit: peeled!,
        tree: peeledTree!,
        message: contents!.endsWith('\n') ? contents!.slice(0, -1) : contents!,
        date: date!,
      });
    } else if (type === 'commit') {
      tags.push({ name, tagOid: objectname!, commit: objectname!, tree: tree!, message: '', date: date! });
    }
  }
  return tags;
}
