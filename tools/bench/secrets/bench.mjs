#!/usr/bin/env node
// Secret scanner benchmark: CEE's built-in scanner against secretlint (recommended preset) on a
// generated tree with planted secrets and decoys. See tools/bench/README.md, "Secret scanner".
//
//   node tools/bench/secrets/bench.mjs [--mb 100] [--seed 42] [--secretlint-mb 10] [--runs 5]
//                                      [--dir PATH] [--no-build] [--json]
//
// Exit 1 when a planted secret is missed or anything else is reported (a false positive).
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateTree, prng } from './generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');

function parseArgs(argv) {
  const opts = { mb: 100, seed: 42, secretlintMb: 10, runs: 5, dir: undefined, build: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--mb') opts.mb = Number(val());
    else if (a === '--seed') opts.seed = Number(val());
    else if (a === '--secretlint-mb') opts.secretlintMb = Number(val());
    else if (a === '--runs') opts.runs = Number(val());
    else if (a === '--dir') opts.dir = resolve(val());
    else if (a === '--no-build') opts.build = false;
    else if (a === '--json') opts.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const log = (...a) => (opts.json ? console.error(...a) : console.log(...a));

// --- the scanner under test ---------------------------------------------------------------------
// Built from packages/guardrails/src/secrets only (tools/bench/secrets/tsconfig.json → the package's
// dist/secrets), so it runs even while other folders of the package are mid-edit.
if (opts.build) {
  execFileSync(join(repo, 'node_modules/.bin/tsc'), ['-p', join(here, 'tsconfig.json')], { stdio: ['ignore', 2, 2] }); // tsc output → stderr
}
const cee = await import(pathToFileURL(join(repo, 'packages/guardrails/dist/secrets/index.js')).href);

// secretlint: @secretlint/core's lintSource with the recommended preset, resolved through the
// packages this workspace depends on (secretlint → @secretlint/node → @secretlint/core).
const req = createRequire(join(here, '..', 'package.json'));
const nodePkg = createRequire(req.resolve('secretlint/package.json')).resolve('@secretlint/node/package.json');
const corePath = createRequire(nodePkg).resolve('@secretlint/core');
const { lintSource } = await import(pathToFileURL(corePath).href);
// Profiling off, as the secretlint CLI does unless --profile is given (its profiler keeps every
// performance mark: slower, and out of memory on large trees).
const profilerPath = createRequire(corePath).resolve('@secretlint/profiler');
const { secretLintProfiler } = await import(pathToFileURL(profilerPath).href);
secretLintProfiler.setEnabled(false);
const preset = await import(pathToFileURL(req.resolve('@secretlint/secretlint-rule-preset-recommend')).href);
const secretlintConfig = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: preset.creator }] };

