import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LockedError } from '../errors/index.js';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface RepoLock {
  readonly holder: LockHolder;
  /** A lock of a dead holder was taken over: the previous command may have been interrupted. */
  readonly tookOver: LockHolder | null;
  release(): Promise<void>;
}

function isAlive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) {
    // Another machine sharing the folder: trust it for a day, then consider it stale.
    return Date.now() - Date.parse(holder.startedAt) < 24 * 3600 * 1000;
  }
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(holder.pid);
}

/**
 * A process that has exited but was not reaped yet still answers `kill(pid, 0)`. A detached process (the cee
 * daemon) killed with SIGKILL stays that way wherever PID 1 does not reap (some containers): it holds nothing.
 */
function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces and parentheses, the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

async function readHolder(file: string): Promise<LockHolder | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') return parsed as LockHolder;
    return null;
  } catch {
    return null;
  }
}

/**
 * Take the repository lock (a file created with O_EXCL). A lock whose holder is dead (or unreadable: a crash
 * between create and write) is taken over, so a crash never leaves later commands stuck on exit 5.
 */
export async function acquireLock(file: string, command: string): Promise<RepoLock> {
  await mkdir(path.dirname(file), { recursive: true });
  const holder: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command };
  let tookOver: LockHolder | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o644);
      try {
        await fh.writeFile(JSON.stringify(holder));
        await fh.sync();
      } finally {
        await fh.close();
      }
      let released = false;
      return {
        holder,
        tookOver,
        async release() {
          if (released) return;
          released = true;
          const current = await readHolder(file);
          if (current && current.pid === holder.pid && current.startedAt === holder.startedAt) await rm(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const other = await readHolder(file);
    if (other && isAlive(other)) {
      throw new LockedError(
        `Another cee (pid ${other.pid} on ${other.host}, "${other.command}", since ${other.startedAt}) holds this repository's lock (${file}).`,
        { details: { holder: other } },
      );
    }
    // Dead or unreadable holder: move its lock aside atomically (only one taker wins the rename), then retry.
    const aside = `${file}.stale-${process.pid}-${attempt}`;
    try {
      await rename(file, aside);
      await rm(aside, { force: true });
      tookOver = other ?? { pid: 0, host: 'unknown', startedAt: '', command: 'unknown' };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  throw new LockedError(`Could not take this repository's lock (${file}) after several attempts.`);
}
