import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { promote, rollback } from '../../src/index.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import { resolveBinary } from '../../src/api/resolveBinary.js';
import { follow, readFollowState } from '../../src/follow/follow.js';
import { LocalSource } from '../../src/follow/followSources.js';
import { encodeRecord } from '../../src/records/codec.js';
import { makeHeader } from '../../src/records/makeHeader.js';
import { promotionPath } from '../../src/records/layout.js';
import { tempDir } from '../helpers/diskRepo.js';
import { diskRepo, fileServer, releaseWithBinary } from '../helpers/serveFixtures.js';
import { hostileProxy } from '../helpers/hostileServe.js';
import { spawnMeta, startServe } from '../helpers/metaProcess.js';

/**
 * Anti-rollback must not depend on the server: a hostile server (or a stale mirror) that serves
 * the channel's real previous answer, with its correct digest, must not move a follower back.
 * The follower remembers the channel sequence and release it last verified in its install dir.
 */

const V1 = 'release one bytes';
const V2 = 'release two bytes!';
const RESOLVE = '/v1/projects/acme/app/channels/stable/resolve?platform=linux%2Famd64';

describe('meta follow refuses an older answer from a server that ignores its ancestry check', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: MetaRepo;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let files: Awaited<ReturnType<typeof fileServer>>;
  let proxy: Awaited<ReturnType<typeof hostileProxy>>;
  let first = ''; // the meta commit where sequence 1 (release 1.0.0) is live

  beforeAll(async () => {
    tmp = tempDir('meta-sec-follow-rollback-');
    repo = await diskRepo(`${tmp.dir}/srv`);
    mkdirSync(`${tmp.dir}/srv/bin`);
    files = await fileServer(`${tmp.dir}/srv/bin`);
    writeFileSync(`${tmp.dir}/srv/bin/app-1`, V1);
    writeFileSync(`${tmp.dir}/srv/bin/app-2`, V2);
    await releaseWithBinary(repo, '1.0.0', V1, `${files.url}/app-1`, 'a');
    await releaseWithBinary(repo, '2.0.0', V2, `${files.url}/app-2`, 'b');
    first = (await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' })).commit;
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '2.0.0' });
    serve = await startServe(repo.dir, ['--no-webhooks']);
    proxy = await hostileProxy(serve.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await serve?.stop();
    await files?.close();
    tmp?.cleanup();
  });

  async function followOnce(inst: string) {
    const f = spawnMeta(['follow', 'acme/app', '--server', proxy.url, '--channel', 'stable', '--platform', 'linux/amd64', '--install-dir', inst, '--once', '--timeout', '60', '--json']);
    return { code: await f.exit, err: f.err(), out: f.out() };
  }

  function expectStillOn2(inst: string): void {
    expect(readlinkSync(`${inst}/current`)).toBe('releases/2.0.0');
    expect(readFileSync(`${inst}/current/app`, 'utf8')).toBe(V2);
    expect(existsSync(`${inst}/releases/1.0.0`)).toBe(false);
  }

  it('installs release 2 (sequence 2), then refuses the real sequence-1 answer served again and keeps release 2', async () => {
    const inst = `${tmp.dir}/inst-older`;
    proxy.rewrite = (real) => real;
    const ok = await followOnce(inst);
    expect(ok.code, ok.err).toBe(0);
    expectStillOn2(inst);
    const state = (await readFollowState(inst))!;
    expect(state).toMatchObject({ sequence: 2, version: '2.0.0' });

    // The hostile server answers with the channel's real previous answer: a genuine answer of
    // the real server at the commit where 1.0.0 was live, digest and all.
    proxy.rewrite = (_real, upstream) => upstream(`${RESOLVE}&at=${first}`);
    const old = await followOnce(inst);
    expect(old.code, old.err).toBe(7); // HISTORY_REWRITTEN
    expect(old.err).toMatch(/sequence 1 \(release 1\.0\.0\), older than sequence 2/);
    expect(old.err).not.toMatch(/\n\s+at /);
    expectStillOn2(inst);
    expect(await readFollowState(inst)).toEqual(state);
  });

  it('refuses an answer at the same sequence that names another release', async () => {
    const inst = `${tmp.dir}/inst-same`;
    proxy.rewrite = (real) => real;
    expect((await followOnce(inst)).code).toBe(0);
    const state = await readFollowState(inst);

    // Sequence 2 as the real server says, but with release 1.0.0's real release and binary.
    proxy.rewrite = async (real, upstream) => {
      const old = await upstream(`${RESOLVE}&at=${first}`);
      return { ...real, release: old.release, binary: old.binary };
    };
    const forged = await followOnce(inst);
    expect(forged.code, forged.err).toBe(7);
    expect(forged.err).toMatch(/names release 1\.0\.0 at sequence 2, but this follower verified another release at that sequence/);
    expectStillOn2(inst);
    expect(await readFollowState(inst)).toEqual(state);
  });

  it('refuses to start over when its state file is corrupt or hostile, instead of forgetting what it verified', async () => {
    const inst = `${tmp.dir}/inst-state`;
    proxy.rewrite = (real) => real;
    expect((await followOnce(inst)).code).toBe(0);
    proxy.rewrite = (_real, upstream) => upstream(`${RESOLVE}&at=${first}`);
    const good = readFileSync(`${inst}/.meta-follow.json`, 'utf8');
    const hostile: [string, string][] = [
      ['truncated', good.slice(0, 20)],
      ['empty', ''],
      ['sequence as text', good.replace('"sequence": 2', '"sequence": "0"')],
      ['version as a path', good.replace('"version": "2.0.0"', '"version": "../../victim"')],
      ['not an object', '[]'],
    ];
    for (const [label, text] of hostile) {
      writeFileSync(`${inst}/.meta-follow.json`, text);
      const r = await followOnce(inst);
      expect(r.code, `${label}: ${r.err}`).toBe(6); // CORRUPT_RECORD
      expect(r.err, label).toMatch(/\.meta-follow\.json is not a valid follower state/);
      expect(r.err, label).not.toContain(inst);
      expectStillOn2(inst);
    }
  });

  it('still takes a real rollback: a new record with a higher sequence', async () => {
    const inst = `${tmp.dir}/inst-real`;
    proxy.rewrite = (real) => real;
    expect((await followOnce(inst)).code).toBe(0);
    const rb = await rollback(repo, { project: 'acme/app', channel: 'stable' });
    expect(rb.sequence).toBe(3);
    const r = await followOnce(inst);
    expect(r.code, r.err).toBe(0);
    expect(readlinkSync(`${inst}/current`)).toBe('releases/1.0.0');
    expect(await readFollowState(inst)).toMatchObject({ sequence: 3, version: '1.0.0' });
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '2.0.0' }); // back to 2 for any later test
  });
});

