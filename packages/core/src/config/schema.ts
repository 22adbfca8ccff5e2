import { z } from 'zod';

/**
 * Every setting CEE reads, as zod schemas. The JSON Schema published with this package is generated from
 * these (see scripts/json-schema and the snapshot test), so editors autocomplete config files.
 */

const relGlob = z.string().min(1, 'must not be empty');

export const ApprovalTiersSchema = z
  .object({
    low: z.array(z.string()).default(['add comments', 'format code']),
    medium: z.array(z.string()).default(['refactor', 'add test']),
    high: z.array(z.string()).default(['change API', 'delete files']),
  })
  .describe('Labels of change kinds per tier. Known labels map to detectors; other entries are globs of paths.');

export const ApprovalPolicySchema = z
  .object({
    /** Tiers that stop a step until a person approves it. */
    requireApproval: z.array(z.enum(['low', 'medium', 'high'])).default(['high']),
    /** How many distinct approvers each tier needs. */
    approvers: z
      .object({ low: z.number().int().min(1), medium: z.number().int().min(1), high: z.number().int().min(1) })
      .partial()
      .default({}),
  })
  .default({ requireApproval: ['high'], approvers: {} });

export const GuardrailsSchema = z
  .object({
    denyPaths: z.array(relGlob).default(['infra/', '.github/', 'migrations/', 'secrets/']),
    allowExtensions: z
      .array(z.string().regex(/^\.[^/\\]+$/, 'must start with a dot and contain no slash'))
      .default(['.js', '.py', '.ts', '.java', '.md', '.json']),
    maxFilesPerStep: z.number().int().positive().default(12),
    maxTotalAddedLoc: z.number().int().positive().default(400),
    requirePlan: z.boolean().default(true),
    approvalTiers: ApprovalTiersSchema.default({
      low: ['add comments', 'format code'],
      medium: ['refactor', 'add test'],
      high: ['change API', 'delete files'],
    }),
    approval: ApprovalPolicySchema,
    /** Largest untracked file a checkpoint accepts, in bytes. Larger ones are refused, never dropped. */
    maxUntrackedFileBytes: z.number().int().positive().default(5 * 1024 * 1024),
    secrets: z
      .object({
        engine: z.enum(['builtin', 'gitleaks']).default('builtin'),
        /** Extra gitleaks-format TOML rule files, repository-relative. */
        configFiles: z.array(z.string()).default([]),
        /** Repository-relative globs the scanner skips (for test fixtures with fake keys). */
        allowPaths: z.array(z.string()).default([]),
      })
      .default({ engine: 'builtin', configFiles: [], allowPaths: [] }),
  })
  .strict();

export const ContextLimitsSchema = z
  .object({
    planning: z.number().int().positive().default(50000),
    editing: z.number().int().positive().default(30000),
    validation: z.number().int().positive().default(20000),
  })
  .strict();

export const ExtensionEntrySchema = z
  .object({
    name: z.string().min(1),
    hooks: z.array(z.string()).optional(),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const ExtensionsSchema = z.array(ExtensionEntrySchema).default([]);

export const ValidationSchema = z
  .object({
    static: z.array(z.string().min(1)).default([]),
    tests: z.array(z.string().min(1)).default([]),
    junit: z.string().optional(),
    /** Seconds each command may run before it is killed and counted as failed. */
    timeoutSeconds: z.number().int().positive().default(900),
  })
  .strict();

export const EngineSchema = z
  .object({
    provider: z.enum(['openai', 'anthropic', 'openai-compatible']),
    model: z.string().min(1),
    baseURL: z.url().optional(),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    maxAttempts: z.number().int().min(1).default(2),
    temperature: z.number().min(0).max(2).optional(),
  })
  .strict();

export const EnginesSchema = z
  .object({ planner: EngineSchema.optional(), executor: EngineSchema.optional() })
  .strict()
  .default({});

export const RunSettingsSchema = z
  .object({
    /** Keep the run branch after `cee merge` archives the run. */
    keepBranchAfterMerge: z.boolean().default(true),
    /** How `cee merge` joins the run: fast-forward only, or always a merge commit. */
    mergeMode: z.enum(['ff', 'merge']).default('ff'),
    /** Archived runs kept; older ones are pruned (their checkpoints stay). */
    retainRuns: z.number().int().min(0).default(20),
    /** How many times `cee run` retries a failed step. */
    maxStepAttempts: z.number().int().min(1).default(2),
    /**
     * `auto`: a non-interactive `cee` command that ran in its own process starts a `cee daemon` for the
     * repository in the background when none runs (it leaves after 30 minutes without a command), so the next
     * commands are served by it. `off` (default): only `cee daemon start` starts one.
     */
    daemon: z.enum(['off', 'auto']).default('off'),
  })
  .strict();

export const ConfigSchema = z
  .object({
    $schema: z.string().optional(),
    stateDir: z
      .string()
      .min(1)
      .refine((s) => !s.startsWith('/') && !s.split(/[\\/]/).includes('..'), 'must be a path inside the repository')
      .default('codex_engine'),
    guardrails: GuardrailsSchema.default(GuardrailsSchema.parse({})),
    context_limits: ContextLimitsSchema.default(ContextLimitsSchema.parse({})),
    extensions: ExtensionsSchema,
    validation: ValidationSchema.default(ValidationSchema.parse({})),
    engines: EnginesSchema,
    run: RunSettingsSchema.default(RunSettingsSchema.parse({})),
  })
  .strict();

export type GuardrailsConfig = z.output<typeof GuardrailsSchema>;
export type ContextLimits = z.output<typeof ContextLimitsSchema>;
export type ExtensionEntry = z.output<typeof ExtensionEntrySchema>;
export type ValidationConfig = z.output<typeof ValidationSchema>;
export type EngineConfig = z.output<typeof EngineSchema>;
export type EnginesConfig = z.output<typeof EnginesSchema>;
export type RunSettings = z.output<typeof RunSettingsSchema>;
export type CeeConfig = z.output<typeof ConfigSchema>;
export type CeeConfigInput = z.input<typeof ConfigSchema>;

/** Typed helper for `cee.config.ts`. */
export function defineConfig(config: CeeConfigInput): CeeConfigInput {
  return config;
}

/** The defaults `cee init` writes into codex_engine/tools/guardrails.json (exactly the seed). */
export const SEED_GUARDRAILS = {
  denyPaths: ['infra/', '.github/', 'migrations/', 'secrets/'],
  allowExtensions: ['.js', '.py', '.ts', '.java', '.md', '.json'],
  maxFilesPerStep: 12,
  maxTotalAddedLoc: 400,
  requirePlan: true,
  approvalTiers: {
    low: ['add comments', 'format code'],
    medium: ['refactor', 'add test'],
    high: ['change API', 'delete files'],
  },
} as const;

export const SEED_CONTEXT_LIMITS = { planning: 50000, editing: 30000, validation: 20000 } as const;

/**
 * Where each setting's bare value lives as a file: codex_engine/tools/<file>.json holds setting <key>.
 */
export const SETTING_FILES = {
  guardrails: 'guardrails',
  context_limits: 'context_limits',
  extensions: 'extension_manifest',
  validation: 'validation',
  engines: 'engines',
} as const;
