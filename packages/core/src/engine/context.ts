import { timed } from './timings.js';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { guardrailSources, loadConfig, type LoadedConfig } from '../config/load.js';
import type { SessionState } from '../domain/state.js';
import { type CeeError, InputError } from '../errors/index.js';
import type { CheckpointPort } from '../ports/checkpoint.js';
import type { GitPort, RepoInfo } from '../ports/git.js';
import type { PolicyContext, PolicyEngine, SecretScanner, TierClassifier } from '../ports/security.js';
import { appendJsonl, type FailureRecord, type MetricsRecord } from '../state/jsonl.js';
import { Ledger } from '../state/ledger.js';
import { acquireLock, type RepoLock } from '../state/lock.js';
import { StateStore } from '../state/store.js';
import { recoverInterrupted, type RecoveryReport } from './recover.js';

/** What a hook runner must offer the engine (the hook bus in ./hooks implements it). */
export interface HookRunner {
  run(hook: string, ctx: Record<string, unknown>, key?: string): Promise<Array<{ plugin: string; result: unknown }>>;
}

export interface EngineDeps {
  git: GitPort;
  policy: PolicyEngine;
  scanner: SecretScanner;
  tiers: TierClassifier;
  checkpoints: (root: string) => CheckpointPort;
  /** Builds the hook runner from the loaded config (extensions); absent means no extensions. */
  hooks?: (engine: Engine) => Promise<HookRunner>;
  /** Build a scanner honouring the repo's own secret settings (extra rule files, allowed paths). */
  scannerFor?: (loaded: LoadedConfig, root: string) => Promise<SecretScanner>;
}

export interface Reporter {
  /** Progress for humans, on stderr. */
  progress(message: string): void;
  warn(message: string): void;
}

export interface EnginePaths {
  stateDir: string;
  tools: string;
  stateFile: string;
  failureLog: string;
  metrics: string;
  ledger: string;
  planMd: string;
  checkpointCopies: string;
  /** Where CEE keeps its pooled worktree and lock: inside the common git dir, never the user's tree. */
  engineGitDir: string;
  worktree: string;
  lock: string;
}

const NO_HOOKS: HookRunner = { run: async () => [] };

/**
 * Everything one command needs: the repository, its config, the ports, state, ledger and logs.
 * Created per command by the CLI; `close()` releases the lock.
 */
export class Engine {
  hooks: HookRunner = NO_HOOKS;
  private lock: RepoLock | null = null;
  readonly startedAt = Date.now();
  guardrailEventCount = 0;
  tokensUsed = 0;
  /** What the start of this command recovered from a crashed earlier one. */
  recovery: RecoveryReport | null = null;

  private constructor(
    readonly deps: EngineDeps,
    readonly repo: RepoInfo,
    readonly loaded: LoadedConfig,
    readonly paths: EnginePaths,
    readonly state: StateStore,
    readonly ledger: Ledger,
    readonly checkpoints: CheckpointPort,
    readonly scanner: SecretScanner,
    readonly command: string,
    readonly reporter: Reporter,
  ) {}

  static async open(deps: EngineDeps, options: { cwd: string; command: string; reporter: Reporter; lock: boolean; hooks?: boolean }): Promise<Engine> {
    const opening = deps.git.open(options.cwd);
    opening.catch(() => undefined);
    // The default scanner's rules compile in ~8 ms of CPU: spend them while git runs (a getter may build it now).
    void deps.scanner;
    const repo = await opening;
    const loaded = await timed('config.load', () => loadConfig(repo.root));
    const paths = enginePaths(repo, loaded.stateDir);
    const scanner = await timed('scanner', async () => (deps.scannerFor ? await deps.scannerFor(loaded, repo.root) : deps.scanner));
    const redact = (t: string) => scanner.redact(t).text;
    const engine = new Engine(
      deps,
      repo,
      loaded,
      paths,
      new StateStore(paths.stateFile, rel(repo.root, paths.stateFile), redact),
      new Ledger(paths.ledger, redact),
      deps.checkpoints(repo.root),
      scanner,
      options.command,
      options.reporter,
    );
    if (options.lock) {
      engine.lock = await timed('lock', () => acquireLock(paths.lock, options.command));
      if (engine.lock.tookOver) {
        options.reporter.warn(
          `took over the lock of an earlier cee that is no longer running (pid ${engine.lock.tookOver.pid}, "${engine.lock.tookOver.command}")`,
        );
      }
    }
    if (engine.lock) engine.recovery = await timed('recover', () => recoverInterrupted(engine));
    if (options.hooks && deps.hooks) engine.hooks = await deps.hooks(engine);
    return engine;
  }

