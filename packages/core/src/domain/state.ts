import { z } from 'zod';
import { PlanSchema } from './plan.js';

/** Session state: codex_engine/state/state.json. Written atomically under the repository lock. */

export const ApprovalSchema = z.object({
  step: z.number().int().positive(),
  by: z.string().min(1),
  decision: z.enum(['approved', 'rejected']),
  comment: z.string().default(''),
  at: z.string(),
  tier: z.enum(['low', 'medium', 'high']),
});

export const DecisionRecordSchema = z.object({
  rule: z.string(),
  code: z.string(),
  verdict: z.enum(['allow', 'approval', 'deny']),
  message: z.string(),
  path: z.string().optional(),
  source: z.object({ id: z.string(), file: z.string(), key: z.string() }),
});

export const TestResultSchema = z.object({
  passed: z.number().int().min(0),
  failed: z.number().int().min(0),
  total: z.number().int().min(0),
  ok: z.boolean(),
  commands: z.array(
    z.object({
      kind: z.enum(['static', 'tests']),
      command: z.string(),
      exitCode: z.number().int().nullable(),
      passed: z.number().int().min(0),
      failed: z.number().int().min(0),
      source: z.enum(['junit', 'summary', 'exit-code']),
      durationMs: z.number().min(0),
      outputTail: z.string().default(''),
    }),
  ),
  at: z.string(),
});

export const StepStateSchema = z.object({
  status: z.enum(['pending', 'applied', 'awaiting_approval', 'approved', 'rejected', 'tested', 'failed', 'checkpointed']),
  /** The commit the step started from (the last checkpoint of the run, or the base). */
  startCommit: z.string().optional(),
  /** The tree the applied patch produced. */
  patchTree: z.string().optional(),
  changedFiles: z.array(z.string()).default([]),
  tier: z.enum(['low', 'medium', 'high']).optional(),
  tierReasons: z.array(z.string()).default([]),
  decisions: z.array(DecisionRecordSchema).default([]),
  tests: TestResultSchema.optional(),
  attempts: z.number().int().min(0).default(0),
  /** When the step's current change was applied: approvals count from then on. */
  editedAt: z.string().optional(),
  checkpoint: z.string().optional(),
});

export const MessageSchema = z.object({
  role: z.enum(['user', 'assistant', 'system', 'tool', 'human']),
  content: z.string(),
  at: z.string(),
  step: z.number().int().optional(),
});

/** An operation in progress (crash journal): the next command finishes or rolls it back. */
export const PendingOperationSchema = z.object({
  kind: z.enum(['edit', 'checkpoint', 'restore', 'merge', 'approve']),
  startedAt: z.string(),
  pid: z.number().int(),
  data: z.record(z.string(), z.unknown()).default({}),
});

export const SessionStateSchema = z.object({
  version: z.literal(1),
  runId: z.string().nullable().default(null),
  /** User's HEAD when the run began. */
  base: z.object({ commit: z.string().nullable(), tree: z.string(), branch: z.string().nullable() }).nullable().default(null),
  /** The run's branch ref, e.g. refs/heads/cee/run/<id>. */
  branchRef: z.string().nullable().default(null),
  worktree: z.string().nullable().default(null),
  plan: PlanSchema.extend({ steps: z.array(PlanSchema.shape.steps.element.extend({ id: z.number().int().positive() })) })
    .nullable()
    .default(null),
  currentStep: z.number().int().positive().nullable().default(null),
  steps: z.record(z.string(), StepStateSchema).default({}),
  phase: z
    .enum(['IDLE', 'PLANNED', 'EDITING', 'AWAITING_APPROVAL', 'EDITED', 'TESTED', 'CHECKPOINTED', 'FAILED', 'MERGED'])
    .default('IDLE'),
  lastCheckpoint: z.string().nullable().default(null),
  /** The last verified checkpoint of this run (tests green, secret scan clean, approvals given). */
  lastVerifiedCheckpoint: z.string().nullable().default(null),
  conversation: z.array(MessageSchema).default([]),
  reasoning: z.array(z.object({ at: z.string(), step: z.number().int().optional(), text: z.string() })).default([]),
  feedback: z.array(z.object({ at: z.string(), by: z.string(), step: z.number().int().optional(), text: z.string() })).default([]),
  approvals: z.array(ApprovalSchema).default([]),
  guardrailEvents: z.array(DecisionRecordSchema.extend({ step: z.number().int().optional(), at: z.string() })).default([]),
  tokens: z.object({ used: z.number().int().min(0).default(0) }).default({ used: 0 }),
  pending: PendingOperationSchema.nullable().default(null),
  /** Tag of the checkpoint a restore came from (status shows it). */
  restoredFrom: z.string().nullable().default(null),
  updatedAt: z.string().optional(),
});

export type Approval = z.output<typeof ApprovalSchema>;
export type StepState = z.output<typeof StepStateSchema>;
export type TestResult = z.output<typeof TestResultSchema>;
export type SessionState = z.output<typeof SessionStateSchema>;
export type PendingOperation = z.output<typeof PendingOperationSchema>;

export function emptyState(): SessionState {
  return SessionStateSchema.parse({ version: 1 });
}

/** The metadata stored in git with each checkpoint (annotated tag message, after the subject line). */
export const CheckpointMetadataSchema = z.object({
  schema: z.literal('cee.checkpoint/v1'),
  tag: z.string(),
  number: z.number().int().positive(),
  kind: z.enum(['step', 'before-risk', 'snapshot']),
  message: z.string(),
  createdAt: z.string(),
  runId: z.string().nullable(),
  step: z.number().int().nullable(),
  commit: z.string(),
  tree: z.string(),
  parent: z.string().nullable(),
  verified: z.boolean(),
  verification: z.object({
    tests: z.enum(['passed', 'failed', 'not-run']),
    secretScan: z.enum(['clean', 'found', 'not-run']),
    approvals: z.enum(['given', 'missing', 'not-required']),
  }),
  tests: TestResultSchema.nullable(),
  secretFindings: z.array(z.object({ ruleId: z.string(), file: z.string(), line: z.number(), fingerprint: z.string() })).default([]),
  state: SessionStateSchema,
});

export type CheckpointMetadata = z.output<typeof CheckpointMetadataSchema>;
