import { type GuardrailsConfig, GuardrailsSchema, type TierResult } from '@cgce/core';
import { createTierClassifier, type TierClassifierOptions } from './classifier.js';
import { DEFAULT_APPROVAL_TIERS } from './labels.js';
import { changeSetBetween, memoryContents } from './memory.js';

/**
 * Classify the change between two in-memory snapshots: the one-call form of the classifier, for previews
 * (what tier would this edit get?) and tests.
 */
export async function classifySnapshots(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
  options: {
    approvalTiers?: Partial<Record<'low' | 'medium' | 'high', string[]>>;
    renames?: Readonly<Record<string, string>>;
    classifier?: TierClassifierOptions;
  } = {},
): Promise<TierResult> {
  const config = guardrailsWithTiers(options.approvalTiers);
  const change = changeSetBetween(before, after, options.renames ? { renames: options.renames } : {});
  return createTierClassifier(options.classifier).classify(change, memoryContents(before, after), config);
}

/** A complete guardrails config (the seed's values) with the given approval tiers. */
export function guardrailsWithTiers(tiers?: Partial<Record<'low' | 'medium' | 'high', string[]>>): GuardrailsConfig {
  return GuardrailsSchema.parse({
    approvalTiers: {
      low: tiers?.low ?? [...DEFAULT_APPROVAL_TIERS.low],
      medium: tiers?.medium ?? [...DEFAULT_APPROVAL_TIERS.medium],
      high: tiers?.high ?? [...DEFAULT_APPROVAL_TIERS.high],
    },
  });
}
