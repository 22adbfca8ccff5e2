import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyState } from '../domain/state.js';
import { InputError, LockedError } from '../errors/index.js';
import { Ledger } from './ledger.js';
import { acquireLock } from './lock.js';
import { StateStore } from './store.js';
import { appendJsonl, readJsonl } from './jsonl.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cee-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('StateStore', () => {
  it('round-trips state and redacts what the redactor flags', async () => {
    const store = new StateStore(path.join(dir, 'state.json'), 'state.json', (t) => t.replaceAll('hunter2', '[REDACTED]'));
    const s = emptyState();
    s.conversation.push({ role: 'user', content: 'password hunter2', at: new Date().toISOString() });
    await store.write(s);
    expect(readFileSync(path.join(dir, 'state.json'), 'utf8')).not.toContain('hunter2');
    expect((await store.read()).conversation[0]!.content).toBe('password [REDACTED]');
  });

  it('reports a corrupt file as exit 2 and leaves it as it is', async () => {
    const file = path.join(dir, 'state.json');
    writeFileSync(file, '{"version": 1, "phase": ');
    const store = new StateStore(file, 'codex_engine/state/state.json');
    const err = await store.read().catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('STATE_CORRUPT');
    expect(err.message).toContain('codex_engine/state/state.json');
    expect(readFileSync(file, 'utf8')).toBe('{"version": 1, "phase": ');
  });

  it('rejects a state that parses but is not CEE state', async () => {
    const file = path.join(dir, 'state.json');
    writeFileSync(file, JSON.stringify({ version: 2 }));
    await expect(new StateStore(file, 'state.json').read()).rejects.toThrow(/version/);
  });
});

describe('repository lock', () => {
  it('gives exit 5 to a second holder while the first is alive', async () => {
    const file = path.join(dir, 'lock.json');
    const a = await acquireLock(file, 'edit');
    const err = await acquireLock(file, 'test').catch((e) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect(err.exit).toBe(5);
    expect(err.message).toContain(`pid ${process.pid}`);
    await a.release();
    const b = await acquireLock(file, 'test');
    await b.release();
  });

  it('takes over the lock of a dead holder', async () => {
    const file = path.join(dir, 'lock.json');
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
    writeFileSync(file, JSON.stringify({ pid, host: os.hostname(), startedAt: new Date().toISOString(), command: 'edit' }));
    const lock = await acquireLock(file, 'status');
    expect(lock.tookOver?.pid).toBe(pid);
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it.runIf(process.platform === 'linux')('takes over the lock of a holder that exited but nobody reaped (a zombie still answers kill 0)', async () => {
    const file = path.join(dir, 'lock.json');
    // `sleep 0` runs in the background of a shell that then becomes `sleep 5`, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5']);
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    try {
      for (let i = 0; i < 50 && !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i++) await new Promise((r) => setTimeout(r, 20));
      expect(readFileSync(`/proc/${pid}/stat`, 'utf8')).toMatch(/\) Z /);
      expect(() => process.kill(pid, 0)).not.toThrow();
      writeFileSync(file, JSON.stringify({ pid, host: os.hostname(), startedAt: new Date().toISOString(), command: 'checkpoint' }));
      const lock = await acquireLock(file, 'status');
      expect(lock.tookOver?.pid).toBe(pid);
      await lock.release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('takes over an empty lock file left by a crash between create and write', async () => {
    const file = path.join(dir, 'lock.json');
    writeFileSync(file, '');
    const lock = await acquireLock(file, 'edit');
    expect(lock.tookOver).not.toBeNull();
    await lock.release();
  });
});

describe('Ledger', () => {
  it('chains entries and verifies them', async () => {
    const ledger = new Ledger(path.join(dir, 'QA.md'));
    await ledger.append('run', 'Run planned', { a: 1 });
    await ledger.append('checkpoint', 'codex-cp-1', { b: 2 });
    await ledger.append('approval', 'approved by ana', {});
    expect(await ledger.verify()).toEqual({ ok: true, entries: 3 });
  });

  it('names the first entry whose data or readable text was edited', async () => {
    const file = path.join(dir, 'QA.md');
    const ledger = new Ledger(file);
    await ledger.append('run', 'Run planned', { a: 1 });
    await ledger.append('checkpoint', 'codex-cp-1 verified', { verified: true });
    await ledger.append('merge', 'merged', {});
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('"verified":true', '"verified":false'));
    expect((await ledger.verify()).broken?.seq).toBe(2);
    writeFileSync(file, text.replace('\ncodex-cp-1 verified\n', '\ncodex-cp-1 NOT verified\n'));
    const r = await ledger.verify();
    expect(r.ok).toBe(false);
    expect(r.broken).toMatchObject({ seq: 2, problem: expect.stringMatching(/readable text/) });
  });

  it('detects a deleted entry', async () => {
    const file = path.join(dir, 'QA.md');
    const ledger = new Ledger(file);
    for (const k of ['a', 'b', 'c']) await ledger.append(k, k, {});
    const text = readFileSync(file, 'utf8');
    const start = text.indexOf('### #2');
    const end = text.indexOf('### #3');
    writeFileSync(file, text.slice(0, start) + text.slice(end));
    expect((await ledger.verify()).ok).toBe(false);
  });
});

describe('JSON Lines', () => {
  it('appends whole lines and skips a torn last line', async () => {
    const file = path.join(dir, 'm.jsonl');
    await appendJsonl(file, { a: 1 });
    await appendJsonl(file, { a: 2 });
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"a":`);
    expect(await readJsonl(file)).toEqual([{ a: 1 }, { a: 2 }]);
  });
});
