import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { addProject, encodeRecord, initMeta, openMeta, promote, recordBinary, recordRelease } from '../../src/index.js';
import { verify } from '../../src/api/verify.js';
import { verifyHistory } from '../../src/verify/verifyHistory.js';
import { makeHeader } from '../../src/records/makeHeader.js';
import { promotionPath, releasePath } from '../../src/records/layout.js';
import { blobAt, cleanupTmp, fsck, gitBlob, hex40, plumbingCommit, tmp } from '../helpers/remoteFixtures.js';

const BIN = fileURLToPath(new URL('../../bin/meta', import.meta.url));
const env = { META_ACTOR: 'Test <t@example.com>' };
afterAll(cleanupTmp);

async function seeded() {
  const repo = await initMeta({ dir: `${tmp()}/m`, env });
  await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
  for (const [v, c] of [['1.0.0', 'a'], ['1.1.0', 'b']] as const) {
    await recordRelease(repo, { project: 'acme/app', version: v, sources: [{ url: 'https://git.example/acme/app', commit: hex40(c) }] });
    await recordBinary(repo, { project: 'acme/app', version: v, platform: 'linux/amd64', digest: `sha256:${c.repeat(64)}`, size: 10, urls: ['s3://b/x'] });
  }
  await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
  await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.1.0' });
  return repo;
}

