import { describe, expect, it } from 'vitest';
import { addProject, promote, recordBinary, recordRelease } from '../../src/index.js';
import { listInstances } from '../../src/api/listInstances.js';
import { formatFleetLine } from '../../src/cli/formatFleetLine.js';
import { reportInstance } from '../../src/api/reportInstance.js';
import { isMetaError } from '../../src/errors/MetaError.js';
import { memRepo, sha, digest } from '../helpers/memRepo.js';

describe('instances: the fleet joined with desired state', () => {
  it('counts hosts running the live release, lists laggards with age, installing hosts and failures with their reason apart', async () => {
    const { repo } = await memRepo();
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    for (const [v, c] of [['1.4.1', 'a'], ['1.4.2', 'b']] as const) {
      await recordRelease(repo, { project: 'acme/app', version: v, sources: [{ url: 'https://git.example/acme/app', commit: sha(c) }] });
      await recordBinary(repo, { project: 'acme/app', version: v, platform: 'linux/amd64', digest: digest(c), size: 1, urls: ['file:///x'] });
    }
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.4.1' });
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.4.2' });
    const r = (host: string, version: string, status = 'running', message = '', env = 'prod') =>
      reportInstance(repo, { project: 'acme/app', host, env, channel: 'stable', version, status, message, digest: digest(version === '1.4.2' ? 'b' : 'a'), platform: 'linux/amd64' });
    await r('h1', '1.4.1');
    await r('h1', '1.4.2'); // the newer report wins
    await r('h2', '1.4.2');
    await r('h12', '1.4.1');
    await r('h31', '1.4.2', 'failed', 'hook exit 3');
    await r('h7', '1.4.2', 'installing');
    await r('d1', '1.4.1', 'running', '', 'dev');
    const now = new Date(Date.now() + 2 * 3600 * 1000 + 5000);
    const v = listInstances(repo, { project: 'app', env: 'prod', now });
    // Reporting the live version is not enough: only `running` counts as current.
    expect(v.hosts.map((h) => [h.host, h.version, h.current])).toEqual([['h1', '1.4.2', true], ['h12', '1.4.1', false], ['h2', '1.4.2', true], ['h31', '1.4.2', false], ['h7', '1.4.2', false]]);
    expect(v.channels).toHaveLength(1);
    const c = v.channels[0]!;
    expect([c.current, c.lagging.map((h) => h.host), c.installing.map((h) => h.host), c.failed.map((h) => h.host)]).toEqual([2, ['h12'], ['h7'], ['h31']]);
    expect(formatFleetLine(c)).toBe('stable → 1.4.2: 2 of 5 hosts; lagging: h12 (1.4.1, 2h); installing: h7 (1.4.2); failed: h31 (hook exit 3)');
    const all = listInstances(repo, { project: 'acme/app' });
    expect(all.hosts).toHaveLength(6);
    expect(all.hosts.find((h) => h.host === 'd1')?.env).toBe('dev');
  });

  it('validates reports before writing', async () => {
    const { repo } = await memRepo();
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    const tip = repo.store.tip();
    for (const bad of [
      { host: '../etc', env: 'prod', status: 'running' },
      { host: 'h', env: 'Prod!', status: 'running' },
      { host: 'h', env: 'prod', status: 'dancing' },
      { host: 'h', env: 'prod', status: 'running', digest: 'md5:x' },
      { host: 'h', env: 'prod', status: 'running', platform: 'linux-amd64' },
    ]) {
      await expect(reportInstance(repo, { project: 'acme/app', ...bad })).rejects.toSatisfy((e: unknown) => isMetaError(e) && (e.code === 'INVALID_ARGUMENT' || e.code === 'INVALID_NAME'));
    }
    expect(repo.store.tip()).toBe(tip);
  });
});
