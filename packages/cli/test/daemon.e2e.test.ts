import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildId } from '../src/daemon/protocol.js';
import { BIN, cee, cleanup, copyRepo, GIT_ENV, git, makeRepo, newFileDiff, writePlan } from './harness.js';

/**
 * `cee daemon`: a resident cee per repository. The commands it serves must give what `cee` in-process gives
 * (same exit codes, same output, same checkpoint trees), and any doubt about the daemon (killed, another
 * build) must fall back to running in-process, never lose a command.
 */
const OFF = { CEE_DAEMON: 'off' };
const repos: string[] = [];
afterAll(async () => {
  for (const r of repos.filter((r) => existsSync(r))) {
    await cee(['daemon', 'stop'], { cwd: r });
    cleanup(r);
  }
});

function setup(): string {
  const repo = makeRepo();
  repos.push(repo);
  return repo;
}

/** Running (an exited process nobody reaped yet, state Z, is not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Write one raw line to a daemon's socket; resolves to everything it answered. `onData` sees it arrive. */
function talk(sock: string, line: string, onData?: (soFar: string) => void): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const c = net.createConnection(sock, () => c.write(line));
    c.setEncoding('utf8');
    c.on('data', (d: string) => {
      got += d;
      onData?.(got);
    });
    c.on('close', () => resolve(got));
    c.on('error', () => resolve(got));
  });
}

/** Poll until `done()` or `ms` passed. */
async function waitFor(done: () => boolean, ms: number): Promise<void> {
  for (const until = Date.now() + ms; !done() && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
}

/** The commands the daemon's log says it ran. */
function served(repo: string): string[] {
  const log = path.join(repo, '.git', 'cee', 'daemon.log');
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => / exit \d+ in \d+ ms: cee /.test(l)).map((l) => l.replace(/^.* ms: cee /, '')) : [];
}

/** One step through `cee`: plan, edit, files written in the worktree afterwards (a build's output), checkpoint. */
async function cycle(repo: string, env: Record<string, string> = {}) {
  const plan = writePlan(repo);
  const patch = path.join(path.dirname(repo), 'p1.diff');
  writeFileSync(patch, newFileDiff('src/added.js', 'export const added = 1;\n'));
  expect((await cee(['plan', '--from', plan], { cwd: repo, env })).code).toBe(0);
  const edit = await cee(['edit', '--step', '1', '--patch', patch, '--json'], { cwd: repo, env });
  expect(edit.code).toBe(0);
  const wt = path.join(repo, '.git', 'cee', 'worktrees', 'run');
  appendFileSync(path.join(wt, 'src', 'util.js'), '// built\n');
  mkdirSync(path.join(wt, 'out'), { recursive: true });
  writeFileSync(path.join(wt, 'out', 'report.txt'), 'generated\n');
  const cp = await cee(['checkpoint', 'first', '--json'], { cwd: repo, env });
  expect(cp.code).toBe(0);
  return { tree: git(repo, 'rev-parse', 'codex-cp-1^{tree}').trim(), wt };
}

