import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { encodeRecord } from '../../src/records/codec.js';
import { makeHeader } from '../../src/records/makeHeader.js';
import { releasePath } from '../../src/records/layout.js';
import { promote } from '../../src/index.js';
import { startServer } from '../../src/serve/MetaServer.js';
import { watchServer } from '../../src/watch/watchEvents.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { META_BIN, tempDir } from '../helpers/diskRepo.js';
import { diskRepo, releaseWithBinary, sha } from '../helpers/serveFixtures.js';

/** Writes one release record commit with git plumbing only (hash-object, a temp index, commit-tree, update-ref). */
function gitCommitRelease(gitdir: string, version: string): string {
  const bytes = encodeRecord('release', { header: makeHeader('release', 'git cli', new Date()), project: 'acme/app', version, sources: [{ url: 'https://git.example/acme/app', commit: sha('e'), path: '', tag: '' }], imports: [], notes: 'written by git' });
  const env = { GIT_INDEX_FILE: `${gitdir}/tmp-index-${version}` };
  const g = (args: string[], input?: Buffer) => execFileSync('git', ['--git-dir', gitdir, ...args], { input, encoding: 'utf8', env: { ...process.env, ...env } }).trim();
  const tip = g(['rev-parse', 'refs/heads/main']);
  const blob = g(['hash-object', '-w', '--stdin'], Buffer.from(bytes));
  g(['read-tree', tip]);
  g(['update-index', '--add', '--cacheinfo', `100644,${blob},${releasePath('acme/app', version)}`]);
  const tree = g(['write-tree']);
  const commit = g(['-c', 'user.name=git', '-c', 'user.email=git@example.com', 'commit-tree', tree, '-p', tip, '-m', `record release acme/app ${version} (by git)`]);
  g(['update-ref', 'refs/heads/main', commit, tip]);
  return commit;
}

describe('meta watch', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  beforeAll(async () => {
    tmp = tempDir('meta-watch-');
    repo = await diskRepo(tmp.dir);
  });
  afterAll(() => tmp.cleanup());

  it('notices a commit made by the real git CLI in a local repository', async () => {
    const before = repo.store.tip()!;
    const child = spawn(process.execPath, [META_BIN, 'watch', 'acme/app', '--repo', repo.dir, '--json', '--max-events', '1', '--timeout', '60', '--since', before], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    // Commit only once the watcher runs, so the live path (chokidar on the refs) is what sees it.
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (/watching/.test(err)) { clearInterval(t); resolve(); }
      }, 20);
      void exit.then(() => { clearInterval(t); reject(new Error(`meta watch exited early: ${err}`)); });
    });
    const commit = gitCommitRelease(repo.store.dir, '9.9.9');
    expect(await exit, err).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ type: 'release.recorded', project: 'acme/app', version: '9.9.9', commit });
    expect(lines[0].record.notes).toBe('written by git');
  });

  it('follows the event stream of a meta serve', async () => {
    const server = await startServer({ repo, listen: '127.0.0.1:0', webhooks: false });
    const ac = new AbortController();
    try {
      let ready!: () => void;
      const isReady = new Promise<void>((r) => (ready = r));
      const got: string[] = [];
      const reading = (async () => {
        for await (const ev of watchServer(server.url, { project: 'acme/app', types: ['channel.*'], signal: ac.signal, onReady: () => ready() })) {
          got.push(`${ev.type} ${ev.version}`);
          if (got.length === 2) break;
        }
      })();
      await isReady;
      await releaseWithBinary(repo, '1.0.0', 'x', 'file:///x');
      await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
      await promote(repo, { project: 'acme/app', channel: 'beta', version: '1.0.0' });
      await reading;
      expect(got).toEqual(['channel.promoted 1.0.0', 'channel.promoted 1.0.0']);
    } finally {
      ac.abort();
      await server.close();
    }
  });
});
