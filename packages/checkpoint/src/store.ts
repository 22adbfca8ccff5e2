import {
  CheckpointMetadataSchema,
  gitObjectId,
  hashAlgoOf,
  InputError,
  type CheckpointMetadata,
  type CheckpointPort,
  type CheckpointSummary,
  type CreateOptions,
  type GitPort,
  type NewCheckpoint,
  type TagInfo,
} from '@cgce/core';

/** Tags are `codex-cp-<N>`, N = 1, 2, 3 … per repository, never reused. */
export const TAG_PREFIX = 'codex-cp-';
export const TAG_PATTERN = `refs/tags/${TAG_PREFIX}*`;
/** Holds the highest number ever used, so a deleted tag's number is not handed out again. */
export const COUNTER_REF = 'refs/cee/checkpoint-counter';
/**
 * The refspecs that share checkpoints through a plain git remote: the tags carry the commits and their
 * metadata (annotated tag messages); `refs/cee/*` carries the counter and run archives.
 */
export const SHARE_REFSPECS = [`refs/tags/${TAG_PREFIX}*:refs/tags/${TAG_PREFIX}*`, 'refs/cee/*:refs/cee/*'];
/** Fetch takes the tags only: they carry commits and metadata; numbering is derived from them. */
export const FETCH_REFSPECS = [`refs/tags/${TAG_PREFIX}*:refs/tags/${TAG_PREFIX}*`];

export type { CheckpointSummary, CreateOptions, NewCheckpoint } from '@cgce/core';

export function tagNumber(tag: string): number | null {
  const m = /^codex-cp-([1-9][0-9]{0,9})$/.exec(tag);
  return m ? Number(m[1]) : null;
}

/** Accept `codex-cp-3`, `3`, or `refs/tags/codex-cp-3`. */
export function normalizeTag(input: string): string {
  const t = input.replace(/^refs\/tags\//, '');
  if (/^[1-9][0-9]{0,9}$/.test(t)) return `${TAG_PREFIX}${t}`;
  if (tagNumber(t) === null) {
    throw new InputError('CHECKPOINT_BAD_TAG', `"${input}" is not a checkpoint tag: expected codex-cp-<N> (N ≥ 1).`);
  }
  return t;
}

/** The annotated tag message: a subject line, a blank line, then the metadata JSON. */
export function encodeMessage(meta: CheckpointMetadata): string {
  const subject = `${meta.tag}: ${meta.message.split('\n')[0] ?? ''}`.slice(0, 200);
  return `${subject}\n\n${JSON.stringify(meta)}\n`;
}

export function decodeMessage(tag: string, message: string): CheckpointMetadata {
  const at = message.indexOf('\n\n');
  const body = at >= 0 ? message.slice(at + 2) : '';
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InputError('CHECKPOINT_METADATA_INVALID', `Checkpoint ${tag} has no readable metadata (the tag message is not CEE's JSON).`);
  }
  const parsed = CheckpointMetadataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(
      'CHECKPOINT_METADATA_INVALID',
      `Checkpoint ${tag} has invalid metadata: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown problem'}.`,
    );
  }
  if (parsed.data.tag !== tag) {
    throw new InputError('CHECKPOINT_METADATA_INVALID', `Checkpoint ${tag} carries the metadata of ${parsed.data.tag}.`);
  }
  return parsed.data;
}

function summarize(info: TagInfo): CheckpointSummary {
  const number = tagNumber(info.name) ?? 0;
  try {
    const meta = decodeMessage(info.name, info.message);
    return {
      tag: info.name,
      number,
      commit: info.commit,
      tree: info.tree,
      verified: meta.verified,
      message: meta.message,
      createdAt: meta.createdAt,
      kind: meta.kind,
      step: meta.step,
      runId: meta.runId,
    };
  } catch {
    return { tag: info.name, number, commit: info.commit, tree: info.tree, verified: false, message: '(no CEE metadata)', createdAt: info.date, kind: 'unknown', step: null, runId: null };
  }
}

/**
 * What @cgce/git-adapter offers beyond the GitPort, used when present: a tag object written without a ref,
 * and several ref updates in one transaction. Other GitPort implementations take the portable path.
 */
