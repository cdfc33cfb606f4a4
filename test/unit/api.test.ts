import { describe, expect, it } from 'vitest';
import { addProject, channelHistory, diffChannel, listChannels, log, promote, recordBinary, recordRelease, resolveBinary, resolveSource, rollback, showChannel, showRecord } from '../../src/index.js';
import { memRepo, sha, digest } from '../helpers/memRepo.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { asyncCodeOf as acode, codeOf as code } from '../helpers/errorCode.js';

async function seeded(): Promise<MetaRepo> {
  const { repo } = await memRepo();
  await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
  for (const [v, c] of [['1.0.0', 'a'], ['1.1.0', 'b'], ['1.2.0', 'c']] as const) {
    await recordRelease(repo, { project: 'acme/app', version: v, sources: [{ url: 'https://git.example/acme/app', commit: sha(c) }, { url: 'https://git.example/acme/lib', commit: sha('d') }] });
    await recordBinary(repo, { project: 'acme/app', version: v, platform: 'linux/amd64', digest: digest(c), size: 100, urls: [`s3://b/${v}`] });
  }
  return repo;
}

describe('core API on memfs', () => {
  it('promotes, resolves and rolls back with a stack of releases', async () => {
    const repo = await seeded();
    const p1 = await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0', expect: 'none' });
    expect(p1.sequence).toBe(1);
    const p2 = await promote(repo, { project: 'app', channel: 'stable', version: '1.1.0' });
    expect(p2.sequence).toBe(2);
    expect(p2.previous?.version).toBe('1.0.0');
    const r = resolveBinary(repo, { project: 'app', channel: 'stable', platform: 'linux/amd64' });
    expect(r.release.version).toBe('1.1.0');
    expect(r.binary.digest).toBe(digest('b'));
    expect(r.release.sources.map((s) => s.commit)).toEqual([sha('b'), sha('d')]);
    expect(r.commit).toBe(repo.store.tip());
    const rb = await rollback(repo, { project: 'acme/app', channel: 'stable' });
    expect(rb.release.version).toBe('1.0.0');
    expect(rb.sequence).toBe(3);
    expect(showChannel(repo, { project: 'acme/app', channel: 'stable' }).current?.version).toBe('1.0.0');
    // Nothing left to undo: the stack is [1.0.0].
    expect(await acode(rollback(repo, { project: 'acme/app', channel: 'stable' }))).toBe('PRECONDITION_FAILED');
    // Time travel by commit.
    expect(resolveBinary(repo, { project: 'app', channel: 'stable', platform: 'linux/amd64', at: p2.commit }).release.version).toBe('1.1.0');
    expect(resolveBinary(repo, { project: 'app', channel: 'stable', platform: 'linux/amd64', at: p1.commit }).release.version).toBe('1.0.0');
    const hist = channelHistory(repo, { project: 'app', channel: 'stable' });
    expect(hist.map((h) => [h.sequence, h.action, h.release.version, h.commit])).toEqual([
      [1, 'promote', '1.0.0', p1.commit], [2, 'promote', '1.1.0', p2.commit], [3, 'rollback', '1.0.0', rb.commit],
    ]);
    expect(listChannels(repo, { project: 'app' }).map((c) => c.channel)).toEqual(['stable']);
  });

  it('checks --expect and re-promotion', async () => {
    const repo = await seeded();
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    expect(await acode(promote(repo, { project: 'acme/app', channel: 'stable', version: '1.1.0', expect: 'none' }))).toBe('CONFLICT');
    const same = await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    expect(same.changed).toBe(false);
    expect(showChannel(repo, { project: 'acme/app', channel: 'stable' }).sequence).toBe(1);
  });

  it('walks back from a digest to sources, diffs, shows and logs', async () => {
    const repo = await seeded();
    const a = await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    const b = await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.2.0' });
    const s = resolveSource(repo, { digest: digest('c') });
    expect(s.matches).toHaveLength(1);
    expect(s.matches[0]!.version).toBe('1.2.0');
    expect(s.matches[0]!.sources.map((x) => `${x.url}@${x.commit}`)).toEqual([`https://git.example/acme/app@${sha('c')}`, `https://git.example/acme/lib@${sha('d')}`]);
    const d = diffChannel(repo, { project: 'acme/app', channel: 'stable', from: a.commit, to: b.commit });
    expect(d.from.release?.version).toBe('1.0.0');
    expect(d.to.release?.version).toBe('1.2.0');
    expect(d.sources.find((x) => x.url.endsWith('/app'))).toMatchObject({ from: sha('a'), to: sha('c'), status: 'changed' });
    expect(d.sources.find((x) => x.url.endsWith('/lib'))?.status).toBe('same');
    expect(d.binaries).toEqual([{ platform: 'linux/amd64', from: digest('a'), to: digest('c'), status: 'changed' }]);
    const shown = showRecord(repo, { target: b.path });
    expect(shown.kind).toBe('promotion');
    expect(showRecord(repo, { target: b.githash }).kind).toBe('promotion');
    const l = log(repo, { kind: 'promotion' });
    expect(l.map((x) => x.commit)).toEqual([b.commit, a.commit]);
    expect(l[0]!.subject).toBe('promote acme/app stable 1.2.0 (seq 2)');
  });

  it('rejects bad input without writing', async () => {
    const repo = await seeded();
    const tip = repo.store.tip();
    expect(await acode(recordRelease(repo, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'u', commit: sha('e') }] }))).toBe('ALREADY_EXISTS');
    expect(await acode(recordRelease(repo, { project: 'acme/app', version: '../x', sources: [{ url: 'u', commit: sha('e') }] }))).toBe('INVALID_NAME');
    expect(await acode(recordRelease(repo, { project: 'acme/app', version: '2.0.0', sources: [{ url: 'u', commit: 'abc' }] }))).toBe('INVALID_NAME');
    expect(await acode(recordRelease(repo, { project: 'nope', version: '2.0.0', sources: [{ url: 'u', commit: sha('e') }] }))).toBe('NOT_FOUND');
    expect(await acode(addProject(repo, { name: '-x/y', repoUrl: 'u' }))).toBe('INVALID_NAME');
    expect(await acode(addProject(repo, { name: 'a//b', repoUrl: 'u' }))).toBe('INVALID_NAME');
    expect(await acode(addProject(repo, { name: 'a/b\x01', repoUrl: 'u' }))).toBe('INVALID_NAME');
    expect(await acode(recordBinary(repo, { project: 'acme/app', version: '1.0.0', platform: 'linux/amd64', digest: digest('f'), size: 1, urls: ['s3://x'] }))).toBe('ALREADY_EXISTS');
    expect(await acode(recordBinary(repo, { project: 'acme/app', version: '1.0.0', platform: 'linux-amd64', digest: digest('f'), size: 1, urls: ['s3://x'] }))).toBe('INVALID_NAME');
    expect(await acode(recordBinary(repo, { project: 'acme/app', version: '1.0.0', platform: 'linux/arm64', digest: 'sha256:zz', size: 1, urls: ['s3://x'] }))).toBe('INVALID_NAME');
    expect(await acode(recordBinary(repo, { project: 'acme/app', version: '9.9.9', platform: 'linux/arm64', digest: digest('f'), size: 1, urls: ['s3://x'] }))).toBe('NOT_FOUND');
    expect(await acode(promote(repo, { project: 'acme/app', channel: 'stable', version: '9.9.9' }))).toBe('NOT_FOUND');
    expect(code(() => resolveBinary(repo, { project: 'acme/app', channel: 'nope', platform: 'linux/amd64' }))).toBe('NOT_FOUND');
    expect(repo.store.tip()).toBe(tip);
  });

  it('warns on promoting a release without binaries, refuses with requireBinaries', async () => {
    const repo = await seeded();
    await recordRelease(repo, { project: 'acme/app', version: '2.0.0', sources: [{ url: 'u', commit: sha('e') }] });
    expect(await acode(promote(repo, { project: 'acme/app', channel: 'beta', version: '2.0.0', requireBinaries: true }))).toBe('PRECONDITION_FAILED');
    const p = await promote(repo, { project: 'acme/app', channel: 'beta', version: '2.0.0' });
    expect(p.warnings.join()).toMatch(/no binaries/);
    expect(code(() => resolveBinary(repo, { project: 'acme/app', channel: 'beta', platform: 'linux/amd64' }))).toBe('NOT_FOUND');
  });
});
