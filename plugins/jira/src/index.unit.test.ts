import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHookBus, type HookLogger, loadExtensions } from '@cgce/core';
import { describe, expect, it } from 'vitest';
import jira, { jiraOptionsSchema, NAME, VERSION } from './index.js';

const logger: HookLogger = { info() {}, warn() {}, error() {} };
const RUN = { run: { id: 'r1', repoRoot: '/repo', command: 'plan' } };

/** Load the plugin the way the host does: factory → plugin, options through its schema, then the bus. */
/** The extension as `cee` loads it from a repository: the host's own loader (path form), then the hook bus. */
async function bus(options: Record<string, unknown>) {
  const { plugins } = await loadExtensions([{ name: './src/index.ts', hooks: ['pre-plan'], options }], {
    repoRoot: fileURLToPath(new URL('..', import.meta.url)),
    manifestFile: 'codex_engine/tools/extensions.json',
    importer: (file) => import(pathToFileURL(file).href),
  });
  return createHookBus(plugins, { logger });
}

describe('@cgce/extension-jira', () => {
  it('declares its name, version and host API', async () => {
    const plugin = await jira({ site: null, issue: null });
    expect(plugin.meta).toEqual({ name: NAME, version: VERSION, hostApi: '^1.0.0' });
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    expect([pkg.name, pkg.version]).toEqual([NAME, VERSION]);
    expect(Object.keys(plugin.hooks)).toEqual(['pre-plan']);
  });

  it('hands the planner the configured issue and site from pre-plan', async () => {
    const out = await (await bus({ site: 'https://acme.atlassian.net/', issue: 'ABC-123' })).run('pre-plan', RUN);
    expect(out).toEqual([{ plugin: NAME, result: { context: { issue: 'ABC-123', site: 'https://acme.atlassian.net' }, criteria: [] } }]);
  });

  it('uses null for what is not configured', async () => {
    const out = await (await bus({})).run('pre-plan', RUN);
    expect(out[0]!.result).toEqual({ context: { issue: null, site: null }, criteria: [] });
  });

  it('validates its options', () => {
    expect(jiraOptionsSchema.safeParse({ site: 'ftp://x', issue: 'abc-1', token: 'x' })).toEqual({
      success: false,
      error: {
        issues: [
          { path: ['token'], message: 'is not an option (options: site, issue)' },
          { path: ['site'], message: 'must be an http(s) URL, e.g. https://acme.atlassian.net' },
          { path: ['issue'], message: 'must be an issue key such as ABC-123' },
        ],
      },
    });
  });
});
