#!/usr/bin/env node
// Checkpoint bench: CEE against plain git doing the same work, and against the shadow-repository approach of
// Gemini CLI and Cline written as the same git commands. See tools/bench/README.md ("Checkpoints").
//
//   node_modules/.bin/node tools/bench/checkpoint/bench.mjs [--files 2000,50000] [--changed 10,1000] [--runs 5]
//        [--huge] [--settle 300] [--process | --daemon] [--keep] [--json out.json] [--markdown]
//
// CEE is measured two ways, one after the other (--process or --daemon: only one): a `cee` process per
// command, and through a `cee daemon` started for each generated repository (its start-up is reported; the
// shadow repositories and plain git are measured exactly as without it).
//
// Needs a built CLI (`nx run @cgce/cli:build`, which `pnpm bench` runs first) and git. Everything it writes
// lives in one folder under the system temp folder, removed at the end unless --keep.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyEdit, choose, generateRepo, makePatch } from './repo.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
const CLI = path.join(ROOT, 'packages/cli/dist/bin.js');
const NODE = process.execPath;

// ---------------------------------------------------------------------------------------------- options
function parseArgs(argv) {
  const o = { files: [2000, 50000], changed: [10, 1000], runs: 5, huge: false, settle: 300, modes: ['process', 'daemon'], keep: false, json: null, markdown: false, report: null };
  const list = (v) => v.split(',').map((x) => Number(x.replace(/_/g, ''))).filter((n) => Number.isInteger(n) && n > 0);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, inline] = a.includes('=') ? a.split(/=(.*)/s) : [a, undefined];
    const val = () => inline ?? argv[++i];
    if (k === '--files') o.files = list(val());
    else if (k === '--changed') o.changed = list(val());
    else if (k === '--runs') o.runs = Math.max(1, Number(val()));
    else if (k === '--huge') o.huge = true;
    else if (k === '--settle') o.settle = Math.max(0, Number(val()));
    else if (k === '--keep') o.keep = true;
    else if (k === '--daemon') o.modes = ['daemon'];
    else if (k === '--process') o.modes = ['process'];
    else if (k === '--json') o.json = val();
    else if (k === '--markdown') o.markdown = true;
    else if (k === '--report') o.report = val();
    else if (k === '--help' || k === '-h') {
      process.stdout.write('usage: bench.mjs [--files 2000,50000] [--changed 10,1000] [--runs 5] [--huge] [--settle ms] [--process | --daemon] [--keep] [--json file] [--markdown] [--report file.json]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.huge && !o.files.includes(200000)) o.files.push(200000);
  return o;
}

// ---------------------------------------------------------------------------------------------- helpers
/** Hide the machine's git config: identity comes from the repositories' own config, as set up below. */
const BASE = mkdtempSync(path.join(os.tmpdir(), 'cee-bench-cp-'));
const EMPTY_GLOBAL = path.join(BASE, 'empty.gitconfig');
writeFileSync(EMPTY_GLOBAL, '');
const ENV = { ...process.env, GIT_CONFIG_GLOBAL: EMPTY_GLOBAL, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' };
for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'CEE_TIMINGS', 'CEE_FAULT']) delete ENV[k];

