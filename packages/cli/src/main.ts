import { type CeeError, Engine, type ExitCode, InternalError, isCeeError, recordTiming, type SessionState, timed, UsageError } from '@cgce/core';
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { engineDeps, createRootContainer } from './container.js';
import { registerCommands } from './commands/index.js';
import { autoStartDaemon, registerDaemonCommands } from './commands/daemon.js';
import type { ChangeTracker } from '@cgce/git-adapter';
import { Output, type GlobalOptions } from './output.js';

export interface CommandSpec {
  /** Takes the repository lock (mutating commands). */
  lock: boolean;
  /** Loads the enabled extensions (lifecycle commands). */
  hooks?: boolean;
  /** Records a metrics line. */
  metrics?: boolean;
}

export interface Invocation {
  out: Output;
  global: GlobalOptions;
  /** Open the engine for this command (with lock/hooks per its spec), run `fn`, record logs; returns the exit code. */
  withEngine<T>(name: string, spec: CommandSpec, fn: (engine: Engine) => Promise<T>, render: (result: T) => void): Promise<void>;
  exit: ExitCode;
  /** Set the exit code of a command that completed but must signal a finding (scan: 3, audit: 1). */
  exitWith(code: ExitCode): void;
}

export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `Codex Engine v${pkg.version} — Autonomous Engineering Edition`;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
export { readStdin };
// The entry (bin.ts) reads CEE_TIMINGS=1's store from the same bundle as the engine that filled it.
export { timingStore } from '@cgce/core';

function reportError(out: Output, e: CeeError): void {
  if (out.options.json) {
    out.json({ ok: false, error: e.toJSON(), ...(e.details ?? {}) });
  } else {
    out.error(e.message);
  }
}

/** Run the CLI with `argv` (without node and script). Returns the exit code; never calls process.exit. */
export interface MainOptions {
  /** A watcher of CEE's worktrees that outlives this call (the daemon's): snapshots look only at what changed. */
  changeTracker?: ChangeTracker;
}

export async function main(argv: string[], options: MainOptions = {}): Promise<ExitCode> {
  const program = new Command('cee');
  const rootContainer = createRootContainer(options);
  let exit: ExitCode = 0;
  const global: GlobalOptions = { json: false, yes: false, cwd: process.cwd() };
  let out = new Output(global);

  program
    .description('CGCE Codex Execution Engine: governed, auditable code changes by AI agents')
    .addOption(new Option('--json', 'one JSON document on stdout'))
    .addOption(new Option('--yes', 'non-interactive: never prompt (exit 4 where an answer is needed)'))
    .addOption(new Option('--cwd <dir>', 'work in the git repository containing <dir>'))
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .hook('preAction', (_this, action) => {
      const o = action.optsWithGlobals() as { json?: boolean; yes?: boolean; cwd?: string };
      global.json = !!o.json;
      global.yes = !!o.yes || !process.stdin.isTTY;
      global.cwd = path.resolve(o.cwd ?? process.cwd());
      out = new Output(global);
      inv.out = out;
    });
  // Every subcommand also accepts the global flags after its own arguments.
  program.enablePositionalOptions(false);

  const inv: Invocation = {
    out,
    global,
    exit: 0,
    exitWith(code) {
      exit = code;
    },
    async withEngine(name, spec, fn, render) {
      const scope = rootContainer.createChildContainer();
      let engine: Engine | null = null;
      // The state after the command, read once and only when a failure record or a metrics line needs it.
      let after: SessionState | null | undefined;
      const stateAfter = async (e: Engine) => {
        if (after === undefined) after = await e.readState().catch(() => null);
        return after;
      };
      try {
        engine = await timed('engine.open', () =>
          Engine.open(engineDeps(scope), {
            cwd: global.cwd,
            command: name,
            reporter: { progress: (m) => inv.out.progress(m), warn: (m) => inv.out.warn(m) },
            lock: spec.lock,
            hooks: spec.hooks ?? false,
          }),
        );
        const opened = engine;
        const result = await timed(`command.${name}`, () => fn(opened));
        exit = 0;
        render(result);
      } catch (e) {
        const err = isCeeError(e) ? e : new InternalError(`${(e as Error)?.message ?? String(e)}`, { cause: e });
        if (!isCeeError(e) && process.env.CEE_DEBUG) console.error(e);
        exit = err.exit;
        reportError(inv.out, err);
        if (engine) {
          const st = await stateAfter(engine);
          if (err.exit !== 4) await engine.failure(err, st?.currentStep ?? null).catch(() => undefined);
          if (spec.hooks && (err.exit === 1 || err.exit === 3)) {
            await engine.hooks
              .run('on-failure', { run: { id: st?.runId ?? null, repoRoot: engine.repo.root, command: name }, error: { code: err.code, message: err.message } })
              .catch(() => undefined);
          }
        }
      } finally {
        const finishing = performance.now();
        if (engine) {
          if (spec.metrics) {
            const st = await stateAfter(engine);
            const step = st?.currentStep ?? null;
            // tests_passed counts what this command ran: only a `test` that got to run (exit 0 or 1) has a result in state.
            const ranTests = name === 'test' && (exit === 0 || exit === 1);
            const tests = ranTests && step ? st?.steps[String(step)]?.tests : undefined;
            await engine
              .metrics({ step, tests_passed: tests?.passed ?? 0, tests_failed: tests?.failed ?? 0, exit, run_id: st?.runId ?? null })
              .catch(() => undefined);
          }
          await engine.close();
          // run.daemon "auto": the next commands can be served by a daemon (not when this one was).
          if (!options.changeTracker && engine.config.run.daemon === 'auto') await autoStartDaemon(argv, global.cwd);
        }
        scope.dispose();
        recordTiming('engine.finish', finishing);
      }
    },
  };

  if (argv.includes('--version') || argv[0] === '-V') {
    const line = versionLine();
    if (argv.includes('--json')) out.json({ version: line.match(/v(\S+)/)?.[1], line });
    else process.stdout.write(`${line}\n`);
    return 0;
  }
  registerCommands(program, inv);
  registerDaemonCommands(program, inv, (args, changeTracker) => main(args, { changeTracker }));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      return 2;
    }
    const err = isCeeError(e) ? e : new UsageError((e as Error).message);
    reportError(out, err);
    return err.exit;
  }
  return exit;
}
