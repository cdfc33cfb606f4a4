import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addProject, initMeta, promote, recordBinary, recordRelease } from '../../src/index.js';
import { addRemote } from '../../src/api/addRemote.js';
import { push } from '../../src/api/push.js';
import { openClone, remoteSync } from '../../src/serve/remoteSync.js';
import { startServer } from '../../src/serve/MetaServer.js';
import { hashToken } from '../../src/serve/serveTokens.js';
import { startGitHttpServer, type GitHttpServer } from '../helpers/gitHttpServer.js';
import { bareRepo, cleanupTmp, git, hex40, tmp } from '../helpers/remoteFixtures.js';
import { setSettings, sha256 } from '../helpers/serveFixtures.js';

const env = { META_ACTOR: 'Test <t@example.com>' };
let gitServer: GitHttpServer;
let root: string;
beforeAll(async () => {
  root = tmp();
  gitServer = await startGitHttpServer({ root });
});
afterAll(async () => {
  await gitServer.close();
  cleanupTmp();
});

describe('meta serve --remote', () => {
  it('serves a clone it keeps fetching, and answers writes only once the remote holds them', async () => {
    const srv = bareRepo(root, 'served.git');
    const seed = await initMeta({ dir: `${tmp()}/seed`, env });
    await addProject(seed, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    for (const [v, c] of [['1.0.0', 'a'], ['1.1.0', 'b']] as const) {
      await recordRelease(seed, { project: 'acme/app', version: v, sources: [{ url: 'https://git.example/acme/app', commit: hex40(c) }] });
      await recordBinary(seed, { project: 'acme/app', version: v, platform: 'linux/amd64', digest: sha256(v), size: 5, urls: [`https://dl.example/${v}`] });
    }
    await promote(seed, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    await setSettings(seed, { serve: { tokens: [{ name: 'fleet', sha256: hashToken('tok'), scopes: ['reports'] }] } });
    addRemote(seed, 'origin', gitServer.url('served.git'));
    await push(seed);

    const clone = await openClone({ url: gitServer.url('served.git'), dir: `${tmp()}/clone`, env, actor: 'meta serve' });
    const server = await startServer({ repo: clone, listen: '127.0.0.1:0', webhooks: false, remote: await remoteSync(clone, gitServer.url('served.git'), 100) });
    try {
      const resolve = async () => (await (await fetch(`${server.url}/v1/projects/acme/app/channels/stable/resolve?platform=linux/amd64`)).json()) as { release: { version: string }; commit: string };
      expect((await resolve()).release.version).toBe('1.0.0');
      // Another writer promotes on the remote: the server fetches it.
      await promote(seed, { project: 'acme/app', channel: 'stable', version: '1.1.0' });
      await push(seed);
      const end = Date.now() + 20_000;
      while ((await resolve()).release.version !== '1.1.0') {
        if (Date.now() > end) throw new Error('the server never fetched the promotion');
        await new Promise((r) => setTimeout(r, 50));
      }
      // Reports are group-committed and pushed before the answer.
      const res = await Promise.all(['h1', 'h2', 'h3'].map((h) => fetch(`${server.url}/v1/projects/acme/app/instances/${h}/report`, {
        method: 'POST', headers: { authorization: 'Bearer tok', 'content-type': 'application/json' }, body: JSON.stringify({ env: 'prod', status: 'running', version: '1.1.0' }),
      })));
      const bodies = await Promise.all(res.map((r) => r.json() as Promise<{ path: string }>));
      expect(res.map((r) => r.status)).toEqual([201, 201, 201]);
      const onRemote = git(['--git-dir', srv, 'ls-tree', '-r', '--name-only', 'main']).split('\n');
      for (const b of bodies) expect(onRemote).toContain(b.path);
      expect(git(['--git-dir', srv, 'fsck', '--strict']).trim()).toBe('');
    } finally {
      await server.close();
    }
  });
});
