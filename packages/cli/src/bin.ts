#!/usr/bin/env node
// Entry point. `--version` answers before anything heavy loads, so it stays instant; so does a command that a
// running `cee daemon` of this build takes over (see daemon/client.ts).
import { readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);

async function runHere(): Promise<void> {
  const started = performance.now();
  // V8's compiled code for CEE and its dependencies is cached by Node under the system temp folder
  // (node-compile-cache/): loading the CLI then takes about half the time. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  try {
    nodeModule.enableCompileCache?.();
  } catch {
    // An unwritable temp folder only costs the speed-up.
  }
  // dist/cee.js is main.js bundled with its dependencies (rolldown.config.mjs): one file instead of ~220 modules.
  const { main, timingStore }: typeof import('./main.js') = await import(new URL('./cee.js', import.meta.url).href);
  const loaded = performance.now();
  process.exitCode = await main(args);
  // CEE_TIMINGS=1: one JSON line on stderr with the per-phase timings (see @cgce/core engine/timings.ts).
  if (process.env.CEE_TIMINGS === '1') {
    const store = timingStore();
    const round = (n: number) => Math.round(n * 100) / 100;
    process.stderr.write(
      `${JSON.stringify({
        cee_timings: {
          command: args.find((a) => !a.startsWith('-')) ?? null,
          exit: process.exitCode,
          start_ms: round(started),
          load_ms: round(loaded - started),
          total_ms: round(performance.now()),
          phases: store?.entries ?? [],
        },
      })}\n`,
    );
  }
}

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V' || args[0] === 'version')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`Codex Engine v${pkg.version} — Autonomous Engineering Edition\n`);
} else {
  // Loaded here, not with `--version`: that stays the bare process start every CEE figure is measured against.
  const { daemonEligible, runInDaemon } = await import('./daemon/client.js');
  const code = daemonEligible(args) ? await runInDaemon(args, path.dirname(fileURLToPath(import.meta.url))) : null;
  if (code !== null) process.exitCode = code;
  else await runHere();
}
