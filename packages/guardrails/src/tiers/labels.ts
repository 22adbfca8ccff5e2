import { type GuardrailsConfig, SEED_GUARDRAILS, type Tier, type TierResult } from '@cgce/core';
import { globMatcher } from './paths.js';

/** The labels `approvalTiers` understands; any other entry is a glob of paths. */
export const TIER_LABELS = {
  addComments: 'add comments',
  formatCode: 'format code',
  addTest: 'add test',
  refactor: 'refactor',
  deleteFiles: 'delete files',
  changeApi: 'change API',
  /** Not in the seed: lets users give renames their own tier (unlisted, a rename counts as a refactor). */
  renameFiles: 'rename files',
  /** Not in the seed: a renamed module's exports move to a new import path (unlisted: not reported). */
  moveApi: 'move API',
} as const;

export type TierLabel = (typeof TIER_LABELS)[keyof typeof TIER_LABELS];

export const TIERS: readonly Tier[] = ['low', 'medium', 'high'];

export function tierRank(t: Tier): number {
  return TIERS.indexOf(t);
}

export function maxTier(a: Tier, b: Tier): Tier {
  return tierRank(a) >= tierRank(b) ? a : b;
}

/** The seed's tiers, used when the config has no `approvalTiers`. */
/** The seed's tiers (what `cee init` writes), used when a config names none. */
export const DEFAULT_APPROVAL_TIERS: Record<Tier, readonly string[]> = SEED_GUARDRAILS.approvalTiers;

function normLabel(s: string): string {
  return s.trim().replace(/\s+/g, ' ').toLowerCase();
}

const KNOWN = new Map<string, TierLabel>(Object.values(TIER_LABELS).map((l) => [normLabel(l), l]));

/** A known label (case and spacing insensitive), or undefined for an entry that is a glob. */
export function asLabel(entry: string): TierLabel | undefined {
  return KNOWN.get(normLabel(entry));
}

export interface ResolvedTiers {
  /** Each enabled detector's tier (the highest tier that lists its label). */
  labels: Map<TierLabel, Tier>;
  globs: Array<{ pattern: string; tier: Tier; match: (path: string) => boolean }>;
}

export function resolveTiers(config: Pick<GuardrailsConfig, 'approvalTiers'> | undefined): ResolvedTiers {
  const source: Partial<Record<Tier, readonly string[] | undefined>> = config?.approvalTiers ?? DEFAULT_APPROVAL_TIERS;
  const labels = new Map<TierLabel, Tier>();
  const globs: ResolvedTiers['globs'] = [];
  for (const tier of TIERS) {
    for (const entry of source[tier] ?? []) {
      if (typeof entry !== 'string' || entry.trim() === '') continue;
      const label = asLabel(entry);
      if (label !== undefined) labels.set(label, maxTier(labels.get(label) ?? 'low', tier));
      else globs.push({ pattern: entry, tier, match: globMatcher(entry) });
    }
  }
  return { labels, globs };
}

/** A step may declare a higher tier than the analysis found, never a lower one. */
export function withDeclaredTier(result: TierResult, declared: Tier | undefined): TierResult {
  if (declared === undefined || tierRank(declared) <= tierRank(result.tier)) return result;
  return { tier: declared, reasons: [...result.reasons, `declared:${declared}`] };
}
