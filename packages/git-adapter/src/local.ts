import { join } from 'node:path';
import { hashAlgoOf, type RepoInfo } from '@cgce/core';
import { type Identity, resolveIdentity } from './identity.js';
import { type LooseStore, looseStore } from './loose.js';
import type { GitRunner } from './runner.js';

/**
 * What one adapter instance knows about the repositories it opened, so that some objects can be written from
 * Node (see loose.ts): where each repository's objects live, and which commits this adapter wrote itself.
 */
export interface LocalObjects {
  /** The loose-object store of the repository at `root`, or null: not opened here, no commit yet, or shared. */
  store(root: string): Promise<LooseStore | null>;
  identity(root: string): Promise<Identity>;
  noteCommit(root: string, oid: string): void;
  ownsCommit(root: string, oid: string): boolean;
  /** Record what `open()` found out. */
  opened(info: RepoInfo): void;
}

export function createLocalObjects(run: GitRunner, options: { cacheIdentity?: boolean } = {}): LocalObjects {
  // root → where its objects live; the store itself is checked on first use (status never writes objects).
  const opened = new Map<string, { objectsDir: string; head: string }>();
  const stores = new Map<string, Promise<LooseStore | null>>();
  const identities = new Map<string, Promise<Identity>>();
  const commits = new Set<string>();
  return {
    store(root) {
      let store = stores.get(root);
      if (!store) {
        const info = opened.get(root);
        // The hash algorithm shows in HEAD's id; without a commit, git writes everything.
        store = info ? looseStore(info.objectsDir, hashAlgoOf(info.head)) : Promise.resolve(null);
        if (info) stores.set(root, store);
      }
      return store;
    },
    identity(root) {
      if (!options.cacheIdentity) return resolveIdentity(run, root);
      let id = identities.get(root);
      if (!id) {
        id = resolveIdentity(run, root);
        identities.set(root, id);
        id.catch(() => identities.delete(root));
      }
      return id;
    },
    noteCommit: (root, oid) => void commits.add(`${root}\0${oid}`),
    ownsCommit: (root, oid) => commits.has(`${root}\0${oid}`),
    opened(info) {
      if (info.head && !opened.has(info.root)) opened.set(info.root, { objectsDir: join(info.commonDir, 'objects'), head: info.head });
    },
  };
}
