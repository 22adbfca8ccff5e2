import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointMetadataSchema, emptyState, type NewCheckpoint } from '@cgce/core';
import { createGitAdapter } from '@cgce/git-adapter';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointStore, COUNTER_REF, decodeMessage, encodeMessage, normalizeTag, tagNumber } from '../src/index.js';

const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();

let root: string;
let store: CheckpointStore;
const adapter = createGitAdapter();

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'cee-cp-'));
  git(root, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(root, 'a.txt'), 'a\n');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'base');
  store = new CheckpointStore(adapter, root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function input(commit: string, tree: string, message = 'm'): NewCheckpoint {
  return {
    kind: 'step',
    message,
    runId: 'r1',
    step: 1,
    commit,
    tree,
    parent: null,
    verified: true,
    verification: { tests: 'passed', secretScan: 'clean', approvals: 'not-required' },
    tests: null,
    secretFindings: [],
    state: emptyState(),
  };
}

describe('CheckpointStore', () => {
  it('numbers checkpoints 1, 2, 3 and lists them newest first from the tags', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const tree = git(root, 'rev-parse', 'HEAD^{tree}');
    for (const m of ['one', 'two', 'three']) await store.create(() => input(head, tree, m));
    const list = await store.list();
    expect(list.map((c) => c.tag)).toEqual(['codex-cp-3', 'codex-cp-2', 'codex-cp-1']);
    expect(list[0]).toMatchObject({ commit: head, tree, verified: true, message: 'three', kind: 'step' });
    expect(git(root, 'cat-file', '-t', 'codex-cp-1')).toBe('tag');
  });

  it('never reuses a number, even after a tag is deleted', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const tree = git(root, 'rev-parse', 'HEAD^{tree}');
    await store.create(() => input(head, tree));
    await store.create(() => input(head, tree));
    git(root, 'tag', '-d', 'codex-cp-2');
    const meta = await store.create(() => input(head, tree));
    expect(meta.tag).toBe('codex-cp-3');
    expect(git(root, 'cat-file', '-p', COUNTER_REF)).toBe('3');
  });

  it('skips a number another writer took first', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const tree = git(root, 'rev-parse', 'HEAD^{tree}');
    const results = await Promise.all([1, 2, 3, 4].map(() => store.create(() => input(head, tree))));
    expect(new Set(results.map((r) => r.tag)).size).toBe(4);
  });

  it('prepare() reads the numbers early; a stale read still gives a fresh number (one ref transaction)', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const tree = git(root, 'rev-parse', 'HEAD^{tree}');
    await store.create(() => input(head, tree));
    store.prepare();
    // Another writer takes number 2 after the early read.
    await new CheckpointStore(adapter, root).create(() => input(head, tree));
    const meta = await store.create(() => input(head, tree));
    expect(meta.tag).toBe('codex-cp-3');
    expect(git(root, 'cat-file', '-p', COUNTER_REF)).toBe('3');
  });

  it('moves other refs in the same transaction as the tag, or nothing at all', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const tree = git(root, 'rev-parse', 'HEAD^{tree}');
    const next = git(root, 'commit-tree', tree, '-p', head, '-m', 'step');
    git(root, 'update-ref', 'refs/heads/cee/run/r1', head);
    const meta = await store.create(() => input(next, tree), { alsoUpdate: [{ ref: 'refs/heads/cee/run/r1', oid: next, expectedOld: head }] });
    expect(meta.tag).toBe('codex-cp-1');
    expect(git(root, 'rev-parse', 'refs/heads/cee/run/r1')).toBe(next);
    // The branch is no longer where the caller thinks: REF_CONFLICT, and no tag, no counter change.
    await expect(
      store.create(() => input(next, tree), { alsoUpdate: [{ ref: 'refs/heads/cee/run/r1', oid: head, expectedOld: head }] }),
    ).rejects.toMatchObject({ code: 'REF_CONFLICT', details: { ref: 'refs/heads/cee/run/r1' } });
    expect(git(root, 'tag', '-l', 'codex-cp-*')).toBe('codex-cp-1');
    expect(git(root, 'cat-file', '-p', COUNTER_REF)).toBe('1');
    expect(git(root, 'rev-parse', 'refs/heads/cee/run/r1')).toBe(next);
  });

  it('numbers past the counter when it is ahead of the tags, and past the tags when they are ahead', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const tree = git(root, 'rev-parse', 'HEAD^{tree}');
    await store.create(() => input(head, tree));
    // A counter set far ahead (tags deleted, or fetched from elsewhere): its number wins.
    const ahead = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: root, input: '41\n', encoding: 'utf8' }).trim();
    git(root, 'update-ref', COUNTER_REF, ahead);
    expect((await store.create(() => input(head, tree))).tag).toBe('codex-cp-42');
    // A counter behind the tags (a tag fetched from a remote): the tags win.
    git(root, 'update-ref', 'refs/tags/codex-cp-50', git(root, 'rev-parse', 'refs/tags/codex-cp-42'));
    expect((await store.create(() => input(head, tree))).tag).toBe('codex-cp-51');
    expect(git(root, 'cat-file', '-p', COUNTER_REF)).toBe('51');
  });

  it('a counter ref that is not a blob does not stop numbering', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const tree = git(root, 'rev-parse', 'HEAD^{tree}');
    git(root, 'update-ref', COUNTER_REF, head);
    const meta = await store.create(() => input(head, tree));
    expect(meta.tag).toBe('codex-cp-1');
    expect(git(root, 'cat-file', '-p', COUNTER_REF)).toBe('1');
  });

  it('validates metadata on read and rejects a tag that points elsewhere', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const tree = git(root, 'rev-parse', 'HEAD^{tree}');
    const meta = await store.create(() => input(head, tree));
    expect((await store.get('1')).meta).toEqual(meta);
    // A hand-made tag with foreign metadata.
    git(root, 'tag', '-a', 'codex-cp-9', '-m', 'codex-cp-9: x\n\n{"schema":"nope"}', head);
    await expect(store.get('codex-cp-9')).rejects.toThrow(/invalid metadata/);
    await expect(store.get('codex-cp-77')).rejects.toMatchObject({ code: 'CHECKPOINT_NOT_FOUND', exit: 2 });
    const listed = await store.list();
    expect(listed.find((c) => c.tag === 'codex-cp-9')).toMatchObject({ kind: 'unknown', verified: false });
  });

  it('keeps checkpoints through git gc --prune=now (tags are refs)', async () => {
    writeFileSync(path.join(root, 'b.txt'), 'b\n');
    git(root, 'add', 'b.txt');
    const tree = git(root, 'write-tree');
    git(root, 'reset', '-q');
    const commit = git(root, 'commit-tree', tree, '-p', 'HEAD', '-m', 'floating');
    await store.create(() => input(commit, tree));
    git(root, 'gc', '-q', '--prune=now');
    expect(git(root, 'cat-file', '-t', commit)).toBe('commit');
    expect((await store.get('codex-cp-1')).meta.tree).toBe(tree);
  });
});

describe('tag names and messages', () => {
  it('normalises and refuses bad names', () => {
    expect(normalizeTag('3')).toBe('codex-cp-3');
    expect(normalizeTag('refs/tags/codex-cp-12')).toBe('codex-cp-12');
    expect(() => normalizeTag('codex-cp-0')).toThrow(/not a checkpoint tag/);
    expect(() => normalizeTag('../x')).toThrow();
    expect(tagNumber('codex-cp-007')).toBeNull();
  });

  it('round-trips metadata through the tag message', () => {
    const meta = CheckpointMetadataSchema.parse({ ...input('a'.repeat(40), 'b'.repeat(40), 'hello\nworld'), schema: 'cee.checkpoint/v1', tag: 'codex-cp-4', number: 4, createdAt: new Date().toISOString() });
    const msg = encodeMessage(meta);
    expect(msg.split('\n')[0]).toBe('codex-cp-4: hello');
    expect(decodeMessage('codex-cp-4', msg)).toEqual(meta);
    expect(() => decodeMessage('codex-cp-5', msg)).toThrow(/carries the metadata of codex-cp-4/);
  });
});
