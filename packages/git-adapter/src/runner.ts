import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeTracker } from './changes.js';
import { CeeError, type CeeErrorOptions, recordTiming as record, timingsEnabled as timingsOn } from '@cgce/core';

/**
 * The one place that starts git. Two paths, one safety configuration:
 * - `text()` — calls through simple-git (string stdout): push and fetch, where simple-git's own argument
 *   guards are a welcome second line. simple-git is imported on first use, so other commands never load it;
 * - `exec()` — node:child_process `spawn` with buffers, for everything else: calls that need stdin or exact
 *   bytes (`-z` output, blobs, patches, tag objects), silent plumbing (update-ref, read-tree, add, clean,
 *   reset: simple-git 4 waits 50 ms after every command that printed nothing), and the hot path
 *   (discovery, write-tree: one spawn, no simple-git instance per call).
 * Both put the same `-c` settings in front of every command and run with the same environment (`gitEnv`).
 */

export interface GitAdapterOptions {
  /** The git executable (default `git`, looked up on PATH). */
  gitBinary?: string;
  /**
   * Kill a git process that produced no output for this long (ms). Default 120 000. Hooks are off and
   * prompts are disabled, so only a slow remote or a huge repository gets near it.
   */
  timeoutMs?: number;
  /**
   * Worktrees whose index file is smaller than this many bytes (default 1 MiB, about 10,000 files) are reset
   * with plain `reset --hard` + `clean`: for them a full walk costs less than the extra git processes of the
   * status-driven path. 0 always takes the status-driven path.
   */
  smallIndexBytes?: number;
  /**
   * Read a repository's commit identity (`user.name`/`user.email`) once and reuse it for every later commit and
   * tag of this adapter. Right for one command per process (the CLI); off by default, so a long-lived process
   * sees identity changes at once.
   */
  cacheIdentity?: boolean;
  /**
   * A watcher of CEE's worktrees (a long-lived process only, see changes.ts): snapshots then look only at what
   * changed. Without one every snapshot scans the whole worktree.
   */
  changeTracker?: ChangeTracker;
}

/** Settings put in front of every git command (`git -c k=v …`). */
export const SAFETY_CONFIG: readonly string[] = [
  // No hooks, ever: not the repository's, not a configured core.hooksPath.
  'core.hooksPath=/dev/null',
  // No fsmonitor daemon or hook program.
  'core.fsmonitor=false',
  // Refuse paths that are special on NTFS/HFS+ (e.g. `.git ` or `.GIT`) on every platform.
  'core.protectNTFS=true',
  'core.protectHFS=true',
  // Never sign (no gpg program runs, no pinentry prompt).
  'commit.gpgsign=false',
  'tag.gpgsign=false',
  // Names verbatim (we parse -z output anyway).
  'core.quotePath=false',
  'color.ui=false',
  // `git apply` with git's own defaults, whatever the user configured.
  'apply.whitespace=warn',
  'apply.ignoreWhitespace=no',
  // Temporary index files must be self-contained.
  'core.splitIndex=false',
  // Safe CRLF warnings would be noise on stderr; conversion itself follows the repository's settings.
  'core.safecrlf=false',
];

const UNSAFE_FLAGS = {
  allowUnsafeHooksPath: true,
  allowUnsafeFsMonitor: true,
  allowUnsafeEditor: true,
  allowUnsafePager: true,
  allowUnsafeAskPass: true,
  allowUnsafeSshCommand: true,
  allowUnsafeGitProxy: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeExec: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeDiffExternal: true,
  // CI systems inject config through GIT_CONFIG_COUNT/KEY/VALUE (credential helpers, url rewrites, includes).
  allowUnsafeCredentialHelper: true,
  allowUnsafeUrlRewrite: true,
  allowUnsafeInclude: true,
  // `gitBinary` comes from our own options (a path with spaces must work), never from a model.
  allowUnsafeCustomBinary: true,
} as const;

/** Inherited variables that would point git at another repository, index or object store. */
const STRIPPED_ENV = new Set([
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_QUARANTINE_PATH',
  'GIT_SHALLOW_FILE',
  'GIT_REPLACE_REF_BASE',
  'GIT_GLOB_PATHSPECS',
  'GIT_NOGLOB_PATHSPECS',
  'GIT_ICASE_PATHSPECS',
  'GIT_EXTERNAL_DIFF',
  'GIT_DIFF_OPTS',
  'GIT_PAGER',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
  'GIT_REFLOG_ACTION',
]);