function sh(cmd, args, { cwd, env = ENV, input, allowFail = false } = {}) {
  const t = performance.now();
  const res = spawnSync(cmd, args, { cwd, env, input, maxBuffer: 1 << 30 });
  const ms = performance.now() - t;
  if (res.status !== 0 && !allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${res.status}:\n${res.stderr?.toString() ?? ''}${res.stdout?.toString().slice(0, 2000) ?? ''}`);
  }
  return { ms, status: res.status, stdout: res.stdout?.toString('utf8') ?? '', stderr: res.stderr?.toString('utf8') ?? '' };
}
const git = (cwd, args, opts = {}) => sh('git', args, { cwd, ...opts });
/** Several git commands one after the other; the total time. */
const gitSeq = (cwd, cmds, opts = {}) => cmds.reduce((ms, args) => ms + git(cwd, args, opts).ms, 0);

/** Whether CEE's commands go through a `cee daemon` (--daemon); otherwise never, whatever the environment says. */
let DAEMON = false;

/** `cee <args> --cwd repo` with CEE_TIMINGS=1: wall time and the per-phase timings it printed. */
function cee(repo, args, { allowFail = false } = {}) {
  const env = { ...ENV, CEE_TIMINGS: '1' };
  if (DAEMON) delete env.CEE_DAEMON;
  else env.CEE_DAEMON = 'off';
  const r = sh(NODE, [CLI, ...args, '--cwd', repo], { cwd: repo, env, allowFail });
  const line = r.stderr.split('\n').find((l) => l.startsWith('{"cee_timings"'));
  const timings = line ? JSON.parse(line).cee_timings : null;
  return { ...r, timings };
}
const phase = (timings, name) => (timings?.phases ?? []).filter((p) => p.phase === name).reduce((s, p) => s + p.ms, 0);
const ceeVersion = () => sh(NODE, [CLI, '--version'], { cwd: BASE }).ms;

function sleep(ms) {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Wait (up to a minute) for a `git gc --auto` running in the background in `gitDir` to finish. */
function waitForGc(...gitDirs) {
  const until = Date.now() + 60_000;
  for (const d of gitDirs) while (existsSync(path.join(d, 'gc.pid')) && Date.now() < until) sleep(50);
}

function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Bytes under `dir` (files and symlinks, as `du -b` would count them, without following links). */
function duBytes(dir) {
  let total = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else {
        try {
          total += statSync(p, { throwIfNoEntry: false })?.size ?? 0;
        } catch {
          // vanished
        }
      }
    }
  }
  return total;
}

function countObjects(repo) {
  const out = {};
  for (const line of git(repo, ['count-objects', '-v']).stdout.split('\n')) {
    const [k, v] = line.split(': ');
    if (k) out[k] = Number(v);
  }
  return { loose: out.count, looseKiB: out.size, packs: out.packs, packKiB: out['size-pack'], inPack: out['in-pack'] };
}

const fmtMs = (ms) => (Number.isFinite(ms) ? (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)) : '–');
const fmtX = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '–');
const fmtMiB = (b) => `${(b / 1048576).toFixed(1)} MiB`;
const fmtN = (n) => n.toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------- setup
const PLAN = {
  objective: 'checkpoint bench',
  steps: [
    { title: 'first step', goal: 'touch some files', files: ['**'], estimatedLoc: 10 },
    { title: 'measured step', goal: 'touch N files', files: ['**'], estimatedLoc: 10 },
  ],
  acceptance: [],
};

/** Relaxed guardrails: N files per step, their lines, and every generated extension allowed. */
const GUARDRAILS = {
  denyPaths: ['infra/', '.github/', 'migrations/', 'secrets/'],
  allowExtensions: ['.js', '.py', '.ts', '.java', '.md', '.json', '.txt'],
  maxFilesPerStep: 1_000_000,
  maxTotalAddedLoc: 10_000_000,
  requirePlan: true,
  approvalTiers: { low: ['add comments', 'format code'], medium: ['refactor', 'add test'], high: ['change API', 'delete files'] },
};

function setupRepo(dir, files) {
  const repo = path.join(dir, 'repo');
  const t = performance.now();
  const paths = generateRepo(repo, files);
  const genMs = performance.now() - t;
  const expect0 = (r) => {
    if (r.status !== 0) throw new Error(`cee ${r.stderr}`);
    return r;
  };
  expect0(cee(repo, ['init']));
  writeFileSync(path.join(repo, 'codex_engine/tools/guardrails.json'), `${JSON.stringify(GUARDRAILS, null, 2)}\n`);
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'cee: config for the bench']);
  const planFile = path.join(dir, 'plan.json');
  writeFileSync(planFile, JSON.stringify(PLAN));
  expect0(cee(repo, ['plan', '--from', planFile]));
  return { repo, paths, genMs };
}

// Shadow repositories, modelled on (links in tools/bench/README.md):
//  - Gemini CLI packages/core/src/services/gitService.ts: a repo under ~/.gemini/history/<hash> whose work
//    tree is the project (GIT_DIR + GIT_WORK_TREE), its own gitconfig; snapshot = `add .` + `status` (simple-git:
//    `status --porcelain -b -u --null`) + `commit --no-verify -m`; restore = `restore --source <hash> .` + `clean -f -d`.
//  - Cline CheckpointTracker / CheckpointGitOperations: a repo under globalStorage/checkpoints/<hash>/.git with
//    core.worktree = the project and an exclude list; checkpoint = `add . --ignore-errors` +
//    `commit --allow-empty --no-verify -m` (simple-git adds `-c core.abbrev=40`); restore = `reset --hard <hash>`.
//    Not counted: the globby walk that renames nested .git folders before and after each `add` (not git).
const SHADOW_ENV = (gitDir, workTree, home) => ({
  ...ENV,
  GIT_DIR: gitDir,
  GIT_WORK_TREE: workTree,
  GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
  GIT_CONFIG_SYSTEM: path.join(home, '.gitconfig_system_empty'),
});

function geminiShadow(home, workTree) {
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, '.gitconfig'), '[user]\n  name = Gemini CLI\n  email = gemini-cli@google.com\n[commit]\n  gpgsign = false\n');
  writeFileSync(path.join(home, '.gitconfig_system_empty'), '');
  const env = SHADOW_ENV(path.join(home, '.git'), workTree, home);
  const run = (args) => git(workTree, args, { env });
  return {
    name: 'Gemini CLI',
    gitDir: path.join(home, '.git'),
    first() {
      // simpleGit(repoDir).init() and the first empty commit run in the shadow folder itself.
      const own = { ...env, GIT_DIR: undefined, GIT_WORK_TREE: undefined };
      let ms = git(home, ['init', '-q', '--initial-branch', 'main'], { env: own }).ms;
      ms += git(home, ['-c', 'core.abbrev=40', 'commit', '-q', '--allow-empty', '-m', 'Initial commit'], { env: own }).ms;
      return ms + this.checkpoint('first snapshot').ms;
    },
    checkpoint(message) {
      let ms = run(['add', '.']).ms;
      ms += run(['status', '--porcelain', '-b', '-u', '--null']).ms;
      ms += run(['-c', 'core.abbrev=40', 'commit', '-q', '-m', message, '--no-verify']).ms;
      return { ms, commit: run(['rev-parse', 'HEAD']).stdout.trim() };
    },
    restore(commit) {
      return run(['restore', '--source', commit, '.']).ms + run(['clean', '-f', '-d', '-q']).ms;
    },
  };
}

const CLINE_EXCLUDES = ['.git/', '.git_disabled/', 'node_modules/', 'dist/', 'build/', 'coverage/', '*.log', '*.lock', '*.tmp', '*.zip', '*.csv', '*.sqlite'];

function clineShadow(home, workTree) {
  const gitDir = path.join(home, '.git');
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, '.gitconfig'), '');
  writeFileSync(path.join(home, '.gitconfig_system_empty'), '');
  const env = { ...ENV, GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'), GIT_CONFIG_SYSTEM: path.join(home, '.gitconfig_system_empty') };
  // simple-git(path.dirname(gitPath)): cwd = the checkpoints folder, the work tree comes from core.worktree.
  const run = (args) => git(home, args, { env });
  return {
    name: 'Cline',
    gitDir,
    first() {
      let ms = run(['init', '-q']).ms;
      ms += gitSeq(home, [
        ['config', 'core.worktree', workTree],
        ['config', 'commit.gpgSign', 'false'],
        ['config', 'user.name', 'Cline Checkpoint'],
        ['config', 'user.email', 'checkpoint@cline.bot'],
      ], { env });
      mkdirSync(path.join(gitDir, 'info'), { recursive: true });
      writeFileSync(path.join(gitDir, 'info', 'exclude'), CLINE_EXCLUDES.join('\n'));
      ms += run(['add', '.', '--ignore-errors']).ms;
      ms += run(['-c', 'core.abbrev=40', 'commit', '-q', '-m', 'initial commit', '--allow-empty']).ms;
      return ms + this.checkpoint('first checkpoint').ms;
    },
    checkpoint(message) {
      let ms = run(['add', '.', '--ignore-errors']).ms;
      ms += run(['-c', 'core.abbrev=40', 'commit', '-q', '-m', message, '--allow-empty', '--no-verify']).ms;
      return { ms, commit: run(['rev-parse', 'HEAD']).stdout.trim() };
    },
    restore(commit) {
      return run(['reset', '-q', '--hard', commit]).ms;
    },
  };
}

// ---------------------------------------------------------------------------------------------- one repository size
function benchSize(files, opts, log) {
  const dir = mkdtempSync(path.join(BASE, `f${files}-`));
  log(`\n== ${fmtN(files)} files${DAEMON ? " (through cee daemon)" : ""}: generating (${dir})`);
  const { repo, paths, genMs } = setupRepo(dir, files);
  log(`   generated and committed in ${(genMs / 1000).toFixed(1)} s`);
  let daemonStartMs = null;
  if (DAEMON) {
    const d = cee(repo, ['daemon', 'start']);
    if (d.status !== 0) throw new Error(`cee daemon start failed: ${d.stderr}`);
    daemonStartMs = d.ms;
    log(`   cee daemon started in ${fmtMs(d.ms)} ms`);
  }
  // Let the disk write back the generated repository before anything is timed.
  spawnSync('sync');
  sleep(1000);
  const gitDirBytes0 = duBytes(path.join(repo, '.git'));
  const objects0 = countObjects(repo);

  // --- first step: a fresh worktree, then the first checkpoint.
  const p1 = path.join(dir, 'step1.diff');
  writeFileSync(p1, makePatch(repo, choose(paths, 10, 1), 'first'));
  const e1 = cee(repo, ['edit', '--step', '1', '--patch', p1]);
  if (e1.status !== 0) throw new Error(`first edit failed: ${e1.stderr}`);
  sleep(opts.settle);
  const version0 = median([ceeVersion(), ceeVersion(), ceeVersion()]);
  const c1 = cee(repo, ['checkpoint', 'first']);
  if (c1.status !== 0) throw new Error(`first checkpoint failed: ${c1.stderr}`);
  const first = {
    worktreeAddMs: phase(e1.timings, 'git.provisionWorktree'),
    checkpointMs: c1.ms - version0,
    versionMs: version0,
  };
  const cp1 = git(repo, ['rev-parse', 'codex-cp-1^{commit}']).stdout.trim();
  const cp1Tree = git(repo, ['rev-parse', 'codex-cp-1^{tree}']).stdout.trim();
  const gitDirBytes1 = duBytes(path.join(repo, '.git'));
  const objects1 = countObjects(repo);
  const worktreeBytes = duBytes(path.join(repo, '.git', 'cee', 'worktrees', 'run'));
  const tagMessageBytes = git(repo, ['cat-file', '-s', 'codex-cp-1']).stdout.trim();

  // --- the plain-git floor: a pooled worktree of the same repository at the same commit, warm index. It
  // sits next to CEE's own pool (inside .git), so both are on the same part of the file system.
  const floor = path.join(repo, '.git', 'cee-bench', 'floor');
  git(repo, ['worktree', 'add', '-q', '--detach', floor, cp1]);
  git(floor, ['add', '-A']);
  const metaFile = path.join(dir, 'meta.json');
  writeFileSync(metaFile, `floor\n\n${JSON.stringify({ pad: 'x'.repeat(Math.max(0, Number(tagMessageBytes) - 200)) })}\n`);

  // --- shadow repositories (each on its own linked worktree at the same commit: the "project").
  const shadows = [];
  for (const make of [geminiShadow, clineShadow]) {
    const wt = path.join(dir, `project-${make.name}`);
    git(repo, ['worktree', 'add', '-q', '--detach', wt, cp1]);
    const s = make(path.join(dir, `shadow-${make.name}`), wt);
    spawnSync('sync');
    sleep(opts.settle);
    const firstMs = s.first();
    const base = git(s.gitDir, ['rev-parse', 'HEAD'], { env: { ...ENV, GIT_DIR: s.gitDir } }).stdout.trim();
    shadows.push({ s, wt, base, firstMs, gitDirBytes: duBytes(s.gitDir), objects: countObjects(s.gitDir) });
  }
  log(`   first checkpoint: CEE ${fmtMs(first.checkpointMs)} ms; ${shadows.map((x) => `${x.s.name} shadow ${fmtMs(x.firstMs)} ms`).join(', ')}`);

  waitForGc(path.join(repo, '.git'), ...shadows.map((x) => x.s.gitDir));
  // --- fresh `worktree add` (what provisioning would cost without the pool): slow, so at most 3 times
  // (once from 100,000 files up).
  const fresh = [];
  for (let r = 0; r < Math.min(opts.runs, files >= 100_000 ? 1 : 3); r++) {
    const p = path.join(dir, `fresh-${r}`);
    fresh.push(git(repo, ['worktree', 'add', '-q', '--detach', p, cp1]).ms);
    git(repo, ['worktree', 'remove', '--force', p]);
  }

  const results = [];
  for (const n of opts.changed.filter((c) => c <= files)) {
    const m = { version: [], cpCee: [], cpFloor: [], rsCee: [], rsFloor: [], provNext: [], provNextFloor: [], provRetry: [], provRetryFloor: [], shadowCp: shadows.map(() => []), shadowRs: shadows.map(() => []), phases: [] };
    const targets = choose(paths, n, 0);
    for (let r = 0; r < opts.runs; r++) {
      const tagA = `a${n}r${r}`;
      const tagB = `b${n}r${r}`;
      const pA = path.join(dir, `${tagA}.diff`);
      const pB = path.join(dir, `${tagB}.diff`);
      writeFileSync(pA, makePatch(repo, targets, tagA));
      writeFileSync(pB, makePatch(repo, targets, tagB));

      // CEE: the next step (provisioning of a pooled worktree at the step's start), a retry of that step
      // (provisioning resets N changed files), the checkpoint, the restore.
      waitForGc(path.join(repo, '.git'), ...shadows.map((x) => x.s.gitDir));
      m.version.push(ceeVersion());
      const eA = cee(repo, ['edit', '--step', '2', '--patch', pA]);
      if (eA.status !== 0) throw new Error(`edit failed: ${eA.stderr}`);
      m.provNext.push(phase(eA.timings, 'git.provisionWorktree'));
      const eB = cee(repo, ['edit', '--step', '2', '--patch', pB]);
      if (eB.status !== 0) throw new Error(`retry edit failed: ${eB.stderr}`);
      m.provRetry.push(phase(eB.timings, 'git.provisionWorktree'));
      sleep(opts.settle);
      m.version.push(ceeVersion());
      const cp = cee(repo, ['checkpoint', `bench ${tagB}`]);
      if (cp.status !== 0) throw new Error(`checkpoint failed: ${cp.stderr}`);
      m.cpCee.push(cp.ms);
      // The checkpoint may have started `git gc --auto` in the background: let it finish before measuring more.
      waitForGc(path.join(repo, '.git'));
      sleep(opts.settle);
      const rs = cee(repo, ['restore', 'codex-cp-1']);
      if (rs.status !== 0) throw new Error(`restore failed: ${rs.stderr}`);
      m.rsCee.push(rs.ms);
      m.phases.push({ checkpoint: cp.timings, restore: rs.timings, edit: eB.timings });

      // Plain git, same work on the floor worktree.
      m.provNextFloor.push(gitSeq(floor, [['reset', '-q', '--hard', cp1], ['clean', '-fdq']]));
      applyEdit(floor, targets, tagA);
      git(floor, ['add', '-A']); // like CEE after an edit: the change is in the index
      sleep(opts.settle);
      m.provRetryFloor.push(gitSeq(floor, [['reset', '-q', '--hard', cp1], ['clean', '-fdq']]));
      applyEdit(floor, targets, tagB);
      sleep(opts.settle);
      let ms = git(floor, ['add', '-A']).ms;
      const w = git(floor, ['write-tree']);
      const c = git(floor, ['commit-tree', w.stdout.trim(), '-p', cp1, '-m', `floor ${tagB}`]);
      const t = git(floor, ['tag', '-a', '-F', metaFile, `floor-${files}-${tagB}`, c.stdout.trim()]);
      ms += w.ms + c.ms + t.ms;
      m.cpFloor.push(ms);
      sleep(opts.settle);
      m.rsFloor.push(gitSeq(floor, [['read-tree', '-u', '--reset', cp1Tree], ['clean', '-fdq']]));

      // Shadow repositories: checkpoint after the same edit, then restore the state before it.
      shadows.forEach((x, i) => {
        applyEdit(x.wt, targets, tagB);
        waitForGc(x.s.gitDir);
        sleep(opts.settle);
        m.shadowCp[i].push(x.s.checkpoint(`checkpoint ${tagB}`).ms);
        waitForGc(x.s.gitDir);
        sleep(opts.settle);
        m.shadowRs[i].push(x.s.restore(x.base));
      });
      log(`   ${fmtN(n)} changed, run ${r + 1}/${opts.runs}: checkpoint ${fmtMs(cp.ms)} ms (floor ${fmtMs(ms)}), restore ${fmtMs(rs.ms)} ms, provisioning ${fmtMs(m.provNext.at(-1))}/${fmtMs(m.provRetry.at(-1))} ms`);
    }
    const v = median(m.version);
    const med = {
      version: v,
      cpCee: median(m.cpCee) - v,
      cpFloor: median(m.cpFloor),
      rsCee: median(m.rsCee) - v,
      rsFloor: median(m.rsFloor),
      provNext: median(m.provNext),
      provNextFloor: median(m.provNextFloor),
      provRetry: median(m.provRetry),
      provRetryFloor: median(m.provRetryFloor),
      fresh: median(fresh),
      shadowCp: m.shadowCp.map(median),
      shadowRs: m.shadowRs.map(median),
      phasesCheckpoint: medianPhases(m.phases.map((p) => p.checkpoint)),
      phasesRestore: medianPhases(m.phases.map((p) => p.restore)),
    };
    results.push({ changed: n, median: med, raw: { ...m, phases: undefined } });
  }

  const storage = {
    gitDirBefore: gitDirBytes0,
    gitDirAfterFirst: gitDirBytes1,
    // (the bench's own floor worktree, inside .git, is not CEE's)
    gitDirAfterAll: duBytes(path.join(repo, '.git')) - duBytes(path.join(repo, '.git', 'cee-bench')),
    worktreeCheckout: worktreeBytes,
    objectsBefore: objects0,
    objectsAfterFirst: objects1,
    objectsAfterAll: countObjects(repo),
    checkpoints: git(repo, ['tag', '-l', 'codex-cp-*']).stdout.split('\n').filter(Boolean).length,
    shadows: shadows.map((x) => ({ name: x.s.name, gitDir: x.gitDirBytes, objects: x.objects, firstMs: x.firstMs, gitDirAfterAll: duBytes(x.s.gitDir) })),
  };
  if (DAEMON) cee(repo, ['daemon', 'stop'], { allowFail: true });
  if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  return { files, mode: DAEMON ? 'daemon' : 'process', genMs, daemonStartMs, first, storage, results, shadowNames: shadows.map((x) => x.s.name) };
}

/** Median duration per phase over runs (top-level engine phases only: `checkpoint:*`, `restore:*`, load). */
function medianPhases(list) {
  const by = {};
  for (const t of list) {
    if (!t) continue;
    const seen = {};
    for (const p of t.phases) {
      if (!/^(checkpoint|restore|engine|command)[:.]/.test(p.phase)) continue;
      seen[p.phase] = (seen[p.phase] ?? 0) + p.ms;
    }
    seen.load = t.load_ms;
    seen.git_processes = t.phases.filter((p) => p.phase.startsWith('git ')).length;
    for (const [k, v] of Object.entries(seen)) {
      if (!by[k]) by[k] = [];
      by[k].push(v);
    }
  }
  return Object.fromEntries(Object.entries(by).map(([k, v]) => [k, median(v)]));
}

// ---------------------------------------------------------------------------------------------- report
/** "50,000 files", or "50,000 files (daemon)" for the figures measured through `cee daemon`. */
function sizeLabel(size) {
  return `${fmtN(size.files)} files${size.mode === 'daemon' ? ' (daemon)' : ''}`;
}

function rows(size) {
  const out = [];
  for (const { changed, median: m } of size.results) {
    const label = `${sizeLabel(size)}, ${fmtN(changed)} changed`;
    const shadowMin = Math.min(...m.shadowCp);
    const shadowName = size.shadowNames[m.shadowCp.indexOf(shadowMin)];
    const row = (metric, cee, base, baseLabel, bar, cmp = 'le') => {
      const ratio = cee / base;
      const pass = cmp === 'info' ? 'info' : ratio <= bar ? 'PASS' : 'FAIL';
      out.push({ label, metric, cee, base, baseLabel, ratio, bar: cmp === 'info' ? null : bar, pass });
    };
    row('checkpoint', m.cpCee, m.cpFloor, 'add -A + write-tree + commit-tree + tag', 1.3);
    row('checkpoint vs shadow repo', m.cpCee, shadowMin, `${shadowName} shadow (faster of ${size.shadowNames.join('/')})`, 0.3);
    const firstShadow = Math.min(...size.storage.shadows.map((x) => x.firstMs));
    if (changed === size.results[0].changed) row('first checkpoint vs shadow repo', size.first.checkpointMs, firstShadow, 'the faster shadow repo\'s first checkpoint (init + hash every file)', 0.3);
    for (const [i, name] of size.shadowNames.entries()) {
      row(`  (${name} shadow)`, m.cpCee, m.shadowCp[i], `${name}: ${name === 'Cline' ? 'add . + commit --allow-empty' : 'add . + status + commit'}`, 0, 'info');
    }
    row('provisioning, next step', m.provNext, m.provNextFloor, 'reset --hard + clean (pooled worktree)', 1.3);
    row('provisioning, retry (N files differ)', m.provRetry, m.provRetryFloor, 'reset --hard + clean (pooled worktree)', 1.3);
    row('provisioning vs fresh worktree', Math.max(m.provNext, m.provRetry), m.fresh, 'worktree add --detach', 0.5);
    row('restore', m.rsCee, m.rsFloor, 'read-tree -u --reset + clean', 1.3);
    for (const [i, name] of size.shadowNames.entries()) {
      row(`  (vs ${name} shadow restore)`, m.rsCee, m.shadowRs[i], name === 'Cline' ? 'reset --hard' : 'restore --source + clean -f -d', 0, 'info');
    }
  }
  return out;
}

function printTable(all, opts, out) {
  const lines = [];
  const head = ['repository', 'metric', 'CEE ms', 'baseline ms', 'ratio', 'bar', 'result', 'baseline'];
  const data = [];
  for (const size of all) for (const r of rows(size)) data.push([r.label, r.metric, fmtMs(r.cee), fmtMs(r.base), fmtX(r.ratio), r.bar === null ? '' : `≤ ${r.bar}×`, r.pass, r.baseLabel]);
  if (opts.markdown) {
    lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`);
    for (const d of data) lines.push(`| ${d.join(' | ')} |`);
  } else {
    const widths = head.map((h, i) => Math.max(h.length, ...data.map((d) => d[i].length)));
    const fmt = (d) => d.map((c, i) => (i === d.length - 1 ? c : i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
    lines.push(fmt(head), widths.map((w) => '-'.repeat(w)).join('  '));
    let prev = '';
    for (const d of data) {
      if (prev && d[0] !== prev) lines.push('');
      prev = d[0];
      lines.push(fmt(d));
    }
  }
  lines.push('');
  lines.push(opts.markdown ? '| repository | first checkpoint: CEE | CEE worktree add (first step) | shadow repos, first checkpoint | `.git` before → after first → after all | objects: loose (KiB), packs | CEE worktree checkout | shadow `.git` |' : 'First checkpoint and storage');
  if (opts.markdown) lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of all) {
    const st = s.storage;
    const o = (x) => `${fmtN(x.loose)} loose (${fmtN(x.looseKiB)} KiB), ${x.packs} pack(s)`;
    const cells = [
      sizeLabel(s),
      `${fmtMs(s.first.checkpointMs)} ms`,
      `${fmtMs(s.first.worktreeAddMs)} ms`,
      st.shadows.map((x) => `${x.name} ${fmtMs(x.firstMs)} ms`).join(', '),
      `${fmtMiB(st.gitDirBefore)} → ${fmtMiB(st.gitDirAfterFirst)} → ${fmtMiB(st.gitDirAfterAll)}`,
      `${o(st.objectsBefore)} → ${o(st.objectsAfterAll)} (${st.checkpoints} checkpoints)`,
      fmtMiB(st.worktreeCheckout),
      st.shadows.map((x) => `${x.name} ${fmtMiB(x.gitDirAfterAll)}`).join(', '),
    ];
    if (opts.markdown) lines.push(`| ${cells.join(' | ')} |`);
    else {
      lines.push(`  ${cells[0]}: first checkpoint ${cells[1]} (CEE; its first step's worktree add ${cells[2]}); shadow repos: ${cells[3]}`);
      lines.push(`    .git ${cells[4]} (includes CEE's worktree checkout of ${cells[6]}); objects ${cells[5]}; shadow .git: ${cells[7]}`);
    }
  }
  out(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------- main
const opts = parseArgs(process.argv.slice(2));
if (opts.report) {
  // Print the tables of an earlier run (--json) again, without measuring anything.
  const saved = JSON.parse(readFileSync(opts.report, 'utf8'));
  rmSync(BASE, { recursive: true, force: true });
  process.stdout.write(`${saved.header}\n\n`);
  printTable(saved.sizes, opts, (s) => process.stdout.write(`${s}\n`));
  process.exit(0);
}
if (!existsSync(CLI)) {
  process.stderr.write(`The CLI is not built (${CLI}): run \`pnpm bench\` or \`nx run @cgce/cli:build\` first.\n`);
  process.exit(2);
}
const log = (s) => process.stderr.write(`${s}\n`);
const gitVersion = git(BASE, ['--version']).stdout.trim();
const header = `CEE checkpoint bench — ${gitVersion}, node ${process.version}, ${os.cpus().length} CPU(s), ${os.platform()} ${os.release()}; median of ${opts.runs} run(s); CEE times minus \`cee --version\` (process start); CEE ${opts.modes.map((m) => (m === 'daemon' ? 'through `cee daemon` ("(daemon)" rows)' : 'as a process per command')).join(', and ')}`;
log(header);
const all = [];
try {
  for (const mode of opts.modes) {
    DAEMON = mode === 'daemon';
    for (const f of opts.files) all.push(benchSize(f, opts, log));
  }
} finally {
  if (!opts.keep) rmSync(BASE, { recursive: true, force: true });
  else log(`kept ${BASE}`);
}
process.stdout.write(`\n${header}\n\n`);
printTable(all, opts, (s) => process.stdout.write(`${s}\n`));
const phasesOut = [];
for (const s of all) for (const r of s.results) phasesOut.push(`  ${sizeLabel(s)}, ${fmtN(r.changed)} changed: checkpoint ${JSON.stringify(r.median.phasesCheckpoint)}; restore ${JSON.stringify(r.median.phasesRestore)}`);
process.stdout.write(`\nCEE phases (CEE_TIMINGS=1, median ms; load = importing the CLI; git_processes = git spawns):\n${phasesOut.join('\n')}\n`);
if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ header, options: opts, sizes: all }, null, 2)}\n`);
const failed = all.flatMap(rows).filter((r) => r.pass === 'FAIL');
process.stdout.write(`\n${failed.length === 0 ? 'All bars hold.' : `${failed.length} bar(s) not met: ${failed.map((r) => `${r.label} ${r.metric.trim()} ${fmtX(r.ratio)} (bar ≤ ${r.bar}×)`).join('; ')}`}\n`);
