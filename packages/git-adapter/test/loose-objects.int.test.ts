import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { gitObjectId } from '@cgce/core';
import { describe, expect, it } from 'vitest';
import { createGitAdapter } from '../src/index.js';
import { git, loggingGit, makeRepo, tempDir } from './helpers.js';

/**
 * Blobs, and tags of commits the adapter just wrote, are written from Node (loose.ts). These tests run the
 * adapter through a real `git` wrapped in a script that logs every invocation, so they can tell which path
 * ran, and let git itself (`fsck --strict`, `cat-file`) judge the objects.
 */
const fsck = (repo: string) => git(repo, ['fsck', '--strict', '--no-dangling']);

describe('objects written from Node', () => {
  for (const format of ['sha1', 'sha256'] as const) {
    it(`blob, then commit + tag: the ids and bytes git would give, no hash-object/mktag (${format})`, async () => {
      const repo = makeRepo({ 'f.txt': '1\n' }, { objectFormat: format });
      const { binary, calls } = loggingGit();
      const g = createGitAdapter({ gitBinary: binary });
      const info = await g.open(repo);
      const data = Buffer.from('counter\n\0binary ünïcode\n');
      const blob = await g.writeBlob(repo, data);
      expect(blob).toBe(git(repo, ['hash-object', '--stdin'], { input: data }).trim());
      expect(blob).toBe(gitObjectId('blob', data, format));
      expect(Buffer.compare(Buffer.from(git(repo, ['cat-file', 'blob', blob]), 'utf8'), data)).toBe(0);

      const tree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
      const commit = await g.commitTree(repo, { tree, parents: [info.head!], message: 'checkpoint\n' });
      const message = 'codex-cp-1: step\n\n{"json":"metadata ünïcode"}';
      const tag = await g.createTagObject(repo, 'codex-cp-1', commit, message);
      expect(tag).toHaveLength(format === 'sha1' ? 40 : 64);
      const raw = git(repo, ['cat-file', 'tag', tag]);
      expect(raw).toMatch(new RegExp(`^object ${commit}\ntype commit\ntag codex-cp-1\ntagger Codex Engine <codex-engine@localhost\\.invalid> \\d+ \\+0000\n\n`));
      expect(raw.endsWith(`${message}\n`)).toBe(true);
      expect(git(repo, ['hash-object', '-t', 'tag', '--stdin'], { input: raw }).trim()).toBe(tag);
      git(repo, ['update-ref', 'refs/tags/codex-cp-1', tag]);
      fsck(repo);
      expect(calls()).not.toContain('hash-object');
      expect(calls()).not.toContain('mktag');
      expect(calls()).toContain('commit-tree');
    });
  }

  it('a tag of a commit the adapter did not write goes through mktag, which checks it', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    const { binary, calls } = loggingGit();
    const g = createGitAdapter({ gitBinary: binary });
    const info = await g.open(repo);
    await g.createTagObject(repo, 'codex-cp-1', info.head!, 'm');
    expect(calls()).toContain('mktag');
    const tree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    await expect(g.createTagObject(repo, 'codex-cp-2', tree, 'm')).rejects.toMatchObject({ code: 'REV_NOT_FOUND' });
  });

  it('writing an object that exists leaves it and freshens its time (a prune must not take it)', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    const g = createGitAdapter();
    await g.open(repo);
    const id = await g.writeBlob(repo, 'same\n');
    const file = join(repo, '.git', 'objects', id.slice(0, 2), id.slice(2));
    const old = new Date('2020-01-01T00:00:00Z');
    utimesSync(file, old, old);
    expect(await g.writeBlob(repo, 'same\n')).toBe(id);
    expect(statSync(file).mtimeMs).toBeGreaterThan(old.getTime() + 1000);
    expect(statSync(file).mode & 0o222).toBe(0); // read-only, as git leaves objects
    fsck(repo);
  });

  it('leaves writing to git in a repository shared with a group, and before open()', async () => {
    const shared = tempDir('shared');
    git(shared, ['init', '-q', '--shared=group', '-b', 'main', '.']);
    git(shared, ['commit', '-q', '--allow-empty', '-m', 'c']);
    const { binary, calls } = loggingGit();
    const g = createGitAdapter({ gitBinary: binary });
    await g.writeBlob(shared, 'before open\n');
    expect(calls().filter((c) => c === 'hash-object')).toHaveLength(1);
    await g.open(shared);
    const id = await g.writeBlob(shared, 'group file\n');
    expect(calls().filter((c) => c === 'hash-object')).toHaveLength(2);
    // git's permission handling: the object's folder is group-writable (CEE's own mkdir would not make it so).
    expect(statSync(join(shared, '.git', 'objects', id.slice(0, 2))).mode & 0o020).toBe(0o020);
    fsck(shared);
  });
});
