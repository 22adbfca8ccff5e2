import { defineOptionsSchema, definePlugin, type Plugin } from '@cgce/core';

export const NAME = '@cgce/extension-figma';
export const VERSION = '0.1.0';

export interface FigmaOptions {
  /** The Figma file's key (from its URL: figma.com/design/<key>/…). */
  fileKey: string | null;
  /** A frame or component inside the file, in the API's form `12:34`. */
  nodeId: string | null;
  /** The link the options were read from, when one was given. */
  url: string | null;
}

/** What `pre-plan` hands the planner. */
export interface FigmaPlanContext {
  fileKey: string | null;
  nodeId: string | null;
  url: string | null;
}

const FILE_KEY = /^[A-Za-z0-9]{10,64}$/;
const NODE_ID = /^\d+[:-]\d+$/;
const FIGMA_HOSTS = new Set(['figma.com', 'www.figma.com']);

/** `https://www.figma.com/design/<key>/<title>?node-id=12-34` → { fileKey, nodeId: '12:34' }; null when not a Figma file link. */
export function parseFigmaUrl(value: string): { fileKey: string; nodeId: string | null } | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || !FIGMA_HOSTS.has(url.hostname)) return null;
  const [kind, key] = url.pathname.split('/').filter(Boolean);
  if (!kind || !key || !['file', 'design', 'proto', 'board'].includes(kind) || !FILE_KEY.test(key)) return null;
  const node = url.searchParams.get('node-id');
  return { fileKey: key, nodeId: node && NODE_ID.test(node) ? node.replace('-', ':') : null };
}

export const figmaOptionsSchema = defineOptionsSchema<FigmaOptions>(
  (o, issues) => {
    const out: FigmaOptions = { fileKey: null, nodeId: null, url: null };
    if (o['url'] !== undefined) {
      const parsed = typeof o['url'] === 'string' ? parseFigmaUrl(o['url']) : null;
      if (!parsed) issues.add('url', 'must be a Figma file link, e.g. https://www.figma.com/design/<key>/<name>?node-id=1-2');
      else Object.assign(out, parsed, { url: o['url'] });
    }
    if (o['fileKey'] !== undefined) {
      if (typeof o['fileKey'] !== 'string' || !FILE_KEY.test(o['fileKey'])) issues.add('fileKey', 'must be a Figma file key (letters and digits)');
      else out.fileKey = o['fileKey'];
    }
    if (o['nodeId'] !== undefined) {
      if (typeof o['nodeId'] !== 'string' || !NODE_ID.test(o['nodeId'])) issues.add('nodeId', 'must be a node id such as 12:34');
      else out.nodeId = o['nodeId'].replace('-', ':');
    }
    return out;
  },
  { known: ['url', 'fileKey', 'nodeId'] },
);

/**
 * The Figma extension. For now `pre-plan` passes the configured design reference to the planner; reading
 * the frame's content over Figma's REST API comes later (see README).
 */
export default definePlugin((): Plugin<FigmaOptions> => ({
  meta: { name: NAME, version: VERSION, hostApi: '^1.0.0' },
  optionsSchema: figmaOptionsSchema,
  hooks: {
    'pre-plan': (ctx) => {
      const context: FigmaPlanContext = { fileKey: ctx.options.fileKey, nodeId: ctx.options.nodeId, url: ctx.options.url };
      return { context, criteria: [] };
    },
  },
}));
