import { readFile } from 'node:fs/promises';
import { InputError } from '../errors/index.js';
import { emptyState, SessionStateSchema, type SessionState } from '../domain/state.js';
import { writeAtomic } from './atomic.js';

/**
 * codex_engine/state/state.json. Read strictly (a corrupt file is an error, never silently replaced) and
 * written atomically, after redaction of anything the secret scanner flags.
 */
export class StateStore {
  constructor(
    readonly file: string,
    private readonly displayPath: string,
    private readonly redact: (text: string) => string = (t) => t,
  ) {}

  async read(): Promise<SessionState> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw e;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new InputError(
        'STATE_CORRUPT',
        `${this.displayPath} is not valid JSON (${(e as Error).message}). It was left as it is: restore a checkpoint with \`cee restore <tag> --state-only\`, or move the file away to start over.`,
        { details: { file: this.displayPath } },
      );
    }
    const parsed = SessionStateSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new InputError(
        'STATE_CORRUPT',
        `${this.displayPath} is not a valid CEE state: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown problem'}. It was left as it is.`,
        { details: { file: this.displayPath } },
      );
    }
    return parsed.data;
  }

  async write(state: SessionState): Promise<void> {
    const next = SessionStateSchema.parse({ ...state, updatedAt: new Date().toISOString() });
    await writeAtomic(this.file, `${this.redact(JSON.stringify(next, null, 2))}\n`);
  }
}
