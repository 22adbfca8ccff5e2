import { defineConfig } from 'vitest/config';

/** One vitest config for every package: source-first resolution, real processes, generous timeouts for git. */
export function sharedVitestConfig(options: { setupFiles?: string[]; testTimeout?: number } = {}) {
  return defineConfig({
    resolve: { conditions: ['@cgce/source'] },
    ssr: { resolve: { conditions: ['@cgce/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: 30_000,
      pool: 'forks',
      setupFiles: options.setupFiles ?? [],
      reporters: process.env.CI ? ['default'] : ['default'],
      allowOnly: false,
    },
  });
}
