import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * QA_Continuity_Log.md: a Markdown governance ledger, one hash-chained entry per run, step, checkpoint and
 * approval. Each entry is a readable heading plus a machine line `<!-- cee-ledger {...} -->` carrying
 * seq, time, kind, summary, data, the previous entry's hash and its own. Any edit breaks the chain.
 */
export interface LedgerEntry {
  seq: number;
  at: string;
  kind: string;
  summary: string;
  data: Record<string, unknown>;
  prev: string;
  hash: string;
}

const MARK = '<!-- cee-ledger ';
const GENESIS = '0'.repeat(64);

function entryHash(e: Omit<LedgerEntry, 'hash'>): string {
  return createHash('sha256')
    .update(JSON.stringify([e.seq, e.at, e.kind, e.summary, e.data, e.prev]))
    .digest('hex');
}

function render(e: LedgerEntry): string {
  return `\n### #${e.seq} ${e.kind} · ${e.at}\n\n${e.summary}\n\n${MARK}${JSON.stringify(e)} -->\n`;
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  /** The first entry that does not verify, with why. */
  broken?: { seq: number; line: number; problem: string };
}

export class Ledger {
  constructor(
    readonly file: string,
    private readonly redact: (text: string) => string = (t) => t,
  ) {}

  private async readText(): Promise<string> {
    try {
      return await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw e;
    }
  }

  async append(kind: string, summary: string, data: Record<string, unknown> = {}): Promise<LedgerEntry> {
    const text = await this.readText();
    const entries = parse(text);
    const last = entries.at(-1)?.entry;
    const safeSummary = this.redact(summary).replace(/-->/g, '--\u200b>');
    const safeData = JSON.parse(this.redact(JSON.stringify(data))) as Record<string, unknown>;
    const base = {
      seq: (last?.seq ?? 0) + 1,
      at: new Date().toISOString(),
      kind,
      summary: safeSummary,
      data: safeData,
      prev: last?.hash ?? GENESIS,
    };
    const entry: LedgerEntry = { ...base, hash: entryHash(base) };
    await mkdir(path.dirname(this.file), { recursive: true });
    const header = text ? '' : '# QA Continuity Log\n\nGovernance ledger written by CEE. Each entry is hash-chained to the previous one; check it with `cee audit verify`.\n';
    await appendFile(this.file, header + render(entry));
    return entry;
  }

  async verify(): Promise<VerifyResult> {
    const text = await this.readText();
    const entries = parse(text);
    let prev = GENESIS;
    let seq = 0;
    for (const { entry, line, summaryInText, parseError } of entries) {
      seq++;
      if (parseError) return { ok: false, entries: entries.length, broken: { seq, line, problem: parseError } };
      if (entry.seq !== seq) return { ok: false, entries: entries.length, broken: { seq, line, problem: `sequence number ${entry.seq}, expected ${seq}` } };
      if (entry.prev !== prev) return { ok: false, entries: entries.length, broken: { seq, line, problem: 'previous-hash link does not match the entry before it' } };
      const { hash, ...rest } = entry;
      if (entryHash(rest) !== hash) return { ok: false, entries: entries.length, broken: { seq, line, problem: 'content does not match its hash (edited)' } };
      if (summaryInText !== entry.summary) return { ok: false, entries: entries.length, broken: { seq, line, problem: 'readable text was edited' } };
      prev = hash;
    }
    return { ok: true, entries: entries.length };
  }
}

interface ParsedEntry {
  entry: LedgerEntry;
  line: number;
  summaryInText: string;
  parseError?: string;
}

function parse(text: string): ParsedEntry[] {
  const out: ParsedEntry[] = [];
  const lines = text.split('\n');
  let headingLine = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('### #')) headingLine = i;
    if (!l.startsWith(MARK)) continue;
    const summaryInText = headingLine >= 0 ? lines.slice(headingLine + 2, i - 1).join('\n') : '';
    try {
      const entry = JSON.parse(l.slice(MARK.length, l.lastIndexOf(' -->'))) as LedgerEntry;
      out.push({ entry, line: i + 1, summaryInText });
    } catch (e) {
      out.push({ entry: {} as LedgerEntry, line: i + 1, summaryInText, parseError: `unreadable entry: ${(e as Error).message}` });
    }
    headingLine = -1;
  }
  return out;
}
