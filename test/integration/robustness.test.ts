import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { addProject, initMeta, openMeta, promote, recordBinary, recordRelease, resolveBinary, showRecord, channelHistory } from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { releasePath } from '../../src/records/layout.js';
import { isMetaError, type MetaError } from '../../src/errors/MetaError.js';
import { fsck, git, META_BIN, tempDir } from '../helpers/diskRepo.js';

const SHA = 'e'.repeat(40);
const DIG = `sha256:${'f'.repeat(64)}`;

function thrown(fn: () => unknown): MetaError {
  try {
    fn();
  } catch (e) {
    if (isMetaError(e)) return e;
    throw e;
  }
  throw new Error('expected a MetaError');
}

describe('damaged records, packed repositories, git tree order', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  let badCommit: string;
  beforeAll(async () => {
    tmp = tempDir();
    repo = await initMeta({ dir: `${tmp.dir}/meta`, actor: 't <t@x>', env: {} });
    await addProject(repo, { name: 'acme/app', repoUrl: 'u' });
    for (const v of ['1.0.0', '1.1.0']) {
      await recordRelease(repo, { project: 'acme/app', version: v, sources: [{ url: 'u', commit: SHA }] });
      await recordBinary(repo, { project: 'acme/app', version: v, platform: 'linux/amd64', digest: DIG, size: 1, urls: ['s3://x'] });
    }
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    // Another tool writes garbage where a release record belongs.
    const r = await repo.store.append(() => ({ files: [{ path: releasePath('acme/app', '6.6.6'), data: Buffer.from('\xff\xff\xff not protobuf') }], message: 'bad tool' }), { actor: 'other tool' });
    badCommit = r.commit;
  });
  afterAll(() => tmp.cleanup());

  it('names the path and commit of a record that does not decode, and keeps every other record readable', async () => {
    const path = releasePath('acme/app', '6.6.6');
    const e = thrown(() => showRecord(repo, { target: path }));
    expect(e.code).toBe('CORRUPT_RECORD');
    expect(e.message).toContain(path);
    expect(e.message).toContain(badCommit.slice(0, 12));
    expect(e.data).toMatchObject({ path, commit: badCommit });
    const pe = await promote(repo, { project: 'acme/app', channel: 'beta', version: '6.6.6' }).catch((x: unknown) => x as MetaError);
    expect(isMetaError(pe, 'CORRUPT_RECORD')).toBe(true);
    expect(resolveBinary(repo, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' }).release.version).toBe('1.0.0');
    expect((await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.1.0' })).sequence).toBe(2);
    const cli = spawnSync(process.execPath, [META_BIN, 'show', path, '--repo', repo.dir], { encoding: 'utf8' });
    expect(cli.status).toBe(6);
    expect(cli.stderr).toContain(path);
  });

  it('reads everything back after git gc packs the repository', () => {
    const before = channelHistory(repo, { project: 'acme/app', channel: 'stable' });
    git(['--git-dir', repo.store.dir, 'gc', '--aggressive', '--prune=now', '--quiet']);
    expect(spawnSync('sh', ['-c', `ls ${repo.store.dir}/objects/pack/*.idx`]).status).toBe(0);
    const fresh = openMeta({ dir: repo.dir, env: {} });
    expect(channelHistory(fresh, { project: 'acme/app', channel: 'stable' })).toEqual(before);
    expect(resolveBinary(fresh, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' }).release.version).toBe('1.1.0');
  });

  it('writes trees in git order (a.b, a-b, a0 around a directory a/) that fsck --strict accepts', async () => {
    const names = ['x/a.b.pb', 'x/a/c.pb', 'x/a-b.pb', 'x/a0.pb', 'x/a', 'x/a.pb'].filter((n) => n !== 'x/a');
    await repo.store.append(() => ({ files: names.map((p) => ({ path: `odd/${p}`, data: Buffer.from(p) })), message: 'odd names' }), { actor: 't' });
    await repo.store.append(() => ({ files: [{ path: 'odd/x/a/d.pb', data: Buffer.from('d') }, { path: 'odd/x/a+.pb', data: Buffer.from('+') }], message: 'more' }), { actor: 't' });
    const r = fsck(repo.store.dir);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
    const listed = git(['--git-dir', repo.store.dir, 'ls-tree', '-r', '--name-only', 'HEAD', 'odd/']).trim().split('\n');
    expect([...repo.store.snapshot().walk('odd')].map((f) => f.path)).toEqual(listed);
  });
});
