import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cee, cleanup, git, makeRepo, newFileDiff, writePlan } from './harness.js';

/** A local extension in both forms, loaded from the repository like a user's own. */
describe('extensions through the hook seam', () => {
  let repo: string;
  let events: string;
  beforeAll(async () => {
    repo = makeRepo();
    events = path.join(path.dirname(repo), 'events.log');
    expect((await cee(['init'], { cwd: repo })).code).toBe(0);
    const dir = path.join(repo, 'codex_engine/tools/extensions');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'audit.mjs'),
      `import { appendFileSync } from 'node:fs';
const log = (e) => appendFileSync(${JSON.stringify(events)}, e + '\\n');
export default (options) => ({
  meta: { name: 'audit', version: '1.0.0', hostApi: '^1.0.0' },
  hooks: {
    'pre-plan': async (ctx) => { log('pre-plan ' + ctx.plan.objective); return { context: { ticket: options.ticket }, criteria: ['ticket ' + options.ticket + ' is linked'] }; },
    'post-edit': async (ctx) => log('post-edit step ' + ctx.step.id + ' ' + ctx.change.files.map((f) => f.path).join(',')),
    'pre-validation': async (ctx) => ({ findings: ctx.change.files.some((f) => f.path.includes('forbidden')) ? [{ file: 'src/forbidden.js', line: 1, message: 'forbidden file', severity: 'error' }] : [] }),
    'post-checkpoint': async (ctx) => log('post-checkpoint ' + ctx.checkpoint.tag),
    'on-failure': async (ctx) => log('on-failure ' + ctx.error.code),
  },
});
`,
    );
    writeFileSync(path.join(dir, 'plain.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function onPostPlan(ctx) { appendFileSync(${JSON.stringify(events)}, 'plain post-plan\\n'); }\n`);
    writeFileSync(
      path.join(repo, 'codex_engine/tools/extension_manifest.json'),
      JSON.stringify({
        extensions: [
          { name: './codex_engine/tools/extensions/audit.mjs', options: { ticket: 'CEE-7' } },
          { name: './codex_engine/tools/extensions/plain.mjs', hooks: ['post-plan'] },
        ],
      }),
    );
    writeFileSync(path.join(repo, 'codex_engine/tools/validation.json'), JSON.stringify({ tests: [] }));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'extensions');
  });
  afterAll(() => cleanup(repo));

  it('pre-plan context and criteria are recorded with the plan; post hooks fire', async () => {
    const r = await cee(['plan', '--from', writePlan(repo, ['src/**']), '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.plan.criteria).toEqual(['ticket CEE-7 is linked']);
    expect(r.json.plan.context).toEqual([expect.objectContaining({ plugin: 'audit', context: { ticket: 'CEE-7' } })]);
    expect(readFileSync(path.join(repo, 'codex_engine/PLAN.md'), 'utf8')).toContain('ticket CEE-7 is linked');
    const log = readFileSync(events, 'utf8');
    expect(log).toContain('pre-plan Test objective');
    expect(log).toContain('plain post-plan');
  });

  it('an error finding from pre-validation fails the step (exit 1) and fires on-failure', async () => {
    const p = path.join(path.dirname(repo), 'f.diff');
    writeFileSync(p, newFileDiff('src/forbidden.js', 'export const f = 1;\n'));
    expect((await cee(['edit', '--patch', p], { cwd: repo })).code).toBe(0);
    expect(readFileSync(events, 'utf8')).toContain('post-edit step 1 src/forbidden.js');
    const t = await cee(['test', '--json'], { cwd: repo });
    expect(t.code).toBe(1);
    expect(t.json.error).toMatchObject({ code: 'EXTENSION_FINDING', plugin: 'audit', hook: 'pre-validation' });
    expect(readFileSync(events, 'utf8')).toContain('on-failure EXTENSION_FINDING');
    const failures = readFileSync(path.join(repo, 'codex_engine/state/failure_log.jsonl'), 'utf8');
    expect(failures).toContain('"plugin":"audit"');
  });

  it('post-checkpoint fires with the tag', async () => {
    const p = path.join(path.dirname(repo), 'ok.diff');
    writeFileSync(p, newFileDiff('src/fine.js', 'export const f = 1;\n'));
    for (const args of [['edit', '--patch', p], ['test'], ['checkpoint']]) {
      const r = await cee(args, { cwd: repo });
      expect(r.code, r.stderr).toBe(0);
    }
    expect(readFileSync(events, 'utf8')).toContain('post-checkpoint codex-cp-1');
  });

  it('extend --list shows the loaded extensions; extend adds a valid one and refuses a missing one', async () => {
    const list = await cee(['extend', '--list', '--json'], { cwd: repo });
    expect(list.code, list.stderr).toBe(0);
    expect(list.json.extensions).toEqual([
      expect.objectContaining({ name: 'audit', version: '1.0.0', hooks: expect.arrayContaining(['pre-plan', 'post-checkpoint']) }),
      expect.objectContaining({ hooks: ['post-plan'] }),
    ]);
    const manifest = path.join(repo, 'codex_engine/tools/extension_manifest.json');
    writeFileSync(path.join(repo, 'codex_engine/tools/extensions/late.mjs'), 'export async function onPreRestore() {}\n');
    const add = await cee(['extend', './codex_engine/tools/extensions/late.mjs', '--json'], { cwd: repo });
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(readFileSync(manifest, 'utf8')).extensions.at(-1)).toMatchObject({ name: './codex_engine/tools/extensions/late.mjs' });
    const before = readFileSync(manifest, 'utf8');
    const missing = await cee(['extend', 'jira'], { cwd: repo });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('npm i -D @cgce/extension-jira');
    expect(readFileSync(manifest, 'utf8')).toBe(before);
  });

  it('an extension path that escapes the repository is refused with exit 2', async () => {
    const manifest = path.join(repo, 'codex_engine/tools/extension_manifest.json');
    const saved = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, JSON.stringify({ extensions: [{ name: '../evil.mjs' }] }));
    const r = await cee(['plan', '--from', writePlan(repo)], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/extension_manifest\.json/);
    writeFileSync(manifest, saved);
  });
});
