import { styleText } from 'node:util';

export interface GlobalOptions {
  json: boolean;
  yes: boolean;
  cwd: string;
}

/** Colour only on a TTY and never with NO_COLOR (styleText checks both for the stream it is given). */
export function paint(format: Parameters<typeof styleText>[0], text: string, stream: NodeJS.WriteStream = process.stdout): string {
  if (!stream.isTTY || process.env.NO_COLOR !== undefined) return text;
  return styleText(format, text, { stream });
}

export class Output {
  constructor(readonly options: GlobalOptions) {}

  /** Human text on stdout (suppressed under --json: stdout then carries exactly one JSON document). */
  line(text = ''): void {
    if (!this.options.json) process.stdout.write(`${text}\n`);
  }

  json(doc: unknown): void {
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  }

  /** Progress and warnings always go to stderr. */
  progress(text: string): void {
    if (!this.options.json || process.stderr.isTTY) process.stderr.write(`${paint('dim', `… ${text}`, process.stderr)}\n`);
  }

  warn(text: string): void {
    process.stderr.write(`${paint('yellow', `warning: ${text}`, process.stderr)}\n`);
  }

  error(text: string): void {
    process.stderr.write(`${paint('red', `error: ${text}`, process.stderr)}\n`);
  }

  /** Aligned columns on a TTY, tab-separated rows when piped. */
  table(rows: string[][]): void {
    if (this.options.json) return;
    if (!process.stdout.isTTY) {
      for (const r of rows) process.stdout.write(`${r.join('\t')}\n`);
      return;
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    rows.forEach((r, idx) => {
      const text = r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
      process.stdout.write(`${idx === 0 ? paint('bold', text) : text}\n`);
    });
  }
}
