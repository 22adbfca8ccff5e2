export * from './secrets/index.js';
export * from './paths/index.js';
export * from './policy/index.js';
// The tier classifier loads the TypeScript compiler and two parsers: import it lazily (see lazy-tiers.ts),
// or directly from `@cgce/guardrails/tiers`.
export { createLazyTierClassifier } from './lazy-tiers.js';
