import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addProject, initMeta, recordRelease } from '../../src/index.js';
import { addRemote } from '../../src/api/addRemote.js';
import { cloneMeta } from '../../src/api/cloneMeta.js';
import { push } from '../../src/api/push.js';
import { useGitHttpServer } from '../helpers/gitHttpServer.js';
import { bareRepo, fsck, git, hex40, tmp } from '../helpers/remoteFixtures.js';

const WRITER = fileURLToPath(new URL('../helpers/writerProcess.mjs', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/meta', import.meta.url));
const env = { META_ACTOR: 'Test <t@example.com>' };
const http = useGitHttpServer();

function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A server repository holding one project, and `n` clones of it. */
async function serverWithClones(name: string, n: number): Promise<{ srv: string; clones: string[] }> {
  const srv = bareRepo(http.root, name);
  const seed = await initMeta({ dir: `${tmp()}/seed`, env });
  await addProject(seed, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
  await recordRelease(seed, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: hex40('a') }] });
  for (const v of ['1.1.0', '1.2.0', '1.3.0']) await recordRelease(seed, { project: 'acme/app', version: v, sources: [{ url: 'https://git.example/acme/app', commit: hex40('b') }] });
  addRemote(seed, 'origin', http.server.url(name));
  await push(seed);
  const clones: string[] = [];
  for (let i = 0; i < n; i++) clones.push((await cloneMeta({ url: http.server.url(name), dir: `${tmp()}/c${i}`, env })).dir);
  return { srv, clones };
}

const releasesOn = (srv: string) => git(['--git-dir', srv, 'ls-tree', '-r', '--name-only', 'main']).split('\n').filter((p) => p.endsWith('/release.pb'));

// Eight writer processes race through one remote; on 2 busy cores that takes minutes, not seconds.
// The timeout only bounds a hang: nothing here asserts how fast it goes.
describe('concurrent writers through one smart-HTTP remote', { timeout: 300_000 }, () => {
  it('8 processes x 25 records, each pushing: all 200 on the remote, meta verify and git fsck --strict clean', async () => {
    const { srv, clones } = await serverWithClones('conc.git', 8);
    const pushesBefore = http.server.requests.filter((r) => r.startsWith('POST /conc.git/git-receive-pack')).length;
    const results = await Promise.all(clones.map((dir, w) => run(process.execPath, [WRITER, JSON.stringify({ dir, count: 25, prefix: `2.${w}`, push: true })])));
    for (const r of results) expect(r.stderr, r.stderr).toBe('');
    for (const r of results) expect(r.status).toBe(0);
    const acknowledged = results.flatMap((r) => r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { version: string; commit: string }));
    expect(acknowledged).toHaveLength(200);
    const pushes = http.server.requests.filter((r) => r.startsWith('POST /conc.git/git-receive-pack')).length - pushesBefore;
    console.log(`8 writers x 25 records: ${pushes} pushes for 200 records (${pushes - 200} lost to another writer and re-planned)`);
    const onRemote = releasesOn(srv);
    expect(onRemote).toHaveLength(204);
    for (const a of acknowledged) {
      expect(onRemote.some((p) => p.endsWith(`/${a.version}/release.pb`)), a.version).toBe(true);
      // The commit the writer reported is the one the remote holds (never a local commit that lost a push).
      expect(git(['--git-dir', srv, 'merge-base', '--is-ancestor', a.commit, 'main']).length).toBe(0);
    }
    // Linear history, one record per commit: 1 init + 1 project + 4 seed releases + 200.
    expect(git(['--git-dir', srv, 'rev-list', '--count', '--merges', 'main']).trim()).toBe('0');
    expect(git(['--git-dir', srv, 'rev-list', '--count', 'main']).trim()).toBe('206');
    expect(fsck(srv).status).toBe(0);
    const verify = await run(BIN, ['verify', '--repo', srv, '--json']);
    expect(verify.status).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, commits: 206, records: 205 });
    // Each writer's local branch is a commit the remote has.
    for (const dir of clones) {
      const local = git(['--git-dir', dir, 'rev-parse', 'main']).trim();
      git(['--git-dir', srv, 'merge-base', '--is-ancestor', local, 'main']);
      expect(fsck(dir).status).toBe(0);
    }
  });

  it('two concurrent promotions with --expect on the same release: exactly one lands, the other exits 4; without --expect both land in sequence', async () => {
    const { srv, clones } = await serverWithClones('promo.git', 2);
    const first = await run(BIN, ['channel', 'promote', 'acme/app', 'stable', '1.0.0', '--repo', clones[0]!, '--push']);
    expect(first.status).toBe(0);
    await Promise.all(clones.map((dir) => run(BIN, ['pull', '--repo', dir])));
    const raced = await Promise.all(clones.map((dir) => run(BIN, ['channel', 'promote', 'acme/app', 'stable', '1.1.0', '--expect', '1.0.0', '--repo', dir, '--push', '--json'])));
    const statuses = raced.map((r) => r.status).sort();
    // The loser either re-planned on the winner's tip or started after it: --expect no longer holds.
    if (statuses[0] === 0 && statuses[1] === 0) {
      // Both "succeeded" only if one found 1.1.0 already live and wrote nothing; that must not happen with --expect 1.0.0.
      throw new Error(`both promotions succeeded: ${raced.map((r) => r.stdout).join('\n')}`);
    }
    expect(statuses).toEqual([0, 4]);
    const loser = raced.find((r) => r.status === 4)!;
    expect(JSON.parse(loser.stderr).error.code).toBe('CONFLICT');
    const channel = () => git(['--git-dir', srv, 'ls-tree', '-r', '--name-only', 'main', 'projects/acme/app/channels/stable']).split('\n').filter(Boolean);
    expect(channel()).toHaveLength(2);

    // Without --expect: both land, as sequences 3 and 4 (the loser of the push re-planned and re-numbered).
    const both = await Promise.all(clones.map((dir, i) => run(BIN, ['channel', 'promote', 'acme/app', 'stable', i === 0 ? '1.2.0' : '1.3.0', '--repo', dir, '--push', '--json'])));
    for (const r of both) expect(r.status, r.stderr).toBe(0);
    const landed = both.map((r) => JSON.parse(r.stdout) as { sequence: number; changed: boolean; release: { version: string }; previous: { version: string } });
    expect(landed.map((l) => l.changed)).toEqual([true, true]);
    expect(landed.map((l) => l.sequence).sort()).toEqual([3, 4]);
    const [third, fourth] = [...landed].sort((a, b) => a.sequence - b.sequence);
    expect(third!.previous.version).toBe('1.1.0');
    expect(fourth!.previous.version).toBe(third!.release.version);
    expect(channel()).toHaveLength(4);
    const verify = await run(BIN, ['verify', '--repo', srv]);
    expect(verify.status, verify.stdout).toBe(0);
    expect(fsck(srv).status).toBe(0);
  });

  it('processes sharing one local repository lose nothing (local compare-and-swap)', async () => {
    const repo = await initMeta({ dir: `${tmp()}/shared`, env });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    const results = await Promise.all([0, 1, 2, 3].map((w) => run(process.execPath, [WRITER, JSON.stringify({ dir: repo.dir, count: 25, prefix: `3.${w}` })])));
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    expect(releasesOn(repo.dir)).toHaveLength(100);
    expect(fsck(repo.dir).status).toBe(0);
  });
});
