/**
 * The extension seam: the plugin-author API (definePlugin, hook names and contexts), the lifecycle table,
 * the loader (manifest entries → LoadedPlugin) and the hook bus. The one entry point of `hooks/`.
 */
export * from './api.js';
export { createHookBus, collectFindings, collectPlanContext, DEFAULT_HOOK_TIMEOUT_MS } from './bus.js';
export type { HookBus, HookBusOptions, HookOutcome } from './bus.js';
export { PluginError, isPluginError } from './errors.js';
export type { PluginErrorCode } from './errors.js';
export { FindingSchema, HOOK_BY_EXPORT_NAME, LIFECYCLE, PrePlanResultSchema, PreValidationResultSchema, exportNameOf } from './lifecycle.js';
export type { HookSpec } from './lifecycle.js';
export { defaultImporter, loadExtensions } from './loader.js';
export type { LoadedHookFn, LoadedPlugin, LoadExtensionsOptions, LoadExtensionsResult, LoadWarning, PluginSource } from './loader.js';
export {
  BUILTIN_EXTENSIONS,
  EXTENSION_FILE_TYPES,
  classifyExtensionName,
  detectPackageManager,
  installCommand,
  isValidPackageName,
} from './resolve.js';
export type { ExtensionRequest, PackageManager } from './resolve.js';
export { satisfiesRange } from './semver.js';
