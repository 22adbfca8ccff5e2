import type { ChangeSet } from '../domain/change.js';
import { decisionCode, type Decision, type Tier } from '../domain/decision.js';
import type { SessionState } from '../domain/state.js';
import { ApprovalRequiredError, GuardrailError, InputError } from '../errors/index.js';
import type { Engine } from './context.js';

/** Rules whose denial means the input itself is malformed (exit 2) rather than blocked by policy (exit 3). */
const INPUT_RULES = new Set(['malformed', 'unsupported_format']);

/** Scan the added lines of every changed text file for secrets; each finding is a deny decision. */
export function secretDecisions(engine: Engine, change: ChangeSet): Decision[] {
  const out: Decision[] = [];
  for (const f of change.files) {
    if (!f.addedLines?.length) continue;
    // Contiguous added lines are joined so multi-line secrets (PEM blocks) are seen whole.
    const text = f.addedLines.map((l) => l.text).join('\n');
    for (const finding of engine.scanner.scanText(text, f.path)) {
      const line = f.addedLines[finding.line - 1]?.line ?? finding.line;
      out.push({
        rule: 'secret',
        code: decisionCode('secret'),
        verdict: 'deny',
        path: f.path,
        message: `${f.path}:${line}: ${finding.description} (${finding.ruleId}): ${finding.redacted}`,
        source: { id: finding.ruleId, file: 'built-in', key: `secrets.rules.${finding.ruleId}` },
      });
    }
  }
  return out;
}

export interface Blocked {
  verdict: 'reject';
  reason_class: string;
  also_triggers: string[];
  decisions: Decision[];
}

/** Record the deny decisions in state and the ledger, then throw the matching error. */
export async function blockWith(engine: Engine, state: SessionState, step: number | null, decisions: Decision[], what: string): Promise<never> {
  const denies = decisions.filter((d) => d.verdict === 'deny');
  const first = denies[0]!;
  const at = new Date().toISOString();
  engine.guardrailEventCount += denies.length;
  state.guardrailEvents.push(...denies.map((d) => ({ ...d, step: step ?? undefined, at })));
  await engine.state.write(state);
  await engine.ledger.append('guardrail', `${what} blocked by ${first.rule}: ${first.message}`, {
    step,
    decisions: denies.map((d) => ({ rule: d.rule, path: d.path, source: d.source })),
  });
  const details: Blocked & Record<string, unknown> = {
    verdict: 'reject',
    reason_class: first.rule,
    also_triggers: [...new Set(denies.slice(1).map((d) => d.rule))].filter((r) => r !== first.rule),
    decisions,
  };
  const message = `${what} blocked: ${first.message}${denies.length > 1 ? ` (+${denies.length - 1} more)` : ''}`;
  if (INPUT_RULES.has(first.rule)) throw new InputError(first.code, message, { rule: first.source, details });
  throw new GuardrailError(first.code, message, decisions, { rule: first.source, details });
}

export function approvalsNeeded(engine: Engine, tier: Tier): number {
  if (!engine.config.guardrails.approval.requireApproval.includes(tier)) return 0;
  return engine.config.guardrails.approval.approvers[tier] ?? 1;
}

export function awaitingApproval(step: number, tier: Tier, reasons: string[], needed: number, have: number): ApprovalRequiredError {
  return new ApprovalRequiredError(
    'APPROVAL_REQUIRED',
    `Step ${step} is ${tier} tier (${reasons.join(', ') || 'declared'}) and needs ${needed - have} more approval(s): \`cee approve --step ${step} --by <name>\` or \`cee reject --step ${step} --by <name>\`.`,
    { details: { verdict: 'approval', reason_class: reasons[0]?.split(':')[0] ?? 'approval', step, tier, reasons } },
  );
}

const TIER_ORDER: Tier[] = ['low', 'medium', 'high'];
export function maxTier(a: Tier, b: Tier | undefined): Tier {
  if (!b) return a;
  return TIER_ORDER.indexOf(b) > TIER_ORDER.indexOf(a) ? b : a;
}
