import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Append-only JSON Lines: one whole line per write (a single appendFile call). */
export async function appendJsonl(file: string, record: Record<string, unknown>, redact: (t: string) => string = (t) => t): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, `${redact(JSON.stringify(record))}\n`);
}

export async function readJsonl<T = Record<string, unknown>>(file: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A torn last line from a crash: skip it rather than fail the whole report.
    }
  }
  return out;
}

export interface MetricsRecord {
  timestamp: string;
  command: string;
  step: number | null;
  tests_passed: number;
  tests_failed: number;
  guardrail_events: number;
  tokens_used: number;
  exit: number;
  duration_ms: number;
  run_id: string | null;
}

export interface FailureRecord {
  timestamp: string;
  command: string;
  code: string;
  exit: number;
  message: string;
  step?: number | null;
  rule?: { id: string; file: string; key: string };
  plugin?: string;
  hook?: string;
}
