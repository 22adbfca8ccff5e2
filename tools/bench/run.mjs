#!/usr/bin/env node
// `pnpm bench`: every benchmark, one after the other (see tools/bench/README.md).
//   1. checkpoint/bench.mjs: checkpoints, provisioning and restore against plain git and shadow repositories;
//      the arguments of `pnpm bench -- …` go to it (e.g. `pnpm bench -- --huge`, `--runs 3`);
//   2. secrets/bench.mjs: the secret scanner against secretlint (run when it is there).
// The exit code is the first non-zero one of the benchmarks (a benchmark that could not run, or the secret
// bench's missed/false findings); bars that are not met are reported in the output, not as a failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const benches = [
  { name: 'checkpoints', file: path.join(here, 'checkpoint', 'bench.mjs'), args: process.argv.slice(2) },
  { name: 'secret scanner', file: path.join(here, 'secrets', 'bench.mjs'), args: [] },
];

let exit = 0;
for (const b of benches) {
  if (!existsSync(b.file)) {
    process.stderr.write(`(${b.name}: ${path.relative(process.cwd(), b.file)} is not there, skipped)\n`);
    continue;
  }
  process.stderr.write(`\n### ${b.name}: node ${path.relative(process.cwd(), b.file)} ${b.args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [b.file, ...b.args], { stdio: 'inherit' });
  const code = r.status ?? 1;
  if (code !== 0) process.stderr.write(`${b.name}: exit ${code}\n`);
  if (exit === 0) exit = code;
}
process.exitCode = exit;