/** Build the environment of a git child process: inherited, minus the repository-locating variables, plus ours. */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || STRIPPED_ENV.has(key.toUpperCase())) continue;
    env[key] = value;
  }
  env['GIT_TERMINAL_PROMPT'] = '0';
  env['GIT_OPTIONAL_LOCKS'] = '0';
  env['GIT_NO_REPLACE_OBJECTS'] = '1';
  env['GIT_LITERAL_PATHSPECS'] = '1';
  env['GIT_ADVICE'] = '0';
  env['GCM_INTERACTIVE'] = 'never';
  env['LC_ALL'] = 'C';
  env['LANGUAGE'] = 'C';
  return { ...env, ...extra };
}

/** A git command exited non-zero (or could not start). `exitCode` is -1 when git did not run. */
export class GitCommandError extends CeeError {
  readonly args: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;
  constructor(args: readonly string[], exitCode: number, stderr: string, options?: CeeErrorOptions) {
    super('GIT_FAILED', 1, `git ${args[0] ?? ''} failed (exit ${exitCode}): ${clip(stderr) || '(no message)'}`, {
      ...options,
      details: { args: [...args], exitCode, stderr: clip(stderr) },
    });
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** git's message trimmed and capped at 2 KB, for error messages. */
export function clip(text: string, max = 2048): string {
  const t = text.trim();
  return t.length <= max ? t : `${t.slice(0, max)}…`;
}

export interface ExecOptions {
  /** Bytes written to git's stdin (then closed). Without it stdin is /dev/null. */
  input?: Uint8Array | string;
  /** Extra `-c key=value` settings for this call only, after the safety settings (see WORKTREE_CONFIG). */
  config?: readonly string[];
  /** Extra environment (GIT_INDEX_FILE, identity). */
  env?: Record<string, string>;
  /** Exit codes that are not errors (default: 0 only). */
  okExitCodes?: readonly number[];
}

export interface ExecResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

export interface GitRunner {
  readonly binary: string;
  /** See GitAdapterOptions.smallIndexBytes. */
  readonly smallIndexBytes: number;
  /** See GitAdapterOptions.changeTracker. */
  readonly changeTracker?: ChangeTracker;
  /** simple-git: ordinary calls with text output. Throws GitCommandError on a non-zero exit. */
  text(cwd: string, args: readonly string[], options?: { env?: Record<string, string> }): Promise<string>;
  /** child_process: stdin and/or exact bytes. Throws GitCommandError unless the exit code is allowed. */
  exec(cwd: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * Start git in the background and do not wait for it (housekeeping: `gc --auto`): its own process group, no
   * output, it outlives this process. Throws only when it cannot be started.
   */
  detach(cwd: string, args: readonly string[]): void;
}

/**
 * Settings for commands that read or write the index of CEE's own run worktree (never the user's, never a
 * temporary index): the untracked cache lets `status` skip folders whose mtime did not change (git's own
 * `feature.manyFiles` setting turns it on), index preloading stats files on all cores, and a split index
 * makes every index write small (git rewrites only the entries that changed, into a file beside the shared
 * one; at 50,000 files a full write of the 5 MB index costs ~10 ms, twice per checkpoint). No fsmonitor, ever.
 */
export const WORKTREE_CONFIG: readonly string[] = ['core.untrackedCache=true', 'core.preloadIndex=true', 'core.splitIndex=true'];
/** Exec options of a command on CEE's run worktree and its own index (see WORKTREE_CONFIG). */
export const IN_WORKTREE = { config: WORKTREE_CONFIG } as const;

/** simple-git is only needed by `text()` (push, fetch): load it on first use, not with the CLI. */
let simpleGitModule: Promise<typeof import('simple-git')> | null = null;

export function createRunner(options: GitAdapterOptions = {}): GitRunner {
  const binary = options.gitBinary ?? 'git';
  const timeoutMs = options.timeoutMs ?? 120_000;
  const configArgs = SAFETY_CONFIG.flatMap((kv) => ['-c', kv]);

  async function text(cwd: string, args: readonly string[], opts: { env?: Record<string, string> } = {}): Promise<string> {
    assertArgs(args);
    if (!existsSync(cwd)) throw new GitCommandError(args, -1, `cannot run git in ${cwd}: no such directory`);
    const env = gitEnv(opts.env);
    let failure: { exitCode: number; stderr: string } | undefined;
    if (!simpleGitModule) simpleGitModule = import('simple-git');
    const { simpleGit } = await simpleGitModule;
    const git = simpleGit({
      baseDir: cwd,
      binary,
      config: [...SAFETY_CONFIG],
      maxConcurrentProcesses: 8,
      trimmed: false,
      timeout: { block: timeoutMs },
      // We build the environment ourselves (gitEnv); simple-git's own guard would strip or refuse it.
      allowEnvironment: Object.keys(env),
      // Our own settings name hooksPath and fsmonitor (to switch them off). The other flags only let the
      // user's own environment through (EDITOR, PAGER, PREFIX, GIT_SSH_COMMAND, askpass, GIT_CONFIG_*),
      // exactly as the child_process path passes it; arguments are built here, never taken from a model.
      unsafe: UNSAFE_FLAGS,
      errors(error, result) {
        if (result.exitCode === 0) return error;
        failure = { exitCode: result.exitCode, stderr: Buffer.concat(result.stdErr).toString('utf8') };
        return new Error(failure.stderr);
      },
    }).env(env);
    const started = timingsOn() ? performance.now() : 0;
    try {
      return await git.raw([...args]);
    } catch (e) {
      if (failure) throw new GitCommandError(args, failure.exitCode, failure.stderr, { cause: e });
      throw new GitCommandError(args, -1, e instanceof Error ? e.message : String(e), { cause: e });
    } finally {
      if (started) record(`git ${args[0] ?? ''} (simple-git)`, started);
    }
  }

  function exec(cwd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    assertArgs(args);
    if (opts.config) assertArgs(opts.config);
    const ok = opts.okExitCodes ?? [0];
    const started = timingsOn() ? performance.now() : 0;
    const tracker = options.changeTracker;
    tracker?.beforeGit(cwd);
    let ended = false;
    const afterGit = () => {
      if (!ended) tracker?.afterGit(cwd);
      ended = true;
    };
    const promise = new Promise<ExecResult>((resolve, reject) => {
      const extra = opts.config ? opts.config.flatMap((kv) => ['-c', kv]) : [];
      const child = spawn(binary, [...configArgs, ...extra, ...args], {
        cwd,
        env: gitEnv(opts.env),
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs);
      };
      arm();
      child.stdout?.on('data', (c: Buffer) => {
        out.push(c);
        arm();
      });
      child.stderr?.on('data', (c: Buffer) => {
        err.push(c);
        arm();
      });
      child.on('error', (e) => {
        if (timer) clearTimeout(timer);
        afterGit();
        reject(new GitCommandError(args, -1, `cannot run ${binary}: ${e.message}`, { cause: e }));
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        afterGit();
        const stderr = Buffer.concat(err).toString('utf8');
        if (timedOut) {
          reject(new GitCommandError(args, -1, `timed out after ${timeoutMs} ms without output. ${stderr}`));
          return;
        }
        const exitCode = code ?? (signal ? 128 : -1);
        const result: ExecResult = { stdout: Buffer.concat(out), stderr, exitCode };
        if (ok.includes(exitCode)) resolve(result);
        else reject(new GitCommandError(args, exitCode, stderr));
      });
      if (opts.input !== undefined && child.stdin) {
        // git may exit before reading all of stdin (an error): ignore EPIPE, the exit code tells.
        child.stdin.on('error', () => undefined);
        child.stdin.end(typeof opts.input === 'string' ? Buffer.from(opts.input, 'utf8') : opts.input);
      }
    });
    if (!started) return promise;
    return promise.finally(() => record(`git ${args[0] ?? ''}`, started));
  }

  function detach(cwd: string, args: readonly string[]): void {
    assertArgs(args);
    const child = spawn(binary, [...configArgs, ...args], { cwd, env: gitEnv(), stdio: 'ignore', detached: true, windowsHide: true });
    child.on('error', () => undefined);
    child.unref();
  }

  return { binary, text, exec, detach, smallIndexBytes: options.smallIndexBytes ?? 1 << 20, changeTracker: options.changeTracker };
}

/** Refuse NUL bytes in arguments (git would see a truncated argument). */
function assertArgs(args: readonly string[]): void {
  for (const a of args) {
    if (a.includes('\0')) throw new GitCommandError(args, -1, 'an argument contains a NUL byte');
  }
}

/** Run `fn` with a fresh private directory under the system temp folder, removed afterwards whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cee-git-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Split NUL-terminated output into its fields (a trailing empty field is dropped). */
export function splitNul(buf: Buffer | string): string[] {
  const s = typeof buf === 'string' ? buf : buf.toString('utf8');
  if (s === '') return [];
  const parts = s.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}
