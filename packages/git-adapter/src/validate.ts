import { InputError } from '@cgce/core';

/**
 * Values that end up as git arguments (revisions, refs, remotes) must never be read as options and must
 * never carry bytes git would cut or misread.
 */
export function assertArg(value: string, what: string): string {
  if (typeof value !== 'string' || value === '' || value.startsWith('-') || /[\0\n\r]/.test(value)) {
    throw new InputError('GIT_BAD_ARGUMENT', `invalid ${what}: ${JSON.stringify(value)}`);
  }
  return value;
}

/** A full ref name: `HEAD` or `refs/…`. */
export function assertRefName(ref: string): string {
  assertArg(ref, 'ref name');
  if (ref !== 'HEAD' && !ref.startsWith('refs/')) {
    throw new InputError('GIT_BAD_ARGUMENT', `invalid ref name ${JSON.stringify(ref)}: expected HEAD or refs/…`);
  }
  return ref;
}

/** A repository-relative path as stored in a tree: no empty, `.` or `..` components, no leading `/`. */
export function isTreePath(path: string): boolean {
  if (path === '' || path.includes('\0')) return false;
  return path.split('/').every((c) => c !== '' && c !== '.' && c !== '..');
}

export function isHexOid(value: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(value);
}
