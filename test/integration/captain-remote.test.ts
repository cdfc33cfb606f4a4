import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addProject, initMeta, recordBinary, recordRelease } from '../../src/index.js';
import { addRemote } from '../../src/api/addRemote.js';
import { push } from '../../src/api/push.js';
import { pull } from '../../src/api/pull.js';
import { setPipeline } from '../../src/api/setPipeline.js';
import { channelHistory } from '../../src/api/channelHistory.js';
import { startGitHttpServer, type GitHttpServer } from '../helpers/gitHttpServer.js';
import { bareRepo, cleanupTmp, git, hex40, tmp } from '../helpers/remoteFixtures.js';
import { sha256 } from '../helpers/serveFixtures.js';
import { runMeta } from '../helpers/metaProcess.js';

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

describe('meta captain --remote --push', () => {
  it('works on a clone it fetches before every pass and lands its decisions on the remote', async () => {
    const bare = bareRepo(root, 'captain.git');
    const seed = await initMeta({ dir: `${tmp()}/seed`, env, channels: ['dev', 'beta'] });
    await addProject(seed, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    await setPipeline(seed, { project: 'acme/app', source: 'stages:\n  - channel: dev\n    auto: true\n  - channel: beta\n    auto: true\n' });
    const release = async (v: string, c: string) => {
      await recordRelease(seed, { project: 'acme/app', version: v, sources: [{ url: 'https://git.example/acme/app', commit: hex40(c) }] });
      await recordBinary(seed, { project: 'acme/app', version: v, platform: 'linux/amd64', digest: sha256(v), size: 5, urls: [`https://dl.example/${v}`] });
    };
    await release('1.0.0', 'a');
    addRemote(seed, 'origin', gitServer.url('captain.git'));
    await push(seed);

    const clone = `${tmp()}/captain-clone`;
    const captain = () => runMeta(['captain', '--once', '--remote', gitServer.url('captain.git'), '--push', '--repo', clone, '--json'], env);
    let r = await captain();
    expect(r.code, r.stderr).toBe(0);
    await pull(seed);
    expect(channelHistory(seed, { project: 'acme/app', channel: 'beta' }).map((h) => [h.action, h.release.version, h.actor])).toEqual([['promote', '1.0.0', 'Test <t@example.com>']]);

    // Another writer records a release on the remote: the next pass fetches it first.
    await release('1.1.0', 'b');
    await push(seed);
    r = await captain();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).action)).toEqual(['promoted', 'promoted']);
    await pull(seed);
    expect(channelHistory(seed, { project: 'acme/app', channel: 'dev' }).map((h) => h.release.version)).toEqual(['1.0.0', '1.1.0']);
    expect(git(['--git-dir', bare, 'fsck', '--strict']).trim()).toBe('');
  }, 90_000);
});
