import { createHookBus, loadExtensions, type Engine, type HookRunner } from '@cgce/core';

/**
 * Load the enabled extensions for a lifecycle command and give the engine a hook runner over them. With no
 * extension configured nothing is imported.
 */
export async function hookRunnerFor(engine: Engine): Promise<HookRunner> {
  if (engine.config.extensions.length === 0) return { run: async () => [] };
  const logger = {
    info: (m: string) => engine.reporter.progress(m),
    warn: (m: string) => engine.reporter.warn(m),
    error: (m: string) => engine.reporter.warn(m),
  };
  const { plugins, warnings } = await loadExtensions(engine.config.extensions, {
    repoRoot: engine.repo.root,
    manifestFile: engine.loaded.sources.extensions ?? `${engine.loaded.stateDir}/tools/extension_manifest.json`,
    logger,
  });
  for (const w of warnings) engine.reporter.warn(typeof w === 'string' ? w : (w as { message: string }).message);
  const bus = createHookBus(plugins, { logger });
  return { run: (hook, ctx, key) => bus.run(hook as never, ctx as never, key) as never };
}
