import { CeeError, type CeeErrorOptions } from '../errors/index.js';

export type PluginErrorCode = 'PLUGIN_HOOK_FAILED' | 'PLUGIN_HOOK_TIMEOUT' | 'PLUGIN_HOOK_INVALID_RESULT';

/**
 * Exit 1: an extension's hook threw, ran past its time limit, or returned something invalid. Always tagged
 * with the extension (`plugin`) and the `hook`, so the failure record names who decided.
 */
export class PluginError extends CeeError {
  declare readonly plugin: string;
  declare readonly hook: string;
  constructor(code: PluginErrorCode, message: string, options: CeeErrorOptions & { plugin: string; hook: string }) {
    super(code, 1, message, options);
  }
}

export function isPluginError(e: unknown): e is PluginError {
  return e instanceof PluginError;
}
