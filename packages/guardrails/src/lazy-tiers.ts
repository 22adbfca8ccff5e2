import type { TierClassifier } from '@cgce/core';

/**
 * A TierClassifier that loads the real one (TypeScript compiler API, lezer parsers) on first use, so commands
 * that never classify a change (checkpoint, restore, status) start fast.
 */
export function createLazyTierClassifier(options?: { maxFileBytes?: number }): TierClassifier {
  let real: Promise<TierClassifier> | null = null;
  return {
    async classify(change, contents, config) {
      real ??= import('./tiers/index.js').then((m) => m.createTierClassifier(options));
      return (await real).classify(change, contents, config);
    },
  };
}
