import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { addProject, decodeRecord, initMeta, openMeta, recordRelease } from '../../src/index.js';
import { isMetaError } from '../../src/errors/MetaError.js';
import { cleanupTmp, fsck, git, tmp } from '../helpers/remoteFixtures.js';

const WRITER = fileURLToPath(new URL('../helpers/writerProcess.mjs', import.meta.url));
const env = { META_ACTOR: 'Test <t@example.com>' };
afterAll(cleanupTmp);

/** Starts an appending child, waits until it is writing, kills it after a random delay. */
async function killMidAppend(dir: string, prefix: string, maxDelayMs: number): Promise<{ written: string[]; stderr: string }> {
  const child = spawn(process.execPath, [WRITER, JSON.stringify({ dir, prefix, loop: true })], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', () => resolve());
  });
  await new Promise((r) => setTimeout(r, Math.random() * maxDelayMs));
  child.kill('SIGKILL');
  await exited;
  const written = out.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { version: string }).version);
  return { written, stderr };
}

// 50 process starts, kills and fsck runs: minutes on a busy 2-core machine. The timeout bounds a
// hang; nothing here asserts speed.
describe('crash safety', { timeout: 300_000 }, () => {
  it('50 SIGKILLs at random moments of appends: git fsck --strict clean after each, every logged record decodes, writes go on', async () => {
    const repo = await initMeta({ dir: `${tmp()}/m`, env });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    const dir = repo.dir;
    const acknowledged: string[] = [];
    let staleCleared = 0;
    for (let k = 0; k < 50; k++) {
      const r = await killMidAppend(dir, `1.${k}`, 60);
      acknowledged.push(...r.written);
      staleCleared += (r.stderr.match(/removed stale lock/g) ?? []).length;
      const f = fsck(dir);
      // Dangling objects are expected (a kill after the commit was written, before the ref moved); nothing else is.
      expect(f.output.split('\n').filter((l) => l && !l.startsWith('dangling ')), `after kill ${k}`).toEqual([]);
      expect(f.status, `after kill ${k}: ${f.output}`).toBe(0);
    }
    // Every record the log shows decodes; every append a writer reported is in the history.
    const added = git(['--git-dir', dir, 'log', '--diff-filter=A', '--name-only', '--format=', 'main']).split('\n').filter((p) => p.endsWith('.pb'));
    const batch = spawnSync('git', ['--git-dir', dir, 'cat-file', '--batch'], { input: added.map((p) => `main:${p}`).join('\n') + '\n' });
    let pos = 0;
    const out = batch.stdout;
    for (const p of added) {
      const nl = out.indexOf(10, pos);
      const [, type, size] = out.toString('latin1', pos, nl).split(' ');
      expect(type, p).toBe('blob');
      const data = out.subarray(nl + 1, nl + 1 + Number(size));
      expect(() => decodeRecord(data, { path: p })).not.toThrow();
      pos = nl + 1 + Number(size) + 1;
    }
    const versions = new Set(added.filter((p) => p.endsWith('/release.pb')).map((p) => p.split('/').at(-2)));
    for (const v of acknowledged) expect(versions.has(v), v).toBe(true);
    expect(versions.size).toBeGreaterThanOrEqual(acknowledged.length);
    // After all that, a writer still appends (a lock left by a kill was cleared, with a message).
    const after = openMeta({ dir, env });
    await recordRelease(after, { project: 'acme/app', version: '9.9.9', sources: [{ url: 'https://git.example/acme/app', commit: 'b'.repeat(40) }] });
    expect(fsck(dir).status).toBe(0);
    console.log(`crash test: ${acknowledged.length} acknowledged appends, ${versions.size} records, ${staleCleared} stale lock(s) cleared`);
  });

  it('a lock left by a dead process is cleared with a message; a live one is waited on, then LOCK_TIMEOUT', async () => {
    const repo = await initMeta({ dir: `${tmp()}/m`, env });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    const lock = `${repo.store.dir}/refs/heads/main.lock`;
    const rel = (v: string) => recordRelease(repo, { project: 'acme/app', version: v, sources: [{ url: 'https://git.example/acme/app', commit: 'c'.repeat(40) }] });
    // A dead owner: a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lock, `meta-lock ${dead.stdout}@${hostname()}\n`);
    const cleared: { owner: string }[] = [];
    await repo.store.append(() => ({ files: [{ path: 'log/2026/01/01/a.pb', data: new Uint8Array([8, 1]) }], message: 'x' }), { actor: 'a', onStaleLock: (i) => cleared.push(i) });
    expect(cleared).toEqual([expect.objectContaining({ owner: `${dead.stdout}@${hostname()}` })]);
    expect(existsSync(lock)).toBe(false);
    // The library's write path reports it on stderr.
    writeFileSync(lock, `meta-lock ${dead.stdout}@${hostname()}\n`);
    const cli = spawnSync(fileURLToPath(new URL('../../bin/meta', import.meta.url)), ['release', 'record', 'acme/app', '--version', '2.0.0', '--source', `https://git.example/acme/app@${'d'.repeat(40)}`, '--repo', repo.dir], { encoding: 'utf8' });
    expect(cli.stderr).toContain(`removed stale lock ${lock}`);
    expect(cli.status).toBe(0);
    // A live owner: this test process. Waited on, never taken over.
    writeFileSync(lock, `meta-lock ${process.pid}@${hostname()}\n`);
    let err: unknown;
    try {
      await repo.store.append(() => ({ files: [{ path: 'log/2026/01/01/b.pb', data: new Uint8Array([8, 1]) }], message: 'y' }), { actor: 'a', lockTimeoutMs: 200 });
    } catch (e) {
      err = e;
    }
    expect(isMetaError(err, 'LOCK_TIMEOUT')).toBe(true);
    expect(existsSync(lock)).toBe(true);
    // Released while waiting: the writer proceeds.
    setTimeout(() => spawnSync('rm', ['-f', lock]), 100);
    await rel('1.0.0');
    expect(fsck(repo.dir).status).toBe(0);
  });
});
