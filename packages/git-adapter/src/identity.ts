import type { GitRunner } from './runner.js';

export interface Identity {
  name: string;
  email: string;
}

/** Used when the repository (or the user's git config) names nobody. */
export const CEE_IDENTITY: Identity = { name: 'Codex Engine', email: 'codex-engine@localhost.invalid' };

/**
 * The identity for commits and tags: `user.name` + `user.email` when both are configured for this
 * repository (any config scope), otherwise CEE's own. One git call.
 */
export async function resolveIdentity(run: GitRunner, root: string): Promise<Identity> {
  const res = await run.exec(root, ['config', '-z', '--get-regexp', '^user\\.(name|email)$'], { okExitCodes: [0, 1] });
  let name = '';
  let email = '';
  for (const record of res.stdout.toString('utf8').split('\0')) {
    const nl = record.indexOf('\n');
    if (nl < 0) continue;
    const key = record.slice(0, nl).toLowerCase();
    const value = record.slice(nl + 1);
    if (key === 'user.name') name = value;
    else if (key === 'user.email') email = value;
  }
  const clean = (s: string) => s.replace(/[<>\n\r\0]/g, '').trim();
  name = clean(name);
  email = clean(email);
  return name && email ? { name, email } : CEE_IDENTITY;
}

/** Author and committer environment for `commit-tree` and `merge`. */
export function identityEnv(id: Identity): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: id.name,
    GIT_AUTHOR_EMAIL: id.email,
    GIT_COMMITTER_NAME: id.name,
    GIT_COMMITTER_EMAIL: id.email,
  };
}
