import { defineOptionsSchema, definePlugin, type Plugin } from '@cgce/core';

export const NAME = '@cgce/extension-jira';
export const VERSION = '0.1.0';

export interface JiraOptions {
  /** The Jira site, e.g. `https://acme.atlassian.net`. */
  site: string | null;
  /** The issue the run works on, e.g. `ABC-123`. */
  issue: string | null;
}

/** What `pre-plan` hands the planner. */
export interface JiraPlanContext {
  issue: string | null;
  site: string | null;
}

const ISSUE_KEY = /^[A-Z][A-Z0-9_]*-[1-9]\d*$/;

export const jiraOptionsSchema = defineOptionsSchema<JiraOptions>(
  (o, issues) => {
    let site: string | null = null;
    if (o['site'] !== undefined) {
      if (typeof o['site'] !== 'string' || !isHttpUrl(o['site'])) issues.add('site', 'must be an http(s) URL, e.g. https://acme.atlassian.net');
      else site = o['site'].replace(/\/+$/, '');
    }
    let issue: string | null = null;
    if (o['issue'] !== undefined) {
      if (typeof o['issue'] !== 'string' || !ISSUE_KEY.test(o['issue'])) issues.add('issue', 'must be an issue key such as ABC-123');
      else issue = o['issue'];
    }
    return { site, issue };
  },
  { known: ['site', 'issue'] },
);

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * The Jira extension. For now `pre-plan` passes the configured issue and site to the planner; reading the
 * issue and its acceptance criteria over Jira's REST API comes later (see README).
 */
export default definePlugin((): Plugin<JiraOptions> => ({
  meta: { name: NAME, version: VERSION, hostApi: '^1.0.0' },
  optionsSchema: jiraOptionsSchema,
  hooks: {
    'pre-plan': (ctx) => {
      const context: JiraPlanContext = { issue: ctx.options.issue, site: ctx.options.site };
      return { context, criteria: [] };
    },
  },
}));
