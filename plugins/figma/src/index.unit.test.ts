import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHookBus, type HookLogger, loadExtensions } from '@cgce/core';
import { describe, expect, it } from 'vitest';
import figma, { figmaOptionsSchema, NAME, parseFigmaUrl, VERSION } from './index.js';

const logger: HookLogger = { info() {}, warn() {}, error() {} };
const RUN = { run: { id: 'r1', repoRoot: '/repo', command: 'plan' } };
const LINK = 'https://www.figma.com/design/AbCdEf123456/Checkout?node-id=12-34&t=x';

/** The extension as `cee` loads it from a repository: the host's own loader (path form), then the hook bus. */
async function bus(options: Record<string, unknown>) {
  const { plugins } = await loadExtensions([{ name: './src/index.ts', hooks: ['pre-plan'], options }], {
    repoRoot: fileURLToPath(new URL('..', import.meta.url)),
    manifestFile: 'codex_engine/tools/extensions.json',
    importer: (file) => import(pathToFileURL(file).href),
  });
  return createHookBus(plugins, { logger });
}

describe('@cgce/extension-figma', () => {
  it('declares its name, version and host API', async () => {
    const plugin = await figma({ fileKey: null, nodeId: null, url: null });
    expect(plugin.meta).toEqual({ name: NAME, version: VERSION, hostApi: '^1.0.0' });
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    expect([pkg.name, pkg.version]).toEqual([NAME, VERSION]);
  });

  it('hands the planner the design reference from pre-plan', async () => {
    const out = await (await bus({ url: LINK })).run('pre-plan', RUN);
    expect(out).toEqual([{ plugin: NAME, result: { context: { fileKey: 'AbCdEf123456', nodeId: '12:34', url: LINK }, criteria: [] } }]);
    const bare = await (await bus({})).run('pre-plan', RUN);
    expect(bare[0]!.result).toEqual({ context: { fileKey: null, nodeId: null, url: null }, criteria: [] });
  });

  it('reads Figma links', () => {
    expect(parseFigmaUrl('https://figma.com/file/AbCdEf123456/T?node-id=1%3A2')).toEqual({ fileKey: 'AbCdEf123456', nodeId: '1:2' });
    expect(parseFigmaUrl('https://www.figma.com/board/AbCdEf123456/T')).toEqual({ fileKey: 'AbCdEf123456', nodeId: null });
    expect(parseFigmaUrl('https://evil.example/design/AbCdEf123456/T')).toBeNull();
    expect(parseFigmaUrl('http://www.figma.com/design/AbCdEf123456/T')).toBeNull();
    expect(parseFigmaUrl('not a url')).toBeNull();
  });

  it('lets explicit fileKey and nodeId win, and validates its options', () => {
    expect(figmaOptionsSchema.safeParse({ url: LINK, nodeId: '5-6' })).toEqual({
      success: true,
      data: { fileKey: 'AbCdEf123456', nodeId: '5:6', url: LINK },
    });
    const bad = figmaOptionsSchema.safeParse({ url: 'https://example.com', fileKey: 'x', nodeId: 7, token: 't' });
    expect(bad.success).toBe(false);
    expect(bad.success ? [] : bad.error.issues.map((i) => i.path.join('.'))).toEqual(['token', 'url', 'fileKey', 'nodeId']);
  });
});
