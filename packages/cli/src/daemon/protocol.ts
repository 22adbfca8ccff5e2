// What the `cee` client (bin.ts, before anything else loads) and the daemon share: where a repository's daemon
// listens and how a build is recognised. Node built-ins only: this module is loaded on every `cee` start.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The command an argv names: its first word that is neither an option nor the value of `--cwd`. */
export function commandOf(args: readonly string[]): string | undefined {
  return args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '--cwd');
}

/** Bumped when the frames change: a client and a daemon of different protocols never talk. */
export const PROTOCOL = 1;

/**
 * The git folder shared by all worktrees of the repository containing `dir`, found from files alone (no git
 * process): `.git` is the folder, or a file `gitdir: <G>` whose `<G>/commondir` names it. Null when unsure.
 */
export function commonGitDir(dir: string): string | null {
  let cur = path.resolve(dir);
  for (;;) {
    const dotGit = path.join(cur, '.git');
    let st: ReturnType<typeof lstatSync> | undefined;
    try {
      st = lstatSync(dotGit);
    } catch {
      // not here: look further up
    }
    if (st?.isDirectory()) return dotGit;
    if (st?.isFile()) {
      const m = /^gitdir: (.+?)\r?\n?$/.exec(readFileSync(dotGit, 'utf8'));
      if (!m) return null;
      const gitDir = path.resolve(cur, m[1]!);
      const commondir = path.join(gitDir, 'commondir');
      if (!existsSync(commondir)) return null; // a submodule: its own repository, not served here
      return path.resolve(gitDir, readFileSync(commondir, 'utf8').trim());
    }
    const up = path.dirname(cur);
    if (up === cur) return null;
    cur = up;
  }
}

/**
 * The daemon's socket for a repository: `<common git dir>/cee/daemon.sock`, or, when that path is too long for
 * a Unix socket (~104 bytes), a private folder of this user under the temp folder (mode 0700, checked).
 */
export function socketPath(commonDir: string, create = false): string | null {
  const own = path.join(commonDir, 'cee', 'daemon.sock');
  if (Buffer.byteLength(own) < 100) return own;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const dir = path.join(os.tmpdir(), `cee-daemon-${uid}`);
  if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    const st = statSync(dir);
    // Someone else's folder, or one others can write to: never connect there.
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return null;
  } catch {
    return null;
  }
  return path.join(dir, `${createHash('sha256').update(path.resolve(commonDir)).digest('hex').slice(0, 24)}.sock`);
}

/** Identifies the installed CLI: a daemon serves only clients of its own build (same files, same protocol). */
export function buildId(distDir: string): string {
  const bundle = statSync(path.join(distDir, 'cee.js'));
  return `${PROTOCOL}:${path.resolve(distDir)}:${bundle.size}:${bundle.mtimeMs}`;
}

/** One line of JSON each way. Client → daemon. */
export interface Request {
  v: number;
  build: string;
  /** `run`: a command; `ping`: the daemon's status; `stop`: exit after the current command. */
  op: 'run' | 'ping' | 'stop';
  argv?: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** Daemon → client: accepted (the command started), output chunks (base64), the exit code, or a refusal. */
export type Frame =
  | { t: 'accepted' }
  | { t: 'out' | 'err'; d: string }
  | { t: 'exit'; code: number }
  | { t: 'refused'; why: string }
  | { t: 'status'; status: Record<string, unknown> };
