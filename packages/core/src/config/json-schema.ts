import { z } from 'zod';
import { ConfigSchema } from './schema.js';

/** The JSON Schema of the whole config (what users write, so `io: 'input'`: defaults are optional). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://cgce.dev/schemas/cee.config.json',
    title: 'CEE (CGCE Codex Execution Engine) configuration',
  };
}
