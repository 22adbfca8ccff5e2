/**
 * `CEE_TIMINGS=1` support: the adapter records each git process (`git <subcommand>`) and each port method
 * (`git.<method>`) into the process-wide timing store that `@cgce/core` (engine/timings.ts) and the CLI share
 * through a registered symbol. Without the variable nothing is wrapped and nothing is recorded.
 */
interface TimingStore {
  enabled: boolean;
  entries: Array<{ phase: string; start: number; ms: number }>;
}

const KEY = Symbol.for('cee.timings');

function store(): TimingStore {
  const g = globalThis as unknown as Record<symbol, TimingStore | undefined>;
  let s = g[KEY];
  if (!s) {
    s = { enabled: process.env.CEE_TIMINGS === '1', entries: [] };
    g[KEY] = s;
  }
  return s;
}

export function timingsOn(): boolean {
  return store().enabled;
}

export function record(phase: string, start: number): void {
  const s = store();
  if (!s.enabled) return;
  const round = (n: number) => Math.round(n * 100) / 100;
  s.entries.push({ phase, start: round(start), ms: round(performance.now() - start) });
}

/** Wrap every async method of `target` so that each call is recorded as `<prefix>.<method>`. */
export function instrument<T extends object>(target: T, prefix: string): T {
  if (!timingsOn()) return target;
  const out = { ...target } as Record<string, unknown>;
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function') continue;
    const fn = value as (...args: unknown[]) => unknown;
    out[name] = (...args: unknown[]) => {
      const start = performance.now();
      const result = fn(...args);
      if (result instanceof Promise) return result.finally(() => record(`${prefix}.${name}`, start));
      record(`${prefix}.${name}`, start);
      return result;
    };
  }
  return out as T;
}
