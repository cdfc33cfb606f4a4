import { describe, expect, it } from 'vitest';
import { addProject, promote, recordBinary, recordRelease, rollback } from '../../src/index.js';
import { listEvents, matchesEvent, checkEventTypes, inFirstParentLog } from '../../src/api/events.js';
import { reportInstance } from '../../src/api/reportInstance.js';
import { GroupCommitter } from '../../src/serve/GroupCommitter.js';
import { isMetaError } from '../../src/errors/MetaError.js';
import { memRepo, sha, digest } from '../helpers/memRepo.js';

async function seeded() {
  const { repo } = await memRepo();
  await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
  for (const [v, c] of [['1.0.0', 'a'], ['1.1.0', 'b']] as const) {
    await recordRelease(repo, { project: 'acme/app', version: v, sources: [{ url: 'https://git.example/acme/app', commit: sha(c) }] });
    await recordBinary(repo, { project: 'acme/app', version: v, platform: 'linux/amd64', digest: digest(c), size: 10, urls: [`file:///b/${v}`] });
  }
  return repo;
}

describe('events from the log', () => {
  it('gives one typed event per record, in commit order, resumable by commit or event id', async () => {
    const repo = await seeded();
    const start = repo.store.tip()!;
    const p1 = await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    const p2 = await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.1.0' });
    const rb = await rollback(repo, { project: 'acme/app', channel: 'stable' });
    await reportInstance(repo, { project: 'acme/app', host: 'h1', env: 'prod', channel: 'stable', version: '1.0.0', status: 'running' });

    const all = listEvents(repo);
    expect(all[0]!.type).toBe('settings.changed'); // meta init
    expect(all.map((e) => e.type).filter((t) => t !== 'settings.changed')).toEqual([
      'project.added', 'release.recorded', 'binary.recorded', 'release.recorded', 'binary.recorded',
      'channel.promoted', 'channel.promoted', 'channel.rolled_back', 'instance.reported',
    ]);
    const after = listEvents(repo, { since: start });
    expect(after.map((e) => [e.type, e.version, e.commit])).toEqual([
      ['channel.promoted', '1.0.0', p1.commit], ['channel.promoted', '1.1.0', p2.commit], ['channel.rolled_back', '1.0.0', rb.commit], ['instance.reported', '1.0.0', expect.any(String)],
    ]);
    expect(after[3]).toMatchObject({ host: 'h1', environment: 'prod', status: 'running', project: 'acme/app' });
    expect((after[0]!.record as { sequence: number }).sequence).toBe(1);
    // An event id resumes inside a commit; a commit resumes after it.
    expect(listEvents(repo, { since: `${p2.commit}:0` }).map((e) => e.commit)).toEqual([rb.commit, after[3]!.commit]);
    expect(listEvents(repo, { since: p2.commit, types: ['channel.*'] }).map((e) => e.type)).toEqual(['channel.rolled_back']);
    expect(listEvents(repo, { project: 'other/x' })).toEqual([]);
    expect(inFirstParentLog(repo, p1.commit, rb.commit)).toBe(true);
    expect(inFirstParentLog(repo, rb.commit, p1.commit)).toBe(false);
    // A cursor from another history is refused, not silently replayed.
    try {
      listEvents(repo, { since: 'f'.repeat(40) });
      expect.unreachable();
    } catch (e) {
      expect(isMetaError(e, 'HISTORY_REWRITTEN')).toBe(true);
    }
  });

  it('filters by type prefix and channel, and refuses unknown types', () => {
    const ev = { id: 'x:0', type: 'channel.promoted', commit: 'x', time: '', author: '', path: '', githash: '', project: 'a/b', channel: 'beta' } as const;
    expect(matchesEvent(ev, { types: ['channel.*'] })).toBe(true);
    expect(matchesEvent(ev, { types: ['release.recorded'] })).toBe(false);
    expect(matchesEvent(ev, { channel: 'stable' })).toBe(false);
    expect(matchesEvent(ev, { project: 'a/b', channel: 'beta' })).toBe(true);
    expect(() => checkEventTypes(['channel.promotd'])).toThrow(/unknown event type/);
  });
});

describe('group commit', () => {
  it('lands many concurrent writes in few commits; a bad write fails alone; same-path writes re-plan', async () => {
    const repo = await seeded();
    const before = repo.store.log().entries().length;
    const gc = new GroupCommitter(repo.store, { actor: 'test' });
    const gr = gc.repoFor(repo);
    const reports = Array.from({ length: 200 }, (_, i) => reportInstance(gr, { project: 'acme/app', host: `h${i}`, env: 'prod', status: 'running', version: '1.0.0' }));
    const bad = reportInstance(gr, { project: 'acme/nope', host: 'hx', env: 'prod', status: 'running' });
    // Two promotions of one channel want the same sequence number: they must land in order, not clash.
    const pa = promote(gr, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    const pb = promote(gr, { project: 'acme/app', channel: 'stable', version: '1.1.0' });
    const res = await Promise.allSettled([...reports, bad, pa, pb]);
    expect(res.slice(0, 200).every((r) => r.status === 'fulfilled')).toBe(true);
    const b = res[200]!;
    expect(b.status === 'rejected' && isMetaError(b.reason, 'NOT_FOUND')).toBe(true);
    const [ra, rb] = [res[201]!, res[202]!].map((r) => (r.status === 'fulfilled' ? r.value : undefined)) as Awaited<typeof pa>[];
    expect([ra!.sequence, rb!.sequence].sort()).toEqual([1, 2]);
    const commits = repo.store.log().entries().length - before;
    expect(commits).toBeLessThan(10);
    expect(gc.writes).toBe(202);
    // Every report is in the tree, at the commit its promise named.
    const snap = repo.store.snapshot();
    for (const r of res.slice(0, 200)) {
      const v = (r as PromiseFulfilledResult<Awaited<(typeof reports)[number]>>).value;
      expect(snap.entry(v.path)?.oid).toBe(v.githash);
      expect(repo.store.snapshot(v.commit).exists(v.path)).toBe(true);
    }
  });
});
