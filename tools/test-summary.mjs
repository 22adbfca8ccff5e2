// Adds up the vitest JSON reports of every project into one closing line: "tests: N passed, N failed".
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const projects = ['packages/core', 'packages/guardrails', 'packages/checkpoint', 'packages/git-adapter', 'packages/cli', 'plugins/jira', 'plugins/figma', 'plugins/linter'];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const p of projects) {
  const file = path.join(root, p, 'reports/vitest.json');
  if (!existsSync(file)) {
    console.error(`test-summary: ${p} has no test report`);
    failed++;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  console.log(`test-summary: ${p}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
