import { createHash } from 'node:crypto';

export type GitObjectType = 'blob' | 'tree' | 'commit' | 'tag';
export type GitHashAlgo = 'sha1' | 'sha256';

/** The hash algorithm of a repository, told by the length of one of its object ids (64 hex digits: SHA-256). */
export function hashAlgoOf(oid: string): GitHashAlgo {
  return oid.length === 64 ? 'sha256' : 'sha1';
}

/** The id git gives an object of `type` holding `body`: the hash of `<type> <size>\0<body>`. */
export function gitObjectId(type: GitObjectType, body: string | Uint8Array, algo: GitHashAlgo): string {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return createHash(algo).update(`${type} ${bytes.length}\0`).update(bytes).digest('hex');
}
