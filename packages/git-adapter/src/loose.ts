import { randomBytes } from 'node:crypto';
import { link, mkdir, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { type GitHashAlgo, type GitObjectType, gitObjectId } from '@cgce/core';

/**
 * Writing blob and tag objects from Node instead of starting `git hash-object` or `git mktag` for each (a git
 * process costs 3–5 ms from Node; a checkpoint writes a tag and a counter blob). The loose format is git's own,
 * stable since its first release: zlib("<type> <size>\0<body>") at `objects/<2 hex>/<rest>`, written to a
 * temporary file in that folder and hard-linked into place, as git does. Only used where git would check
 * nothing more (a blob; a tag of a commit this process just wrote); the tests run `git fsck` on the result.
 */
export interface LooseStore {
  /** `<common git dir>/objects`. */
  dir: string;
  algo: GitHashAlgo;
}

/**
 * A store for the repository whose objects live in `objectsDir`, or null where CEE leaves writing to git:
 * a repository shared with a group (`core.sharedRepository`: group-writable or setgid objects folder, whose
 * files need git's permission handling) or an unreadable one.
 */
export async function looseStore(objectsDir: string, algo: GitHashAlgo): Promise<LooseStore | null> {
  const st = await stat(objectsDir).catch(() => null);
  if (!st?.isDirectory()) return null;
  if (st.mode & 0o2020) return null;
  return { dir: objectsDir, algo };
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS']);

/** Store `body` as a loose object (level-1 zlib, git's `core.looseCompression` default); returns its id. */
export async function writeLoose(store: LooseStore, type: GitObjectType, body: Uint8Array): Promise<string> {
  const id = gitObjectId(type, body, store.algo);
  const folder = join(store.dir, id.slice(0, 2));
  const file = join(folder, id.slice(2));
  // Present already (loose): freshen its time, as git does, so a concurrent prune does not take it.
  const now = new Date();
  if (await utimes(file, now, now).then(() => true, () => false)) return id;
  await mkdir(folder, { recursive: true });
  const tmp = join(folder, `tmp_obj_cee_${process.pid}_${randomBytes(6).toString('hex')}`);
  const data = deflateSync(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]), { level: 1 });
  await writeFile(tmp, data, { mode: 0o444, flag: 'wx' });
  try {
    await link(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    // The same object written meanwhile by someone else: same id, same content.
    if (code !== 'EEXIST') {
      if (!LINK_UNSUPPORTED.has(code)) {
        await unlink(tmp).catch(() => undefined);
        throw e;
      }
      // File systems without hard links: git's `core.createObject=rename`.
      await rename(tmp, file);
      return id;
    }
  }
  await unlink(tmp).catch(() => undefined);
  return id;
}
