// The daemon half of `cee daemon`: one long-lived process per repository that runs the commands `cee` clients
// hand it (see client.ts) exactly as `cee` would, one at a time (a client arriving meanwhile runs in-process),
// and watches CEE's worktrees so a checkpoint looks only at what changed. It holds no lock and no state between commands beyond the watcher:
// every command opens the engine, takes the repository lock and writes state as it would on its own.
import { chmodSync, existsSync, mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type ChangeTracker, createWatchTracker } from '@cgce/git-adapter';
import { TIMINGS_KEY } from '@cgce/core';
import { z } from 'zod';
import { buildId, commandOf, type Frame, PROTOCOL, socketPath } from './protocol.js';

const RequestSchema = z.object({
  v: z.literal(PROTOCOL),
  build: z.string(),
  op: z.enum(['run', 'ping', 'stop']),
  argv: z.array(z.string()).max(10_000).optional(),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
});

/** A request line larger than this is refused (an env plus argv is a few KiB). */
const MAX_REQUEST_BYTES = 4 << 20;

export interface DaemonOptions {
  /** The repository's common git folder. */
  commonDir: string;
  /** dist/ of the running CLI (its build id is what clients must match). */
  distDir: string;
  /** Exit after this long without a request (ms). */
  idleMs: number;
  /** How often to check that the repository and the socket are still there (ms, default 5000). */
  checkMs?: number;
  /** Runs one command in-process (main() with the tracker); resolves to its exit code. */
  run: (argv: string[], tracker: ChangeTracker) => Promise<number>;
  log?: (line: string) => void;
}

export interface DaemonHandle {
  socket: string;
  closed: Promise<void>;
  close(): Promise<void>;
}

/** Replace the process's environment in place (code reads process.env at call time). */
function swapEnv(next: Record<string, string>): Record<string, string | undefined> {
  const before = { ...process.env };
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, next);
  return before;
}

