#!/usr/bin/env node
// Entry point. `--version` answers before anything heavy loads, so it stays instant.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V' || args[0] === 'version')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`Codex Engine v${pkg.version} — Autonomous Engineering Edition\n`);
} else {
  const { main } = await import('./main.js');
  process.exitCode = await main(args);
}
