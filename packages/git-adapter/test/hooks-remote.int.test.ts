import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGitAdapter, GitCommandError, SAFETY_CONFIG } from '../src/index.js';
import { commitAll, git, installMarkerHooks, makeRepo, tempDir, writeFiles } from './helpers.js';

const g = createGitAdapter();

describe('hooks never run', () => {
  it('no hook fires in .git/hooks or a configured core.hooksPath, whatever the adapter does', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const marker = installMarkerHooks(repo);
    // Prove the hooks work when git is run plainly.
    git(repo, ['commit', '-q', '--allow-empty', '-m', 'probe']);
    expect(existsSync(marker)).toBe(true);
    const { rmSync } = await import('node:fs');
    rmSync(marker);

    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const headTree = git(repo, ['rev-parse', 'HEAD^{tree}']).trim();
    const remote = join(tempDir('remote'), 'r.git');
    git(tempDir('x'), ['init', '-q', '--bare', '-b', 'main', remote]);
    installMarkerHooks(remote);
    git(repo, ['remote', 'add', 'origin', remote]);

    const patch = Buffer.from('diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+A\n');
    const { tree } = await g.applyPatchToTree(repo, headTree, patch);
    const commit = await g.commitTree(repo, { tree, parents: [head], message: 'cp' });
    await g.createTag(repo, 'codex-cp-1', commit, 'meta');
    await g.updateRef(repo, 'refs/cee/run', commit, null);
    await g.deleteRef(repo, 'refs/cee/run');
    const wt = join(tempDir('wt'), 'run');
    await g.provisionWorktree(repo, wt, head);
    await g.checkoutTree(wt, headTree, tree);
    writeFiles(wt, { 'new.txt': 'n\n' });
    const snap = await g.snapshotWorktree(wt, { maxUntrackedBytes: 1000, baseTree: headTree });
    await g.resetWorktree(wt, headTree);
    await g.provisionWorktree(repo, wt, commit);
    await g.snapshotUserTree(repo, { maxUntrackedBytes: 1000 });
    await g.push(repo, 'origin', ['refs/tags/codex-cp-1:refs/tags/codex-cp-1', `${commit}:refs/heads/main`]);
    await g.fetch(repo, 'origin', ['+refs/tags/*:refs/tags/*']);
    await g.mergeIntoCurrent(repo, commit, 'ff', 'm');
    const c2 = await g.commitTree(repo, { tree: snap.tree, parents: [head], message: 'side' });
    await g.mergeIntoCurrent(repo, c2, 'merge', 'merge it');
    await g.restoreUserTree(repo, headTree);
    await g.removeWorktree(repo, wt);

    expect(existsSync(marker) ? readFileSync(marker, 'utf8') : '').toBe('');
  });

  it('every call carries the safety settings', () => {
    expect(SAFETY_CONFIG).toEqual(
      expect.arrayContaining([
        'core.hooksPath=/dev/null',
        'core.fsmonitor=false',
        'core.protectNTFS=true',
        'core.protectHFS=true',
        'commit.gpgsign=false',
        'tag.gpgsign=false',
        'core.quotePath=false',
      ]),
    );
  });

  it('signing configured in the repository is ignored (no gpg program runs)', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    git(repo, ['config', 'commit.gpgsign', 'true']);
    git(repo, ['config', 'tag.gpgsign', 'true']);
    git(repo, ['config', 'gpg.program', join(tempDir('nogpg'), 'missing-gpg')]);
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const c = await g.commitTree(repo, { tree: git(repo, ['rev-parse', 'HEAD^{tree}']).trim(), parents: [head], message: 'x' });
    await g.createTag(repo, 't', c, 'x');
    expect(git(repo, ['cat-file', 'commit', c])).not.toContain('gpgsig');
  });
});

describe('push and fetch', () => {
  it('share tags and private refs through a remote; a fresh clone sees them', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const remote = join(tempDir('remote'), 'r.git');
    git(tempDir('x'), ['init', '-q', '--bare', '-b', 'main', remote]);
    await g.createTag(repo, 'codex-cp-1', head, 'first');
    const meta = await g.writeBlob(repo, '{"n":1}');
    const metaCommit = await g.commitTree(repo, { tree: await g.emptyTree(repo), parents: [], message: meta });
    await g.updateRef(repo, 'refs/cee/checkpoints', metaCommit, null);
    await g.push(repo, remote, ['refs/heads/main:refs/heads/main', 'refs/tags/codex-cp-*:refs/tags/codex-cp-*', 'refs/cee/*:refs/cee/*']);

    const clone = join(tempDir('clone'), 'c');
    git(tempDir('y'), ['clone', '-q', remote, clone]);
    await g.fetch(clone, 'origin', ['+refs/cee/*:refs/cee/*', '+refs/tags/codex-cp-*:refs/tags/codex-cp-*']);
    expect(await g.readRef(clone, 'refs/cee/checkpoints')).toBe(metaCommit);
    expect((await g.readTag(clone, 'codex-cp-1'))?.message).toBe('first');

    writeFiles(repo, { 'a.txt': 'b\n' });
    commitAll(repo, 'diverge');
    git(clone, ['commit', '-q', '--allow-empty', '-m', 'other'], {});
    await g.push(clone, 'origin', ['refs/heads/main:refs/heads/main']);
    await expect(g.push(repo, remote, ['refs/heads/main:refs/heads/main'])).rejects.toMatchObject({ code: 'PUSH_FAILED', exit: 2 });
    await expect(g.fetch(repo, join(tempDir('none'), 'missing.git'), ['refs/*:refs/*'])).rejects.toMatchObject({ code: 'FETCH_FAILED' });
    await expect(g.push(repo, '--upload-pack=evil', [])).rejects.toMatchObject({ code: 'GIT_BAD_ARGUMENT' });
  });
});

describe('runner', () => {
  it('reports a missing git binary as GitCommandError', async () => {
    const bad = createGitAdapter({ gitBinary: '/nonexistent/git' });
    const repo = makeRepo({ 'a.txt': 'a\n' });
    await expect(bad.writeBlob(repo, 'x')).rejects.toBeInstanceOf(GitCommandError);
    await expect(bad.readRef(repo, 'HEAD')).rejects.toBeInstanceOf(GitCommandError);
  });

  it('the user’s environment passes through both paths (editor, pager, config injected by CI)', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    const saved = { ...process.env };
    Object.assign(process.env, {
      EDITOR: 'vim',
      PAGER: 'less',
      PREFIX: '/usr/local',
      GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'credential.helper',
      GIT_CONFIG_VALUE_0: '',
      GIT_CONFIG_KEY_1: 'user.name',
      GIT_CONFIG_VALUE_1: 'From Env',
    });
    try {
      expect((await g.open(repo)).branch).toBe('main');
      await g.updateRef(repo, 'refs/cee/env', git(repo, ['rev-parse', 'HEAD']).trim());
      expect((await g.snapshotUserTree(repo, { maxUntrackedBytes: 10 })).tree).toBe(git(repo, ['rev-parse', 'HEAD^{tree}']).trim());
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('an explicit gitBinary and a timeout are honoured', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    const custom = createGitAdapter({ gitBinary: '/usr/bin/git', timeoutMs: 10_000 });
    expect(await custom.resolveCommit(repo, 'HEAD')).toBe(git(repo, ['rev-parse', 'HEAD']).trim());
    await custom.updateRef(repo, 'refs/cee/x', git(repo, ['rev-parse', 'HEAD']).trim());
  });
});
