import { z } from 'zod';
import { ConfigError } from '../errors/index.js';

/**
 * The one gate every external input passes: parse with zod or throw a titled ConfigError naming the file,
 * each failing field and the problem.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string, file: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => (i.path.length ? formatPath(i.path) : '(root)'));
  throw new ConfigError(file, `Invalid ${what} in ${file}\n${z.prettifyError(result.error)}`, {
    details: { file, fields, issues: result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) },
  });
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}
