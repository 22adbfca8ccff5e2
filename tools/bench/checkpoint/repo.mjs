// Deterministic source-like repositories for the checkpoint bench (plain ESM, node + git only).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** mulberry32: a tiny seeded PRNG, so every run generates the same bytes. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'account', 'buffer', 'cache', 'client', 'config', 'context', 'cursor', 'digest', 'entry', 'event', 'factory',
  'filter', 'handle', 'index', 'item', 'key', 'layer', 'limit', 'loader', 'mapper', 'model', 'node', 'order',
  'parser', 'queue', 'record', 'report', 'request', 'result', 'route', 'schema', 'session', 'source', 'state',
  'stream', 'table', 'token', 'tree', 'update', 'user', 'value', 'view', 'worker',
];
const EXTS = ['.ts', '.ts', '.ts', '.js', '.py', '.md', '.json', '.txt'];
/** Files per leaf folder and folders per level: 2,000 files → ~3 levels, 50,000 → 4 levels. */
const PER_DIR = 24;
const FANOUT = 12;

function pick(r, list) {
  return list[Math.floor(r() * list.length)];
}

function body(ext, r, i) {
  const name = `${pick(r, WORDS)}${pick(r, WORDS)[0].toUpperCase()}${pick(r, WORDS).slice(1)}${i}`;
  const lines = [];
  const n = 18 + Math.floor(r() * 40);
  if (ext === '.md') {
    lines.push(`# ${name}`, '');
    for (let k = 0; k < n; k++) lines.push(`The ${pick(r, WORDS)} ${pick(r, WORDS)} keeps a ${pick(r, WORDS)} per ${pick(r, WORDS)} (${k}).`);
  } else if (ext === '.json') {
    lines.push('{');
    for (let k = 0; k < n; k++) lines.push(`  "${pick(r, WORDS)}${k}": ${Math.floor(r() * 1e6)},`);
    lines.push(`  "name": "${name}"`, '}');
  } else if (ext === '.py') {
    lines.push(`"""${name}."""`, '', `def ${name.toLowerCase()}(${pick(r, WORDS)}, ${pick(r, WORDS)}_):`);
    for (let k = 0; k < n; k++) lines.push(`    ${pick(r, WORDS)}_${k} = ${pick(r, WORDS)}_ * ${k} + ${Math.floor(r() * 1000)}`);
    lines.push(`    return ${pick(r, WORDS)}_0`);
  } else if (ext === '.txt') {
    for (let k = 0; k < n; k++) lines.push(`${pick(r, WORDS)} ${pick(r, WORDS)} ${pick(r, WORDS)} ${Math.floor(r() * 1e6)}`);
  } else {
    lines.push(`// ${name}: generated for the CEE checkpoint bench`, '');
    lines.push(`export function ${name}(${pick(r, WORDS)}: number, ${pick(r, WORDS)}Arg: string): number {`);
    for (let k = 0; k < n; k++) lines.push(`  const ${pick(r, WORDS)}${k} = ${Math.floor(r() * 1000)} * ${k}; // ${pick(r, WORDS)}`);
    lines.push(`  return ${n};`, '}');
  }
  return `${lines.join('\n')}\n`;
}

/** The repository-relative path of file `i` of a repository of `total` files. */
export function filePath(i, total) {
  const dirs = Math.ceil(total / PER_DIR);
  let depth = 1;
  while (FANOUT ** depth < dirs) depth++;
  let d = Math.floor(i / PER_DIR);
  const digits = [];
  for (let k = 0; k < depth; k++) {
    digits.unshift(d % FANOUT);
    d = Math.floor(d / FANOUT);
  }
  const parts = digits.map((n, j) => `${j === 0 ? 'pkg' : j === depth - 1 ? 'mod' : 'lib'}${n}`);
  const r = rng(i * 7919 + 13);
  return `src/${parts.join('/')}/${pick(r, WORDS)}-${i}${EXTS[i % EXTS.length]}`;
}

export function git(cwd, args, opts = {}) {
  const res = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30, env: opts.env ?? process.env, input: opts.input });
  if (res.status !== 0 && !opts.allowFail) {
    throw new Error(`git ${args.join(' ')} (in ${cwd}) exited ${res.status}: ${res.stderr}`);
  }
  return res.stdout;
}