/** Start serving; resolves once the socket listens. Refuses (rejects) when a live daemon already serves the repository. */
export async function startDaemon(options: DaemonOptions): Promise<DaemonHandle> {
  const sock = socketPath(options.commonDir, true);
  if (!sock) throw new Error(`no private place for the daemon's socket of ${options.commonDir}`);
  mkdirSync(path.dirname(sock), { recursive: true, mode: 0o700 });
  if (existsSync(sock)) {
    if (await answers(sock)) throw new Error(`a cee daemon already serves ${options.commonDir} (${sock})`);
    unlinkSync(sock); // left by a daemon that was killed
  }
  const build = buildId(options.distDir);
  const tracker = createWatchTracker();
  const log = options.log ?? (() => undefined);
  const started = new Date().toISOString();
  let served = 0;
  /** The command being served (at most one: see `running`), awaited by stop(). */
  let current: Promise<void> = Promise.resolve();
  let idle: NodeJS.Timeout | undefined;
  let stopping = false;
  let running = false;
  let ownIno = -1;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });

  const server = net.createServer((conn) => {
    let buffered = Buffer.alloc(0);
    const send = (f: Frame) => {
      if (!conn.destroyed) conn.write(`${JSON.stringify(f)}\n`);
    };
    /** One last frame, then the connection ends (refusals, status answers). */
    const answer = (f: Frame) => {
      send(f);
      conn.end();
    };
    conn.on('error', () => undefined); // a client that went away: the command still finishes
    conn.on('data', (chunk: Buffer) => {
      if (buffered === null) return;
      buffered = Buffer.concat([buffered, chunk]);
      const nl = buffered.indexOf(10);
      if (nl < 0) {
        if (buffered.length > MAX_REQUEST_BYTES) conn.destroy();
        return;
      }
      const line = buffered.subarray(0, nl).toString('utf8');
      buffered = null as never;
      let parsed: z.infer<typeof RequestSchema>;
      try {
        parsed = RequestSchema.parse(JSON.parse(line));
      } catch (e) {
        answer({ t: 'refused', why: `bad request: ${(e as Error).message.slice(0, 200)}` });
        return;
      }
      if (parsed.op === 'stop') {
        // Any build may stop it: `cee daemon stop` after an upgrade must reach the old daemon too.
        answer({ t: 'status', status: { pid: process.pid, stopping: true } });
        void stop('asked to stop');
        return;
      }
      if (parsed.build !== build) {
        // Another installation of cee is asking: it runs in-process, and this (now outdated) daemon leaves.
        answer({ t: 'refused', why: 'another build of cee' });
        if (parsed.op === 'run') void stop(`a client of another build (${parsed.build}) asked`);
        return;
      }
      if (parsed.op === 'ping') {
        answer({ t: 'status', status: { pid: process.pid, since: started, served, socket: sock, state: stopping ? 'stopping' : 'ready' } });
        return;
      }
      if (stopping || !parsed.argv || !parsed.cwd || !parsed.env) {
        answer({ t: 'refused', why: stopping ? 'stopping' : 'incomplete request' });
        return;
      }
      if (commandOf(parsed.argv) === 'daemon') {
        answer({ t: 'refused', why: 'cee daemon commands run in their own process' });
        return;
      }
      if (running) {
        // Busy: the client runs the command itself, exactly as a second `cee` would next to a first one
        // (a command that needs the repository lock then gets exit 5; one that does not, runs).
        answer({ t: 'refused', why: 'busy' });
        return;
      }
      running = true;
      const { argv, cwd, env } = parsed;
      current = current
        .then(() => serve(argv, cwd, env, send))
        .finally(() => {
          running = false;
          conn.end();
        });
    });
  });

  /** One command: the client's folder and environment, its output sent back as it is written. */
  async function serve(argv: string[], cwd: string, env: Record<string, string>, send: (f: Frame) => void): Promise<void> {
    if (idle) clearTimeout(idle);
    served++;
    const ownCwd = process.cwd();
    const ownEnv = swapEnv(env);
    const out = process.stdout.write;
    const err = process.stderr.write;
    const forward = (t: 'out' | 'err') =>
      ((chunk: string | Uint8Array, enc?: BufferEncoding | ((e?: Error | null) => void), cb?: (e?: Error | null) => void) => {
        const data = typeof chunk === 'string' ? Buffer.from(chunk, typeof enc === 'string' ? enc : 'utf8') : Buffer.from(chunk);
        send({ t, d: data.toString('base64') });
        (typeof enc === 'function' ? enc : cb)?.();
        return true;
      }) as typeof process.stdout.write;
    // Timings (CEE_TIMINGS=1) are per command, as in a process of its own.
    (globalThis as Record<symbol, unknown>)[TIMINGS_KEY] = { enabled: env.CEE_TIMINGS === '1', entries: [] };
    const t0 = performance.now();
    let code = 1;
    try {
      process.chdir(cwd);
      send({ t: 'accepted' });
      process.stdout.write = forward('out');
      process.stderr.write = forward('err');
      code = await options.run(argv, tracker);
    } catch (e) {
      send({ t: 'err', d: Buffer.from(`error: ${(e as Error).message}\n`).toString('base64') });
      code = 1;
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      swapEnv(ownEnv as Record<string, string>);
      try {
        process.chdir(ownCwd);
      } catch {
        // our own folder is gone: the next command chdirs anyway
      }
    }
    if (env.CEE_TIMINGS === '1') {
      const store = (globalThis as Record<symbol, { entries: unknown[] } | undefined>)[TIMINGS_KEY];
      const line = { cee_timings: { command: argv.find((a) => !a.startsWith('-')) ?? null, exit: code, daemon: true, load_ms: 0, total_ms: Math.round((performance.now() - t0) * 100) / 100, phases: store?.entries ?? [] } };
      send({ t: 'err', d: Buffer.from(`${JSON.stringify(line)}\n`).toString('base64') });
    }
    send({ t: 'exit', code });
    log(`${new Date().toISOString()} exit ${code} in ${Math.round(performance.now() - t0)} ms: cee ${argv.join(' ')}`);
    armIdle();
  }

  function armIdle() {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => void stop(`idle for ${Math.round(options.idleMs / 1000)} s`), options.idleMs);
  }

  async function stop(why: string): Promise<void> {
    if (stopping) return closed;
    stopping = true;
    log(`${new Date().toISOString()} stopping: ${why}`);
    if (idle) clearTimeout(idle);
    server.close();
    await current; // the command running now finishes first
    tracker.close();
    try {
      // Only our own socket: a daemon started after this one replaced it may be listening there now.
      if (statSync(sock!).ino === ownIno) unlinkSync(sock!);
    } catch {
      // already gone
    }
    resolveClosed();
    return closed;
  }

  const previousUmask = process.umask(0o077);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(sock, () => resolve());
    });
  } finally {
    process.umask(previousUmask);
  }
  chmodSync(sock, 0o600);
  writeFileSync(path.join(options.commonDir, 'cee', 'daemon.pid'), `${process.pid}\n`);
  armIdle();
  // A repository deleted or moved, or a socket removed or replaced (another daemon took over): leave.
  ownIno = statSync(sock).ino;
  const health = setInterval(() => {
    let why: string | null = null;
    if (!existsSync(path.join(options.commonDir, 'HEAD'))) why = `the repository ${options.commonDir} is gone`;
    else if ((statSync(sock, { throwIfNoEntry: false })?.ino ?? -1) !== ownIno) why = `the socket ${sock} was removed or replaced`;
    if (why) {
      clearInterval(health);
      void stop(why);
    }
  }, options.checkMs ?? 5000);
  health.unref();
  void closed.then(() => clearInterval(health));
  log(`${started} serving ${options.commonDir} on ${sock} (pid ${process.pid})`);
  return { socket: sock, closed, close: () => stop('closed') };
}

/** Send one request and return the first frame (null: nobody answers). */
export function ask(sock: string, request: Record<string, unknown>, timeoutMs = 2000): Promise<Frame | null> {
  return new Promise((resolve) => {
    let buffered = '';
    const conn = net.createConnection(sock, () => conn.write(`${JSON.stringify(request)}\n`));
    const timer = setTimeout(() => {
      conn.destroy();
      resolve(null);
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('data', (c: string) => {
      buffered += c;
      const nl = buffered.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        conn.destroy();
        try {
          resolve(JSON.parse(buffered.slice(0, nl)) as Frame);
        } catch {
          resolve(null);
        }
      }
    });
    conn.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

async function answers(sock: string): Promise<boolean> {
  return (await ask(sock, { v: PROTOCOL, build: '', op: 'ping' }, 1000)) !== null;
}
