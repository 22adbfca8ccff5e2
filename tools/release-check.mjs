// Release check, run by `pnpm test` (and so by CI): apply the pending changesets on a scratch copy of the
// repository, then pack every publishable package and check it with publint, so a broken `exports` map,
// a missing file or a bad changeset fails before anyone publishes.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workspaces = ['packages/core', 'packages/guardrails', 'packages/checkpoint', 'packages/git-adapter', 'packages/cli', 'plugins/jira', 'plugins/figma', 'plugins/linter'];
let problems = 0;

// 1. changeset version on a scratch copy (tracked files only).
const scratch = mkdtempSync(path.join(os.tmpdir(), 'cee-release-'));
try {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root }).toString('utf8').split('\0').filter(Boolean);
  for (const f of files) {
    try {
      cpSync(path.join(root, f), path.join(scratch, f), { recursive: false, force: true, dereference: false });
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'));
  execFileSync('git', ['init', '-q'], { cwd: scratch });
  execFileSync(process.execPath, [path.join(root, 'node_modules/@changesets/cli/bin.js'), 'version'], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
  const cli = JSON.parse(readFileSync(path.join(scratch, 'packages/cli/package.json'), 'utf8'));
  console.log(`release-check: changeset version ok (@cgce/cli would be ${cli.version})`);
} catch (e) {
  problems++;
  console.error(`release-check: changeset version failed: ${e.stderr?.toString() || e.message}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

// 2. Pack each package the way pnpm publishes it and lint the pack.
for (const dir of workspaces) {
  const pkgDir = path.join(root, dir);
  const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const { messages } = await publint({ pkgDir, pack: 'pnpm', strict: true });
  const errors = messages.filter((m) => m.type === 'error' || m.type === 'warning');
  for (const m of errors) console.error(`release-check: ${pkg.name}: ${formatMessage(m, pkg)}`);
  problems += errors.length;
  if (!errors.length) console.log(`release-check: ${pkg.name}@${pkg.version} packs cleanly`);
}
if (problems) {
  console.error(`release-check: ${problems} problem(s)`);
  process.exit(1);
}