interface AtomicRefs {
  createTagObject(root: string, name: string, commit: string, message: string): Promise<string>;
  updateRefs(root: string, updates: ReadonlyArray<{ ref: string; oid: string; expectedOld?: string | null }>, message?: string): Promise<void>;
}

function atomicRefs(git: GitPort): (GitPort & AtomicRefs) | null {
  const g = git as GitPort & Partial<AtomicRefs>;
  return typeof g.createTagObject === 'function' && typeof g.updateRefs === 'function' ? (g as GitPort & AtomicRefs) : null;
}

/**
 * Checkpoints on top of the git port: create (atomic numbering), list, show. Truth lives in git: an annotated
 * tag per checkpoint whose message carries the metadata, so code and reasoning state are one object that
 * `git gc` keeps (tags are refs) and `git push/fetch` carries.
 */
export class CheckpointStore implements CheckpointPort {
  /** numbers() started early by prepare(), used by the next create()'s first attempt. */
  private prepared: Promise<{ highest: number; counterOid: string | null }> | null = null;

  constructor(
    private readonly git: GitPort,
    private readonly root: string,
  ) {}

  /**
   * Read the numbers in use now, while the caller does something else (the snapshot): the next create() starts
   * from them. Safe however stale they get: the tag is created only if it does not exist and the counter only
   * if it is still where it was read (one ref transaction), otherwise create() reads again.
   */
  prepare(): void {
    if (this.prepared || !atomicRefs(this.git)) return;
    this.prepared = this.numbers();
    this.prepared.catch(() => undefined);
  }

