import { closeSync, type FSWatcher, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync, unlinkSync, watch, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { ChangeTracker, ChangeWindow, WorktreeDirs } from './changes.js';

/**
 * A ChangeTracker for a long-lived process on Linux: one `fs.watch` (inotify) per folder of each CEE worktree
 * it is asked about. Node's watchers of one process share one inotify descriptor, whose events arrive in the
 * order they happened; a "cookie" file written into the worktree's git folder (also watched, never part of the
 * worktree) and seen coming back therefore proves that every earlier change was delivered (the way watchman
 * syncs). Trust is withdrawn, and the next snapshot scans everything, when:
 * - more events arrived than a quarter of the kernel's queue (`max_queued_events`): libuv drops the queue's
 *   overflow notice silently, but a queue can only overflow after that many events were queued, all of which
 *   are then read and counted;
 * - the index was written by anything but the adapter's own git commands (its identity is checked around
 *   each of them and at every take), or an ignore/config file outside the worktree changed, or the top-level
 *   `.gitignore` changed (a `.gitignore` deeper down marks its folder);
 * - a watcher failed, a name is not UTF-8, or the worktree has more folders than the watch budget.
 * Not seen by inotify and so not supported in a watched worktree: writes through a shared memory map and
 * changes made on another machine (network file systems).
 */
export interface WatchTrackerOptions {
  /** Most folders watched per worktree (default: a quarter of the user's inotify watch budget). */
  maxFolders?: number;
  /** More events than this in one window: untrusted (default: a quarter of `max_queued_events`). */
  maxEvents?: number;
  /** How long to wait for the cookie (ms, default 2000); on timeout the window is untrusted. */
  syncTimeoutMs?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function procNumber(file: string, fallback: number): number {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : fallback;
  } catch {
    return fallback;
  }
}

/** The identity of a file's current version (a rename-into-place gives a new inode), or `-` when absent. */
function fileId(path: string): string {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.mtimeNs}:${st.size}`;
  } catch {
    return '-';
  }
}

/**
 * An index file's identity: its stat identity plus the checksum git writes at its end (a hash of the whole
 * content; all zeros with `index.skipHash`), so that a new index that happens to reuse the inode, the size and
 * the coarse mtime of an old one is still told apart.
 */
function indexId(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const st = fstatSync(fd, { bigint: true });
    const trailer = Buffer.alloc(32);
    const n = readSync(fd, trailer, 0, 32, Number(st.size) > 32 ? Number(st.size) - 32 : 0);
    return `${st.ino}:${st.mtimeNs}:${st.size}:${trailer.subarray(0, n).toString('hex')}`;
  } catch {
    return '-';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

class Watched {
  readonly watchers = new Map<string, FSWatcher>();
  dirty = new Set<string>();
  /** Folders holding a nested repository (their `.git` is not watched): while there is one, windows are untrusted. */
  readonly nested = new Set<string>();
  events = 0;
  /** The last snapshot (or provisioning) left index and files equal as of the window it took. */
  base = false;
  /** Something happened since the last take that events cannot describe: the next window is untrusted. */
  tainted = false;
  broken: string | null = null;
  indexId = '';
  stamp = '';
  /** The tree of the last snapshot, and the index file it left. */
  settledTree: string | null = null;
  settledIndexId = '';
  active = 0;
  beforeOk = true;
  excludesFile: string | null = null;
  ids = '';
  cookie: FSWatcher | null = null;
  readonly waiting = new Map<string, () => void>();
  cookies = 0;

  constructor(
    readonly dirs: WorktreeDirs,
    private readonly maxFolders: number,
  ) {}

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.cookie?.close();
    this.cookie = null;
  }

  fail(why: string): void {
    this.broken ??= why;
    this.tainted = true;
  }

  indexIdNow(): string {
    return indexId(join(this.dirs.gitDir, 'index'));
  }

  /** The files outside the worktree that decide what is ignored or how git reads files. */
  stampNow(): string {
    const env = process.env;
    const home = env.HOME ?? os.homedir();
    const xdg = env.XDG_CONFIG_HOME || join(home, '.config');
    const files = [
      join(this.dirs.commonDir, 'config'),
      join(this.dirs.commonDir, 'info', 'exclude'),
      join(this.dirs.gitDir, 'config.worktree'),
      env.GIT_CONFIG_GLOBAL ?? join(home, '.gitconfig'),
      join(xdg, 'git', 'config'),
      join(xdg, 'git', 'ignore'),
      env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig',
    ];
    if (this.excludesFile) files.push(this.excludesFile);
    return files.map(fileId).join('|');
  }

  /** Watch `rel` (a folder, '' = the top) and everything under it; the folder is watched before it is read. */
  walk(rel: string): void {
    const stack = [rel];
    while (stack.length > 0 && !this.broken) {
      const dir = stack.pop()!;
      if (this.watchers.size >= this.maxFolders) {
        this.fail(`more than ${this.maxFolders} folders to watch`);
        return;
      }
      const abs = dir ? join(this.dirs.top, dir) : this.dirs.top;
      let watcher: FSWatcher;
      try {
        watcher = watch(abs, { persistent: false, encoding: 'buffer' }, (type, name) => this.onEvent(dir, type, name));
      } catch (e) {
        // Gone meanwhile: its parent's event marks it. Anything else (no watches left): stop trusting.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') this.fail(`cannot watch ${abs}: ${(e as Error).message}`);
        continue;
      }
      watcher.on('error', (e) => this.fail(`watching ${abs}: ${e.message}`));
      this.watchers.set(dir, watcher);
      let entries: Array<{ name: Buffer; isDirectory(): boolean }>;
      try {
        entries = readdirSync(abs, { withFileTypes: true, encoding: 'buffer' });
      } catch {
        continue;
      }
      for (const ent of entries) {
        let name: string;
        try {
          name = utf8.decode(ent.name);
        } catch {
          this.fail(`a name in ${abs} is not UTF-8`);
          return;
        }
        if (name === '.git') {
          if (dir !== '') this.nested.add(dir);
          continue;
        }
        if (ent.isDirectory()) stack.push(dir ? `${dir}/${name}` : name);
      }
    }
  }

  /** Stop watching `rel` and every folder under it (it was removed or moved away). */
  unwatch(rel: string): void {
    if (!this.watchers.has(rel)) return;
    const prefix = `${rel}/`;
    for (const [key, w] of this.watchers) {
      if (key === rel || key.startsWith(prefix)) {
        w.close();
        this.watchers.delete(key);
      }
    }
    for (const n of this.nested) if (n === rel || n.startsWith(prefix)) this.nested.delete(n);
  }

  onEvent(dir: string, type: string, raw: Buffer | null): void {
    this.events++;
    if (raw === null) {
      // An event without a name: the whole folder may have changed.
      if (dir === '') this.tainted = true;
      else this.dirty.add(dir);
      return;
    }
    let name: string;
    try {
      name = utf8.decode(raw);
    } catch {
      this.fail(`a name in ${dir || '.'} is not UTF-8`);
      return;
    }
    if (name === '.git') {
      // The worktree's own `.git` file, or a nested repository appearing or going.
      if (dir !== '') {
        this.nested.add(dir);
        this.dirty.add(dir);
      }
      return;
    }
    const rel = dir ? `${dir}/${name}` : name;
    this.dirty.add(rel);
    if (name === '.gitignore') {
      // Ignore rules decide about files that did not change: the folder they rule over is scanned whole.
      if (dir === '') this.tainted = true;
      else this.dirty.add(dir);
    }
    if (type === 'rename') {
      // Created, removed or moved: watch the folder now there (its own path is in `dirty`, so git looks at
      // everything in it, including what was written before its watch started).
      this.unwatch(rel);
      let isDir = false;
      try {
        isDir = lstatSync(join(this.dirs.top, rel)).isDirectory();
      } catch {
        // removed
      }
      if (isDir) this.walk(rel);
    }
  }

  /** The worktree's and its git folder's identity: a worktree removed and added again at the same path is new. */
  folderIds(): string {
    const ino = (p: string) => {
      try {
        const st = statSync(p, { bigint: true });
        // A folder made again often gets the freed inode number back; its birth time (ns) tells them apart.
        return `${st.dev}:${st.ino}:${st.birthtimeNs}`;
      } catch {
        return '-';
      }
    };
    return `${ino(this.dirs.top)}|${ino(this.dirs.gitDir)}`;
  }

  start(excludesFile: string | null): void {
    this.excludesFile = excludesFile;
    this.ids = this.folderIds();
    try {
      this.cookie = watch(this.dirs.gitDir, { persistent: false }, (_type, name) => {
        if (name) this.waiting.get(name)?.();
      });
      this.cookie.on('error', (e) => this.fail(`watching ${this.dirs.gitDir}: ${e.message}`));
    } catch (e) {
      this.fail(`cannot watch ${this.dirs.gitDir}: ${(e as Error).message}`);
      return;
    }
    this.walk('');
    this.indexId = this.indexIdNow();
    this.stamp = this.stampNow();
  }

  /** Resolves true once every change made before the call has been delivered (false on timeout). */
  sync(timeoutMs: number): Promise<boolean> {
    if (!this.cookie) return Promise.resolve(false);
    const name = `cee-watch-sync.${process.pid}.${++this.cookies}`;
    const file = join(this.dirs.gitDir, name);
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(name);
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiting.set(name, () => done(true));
      try {
        writeFileSync(file, '');
      } catch {
        done(false);
      }
    });
  }
}

export function createWatchTracker(options: WatchTrackerOptions = {}): ChangeTracker {
  const maxFolders = options.maxFolders ?? Math.floor(procNumber('/proc/sys/fs/inotify/max_user_watches', 8192) / 4);
  const maxEvents = options.maxEvents ?? Math.floor(procNumber('/proc/sys/fs/inotify/max_queued_events', 16384) / 4);
  const syncTimeoutMs = options.syncTimeoutMs ?? 2000;
  const supported = process.platform === 'linux';
  const watched = new Map<string, Watched>();
  const untrusted: ChangeWindow = { paths: [], trusted: false };

  return {
    async take(dirs) {
      if (!supported) return untrusted;
      let w = watched.get(dirs.top);
      // Not watched yet, broken, or the worktree was removed and made again at the same path (the watches
      // follow the old folders' inodes): start over, and this window is a full scan.
      if (!w || w.broken || w.dirs.gitDir !== dirs.gitDir || w.ids !== w.folderIds()) {
        w?.close();
        watched.delete(dirs.top);
        // Asked before the worktree counts as watched: that git command is not one of "our" index writes.
        const excludes = dirs.excludesFile ? await dirs.excludesFile() : null;
        w = new Watched(dirs, maxFolders);
        watched.set(dirs.top, w);
        w.start(excludes);
        return untrusted;
      }
      const synced = await w.sync(syncTimeoutMs);
      if (!synced) w.fail('no event for the sync cookie'); // the next take starts over rather than wait again
      const stamp = w.stampNow();
      const indexNow = w.indexIdNow();
      // A nested repository (rare in a run worktree) changes git's view through its own .git, which is not
      // watched, and git's pathspec handling of it has quirks: while one is there, every window is a full scan.
      const trusted =
        synced && w.base && !w.tainted && !w.broken && w.nested.size === 0 && w.events <= maxEvents && indexNow === w.indexId && stamp === w.stamp;
      const paths = [...w.dirty];
      // A fresh window: what happens from here on is judged on its own (settle does not clear it).
      w.dirty = new Set();
      w.events = 0;
      w.tainted = false;
      // Ignore/config files and the index as they were when the window opened (an untrusted window is a full
      // scan, which takes them as they are): a change from here on shows next time.
      w.stamp = stamp;
      w.indexId = indexNow;
      const tree = trusted && paths.length === 0 && w.settledTree && indexNow === w.settledIndexId ? w.settledTree : undefined;
      return { paths, trusted, ...(tree ? { tree } : {}) };
    },
    settle(top, tree) {
      const w = watched.get(top);
      if (!w) return;
      w.base = true;
      w.indexId = w.indexIdNow();
      w.settledTree = tree;
      w.settledIndexId = w.indexId;
    },
    putBack(top, window) {
      const w = watched.get(top);
      if (!w) return;
      for (const p of window.paths) w.dirty.add(p);
      if (!window.trusted) w.tainted = true;
    },
    beforeGit(cwd) {
      const w = watched.get(cwd);
      if (w && w.active++ === 0) w.beforeOk = w.indexIdNow() === w.indexId;
    },
    afterGit(cwd) {
      const w = watched.get(cwd);
      if (!w || w.active === 0 || --w.active > 0) return;
      if (w.beforeOk) w.indexId = w.indexIdNow();
      else w.tainted = true;
    },
    close() {
      for (const w of watched.values()) w.close();
      watched.clear();
    },
  };
}
