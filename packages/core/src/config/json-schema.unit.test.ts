import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from './json-schema.js';

const file = new URL('../../schema/cee.schema.json', import.meta.url);

describe('published JSON Schema', () => {
  it('matches the zod schema (run with UPDATE_SCHEMA=1 to regenerate)', () => {
    const generated = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(file, generated);
    expect(readFileSync(file, 'utf8')).toBe(generated);
  });

  it('describes the seed guardrail keys', () => {
    const schema = configJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(Object.keys(schema.properties.guardrails!.properties!)).toEqual(
      expect.arrayContaining(['denyPaths', 'allowExtensions', 'maxFilesPerStep', 'maxTotalAddedLoc', 'requirePlan', 'approvalTiers']),
    );
  });
});
