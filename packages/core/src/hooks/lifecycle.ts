import { z } from 'zod';
import { HOOK_NAMES, type HookName } from './api.js';

/**
 * The lifecycle as data: one row per hook says how the bus runs it. Nothing else in the bus branches on a
 * hook's name.
 */
export interface HookSpec {
  /** `sequential`: one extension after another in manifest order; `parallel`: all at once (Promise.all). */
  kind: 'sequential' | 'parallel';
  /** Runs before (`pre`) or after (`post`) its phase, or when a command fails (`failure`). */
  order: 'pre' | 'post' | 'failure';
  /** The phase the hook surrounds. */
  phase: 'plan' | 'edit' | 'validation' | 'checkpoint' | 'restore' | 'failure';
  /** A blocking hook runs before its phase, and an error it throws stops the phase from happening. */
  blocking: boolean;
  /** When false, an error never leaves the bus: it is logged and the run goes on. */
  mayThrow: boolean;
  /** Validates a non-empty return; hooks without a schema return nothing (a value is ignored). */
  result: z.ZodType | null;
  /** The name of the function a plain-form module exports for this hook. */
  exportName: string;
}

export const FindingSchema = z
  .object({
    file: z.string().min(1),
    line: z.number().int().positive().optional(),
    message: z.string().min(1),
    severity: z.enum(['error', 'warning', 'info']),
  })
  .strict();

export const PrePlanResultSchema = z
  .object({
    context: z.unknown().optional(),
    criteria: z.array(z.string()).optional(),
  })
  .strict();

export const PreValidationResultSchema = z
  .object({
    findings: z.array(FindingSchema).optional(),
  })
  .strict();

/** `pre-plan` → `onPrePlan`, `on-failure` → `onFailure`. */
export function exportNameOf(hook: string): string {
  const camel = hook.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return camel.startsWith('on') ? camel : `on${camel.charAt(0).toUpperCase()}${camel.slice(1)}`;
}

type Row = Omit<HookSpec, 'exportName'>;

const pre = (phase: HookSpec['phase'], result: z.ZodType | null = null): Row => ({
  kind: 'sequential',
  order: 'pre',
  phase,
  blocking: true,
  mayThrow: true,
  result,
});

const post = (phase: HookSpec['phase']): Row => ({
  kind: 'parallel',
  order: 'post',
  phase,
  blocking: false,
  mayThrow: true,
  result: null,
});

const TABLE: Record<HookName, Row> = {
  'pre-plan': pre('plan', PrePlanResultSchema),
  'post-plan': post('plan'),
  'pre-edit': pre('edit'),
  'post-edit': post('edit'),
  // Independent checkers: run together; an error finding fails the step, a throw blocks it.
  'pre-validation': { ...pre('validation', PreValidationResultSchema), kind: 'parallel' },
  'post-validation': post('validation'),
  'pre-checkpoint': pre('checkpoint'),
  'post-checkpoint': post('checkpoint'),
  'pre-restore': pre('restore'),
  'post-restore': post('restore'),
  'on-failure': { kind: 'parallel', order: 'failure', phase: 'failure', blocking: false, mayThrow: false, result: null },
};

export const LIFECYCLE: Readonly<Record<HookName, Readonly<HookSpec>>> = Object.freeze(
  Object.fromEntries(HOOK_NAMES.map((h) => [h, Object.freeze({ ...TABLE[h], exportName: exportNameOf(h) })])) as Record<
    HookName,
    HookSpec
  >,
);

/** Plain-form export name → hook: `onPrePlan` → `pre-plan`. */
export const HOOK_BY_EXPORT_NAME: ReadonlyMap<string, HookName> = new Map(HOOK_NAMES.map((h) => [LIFECYCLE[h].exportName, h]));
