import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { openMeta, type MetaRepo } from '../../src/api/openMeta.js';
import { promote } from '../../src/index.js';
import { hashToken } from '../../src/serve/serveTokens.js';
import { follow, readFollowState } from '../../src/follow/follow.js';
import { LocalSource } from '../../src/follow/followSources.js';
import { listInstances } from '../../src/api/listInstances.js';
import { tempDir } from '../helpers/diskRepo.js';
import { diskRepo, fileServer, releaseWithBinary, setSettings, sha, sha256 } from '../helpers/serveFixtures.js';
import { spawnMeta, startServe, until, type ServeProcess } from '../helpers/metaProcess.js';

const CI = 'ci-secret';
const FLEET = 'fleet-secret';
const run = promisify(execFile);



const link = (dir: string) => (existsSync(`${dir}/current`) ? readlinkSync(`${dir}/current`) : undefined);

describe('meta follow end to end: serve + 3 followers + CI over HTTP', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  let files: Awaited<ReturnType<typeof fileServer>>;
  let serve: ServeProcess;
  let url = '';
  beforeAll(async () => {
    tmp = tempDir('meta-follow-');
    repo = await diskRepo(tmp.dir);
    files = await fileServer(tmp.dir);
    writeFileSync(`${tmp.dir}/app-1.0.0`, 'v1 bytes');
    await releaseWithBinary(repo, '1.0.0', 'v1 bytes', `${files.url}/app-1.0.0`);
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    await setSettings(repo, { serve: { tokens: [{ name: 'ci', sha256: hashToken(CI), scopes: ['records'] }, { name: 'fleet', sha256: hashToken(FLEET), scopes: ['reports'] }] } });
    serve = await startServe(repo.dir, ['--no-webhooks']);
    url = serve.url;
  });
  afterAll(async () => {
    await serve?.stop();
    await files?.close();
    tmp.cleanup();
  });

  it('installs the new release on every follower (digest verified), reports, and refuses bytes that do not match', async () => {
    const dirs = [1, 2, 3].map((i) => `${tmp.dir}/host${i}`);
    const followers = dirs.map((d, i) => spawnMeta([
      'follow', 'acme/app', '--server', url, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', d,
      '--report', '--host', `h${i + 1}`, '--env', 'prod', '--max-iterations', '2', '--timeout', '90', '--json',
      '--exec', 'echo "$META_VERSION" > hook-ran',
    ], { META_TOKEN: FLEET }));
    await until(() => dirs.every((d) => link(d) === 'releases/1.0.0'), 'every follower on 1.0.0');

    // CI: record and promote 1.1.0 over HTTP with the real curl.
    writeFileSync(`${tmp.dir}/app-1.1.0`, 'v2 bytes!');
    const ci = async (body: unknown) => {
      const { stdout } = await run('curl', ['-fsS', '-X', 'POST', `${url}/v1/records`, '-H', `Authorization: Bearer ${CI}`, '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body)]);
      return JSON.parse(stdout);
    };
    await ci({ kind: 'release', project: 'acme/app', version: '1.1.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('b') }] });
    await ci({ kind: 'binary', project: 'acme/app', version: '1.1.0', platform: 'linux/amd64', digest: sha256('v2 bytes!'), size: 9, urls: [`${files.url}/app-1.1.0`] });
    const p = await ci({ kind: 'promotion', project: 'acme/app', channel: 'stable', version: '1.1.0', expect: '1.0.0' });
    expect(p.sequence).toBe(2);

    const codes = await Promise.all(followers.map((f) => f.exit));
    expect(codes, followers.map((f) => f.err()).join('\n')).toEqual([0, 0, 0]);
    for (const [i, d] of dirs.entries()) {
      expect(link(d)).toBe('releases/1.1.0');
      expect(sha256(readFileSync(`${d}/current/app`))).toBe(sha256('v2 bytes!'));
      expect(readFileSync(`${d}/hook-ran`, 'utf8').trim()).toBe('1.1.0');
      const res = JSON.parse(followers[i]!.out());
      expect(res.attempts.map((a: { version: string; ok: boolean }) => [a.version, a.ok])).toEqual([['1.0.0', true], ['1.1.0', true]]);
    }
    const inst = spawnMeta(['instances', 'acme/app', '--repo', repo.dir, '--env', 'prod']);
    expect(await inst.exit).toBe(0);
    expect(inst.out().trim()).toBe('stable → 1.1.0: 3 of 3 hosts');

    // 1.2.0 is recorded with the digest of the real build, but the location serves other bytes.
    writeFileSync(`${tmp.dir}/app-1.2.0`, 'tampered!!');
    await ci({ kind: 'release', project: 'acme/app', version: '1.2.0', sources: [{ url: 'https://git.example/acme/app', commit: sha('c') }] });
    await ci({ kind: 'binary', project: 'acme/app', version: '1.2.0', platform: 'linux/amd64', digest: sha256('the real!'), size: 10, urls: [`${files.url}/app-1.2.0`] });
    const again = spawnMeta(['follow', 'acme/app', '--server', url, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', dirs[0]!,
      '--report', '--host', 'h1', '--env', 'prod', '--max-iterations', '1', '--timeout', '60', '--json'], { META_TOKEN: FLEET });
    await ci({ kind: 'promotion', project: 'acme/app', channel: 'stable', version: '1.2.0' });
    expect(await again.exit, again.err()).toBe(0);
    const res = JSON.parse(again.out());
    expect(res.attempts).toHaveLength(1);
    expect(res.attempts[0]).toMatchObject({ version: '1.2.0', ok: false });
    expect(res.attempts[0].reason).toMatch(/^digest mismatch/);
    expect(link(dirs[0]!)).toBe('releases/1.1.0');
    expect(existsSync(`${dirs[0]}/releases/1.2.0`)).toBe(false);
    expect(readFileSync(`${dirs[0]}/current/app`, 'utf8')).toBe('v2 bytes!');
    const fresh = openMeta({ dir: repo.dir });
    const fleet = listInstances(fresh, { project: 'acme/app', env: 'prod' });
    const h1 = fleet.hosts.find((h) => h.host === 'h1')!;
    expect(h1).toMatchObject({ status: 'failed', version: '1.2.0', current: false });
    expect(h1.message).toMatch(/digest mismatch.*still running 1\.1\.0/);
    expect(fleet.channels[0]).toMatchObject({ desired: '1.2.0', total: 3, current: 0 });
  });
});

describe('meta follow on a local repository', () => {
  it('switches back and reports when the hook fails; refuses history that does not descend from the last verified commit', async () => {
    const tmp = tempDir('meta-follow-local-');
    try {
      const repo = await diskRepo(tmp.dir);
      writeFileSync(`${tmp.dir}/a1`, 'one');
      writeFileSync(`${tmp.dir}/a2`, 'two');
      await releaseWithBinary(repo, '1.0.0', 'one', `file://${tmp.dir}/a1`, 'a');
      await releaseWithBinary(repo, '2.0.0', 'two', `file://${tmp.dir}/a2`, 'b');
      await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
      const installDir = `${tmp.dir}/inst`;
      const base = { project: 'acme/app', channel: 'stable', platform: 'linux/amd64', installDir, report: true, host: 'h31', env: 'prod' };
      let source = await new LocalSource(repo).start();
      const first = await follow({ ...base, source, once: true });
      expect(first.attempts.map((a) => a.ok)).toEqual([true]);
      await promote(repo, { project: 'acme/app', channel: 'stable', version: '2.0.0' });
      const second = await follow({ ...base, source, once: true, exec: 'test "$META_VERSION" = 1.0.0 || exit 3' });
      await source.close();
      expect(second.attempts).toMatchObject([{ version: '2.0.0', ok: false, reason: 'hook exit 3' }]);
      expect(link(installDir)).toBe('releases/1.0.0');
      const v = listInstances(repo, { project: 'acme/app' });
      expect(v.hosts[0]).toMatchObject({ host: 'h31', status: 'failed', message: 'hook exit 3; still running 1.0.0' });
      expect((await readFollowState(installDir))?.failed).toMatchObject({ version: '2.0.0', reason: 'hook exit 3' });

      // A repository whose history does not hold the last verified commit (a rewrite, or an
      // older copy) is refused: nothing is installed.
      const other = await diskRepo(`${tmp.dir}/other`);
      writeFileSync(`${tmp.dir}/a3`, 'three');
      await releaseWithBinary(other, '3.0.0', 'three', `file://${tmp.dir}/a3`, 'c');
      await promote(other, { project: 'acme/app', channel: 'stable', version: '3.0.0' });
      source = await new LocalSource(other).start();
      await expect(follow({ ...base, source, once: true })).rejects.toMatchObject({ code: 'HISTORY_REWRITTEN' });
      await source.close();
      expect(link(installDir)).toBe('releases/1.0.0');
    } finally {
      tmp.cleanup();
    }
  });
});
