import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, UsageError } from '@cgce/core';
import type { ChangeTracker } from '@cgce/git-adapter';
import type { Command } from 'commander';
import { ask, startDaemon } from '../daemon/server.js';
import { daemonEligible } from '../daemon/client.js';
import { buildId, commonGitDir, type Frame, PROTOCOL, socketPath } from '../daemon/protocol.js';
import type { Invocation } from '../main.js';

/** dist/ of this installation: the folder holding cee.js (this code runs from cee.js, a chunk in dist/cee/, or dist/commands/). */
export function distDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 3; i++) {
    if (existsSync(path.join(dir, 'cee.js')) && existsSync(path.join(dir, 'bin.js'))) return dir;
    dir = path.dirname(dir);
  }
  throw new InputError('DAEMON_UNAVAILABLE', 'cee daemon needs the built CLI (dist/cee.js and dist/bin.js): run the build first');
}

function repository(cwd: string): { commonDir: string; sock: string } {
  const commonDir = commonGitDir(cwd);
  if (!commonDir) throw new UsageError(`${cwd} is not inside a git repository (or its .git cannot be read)`);
  const sock = socketPath(commonDir, true);
  if (!sock) throw new InputError('DAEMON_UNAVAILABLE', `no private folder for the daemon's socket of ${commonDir}`);
  return { commonDir: realpathSync(commonDir), sock };
}

async function ping(sock: string): Promise<Record<string, unknown> | null> {
  if (!existsSync(sock)) return null;
  const f: Frame | null = await ask(sock, { v: PROTOCOL, build: buildId(distDir()), op: 'ping' });
  if (f?.t === 'status') return f.status;
  if (f?.t === 'refused') return { other: true, why: f.why };
  return null;
}

function idleMs(v: string | undefined): number {
  const minutes = v === undefined ? 30 : Number(v);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 7 * 24 * 60) throw new UsageError(`--idle-minutes must be a number of minutes between 0 and 10080: got "${v}"`);
  return minutes * 60_000;
}

/** Start `cee daemon run` for the repository in the background, its output going to `<git dir>/cee/daemon.log`. */
function spawnDaemon(commonDir: string, cwd: string, idle: number): { child: ChildProcess; logFile: string } {
  mkdirSync(path.join(commonDir, 'cee'), { recursive: true });
  const logFile = path.join(commonDir, 'cee', 'daemon.log');
  const fd = openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [path.join(distDir(), 'bin.js'), 'daemon', 'run', '--idle-minutes', String(idle / 60_000), '--cwd', cwd], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, CEE_DAEMON: 'off', CEE_TIMINGS: '' },
    });
    child.unref();
    return { child, logFile };
  } finally {
    closeSync(fd);
  }
}

/**
 * `run.daemon: "auto"`: after a command that ran in its own process, start a daemon when this invocation could
 * have used one (non-interactive, hand-over not turned off) and none answers. Never waits for it; any failure
 * only means the next command runs in-process too.
 */
export async function autoStartDaemon(argv: readonly string[], cwd: string): Promise<void> {
  try {
    if (!daemonEligible(argv)) return;
    const commonDir = commonGitDir(cwd);
    const sock = commonDir ? socketPath(commonDir, true) : null;
    if (!commonDir || !sock || (await ping(sock))) return;
    spawnDaemon(realpathSync(commonDir), cwd, 30 * 60_000);
  } catch {
    // best effort
  }
}

export function registerDaemonCommands(program: Command, inv: Invocation, run: (argv: string[], tracker: ChangeTracker) => Promise<number>): void {
  const daemon = program
    .command('daemon')
    .description('a resident cee for this repository: commands skip start-up and checkpoints look only at what changed');

  daemon
    .command('start')
    .description('start the daemon in the background (no-op when it runs)')
    .option('--idle-minutes <n>', 'exit after this long without a command (default 30)')
    .action(async (o: { idleMinutes?: string }) => {
      const { commonDir, sock } = repository(inv.global.cwd);
      const idle = idleMs(o.idleMinutes);
      let status = await ping(sock);
      let started = false;
      if (!status || status.other) {
        const { child, logFile } = spawnDaemon(commonDir, inv.global.cwd, idle);
        for (let i = 0; i < 100 && !(status && !status.other); i++) {
          await new Promise((r) => setTimeout(r, 50));
          if (child.exitCode !== null) break;
          status = await ping(sock);
        }
        if (!status || status.other) {
          throw new InputError('DAEMON_UNAVAILABLE', `the daemon did not start; see ${logFile}: ${readFileSync(logFile, 'utf8').split('\n').slice(-4).join(' ').trim()}`);
        }
        started = true;
      }
      if (inv.global.json) return inv.out.json({ ok: true, started, ...status });
      inv.out.line(`${started ? 'started' : 'already running'}: pid ${status.pid}, socket ${status.socket}`);
    });

  daemon
    .command('stop')
    .description('stop the daemon after the command it is running')
    .action(async () => {
      const { sock } = repository(inv.global.cwd);
      // A daemon of another build (cee was upgraded) answers a stop too.
      const stopped = existsSync(sock) ? await ask(sock, { v: PROTOCOL, build: buildId(distDir()), op: 'stop' }) : null;
      const pid = stopped?.t === 'status' ? stopped.status.pid : null;
      if (pid) for (let i = 0; i < 200 && existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
      if (inv.global.json) return inv.out.json({ ok: true, stopped: !!pid });
      inv.out.line(pid ? `stopped (pid ${pid})` : 'not running');
    });

  daemon
    .command('status')
    .description('whether a daemon serves this repository (exit 1 when none does)')
    .action(async () => {
      const { sock } = repository(inv.global.cwd);
      const status = await ping(sock);
      const running = !!status && !status.other;
      if (inv.global.json) inv.out.json({ ok: true, running, socket: sock, ...(status ?? {}) });
      else inv.out.line(running ? `running: pid ${status!.pid} since ${status!.since}, ${status!.served} commands served, socket ${sock}` : status?.other ? `a daemon of another cee build holds ${sock}; it leaves when this build's next command reaches it` : 'not running');
      if (!running) inv.exitWith(1);
    });

  daemon
    .command('run')
    .description('serve in the foreground (what start runs; for a service manager)')
    .option('--idle-minutes <n>', 'exit after this long without a command (default 30)')
    .action(async (o: { idleMinutes?: string }) => {
      const { commonDir } = repository(inv.global.cwd);
      const logLine = (line: string) => {
        if (!inv.global.json) process.stderr.write(`${line}\n`);
      };
      const handle = await startDaemon({ commonDir, distDir: distDir(), idleMs: idleMs(o.idleMinutes), run, log: logLine }).catch(
        (e: Error) => {
          throw new InputError('DAEMON_UNAVAILABLE', e.message);
        },
      );
      const stop = () => void handle.close();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      await handle.closed;
    });
}
