import { recordTiming, timingsEnabled } from '@cgce/core';

/**
 * `CEE_TIMINGS=1` support: each port method is recorded as `git.<method>` in the process-wide timing store of
 * `@cgce/core` (engine/timings.ts). Without the variable nothing is wrapped and nothing is recorded.
 */
export function instrument<T extends object>(target: T, prefix: string): T {
  if (!timingsEnabled()) return target;
  const out = { ...target } as Record<string, unknown>;
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function') continue;
    const fn = value as (...args: unknown[]) => unknown;
    out[name] = (...args: unknown[]) => {
      const start = performance.now();
      const result = fn(...args);
      if (result instanceof Promise) return result.finally(() => recordTiming(`${prefix}.${name}`, start));
      recordTiming(`${prefix}.${name}`, start);
      return result;
    };
  }
  return out as T;
}