  get config() {
    return this.loaded.config;
  }

  rel(p: string): string {
    return rel(this.repo.root, p);
  }

  redact(text: string): string {
    return this.scanner.redact(text).text;
  }

  policyContext(scope: string[] | undefined): PolicyContext {
    return { config: this.config.guardrails, sources: guardrailSources(this.loaded), scope, stateDir: this.loaded.stateDir };
  }

  async close(): Promise<void> {
    await this.lock?.release();
    this.lock = null;
  }

  async metrics(record: Omit<MetricsRecord, 'timestamp' | 'command' | 'duration_ms' | 'guardrail_events' | 'tokens_used'> & Partial<MetricsRecord>): Promise<void> {
    await appendJsonl(
      this.paths.metrics,
      {
        timestamp: new Date().toISOString(),
        command: this.command,
        duration_ms: Date.now() - this.startedAt,
        guardrail_events: this.guardrailEventCount,
        tokens_used: this.tokensUsed,
        ...record,
      },
      (t) => this.redact(t),
    );
  }

  async failure(error: CeeError, step: number | null): Promise<void> {
    const record: FailureRecord = {
      timestamp: new Date().toISOString(),
      command: this.command,
      code: error.code,
      exit: error.exit,
      message: error.message,
      step,
      ...(error.rule ? { rule: error.rule } : {}),
      ...(error.plugin ? { plugin: error.plugin } : {}),
      ...(error.hook ? { hook: error.hook } : {}),
    };
    await appendJsonl(this.paths.failureLog, record as unknown as Record<string, unknown>, (t) => this.redact(t));
  }

  async readState(): Promise<SessionState> {
    return this.state.read();
  }

  async ensureDirs(): Promise<void> {
    await mkdir(path.dirname(this.paths.stateFile), { recursive: true });
  }
}

export function rel(root: string, p: string): string {
  return path.relative(root, p).split(path.sep).join('/');
}

export function enginePaths(repo: RepoInfo, stateDir: string): EnginePaths {
  const base = path.join(repo.root, stateDir);
  const engineGitDir = path.join(repo.commonDir, 'cee');
  return {
    stateDir: base,
    tools: path.join(base, 'tools'),
    stateFile: path.join(base, 'state', 'state.json'),
    failureLog: path.join(base, 'state', 'failure_log.jsonl'),
    metrics: path.join(base, 'analytics', 'codex_metrics.jsonl'),
    ledger: path.join(base, 'QA_Continuity_Log.md'),
    planMd: path.join(base, 'PLAN.md'),
    checkpointCopies: path.join(base, 'tools', 'checkpoints'),
    engineGitDir,
    worktree: path.join(engineGitDir, 'worktrees', 'run'),
    lock: path.join(engineGitDir, 'lock.json'),
  };
}

export function requireRun(state: SessionState): asserts state is SessionState & { runId: string; base: NonNullable<SessionState['base']>; branchRef: string } {
  if (!state.runId || !state.base || !state.branchRef) {
    throw new InputError('NO_RUN', 'No run in progress: start one with `cee plan --from plan.json` (or `cee plan "<objective>"`).');
  }
}
