import { describe, expect, it } from 'vitest';
import { CEE_IDENTITY, createGitAdapter } from '../src/index.js';
import { commitAll, git, makeRepo, writeFiles } from './helpers.js';

const g = createGitAdapter();

describe('tags', () => {
  it('createTag makes an annotated tag with CEE identity; readTag gives it back exactly', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const tree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    const message = '{"checkpoint":1,"text":"multi\\nline"}\nsecond line with ünïcode\n\n# not a comment';
    const before = Math.floor(Date.now() / 1000);
    const tagOid = await g.createTag(repo, 'codex-cp-1', head, message);
    expect(git(repo, ['cat-file', '-t', tagOid]).trim()).toBe('tag');
    expect(git(repo, ['rev-parse', 'refs/tags/codex-cp-1']).trim()).toBe(tagOid);
    const raw = git(repo, ['cat-file', 'tag', tagOid]);
    expect(raw).toMatch(new RegExp(`^object ${head}\ntype commit\ntag codex-cp-1\ntagger Codex Engine <codex-engine@localhost\\.invalid> \\d+ \\+0000\n\n`));
    expect(CEE_IDENTITY.email).toBe('codex-engine@localhost.invalid');

    const info = await g.readTag(repo, 'codex-cp-1');
    expect(info).toMatchObject({ name: 'codex-cp-1', tagOid, commit: head, tree, message });
    const date = Date.parse(info!.date) / 1000;
    expect(date).toBeGreaterThanOrEqual(before - 1);
    expect(date).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect(await g.readTag(repo, 'codex-cp-2')).toBeNull();
    expect(await g.readTag(repo, 'codex-cp-*')).toBeNull();
  });

  it('is atomic and never overwrites: a second create gives TAG_EXISTS, concurrent creates have one winner', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    const c1 = git(repo, ['rev-parse', 'HEAD']).trim();
    writeFiles(repo, { 'f.txt': '2\n' });
    const c2 = commitAll(repo, 'two');
    const first = await g.createTag(repo, 'codex-cp-1', c1, 'one');
    await expect(g.createTag(repo, 'codex-cp-1', c2, 'other')).rejects.toMatchObject({ code: 'TAG_EXISTS' });
    expect(git(repo, ['rev-parse', 'refs/tags/codex-cp-1']).trim()).toBe(first);

    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => g.createTag(repo, 'codex-cp-2', i % 2 ? c1 : c2, `try ${i}`)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'TAG_EXISTS' });
    expect(git(repo, ['rev-parse', 'refs/tags/codex-cp-2']).trim()).toBe((won[0] as PromiseFulfilledResult<string>).value);
  });

  it('validates names and targets', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    for (const bad of ['a..b', 'x~1', 'sp ace', 'end.lock', '-x', '', 'a\nb', 'x:y']) {
      await expect(g.createTag(repo, bad, head, 'm')).rejects.toMatchObject({ exit: 2 });
    }
    await expect(g.createTag(repo, 'ok', 'nope', 'm')).rejects.toMatchObject({ code: 'REV_NOT_FOUND' });
  });

  it('listTags: one call, version order, annotated and lightweight, configured identity', async () => {
    const repo = makeRepo({ 'f.txt': '1\n' });
    git(repo, ['config', 'user.name', 'Grace Hopper']);
    git(repo, ['config', 'user.email', 'grace@example.org']);
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const tree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    for (const n of [10, 2, 1]) await g.createTag(repo, `codex-cp-${n}`, head, `msg ${n}\n`);
    git(repo, ['tag', 'codex-cp-3']); // lightweight
    git(repo, ['tag', 'unrelated']);
    git(repo, ['tag', '-a', '-m', 'tree tag', 'codex-cp-99', tree]); // not a commit: left out
    const tags = await g.listTags(repo, 'refs/tags/codex-cp-*');
    expect(tags.map((t) => t.name)).toEqual(['codex-cp-1', 'codex-cp-2', 'codex-cp-3', 'codex-cp-10']);
    expect(tags[0]!.message).toBe('msg 1');
    expect(tags.every((t) => t.commit === head && t.tree === tree)).toBe(true);
    const light = tags[2]!;
    expect(light).toMatchObject({ tagOid: head, commit: head, message: '' });
    expect(light.date).toBe('2024-01-01T00:00:00+00:00');
    expect(git(repo, ['cat-file', 'tag', tags[0]!.tagOid])).toContain('tagger Grace Hopper <grace@example.org>');
    expect((await g.listTags(repo, 'codex-cp-1*')).map((t) => t.name)).toEqual(['codex-cp-1', 'codex-cp-10']);
    expect(await g.listTags(repo, 'refs/tags/none-*')).toEqual([]);
  });
});