describe('anti-rollback on a local repository', () => {
  it('accepts a yank, which lowers the promotion sequence but not the channel sequence', async () => {
    const tmp = tempDir('meta-sec-follow-yank-');
    try {
      const repo = await diskRepo(tmp.dir);
      writeFileSync(`${tmp.dir}/a1`, V1);
      writeFileSync(`${tmp.dir}/a2`, V2);
      await releaseWithBinary(repo, '1.0.0', V1, `file://${tmp.dir}/a1`, 'a');
      await releaseWithBinary(repo, '2.0.0', V2, `file://${tmp.dir}/a2`, 'b');
      await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
      await promote(repo, { project: 'acme/app', channel: 'stable', version: '2.0.0' });
      const installDir = `${tmp.dir}/inst`;
      const source = await new LocalSource(repo).start();
      try {
        const base = { project: 'acme/app', channel: 'stable', platform: 'linux/amd64', installDir, source, once: true };
        expect((await follow(base)).state).toMatchObject({ sequence: 2, version: '2.0.0' });

        const r2 = resolveBinary(repo, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' });
        const release = { githash: r2.release.githash, version: '2.0.0' };
        await repo.store.append(() => ({
          files: [{
            path: promotionPath('acme/app', 'stable', 3),
            data: encodeRecord('promotion', {
              header: makeHeader('promotion', 'test', new Date()), project: 'acme/app', channel: 'stable', sequence: 3, action: 'yank', release,
              previous: null, reason: 'broken', rollout: null, expectedPreviousSequence: 2, approvals: [], previousPromotion: '', forced: false,
            }),
          }],
          message: 'yank 2.0.0',
        }), { actor: 'test' });
        const r3 = resolveBinary(repo, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' });
        expect([r3.release.version, r3.sequence, r3.channelSequence]).toEqual(['1.0.0', 1, 3]);

        const after = await follow(base);
        expect(after.attempts.map((a) => [a.version, a.ok])).toEqual([['1.0.0', true]]);
        expect(after.state).toMatchObject({ sequence: 3, version: '1.0.0' });
        expect(readlinkSync(`${installDir}/current`)).toBe('releases/1.0.0');
      } finally {
        await source.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});