function metaCli(args: string[]) {
  return spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('meta verify', () => {
  it('passes a clean history made by boot-meta, and --from/--to bound the walk', async () => {
    const repo = await seeded();
    const r = verify(repo);
    expect(r.violations).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.commits).toBe(8);
    expect(r.records).toBe(7);
    expect(verify(repo, { from: 'main~2' }).commits).toBe(2);
    expect(verify(repo, { to: 'main~2', from: 'main~3' }).commits).toBe(1);
    const cli = metaCli(['verify', '--repo', repo.dir]);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain('ok: 8 commit(s), 7 record(s)');

    // A shallow clone: the boundary commit is checked as if it were the first, whole tree added.
    const cdir = `${tmp()}/shallow.git`;
    execFileSync('git', ['clone', '-q', '--bare', '--depth', '2', `file://${repo.dir}`, cdir]);
    const s = verify(openMeta({ dir: cdir, env }));
    expect({ ok: s.ok, shallow: s.shallow, commits: s.commits, records: s.records }).toEqual({ ok: true, shallow: true, commits: 2, records: 7 });
    expect(r.shallow).toBe(false);
  });

  it('reports each tampering made with git plumbing, with commit and path; the CLI exits 6', async () => {
    const repo = await seeded();
    const g = repo.store.dir;
    const rel10 = releasePath('acme/app', '1.0.0');
    const rel11 = releasePath('acme/app', '1.1.0');
    const bin11 = `${rel11.replace(/release\.pb$/, '')}binaries/linux-amd64.pb`;
    const modified = plumbingCommit(g, { put: { [rel10]: gitBlob(g, 'not the original bytes') } }, 'edit a release');
    const deleted = plumbingCommit(g, { remove: [bin11] }, 'delete a binary');
    const renamedFrom = 'projects/acme/app/project.pb';
    const renamedTo = 'projects/acme/app2/project.pb';
    const renamed = plumbingCommit(g, { remove: [renamedFrom], put: { [renamedTo]: blobAt(g, 'main', renamedFrom) } }, 'rename a project');
    // A promotion to a release that does not exist (valid record, dangling githash).
    const seq3 = promotionPath('acme/app', 'stable', 3);
    const promo = encodeRecord('promotion', {
      header: makeHeader('promotion', 'mallory', new Date()), project: 'acme/app', channel: 'stable', sequence: 3, action: 'promote',
      release: { githash: hex40('f'), version: '9.9.9' }, previous: null, reason: '', rollout: null, expectedPreviousSequence: 2, approvals: [],
      previousPromotion: blobAt(g, 'main', promotionPath('acme/app', 'stable', 2)), forced: false,
    });
    const dangling = plumbingCommit(g, { put: { [seq3]: gitBlob(g, promo) } }, 'promote a missing release');
    const junk = plumbingCommit(g, { put: { 'notes.txt': gitBlob(g, 'hello'), [promotionPath('acme/app', 'stable', 7)]: gitBlob(g, Buffer.from([0xff, 0xff, 0xff])) } }, 'junk');
    expect(fsck(g).status).toBe(0); // all of it is valid git: only verify can tell

    const r = verify(openMeta({ dir: repo.dir, env }));
    expect(r.ok).toBe(false);
    const got = r.violations.map((v) => [v.commit, v.kind, v.path]);
    expect(got).toContainEqual([modified, 'modified', rel10]);
    expect(got).toContainEqual([deleted, 'deleted', bin11]);
    expect(got).toContainEqual([renamed, 'renamed', renamedFrom]);
    expect(r.violations.find((v) => v.kind === 'renamed')?.to).toBe(renamedTo);
    expect(got).toContainEqual([dangling, 'missing-reference', seq3]);
    expect(got).toContainEqual([junk, 'outside-layout', 'notes.txt']);
    expect(got).toContainEqual([junk, 'undecodable', promotionPath('acme/app', 'stable', 7)]);
    expect(got).toContainEqual([junk, 'sequence-gap', promotionPath('acme/app', 'stable', 7)]);
    expect(r.violations).toHaveLength(7);
    // Oldest first, and a limit keeps the oldest (the walk itself runs newest first).
    expect(r.violations[0]!.commit).toBe(modified);
    expect(r.violations[6]!.commit).toBe(junk);
    expect(verifyHistory(openMeta({ dir: repo.dir, env }).store, { maxViolations: 2 }).violations).toEqual(r.violations.slice(0, 2));
    expect(verifyHistory(openMeta({ dir: repo.dir, env }).store, { maxViolations: 5 }).violations).toEqual(r.violations.slice(0, 5));
    // Limited to the range: only the junk commit.
    expect(verify(openMeta({ dir: repo.dir, env }), { from: dangling }).violations.map((v) => v.commit)).toEqual([junk, junk, junk]);

    const cli = metaCli(['verify', '--repo', repo.dir, '--json']);
    expect(cli.status).toBe(6);
    const json = JSON.parse(cli.stdout) as { ok: boolean; violations: { commit: string; path: string; kind: string }[] };
    expect(json.ok).toBe(false);
    expect(json.violations).toContainEqual(expect.objectContaining({ commit: modified, path: rel10, kind: 'modified' }));
    expect(JSON.parse(cli.stderr).error.code).toBe('VERIFY_FAILED');
    const human = metaCli(['verify', '--repo', repo.dir]);
    expect(human.status).toBe(6);
    expect(human.stdout).toContain(`${deleted.slice(0, 12)} deleted`);
    expect(human.stderr).toContain('7 violation(s)');
  });

  it('verifies a 500-commit history packed by git gc: clean, every record counted (time reported, not asserted)', async () => {
    const repo = await initMeta({ dir: `${tmp()}/big`, env });
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    for (let i = 0; i < 500; i++) {
      await recordRelease(repo, { project: 'acme/app', version: `1.0.${i}`, sources: [{ url: 'https://git.example/acme/app', commit: hex40('a') }] });
    }
    execFileSync('git', ['--git-dir', repo.store.dir, 'gc', '-q']);
    const fresh = openMeta({ dir: repo.dir, env });
    const t0 = process.hrtime.bigint();
    const r = verify(fresh);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const f0 = process.hrtime.bigint();
    expect(fsck(repo.store.dir).status).toBe(0);
    const fsckMs = Number(process.hrtime.bigint() - f0) / 1e6;
    expect(r.ok).toBe(true);
    expect(r.records).toBe(501);
    // Reported, not asserted (no timed assertions): `npm run bench` measures it properly.
    console.log(`verify of ${r.commits} commits: ${ms.toFixed(0)} ms; git fsck --strict: ${fsckMs.toFixed(0)} ms`);
  });
});
