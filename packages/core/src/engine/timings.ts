/**
 * Per-phase timings for profiling and the checkpoint bench: with `CEE_TIMINGS=1` the CLI prints them as one
 * JSON line on stderr when a command ends. Off by default; then every call here is a cheap no-op.
 *
 * The store lives on `globalThis` under a registered symbol, so the git adapter and the CLI record into the
 * same list without depending on this module (they use the same symbol).
 */
export interface TimingEntry {
  /** What ran: `checkpoint:snapshot`, `git.provisionWorktree`, `git status`, … */
  phase: string;
  /** When it started, ms since the process started (performance.now()). */
  start: number;
  ms: number;
}

export interface TimingStore {
  enabled: boolean;
  entries: TimingEntry[];
}

export const TIMINGS_KEY: unique symbol = Symbol.for('cee.timings') as never;

/** The process-wide store (created on first use; enabled when `CEE_TIMINGS=1`). */
export function timingStore(): TimingStore {
  const g = globalThis as unknown as Record<symbol, TimingStore | undefined>;
  let store = g[TIMINGS_KEY];
  if (!store) {
    store = { enabled: process.env.CEE_TIMINGS === '1', entries: [] };
    g[TIMINGS_KEY] = store;
  }
  return store;
}

export function timingsEnabled(): boolean {
  return timingStore().enabled;
}

/** Record a phase that started at `start` (performance.now()) and ends now. */
export function recordTiming(phase: string, start: number): void {
  const store = timingStore();
  if (store.enabled) store.entries.push({ phase, start: round(start), ms: round(performance.now() - start) });
}

/** Run `fn` and record how long it took under `phase` (errors are recorded too, then rethrown). */
export async function timed<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  if (!timingStore().enabled) return fn();
  const start = performance.now();
  try {
    return await fn();
  } finally {
    recordTiming(phase, start);
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
