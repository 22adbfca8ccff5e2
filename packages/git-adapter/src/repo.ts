import { existsSync } from 'node:fs';
import type { RepoInfo } from '@cgce/core';
import { InputError } from '@cgce/core';
import { GitCommandError, type GitRunner } from './runner.js';
import { assertArg } from './validate.js';
import { repoDirs } from './worktrees.js';

/** The repository containing `cwd` (a linked worktree works too). InputError(`NOT_A_REPO`) otherwise. */
export async function open(run: GitRunner, cwd: string): Promise<RepoInfo> {
  const notARepo = (cause?: unknown) =>
    new InputError('NOT_A_REPO', `${cwd} is not inside a git repository`, cause === undefined ? {} : { cause });
  if (!existsSync(cwd)) throw notARepo();
  let dirs: Awaited<ReturnType<typeof repoDirs>>;
  try {
    dirs = await repoDirs(run, cwd);
  } catch (e) {
    if (e instanceof GitCommandError && e.exitCode !== -1) throw notARepo(e);
    throw e;
  }
  const [head, branch] = await Promise.all([
    run.exec(dirs.top, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { okExitCodes: [0, 1, 128] }),
    run.exec(dirs.top, ['symbolic-ref', '--quiet', 'HEAD'], { okExitCodes: [0, 1, 128] }),
  ]);
  const headOid = head.exitCode === 0 ? head.stdout.toString('utf8').trim() : '';
  const ref = branch.exitCode === 0 ? branch.stdout.toString('utf8').trim() : '';
  return {
    root: dirs.top,
    gitDir: dirs.gitDir,
    commonDir: dirs.commonDir,
    head: headOid || null,
    branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null,
  };
}

function remoteArgs(remote: string, refspecs: string[]): string[] {
  assertArg(remote, 'remote');
  for (const r of refspecs) assertArg(r, 'refspec');
  return [remote, ...refspecs];
}

/** `git push` (no hooks, no prompts). InputError(`PUSH_FAILED`) with git's message. */
export async function push(run: GitRunner, root: string, remote: string, refspecs: string[]): Promise<void> {
  const args = ['push', '--no-verify', '--quiet', ...remoteArgs(remote, refspecs)];
  try {
    await run.text(root, args);
  } catch (e) {
    if (e instanceof GitCommandError && e.exitCode > 0) {
      throw new InputError('PUSH_FAILED', `git push ${remote} failed: ${e.stderr.trim()}`, { cause: e });
    }
    throw e;
  }
}

/** `git fetch` (no prompts, no submodule recursion). InputError(`FETCH_FAILED`) with git's message. */
export async function fetch(run: GitRunner, root: string, remote: string, refspecs: string[]): Promise<void> {
  const args = ['fetch', '--quiet', '--no-recurse-submodules', ...remoteArgs(remote, refspecs)];
  try {
    await run.text(root, args);
  } catch (e) {
    if (e instanceof GitCommandError && e.exitCode > 0) {
      throw new InputError('FETCH_FAILED', `git fetch ${remote} failed: ${e.stderr.trim()}`, { cause: e });
    }
    throw e;
  }
}
