import type { Engine, HookRunner } from '@cgce/core';

/**
 * Extensions are loaded by the hook bus in @cgce/core; until an extension is configured, no hook runs.
 */
export async function hookRunnerFor(engine: Engine): Promise<HookRunner> {
  if (engine.config.extensions.length === 0) return { run: async () => [] };
  const core = (await import('@cgce/core')) as Record<string, unknown>;
  const load = core.loadExtensions as undefined | ((entries: unknown, opts: unknown) => Promise<unknown>);
  const createBus = core.createHookBus as undefined | ((plugins: unknown, opts: unknown) => HookRunner);
  if (!load || !createBus) return { run: async () => [] };
  const plugins = await load(engine.config.extensions, {
    repoRoot: engine.repo.root,
    manifestFile: engine.loaded.sources.extensions ?? 'codex_engine/tools/extension_manifest.json',
  });
  return createBus(plugins, {
    logger: { info: (m: string) => engine.reporter.progress(m), warn: (m: string) => engine.reporter.warn(m), error: (m: string) => engine.reporter.warn(m) },
  });
}