// --- the tree -----------------------------------------------------------------------------------
let manifest;
if (opts.dir) {
  log(`Scanning the existing tree ${opts.dir} (speed only: nothing planted).`);
  const walk = (d, out) => {
    for (const name of readdirSync(d)) {
      if (name === '.git') continue;
      const abs = join(d, name);
      const st = lstatSync(abs);
      if (st.isDirectory()) walk(abs, out);
      else if (st.isFile() && st.size <= 10 * 1024 * 1024) out.push({ path: relative(opts.dir, abs), bytes: st.size });
    }
    return out;
  };
  const files = walk(opts.dir, []);
  manifest = { root: opts.dir, files, planted: [], decoys: [], totalBytes: files.reduce((s, f) => s + f.bytes, 0) };
} else {
  const root = join(tmpdir(), `cee-secret-bench-${opts.mb}mb-seed${opts.seed}`);
  const t = performance.now();
  manifest = generateTree({ root, mb: opts.mb, seed: opts.seed });
  log(`Tree: ${root} (${manifest.files.length} files, ${(manifest.totalBytes / 1048576).toFixed(1)} MB, ${manifest.planted.length} planted secrets, ${manifest.decoys.length} decoys; ready in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
}
const root = manifest.root;
const MB = (bytes) => bytes / 1048576;

// Read everything once (warms the page cache; the in-memory runs use these).
const buffers = [];
const texts = [];
for (const f of manifest.files) {
  const b = readFileSync(join(root, f.path));
  if (b.subarray(0, 8192).indexOf(0) !== -1) continue; // binaries are skipped by both
  buffers.push({ path: f.path, b });
  texts.push({ path: f.path, text: b.toString('utf8') });
}
const textBytes = buffers.reduce((s, x) => s + x.b.length, 0);

const scanner = cee.createSecretScanner({});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs `fn` once to warm up, then `opts.runs` times. Wall-clock seconds: best and median; CPU
 * seconds of this process (user + system, all its threads, so GC helpers count against us): median.
 * The machine may be shared: the best run is the least disturbed, the CPU time is not inflated by
 * other processes; all three are reported.
 */
function timeRuns(fn) {
  fn();
  const wall = [];
  const cpu = [];
  let result;
  for (let i = 0; i < opts.runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    result = fn();
    wall.push((performance.now() - t) / 1000);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1e6);
  }
  return { best: Math.min(...wall), median: median(wall), cpu: median(cpu), result };
}

async function timeRunsAsync(fn, runs) {
  await fn();
  const wall = [];
  const cpu = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    result = await fn();
    wall.push((performance.now() - t) / 1000);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1e6);
  }
  return { best: Math.min(...wall), median: median(wall), cpu: median(cpu), result };
}

const rate = (bytes, t) => ({
  best: MB(bytes) / t.best,
  median: MB(bytes) / t.median,
  cpu: MB(bytes) / t.cpu,
});
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

// 1. In memory, through the SecretScanner port: scanText(string, path) on every file.
const inMemory = timeRuns(() => {
  const all = [];
  for (const { path, text } of texts) for (const f of scanner.scanText(text, path)) all.push(f);
  return all;
});
// 2. End to end: scanFiles on the tree (walk, lstat, read, binary sniff, scan), page cache warm.
const endToEnd = timeRuns(() => cee.scanFiles(['.'], root, scanner));

const ceeRate = rate(textBytes, inMemory);
const filesRate = rate(endToEnd.result.summary.bytes, endToEnd);

// --- recall and false positives -----------------------------------------------------------------
function score(findings) {
  const byFile = new Map();
  for (const f of findings) {
    const list = byFile.get(f.file) ?? [];
    list.push(f);
    byFile.set(f.file, list);
  }
  const used = new Set();
  const missed = [];
  for (const p of manifest.planted) {
    const hit = (byFile.get(p.file) ?? []).find(
      (f) => !used.has(f) && p.rules.includes(f.ruleId) && f.line >= p.line && f.line < p.line + p.lines,
    );
    if (hit) used.add(hit);
    else missed.push(p);
  }
  const falsePositives = findings.filter((f) => !used.has(f));
  return { found: manifest.planted.length - missed.length, missed, falsePositives };
}
const scoreMem = score(inMemory.result);
const scoreFiles = score(endToEnd.result.findings);

// --- secretlint on a fixed random subset ----------------------------------------------------------
const r = prng(opts.seed + 1);
const order = texts.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) {
  const j = r.int(i + 1);
  [order[i], order[j]] = [order[j], order[i]];
}
const subset = [];
let subsetBytes = 0;
for (const i of order) {
  if (subsetBytes >= opts.secretlintMb * 1048576) break;
  subset.push(texts[i]);
  subsetBytes += buffers[i].b.length;
}
const full = subset.length === texts.length;
async function runSecretlint() {
  let messages = 0;
  for (const { path, text } of subset) {
    const res = await lintSource({
      source: { filePath: join(root, path), content: text, contentType: 'text' },
      options: { config: secretlintConfig, maskSecrets: true },
    });
    messages += res.messages.length;
  }
  return messages;
}
const sl = await timeRunsAsync(runSecretlint, Math.max(1, Math.min(opts.runs, 3)));
const slRate = rate(subsetBytes, sl);
const slMessages = sl.result;
// CEE on exactly the same subset, for a like-for-like ratio.
const ceeSubset = timeRuns(() => {
  let n = 0;
  for (const { path, text } of subset) n += scanner.scanText(text, path).length;
  return n;
});
const ceeSubsetRate = rate(subsetBytes, ceeSubset);

// --- report -------------------------------------------------------------------------------------
const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number(fmt(v))]));
const ratio = ceeRate.best / slRate.best;
const report = {
  tree: { root, files: texts.length, mb: Number(MB(textBytes).toFixed(1)), planted: manifest.planted.length, decoys: manifest.decoys.length },
  cee: { inMemory: round(ceeRate), scanFiles: round(filesRate), sameSubset: round(ceeSubsetRate), rules: scanner.ruleIds.length },
  secretlint: {
    ...round(slRate),
    measuredOn: full ? 'all files' : `a fixed random subset: ${subset.length} files, ${MB(subsetBytes).toFixed(1)} MB (its MB/s extrapolated to the tree)`,
    messages: slMessages,
  },
  ratio: Number(ratio.toFixed(1)),
  ratioSameSubset: Number((ceeSubsetRate.best / slRate.best).toFixed(1)),
  recall: { found: scoreMem.found, planted: manifest.planted.length },
  falsePositives: scoreMem.falsePositives.length,
  scanFilesAgrees: scoreFiles.found === scoreMem.found && scoreFiles.falsePositives.length === scoreMem.falsePositives.length,
  runs: opts.runs,
  node: process.version,
};

const bars = {
  speed: ceeRate.best >= 400,
  ratio: ratio >= 10,
  recall: scoreMem.missed.length === 0 && manifest.planted.length > 0,
  falsePositives: scoreMem.falsePositives.length === 0,
};
if (opts.json) {
  console.log(JSON.stringify({ ...report, bars }, null, 2));
} else {
  const c = report.cee;
  const l = report.secretlint;
  log(`CEE: ${c.inMemory.best} MB/s, secretlint: ${l.best} MB/s, ratio: ${report.ratio}×`);
  log(`  (best of ${opts.runs} wall-clock runs, one thread; median run / per CPU-second: CEE ${c.inMemory.median} / ${c.inMemory.cpu} MB/s, secretlint ${l.median} / ${l.cpu} MB/s)`);
  log(`  CEE: scanText(text, path) on every file in memory, ${report.tree.mb} MB in ${report.tree.files} files, ${c.rules} rules`);
  log(`  CEE scanFiles end to end (walk + lstat + read + binary sniff + scan, warm page cache): ${c.scanFiles.best} MB/s (median ${c.scanFiles.median})`);
  log(`  secretlint: @secretlint/core lintSource with the recommended preset, on ${l.measuredOn}; CEE on the same files: ${c.sameSubset.best} MB/s (${report.ratioSameSubset}×)`);
  if (!opts.dir) {
    log(`  recall: ${report.recall.found}/${report.recall.planted} planted secrets found; false positives: ${report.falsePositives} (${manifest.decoys.length} decoys planted)`);
    log(`  scanFiles agrees with scanText: ${report.scanFilesAgrees ? 'yes' : 'NO'}`);
  } else {
    log(`  findings in the tree: ${inMemory.result.length}`);
  }
  log(`  bars: ≥400 MB/s ${bars.speed ? 'met' : 'NOT met'}; ≥10× secretlint ${bars.ratio ? 'met' : 'NOT met'}`);
  for (const m of scoreMem.missed.slice(0, 20)) log(`  MISSED ${m.family} in ${m.file}:${m.line}`);
  if (!opts.dir) {
    for (const f of scoreMem.falsePositives.slice(0, 20)) log(`  FALSE POSITIVE ${f.ruleId} in ${f.file}:${f.line}: ${f.redacted}`);
  }
}
const failed = opts.dir ? false : !bars.recall || !bars.falsePositives || !report.scanFilesAgrees;
process.exitCode = failed ? 1 : 0;