  private async counter(): Promise<number> {
    const oid = await this.git.readRef(this.root, COUNTER_REF);
    if (!oid) return 0;
    const n = Number((await this.git.readBlob(this.root, oid)).toString('utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  }

  /** Highest number in use: the counter or the largest existing tag, whichever is larger. */
  async highestNumber(tags?: TagInfo[]): Promise<number> {
    const list = tags ?? (await this.git.listTags(this.root, TAG_PATTERN));
    let max = await this.counter();
    for (const t of list) max = Math.max(max, tagNumber(t.name) ?? 0);
    return max;
  }

  /**
   * The numbers in use and the counter ref's current oid, in one git call: the checkpoint tags and the counter
   * ref (names and oids, no messages). The counter's text is usually the highest tag's number: its blob id is
   * computed and compared with the ref's oid, so the blob is read (a second call) only when they differ.
   * Another writer moving the counter meanwhile is caught by create()'s transaction.
   */
  private async numbers(): Promise<{ highest: number; counterOid: string | null }> {
    const refs = await this.git.listRefs(this.root, [`refs/tags/${TAG_PREFIX}`, COUNTER_REF]);
    const counterOid = refs.find((r) => r.ref === COUNTER_REF)?.oid ?? null;
    let highest = 0;
    for (const r of refs) if (r.ref !== COUNTER_REF) highest = Math.max(highest, tagNumber(r.ref.slice('refs/tags/'.length)) ?? 0);
    if (counterOid !== null && gitObjectId('blob', `${highest}\n`, hashAlgoOf(counterOid)) !== counterOid) {
      const text = await this.git.readBlob(this.root, counterOid).then(
        (b) => b.toString('utf8'),
        () => '',
      );
      const value = Number(text.trim());
      if (Number.isSafeInteger(value) && value > highest) highest = value;
    }
    return { highest, counterOid };
  }

  /**
   * Create the next checkpoint. The tag is created atomically (never overwrites); if another process took
   * the number first, the next one is tried.
   *
   * With @cgce/git-adapter the tag and the counter move in ONE ref transaction (`update-ref --stdin`): the tag
   * must not exist and the counter must still be where it was read, or neither changes and the next number
   * is tried. With the adapter's extras that is one ref listing and one `update-ref` (the tag object and the
   * counter blob are written without a git process).
   */
  async create(build: (tag: string, number: number) => NewCheckpoint, options: CreateOptions = {}): Promise<CheckpointMetadata> {
    const fast = atomicRefs(this.git);
    if (!fast) return this.createPortable(build, options);
    const also = options.alsoUpdate ?? [];
    let tried = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      const early = attempt === 0 ? this.prepared : null;
      this.prepared = null;
      const { highest, counterOid } = await (early ? early.catch(() => this.numbers()) : this.numbers());
      const n = Math.max(highest, tried) + 1;
      tried = n;
      const tag = `${TAG_PREFIX}${n}`;
      const input = build(tag, n);
      const meta = CheckpointMetadataSchema.parse({ ...input, schema: 'cee.checkpoint/v1', tag, number: n, createdAt: new Date().toISOString() });
      const [tagOid, blob] = await Promise.all([
        fast.createTagObject(this.root, tag, input.commit, encodeMessage(meta)),
        fast.writeBlob(this.root, `${n}\n`),
      ]);
      try {
        await fast.updateRefs(
          this.root,
          [
            { ref: `refs/tags/${tag}`, oid: tagOid, expectedOld: null },
            { ref: COUNTER_REF, oid: blob, expectedOld: counterOid },
            ...also,
          ],
          'cee: checkpoint',
        );
      } catch (e) {
        // Someone else took the number or moved the counter: try the next one. A ref of `alsoUpdate` that is
        // not where the caller expects it is the caller's conflict: nothing changed, say so.
        if (e instanceof InputError && e.code === 'REF_CONFLICT' && !also.some((u) => u.ref === e.details?.['ref'])) continue;
        throw e;
      }
      return meta;
    }
    throw new InputError('CHECKPOINT_NUMBERING', 'Could not allocate a checkpoint number after 20 attempts.');
  }

  /** create() through the GitPort alone: the tag first (atomic create), then the counter (compare-and-swap). */
  private async createPortable(build: (tag: string, number: number) => NewCheckpoint, options: CreateOptions): Promise<CheckpointMetadata> {
    let n = (await this.highestNumber()) + 1;
    for (let attempt = 0; attempt < 20; attempt++, n++) {
      const tag = `${TAG_PREFIX}${n}`;
      const input = build(tag, n);
      const meta = CheckpointMetadataSchema.parse({
        ...input,
        schema: 'cee.checkpoint/v1',
        tag,
        number: n,
        createdAt: new Date().toISOString(),
      });
      try {
        await this.git.createTag(this.root, tag, input.commit, encodeMessage(meta));
      } catch (e) {
        if (e instanceof InputError && e.code === 'TAG_EXISTS') continue;
        throw e;
      }
      await this.bumpCounter(n);
      for (const u of options.alsoUpdate ?? []) await this.git.updateRef(this.root, u.ref, u.oid, u.expectedOld);
      return meta;
    }
    throw new InputError('CHECKPOINT_NUMBERING', 'Could not allocate a checkpoint number after 20 attempts.');
  }

  private async bumpCounter(n: number): Promise<void> {
    for (let i = 0; i < 5; i++) {
      const old = await this.git.readRef(this.root, COUNTER_REF);
      const current = old ? await this.counter() : 0;
      if (current >= n) return;
      const blob = await this.git.writeBlob(this.root, `${n}\n`);
      try {
        await this.git.updateRef(this.root, COUNTER_REF, blob, old);
        return;
      } catch {
        // Raced with another writer: re-read and retry.
      }
    }
  }

  /** All checkpoints, newest first, in one git call. */
  async list(): Promise<CheckpointSummary[]> {
    const tags = await this.git.listTags(this.root, TAG_PATTERN);
    return tags
      .filter((t) => tagNumber(t.name) !== null)
      .map(summarize)
      .sort((a, b) => b.number - a.number);
  }

  async get(tagInput: string): Promise<{ info: TagInfo; meta: CheckpointMetadata }> {
    const tag = normalizeTag(tagInput);
    const info = await this.git.readTag(this.root, tag);
    if (!info) throw new InputError('CHECKPOINT_NOT_FOUND', `No checkpoint ${tag} in this repository (try \`cee checkpoints\` or \`cee checkpoints fetch\`).`);
    const meta = decodeMessage(tag, info.message);
    if (meta.commit !== info.commit || meta.tree !== info.tree) {
      throw new InputError('CHECKPOINT_METADATA_INVALID', `Checkpoint ${tag}: the metadata records commit ${meta.commit.slice(0, 12)} but the tag points to ${info.commit.slice(0, 12)}.`);
    }
    return { info, meta };
  }

  async push(remote: string): Promise<void> {
    await this.git.push(this.root, remote, SHARE_REFSPECS);
  }

  async fetch(remote: string): Promise<void> {
    await this.git.fetch(this.root, remote, FETCH_REFSPECS);
  }
}