describe('cee daemon', () => {
  it('serves the cycle with the same results as cee in-process, and reports itself', async () => {
    const repo = setup();
    expect((await cee(['init'], { cwd: repo })).code).toBe(0);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'cee init');
    const twin = copyRepo(repo);
    repos.push(twin);

    const start = await cee(['daemon', 'start', '--json'], { cwd: repo });
    expect(start.code).toBe(0);
    expect(start.json).toMatchObject({ ok: true, started: true });
    expect((await cee(['daemon', 'start', '--json'], { cwd: repo })).json.started).toBe(false);

    const viaDaemon = await cycle(repo);
    const inProcess = await cycle(twin, OFF);
    expect(viaDaemon.tree).toBe(inProcess.tree);
    expect(git(repo, 'ls-tree', '-r', '--name-only', viaDaemon.tree)).toContain('out/report.txt');
    expect(served(repo)).toEqual(expect.arrayContaining([expect.stringMatching(/^plan --from /), expect.stringMatching(/^edit --step 1/), 'checkpoint first --json']));
    expect(served(twin)).toEqual([]);

    // Output, exit codes and the caller's folder and environment go through unchanged.
    const bad = await cee(['edit', '--step', 'x'], { cwd: repo });
    const badHere = await cee(['edit', '--step', 'x'], { cwd: twin, env: OFF });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(badHere.stderr);
    const sub = path.join(repo, 'src');
    const st = await cee(['status', '--json'], { cwd: sub });
    expect(st.code).toBe(0);
    expect(st.json.checkpoint ?? st.json.lastCheckpoint ?? JSON.stringify(st.json)).toContain('codex-cp-1');
    const timed = await cee(['status'], { cwd: repo, env: { CEE_TIMINGS: '1' } });
    expect(timed.stderr).toMatch(/"cee_timings":\{"command":"status","exit":0,"daemon":true/);

    const status = await cee(['daemon', 'status', '--json'], { cwd: repo });
    expect(status.json).toMatchObject({ running: true });
    expect(status.json.served).toBeGreaterThanOrEqual(6);

    // A restore through the daemon, then a second checkpoint: the watcher's view stays exact.
    expect((await cee(['restore', 'codex-cp-1'], { cwd: repo })).code).toBe(0);
    expect((await cee(['restore', 'codex-cp-1'], { cwd: twin, env: OFF })).code).toBe(0);
    expect(git(repo, 'status', '--porcelain').trim()).toBe(git(twin, 'status', '--porcelain').trim());

    const stop = await cee(['daemon', 'stop', '--json'], { cwd: repo });
    expect(stop.json.stopped).toBe(true);
    expect(existsSync(path.join(repo, '.git', 'cee', 'daemon.sock'))).toBe(false);
    expect((await cee(['daemon', 'status'], { cwd: repo })).code).toBe(1);
  }, 60_000);

  it('a killed daemon leaves a socket nobody answers: commands run in-process, start replaces it', async () => {
    const repo = setup();
    const start = await cee(['daemon', 'start', '--json'], { cwd: repo });
    expect(start.code).toBe(0);
    process.kill(start.json.pid, 'SIGKILL');
    await waitFor(() => !alive(start.json.pid), 2000);
    const sock = path.join(repo, '.git', 'cee', 'daemon.sock');
    expect(existsSync(sock)).toBe(true);
    const init = await cee(['init', '--json'], { cwd: repo });
    expect(init.code).toBe(0);
    expect(init.json.ok).toBe(true);
    const again = await cee(['daemon', 'start', '--json'], { cwd: repo });
    expect(again.json.started).toBe(true);
    expect(again.json.pid).not.toBe(start.json.pid);
  }, 30_000);

  it('a daemon killed in the middle of a checkpoint (kill -9 at a fault point): exit 1, then the next cee finishes the job', async () => {
    const repo = setup();
    expect((await cee(['daemon', 'start'], { cwd: repo })).code).toBe(0);
    const plan = writePlan(repo);
    const patch = path.join(path.dirname(repo), 'p.diff');
    writeFileSync(patch, newFileDiff('src/new.js', 'export const n = 1;\n'));
    expect((await cee(['plan', '--from', plan], { cwd: repo })).code).toBe(0);
    expect((await cee(['edit', '--patch', patch], { cwd: repo })).code).toBe(0);
    const crashed = await cee(['checkpoint', 'one'], { cwd: repo, env: { CEE_FAULT: 'checkpoint:after-tag' } });
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toMatch(/cee daemon .* stopped while running the command/);
    // In-process now (nobody answers the socket): doctor takes over the dead daemon's lock and finishes the
    // interrupted checkpoint, as after any crash.
    const doctor = await cee(['doctor', '--json'], { cwd: repo });
    expect(doctor.code, doctor.stderr).toBe(0);
    const state = JSON.parse(readFileSync(path.join(repo, 'codex_engine/state/state.json'), 'utf8'));
    expect(state.pending).toBeNull();
    expect(state.lastCheckpoint).toBe('codex-cp-1');
    expect((await cee(['audit', 'verify'], { cwd: repo })).code).toBe(0);
    expect(git(repo, 'tag', '--list', 'codex-cp-*').trim()).toBe('codex-cp-1');
    expect(git(repo, 'ls-tree', '-r', '--name-only', 'codex-cp-1')).toContain('src/new.js');
    expect(served(repo)).not.toContain('doctor --json');
  }, 60_000);

  it('a client of another build is refused (it runs in-process) and the outdated daemon leaves; bad requests are refused', async () => {
    const repo = setup();
    const start = await cee(['daemon', 'start', '--json'], { cwd: repo });
    const sock = start.json.socket as string;
    expect(await talk(sock, '{"not json\n')).toMatch(/"t":"refused","why":"bad request/);
    expect(await talk(sock, `${JSON.stringify({ v: 1, build: 'x', op: 'ping' })}\n`)).toMatch(/"t":"refused","why":"another build of cee"/);
    expect(existsSync(sock)).toBe(true);
    expect(await talk(sock, `${JSON.stringify({ v: 1, build: 'x', op: 'run', argv: ['init'], cwd: repo, env: {} })}\n`)).toMatch(/"t":"refused","why":"another build of cee"/);
    await waitFor(() => !existsSync(sock) && !alive(start.json.pid), 2000);
    expect(existsSync(sock)).toBe(false);
    expect(alive(start.json.pid)).toBe(false);
  }, 30_000);

  it('a command arriving while the daemon runs another runs in-process, as a second cee process would', async () => {
    const repo = setup();
    const start = await cee(['daemon', 'start', '--json'], { cwd: repo });
    // Keep the daemon busy with `cee demo` (a few seconds), sent straight to its socket.
    const request = { v: 1, build: buildId(path.dirname(BIN)), op: 'run', argv: ['demo', '--json'], cwd: repo, env: { ...process.env, ...GIT_ENV } };
    let accepted!: () => void;
    const isAccepted = new Promise<void>((r) => {
      accepted = r;
    });
    const demo = talk(start.json.socket, `${JSON.stringify(request)}\n`, (got) => {
      if (got.includes('"t":"accepted"')) accepted();
    });
    await isAccepted;
    const st = await cee(['status', '--json'], { cwd: repo });
    expect(st.code).toBe(0);
    expect(await demo).toMatch(/"t":"exit","code":0/);
    expect(served(repo)).toEqual(['demo --json']);
    // The daemon's own commands are never run inside it.
    const refused = await talk(start.json.socket, `${JSON.stringify({ ...request, argv: ['daemon', 'run'] })}\n`);
    expect(refused).toMatch(/"t":"refused","why":"cee daemon commands run in their own process"/);
  }, 60_000);

  it('run.daemon "auto": a command run in its own process starts the daemon that serves the next ones (CEE_DAEMON=off: never)', async () => {
    const repo = setup();
    writeFileSync(path.join(repo, '.ceerc.json'), '{ "run": { "daemon": "auto" } }\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'config');
    const sock = path.join(repo, '.git', 'cee', 'daemon.sock');
    expect((await cee(['status'], { cwd: repo, env: OFF })).code).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(sock)).toBe(false);
    expect((await cee(['status'], { cwd: repo })).code).toBe(0);
    await waitFor(() => existsSync(sock), 5000);
    expect(existsSync(sock)).toBe(true);
    expect((await cee(['status', '--json'], { cwd: repo })).code).toBe(0);
    expect(served(repo)).toEqual(['status --json']);
  }, 30_000);

  it('a daemon whose repository is deleted leaves by itself', async () => {
    const repo = setup();
    const start = await cee(['daemon', 'start', '--json'], { cwd: repo });
    expect(alive(start.json.pid)).toBe(true);
    rmSync(path.dirname(repo), { recursive: true, force: true });
    await waitFor(() => !alive(start.json.pid), 10_000);
    expect(alive(start.json.pid)).toBe(false);
  }, 30_000);

  it('the socket is private to the user; a stop from any build (an upgraded cee) reaches the daemon', async () => {
    const repo = setup();
    const start = await cee(['daemon', 'start', '--json'], { cwd: repo });
    const mode = execFileSync('stat', ['-c', '%a', start.json.socket], { encoding: 'utf8' }).trim();
    expect(mode).toBe('600');
    const answer = await talk(start.json.socket, `${JSON.stringify({ v: 1, build: 'an older cee', op: 'stop' })}\n`);
    expect(answer).toMatch(/"stopping":true/);
    await waitFor(() => !existsSync(start.json.socket), 5000);
    expect(existsSync(start.json.socket)).toBe(false);
  }, 30_000);
});
