import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RepoInfo } from '@cgce/core';
import { InputError } from '@cgce/core';
import { GitCommandError, type GitRunner } from './runner.js';
import { assertArg, isHexOid } from './validate.js';
import { repoDirs } from './worktrees.js';

/**
 * The repository containing `cwd` (a linked worktree works too). InputError(`NOT_A_REPO`) otherwise.
 * One git call in the usual case: `rev-parse` prints the folders and HEAD's commit, and the branch is read
 * from the HEAD file. An unborn HEAD, a bare repository or anything unusual takes the longer path.
 */
export async function open(run: GitRunner, cwd: string): Promise<RepoInfo> {
  const notARepo = (cause?: unknown) =>
    new InputError('NOT_A_REPO', `${cwd} is not inside a git repository`, cause === undefined ? {} : { cause });
  if (!existsSync(cwd)) throw notARepo();
  const quick = await run.exec(
    cwd,
    ['rev-parse', '--path-format=absolute', '--show-toplevel', '--absolute-git-dir', '--git-common-dir', 'HEAD^{commit}'],
    { okExitCodes: [0, 128] },
  );
  const lines = quick.stdout.toString('utf8').replace(/\n$/, '').split('\n');
  if (quick.exitCode === 0 && lines.length === 4 && isHexOid(lines[3]!)) {
    const [top, gitDir, commonDir, head] = lines as [string, string, string, string];
    const branch = await currentBranch(gitDir);
    if (branch !== undefined) return { root: top, gitDir, commonDir: resolve(cwd, commonDir), head, branch };
  }
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

/**
 * The branch HEAD names, from `<gitDir>/HEAD` (`ref: refs/heads/<name>`): null when detached, undefined when
 * the file says something else (a symbolic ref outside refs/heads, an unreadable file): ask git then.
 */
async function currentBranch(gitDir: string): Promise<string | null | undefined> {
  let text: string;
  try {
    text = (await readFile(join(gitDir, 'HEAD'), 'utf8')).trim();
  } catch {
    return undefined;
  }
  if (isHexOid(text)) return null;
  const m = /^ref: refs\/heads\/(.+)$/.exec(text);
  return m ? m[1]! : undefined;
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