/**
 * Write `files` source-like files with node fs (deterministic), then one `git add -A && git commit`.
 * Returns the list of paths.
 */
export function generateRepo(dir, files, { seed = 1 } = {}) {
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.name', 'Bench']);
  git(dir, ['config', 'user.email', 'bench@localhost.invalid']);
  git(dir, ['config', 'commit.gpgsign', 'false']);
  const paths = [];
  const made = new Set();
  for (let i = 0; i < files; i++) {
    const p = filePath(i, files);
    const folder = p.slice(0, p.lastIndexOf('/'));
    if (!made.has(folder)) {
      mkdirSync(join(dir, folder), { recursive: true });
      made.add(folder);
    }
    const r = rng(seed * 1_000_003 + i);
    writeFileSync(join(dir, p), body(p.slice(p.lastIndexOf('.')), r, i));
    paths.push(p);
  }
  writeFileSync(join(dir, 'README.md'), `# bench repository (${files} files)\n`);
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\ndist/\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', `bench: ${files} generated files`]);
  // A cloned repository is packed: pack the generated one too, so `.git` growth and loose-object counts
  // read like they would on a real checkout.
  git(dir, ['repack', '-adq']);
  git(dir, ['prune-packed']);
  return paths;
}

/** `n` evenly spread paths out of `paths` (deterministic). */
export function choose(paths, n, offset = 0) {
  const out = [];
  const stride = paths.length / n;
  for (let k = 0; k < n; k++) out.push(paths[(Math.floor(k * stride) + offset) % paths.length]);
  return [...new Set(out)];
}

/** A value no generated file holds (they are all below 1e6), distinct per tag. */
function jsonValue(tag) {
  let h = 0;
  for (const ch of tag) h = (h * 31 + ch.charCodeAt(0)) % 1_000_000;
  return 1_000_000 + h;
}

/** The comment syntax of a generated file (a comment line keeps every tier detector at "low"). */
function commentFor(p, text) {
  if (p.endsWith('.py')) return `# ${text}`;
  if (p.endsWith('.md') || p.endsWith('.txt')) return text;
  if (p.endsWith('.json')) return null;
  return `// ${text}`;
}

/**
 * A unified diff that inserts one comment line before the first line of each file, read from `dir`
 * (JSON files get a line changed instead: they cannot hold comments).
 */
export function makePatch(dir, paths, tag) {
  const parts = [];
  for (const p of paths) {
    const text = readFileSync(join(dir, p), 'utf8');
    const lines = text.split('\n');
    const ctx = lines.slice(0, 3);
    const c = commentFor(p, `cee-bench ${tag}`);
    if (c === null) {
      // `{` / first key / second key: change the first key's value.
      const changed = ctx[1].replace(/: \d+,$/, `: ${jsonValue(tag)},`);
      parts.push(`diff --git a/${p} b/${p}\n--- a/${p}\n+++ b/${p}\n@@ -1,3 +1,3 @@\n ${ctx[0]}\n-${ctx[1]}\n+${changed === ctx[1] ? `${ctx[1]} ` : changed}\n ${ctx[2]}\n`);
    } else {
      parts.push(`diff --git a/${p} b/${p}\n--- a/${p}\n+++ b/${p}\n@@ -1,3 +1,4 @@\n+${c}\n ${ctx.join('\n ')}\n`);
    }
  }
  return parts.join('');
}

/** Modify `paths` in `dir` the way `makePatch` describes (for the plain-git and shadow measurements). */
export function applyEdit(dir, paths, tag) {
  for (const p of paths) {
    const file = join(dir, p);
    const text = readFileSync(file, 'utf8');
    const c = commentFor(p, `cee-bench ${tag}`);
    if (c === null) {
      const lines = text.split('\n');
      const changed = lines[1].replace(/: \d+,$/, `: ${jsonValue(tag)},`);
      lines[1] = changed === lines[1] ? `${lines[1]} ` : changed;
      writeFileSync(file, lines.join('\n'));
    } else writeFileSync(file, `${c}\n${text}`);
  }
}
