/**
 * Approval tiers: what kind of change a step made (comment-only, format-only, test-only, refactor, deletion,
 * API change) and which tier of `approvalTiers` that puts it in. See README.md.
 */
export { createTierClassifier, type TierClassifierOptions } from './classifier.js';
export { classifySnapshots } from './harness.js';
export { maxTier, type ResolvedTiers, resolveTiers, TIER_LABELS, type TierLabel, withDeclaredTier } from './labels.js';
export { changeSetBetween, memoryContents } from './memory.js';
