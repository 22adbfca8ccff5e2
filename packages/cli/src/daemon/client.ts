// The client half of `cee daemon`: hand a command to the repository's daemon when one runs, before the CLI
// bundle is loaded. Any doubt (no daemon, another build, a terminal, stdin needed) means null: run in-process.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildId, commandOf, commonGitDir, type Frame, PROTOCOL, type Request, socketPath } from './protocol.js';

/** Commands never handed over: the daemon's own, the demo (its own repository), and help. */
const LOCAL = new Set(['daemon', 'demo', 'help']);
/** These name another repository, index or work tree than the folder says: run in-process. */
const GIT_LOCATION_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_INDEX_FILE'];

/** The folder named by `--cwd` (either form), else the process's own. */
function cwdOf(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--cwd' && i + 1 < args.length) return path.resolve(args[i + 1]!);
    if (a.startsWith('--cwd=')) return path.resolve(a.slice(6));
  }
  return process.cwd();
}

/** Whether this invocation may go to a daemon at all (without touching the file system). */
export function daemonEligible(args: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.CEE_DAEMON === 'off') return false;
  // Interactive use (colours, aligned tables, prompts) stays in-process; agents and scripts use pipes.
  if (process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY) return false;
  if (args.includes('-')) return false; // reads stdin
  if (GIT_LOCATION_ENV.some((k) => env[k] !== undefined)) return false;
  const command = commandOf(args);
  return command !== undefined && !LOCAL.has(command);
}

/**
 * Run `args` in the daemon: resolves to the exit code, or null when no daemon took the command (nothing ran).
 * A daemon that dies after accepting the command gives exit 1 and a message: the command may have run in
 * part, and the next `cee` command finishes or rolls back what it left (as after a crash).
 */
export async function runInDaemon(args: string[], distDir: string): Promise<number | null> {
  const common = commonGitDir(cwdOf(args));
  const sock = common ? socketPath(common) : null;
  if (!sock || !existsSync(sock)) return null;
  // Only when a daemon may be there: no socket module in a plain in-process start.
  const { default: net } = await import('node:net');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const request: Request = { v: PROTOCOL, build: buildId(distDir), op: 'run', argv: args, cwd: process.cwd(), env };
  return new Promise((resolve) => {
    let accepted = false;
    let done = false;
    let buffered = '';
    const finish = (code: number | null) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(code);
    };
    const socket = net.createConnection(sock, () => socket.write(`${JSON.stringify(request)}\n`));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0 && !done) {
        let frame: Frame;
        try {
          frame = JSON.parse(buffered.slice(0, nl)) as Frame;
        } catch {
          // Not our protocol: nothing ran yet → in-process; mid-command → as if the daemon stopped.
          socket.destroy();
          return;
        }
        buffered = buffered.slice(nl + 1);
        if (frame.t === 'accepted') accepted = true;
        else if (frame.t === 'out') process.stdout.write(Buffer.from(frame.d, 'base64'));
        else if (frame.t === 'err') process.stderr.write(Buffer.from(frame.d, 'base64'));
        else if (frame.t === 'exit') finish(frame.code);
        else if (frame.t === 'refused') finish(null);
        nl = buffered.indexOf('\n');
      }
    });
    socket.on('error', () => {
      if (!accepted) finish(null);
    });
    socket.on('close', () => {
      if (done) return;
      if (!accepted) return finish(null);
      process.stderr.write(`error: the cee daemon (${sock}) stopped while running the command; the next cee command finishes or rolls back what it left (cee doctor reports it)\n`);
      finish(1);
    });
  });
}
