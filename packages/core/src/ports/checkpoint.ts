import type { CheckpointMetadata } from '../domain/state.js';
import type { TagInfo } from './git.js';

export interface CheckpointSummary {
  tag: string;
  number: number;
  commit: string;
  tree: string;
  verified: boolean;
  message: string;
  createdAt: string;
  kind: CheckpointMetadata['kind'] | 'unknown';
  step: number | null;
  runId: string | null;
}

export type NewCheckpoint = Omit<CheckpointMetadata, 'schema' | 'tag' | 'number' | 'createdAt'>;

export interface CreateOptions {
  /**
   * Refs to move together with the tag (the run branch onto the checkpoint's commit): with a store that has
   * ref transactions, all or none; a ref not at `expectedOld` fails the whole creation with REF_CONFLICT.
   */
  alsoUpdate?: ReadonlyArray<{ ref: string; oid: string; expectedOld?: string | null }>;
}

/** The checkpoint store port (`@cgce/checkpoint` implements it on top of the git port). */
export interface CheckpointPort {
  /** Create the next `codex-cp-N`; `build` receives the tag and number it will get. */
  create(build: (tag: string, number: number) => NewCheckpoint, options?: CreateOptions): Promise<CheckpointMetadata>;
  list(): Promise<CheckpointSummary[]>;
  get(tag: string): Promise<{ info: TagInfo; meta: CheckpointMetadata }>;
  push(remote: string): Promise<void>;
  fetch(remote: string): Promise<void>;
}
