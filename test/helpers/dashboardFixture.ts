import { initMeta } from '../../src/api/initMeta.js';
import { addServeToken, addProject, holdChannel, promote, rollback, recordBinary, recordRelease, reportInstance, yankRelease } from '../../src/index.js';
import { sha, sha256 } from './serveFixtures.js';
import { encodeRecord } from '../../src/records/codec.js';
import { approvalPath, binaryLocationPath, configPath, flagsPath, gateResultPath, pipelinePath, verificationPath } from '../../src/records/layout.js';
import { makeHeader } from '../../src/records/makeHeader.js';
import type { MetaRepo } from '../../src/api/openMeta.js';
import type { RecordInput, RecordKind } from '../../src/records/types.js';

/** Appends records of the kinds that have no writer of their own yet, one commit for all. */
async function appendRaw(repo: MetaRepo, records: { kind: RecordKind; path: string; record: RecordInput<RecordKind> }[]): Promise<void> {
  const now = repo.clock();
  await repo.store.append(() => ({
    files: records.map((r) => ({ path: r.path, data: encodeRecord(r.kind, { header: makeHeader(r.kind, repo.actor, now), ...r.record } as never) })),
    message: 'pipeline, evidence, config and flags',
  }), { actor: repo.actor });
}

/** What the dashboard tests look for in the fixture repository. */
export interface DashboardFixture {
  dir: string;
  /** A token of scope `records`. */
  token: string;
  /** The commit when beta ran 1.0.0 and stable had nothing yet (for `?at=`). */
  early: string;
  hostileNote: string;
}

/**
 * A small repository with every kind of thing the dashboard shows: two projects (one imports the
 * other), releases with sources on GitHub and GitLab, binaries with http(s) and s3 locations,
 * promotions, a rollback, a hold, a yank, a pipeline with gate results, approvals and verifications,
 * config and flags, and a fleet across regions (one host failed, one
 * lagging). One release's notes are markup, which must show as text.
 */
export async function dashboardFixture(dir: string): Promise<DashboardFixture> {
  let t = Date.parse('2026-03-01T10:00:00Z');
  const clock = () => new Date((t += 60_000));
  const repo = await initMeta({ dir: `${dir}/meta`, actor: 'alice <alice@example.com>', env: {}, environments: ['prod', 'staging'], channels: ['beta', 'stable'], clock });
  const hostileNote = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>';
  await addProject(repo, { name: 'acme/lib', repoUrl: 'https://gitlab.com/acme/lib', description: 'shared library' });
  await addProject(repo, { name: 'acme/app', repoUrl: 'https://github.com/acme/app', description: 'the app' });
  await recordRelease(repo, { project: 'acme/lib', version: '2.0.0', sources: [{ url: 'https://gitlab.com/acme/lib', commit: sha('c') }] });
  const versions = ['1.0.0', '1.1.0', '1.2.0'];
  for (const [i, v] of versions.entries()) {
    await recordRelease(repo, {
      project: 'acme/app', version: v, notes: i === 1 ? hostileNote : `release ${v}`,
      sources: [{ url: 'https://github.com/acme/app', commit: sha(String(i + 1)) }, { url: 'https://gitlab.com/acme/lib', commit: sha('c'), path: 'vendor/lib' }],
      imports: [{ module: 'acme/lib', version: '2.0.0' }],
    });
    const bytes = `app ${v}`;
    await recordBinary(repo, { project: 'acme/app', version: v, platform: 'linux/amd64', digest: sha256(bytes), size: 1_234_567 + i, urls: [`https://downloads.example.com/app/${v}/app`, `s3://bucket-eu/app/${v}`] });
  }
  await promote(repo, { project: 'acme/app', channel: 'beta', version: '1.0.0', reason: 'first beta' });
  const early = repo.store.tip()!;
  await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0', reason: 'first stable' });
  await promote(repo, { project: 'acme/app', channel: 'beta', version: '1.1.0' });
  await promote(repo, { project: 'acme/app', channel: 'beta', version: '1.2.0' });
  await yankRelease(repo, { project: 'acme/app', version: '1.2.0', reason: 'crashes on start' });
  await rollback(repo, { project: 'acme/app', channel: 'beta', reason: '1.2.0 was yanked' });
  await holdChannel(repo, { project: 'acme/app', channel: 'beta', reason: 'investigating 1.2.0' });
  const { showRelease } = await import('../../src/api/showRelease.js');
  const ref = (v: string) => ({ githash: showRelease(repo, { project: 'acme/app', version: v }).githash, version: v });
  const now = new Date(t);
  const plat = { os: 'linux', arch: 'amd64', variant: '' };
  await appendRaw(repo, [
    { kind: 'pipeline', path: pipelinePath('acme/app', 1), record: { project: 'acme/app', sequence: 1, validate: '', onPromote: '', source: '', stages: [
      { channel: 'beta', after: '', auto: true, gates: [], rollout: null },
      { channel: 'stable', after: 'beta', auto: false, rollout: { waves: [10, 50, 100], intervalSeconds: 900, maxFailedPercent: 20 }, gates: [
        { type: 'soak', seconds: 3600 }, { type: 'verification', name: 'smoke' }, { type: 'approvals', count: 1 }] },
    ] } },
    { kind: 'gate', path: gateResultPath('acme/app', '1.1.0', 'stable', now), record: { project: 'acme/app', release: ref('1.1.0'), channel: 'stable', pipelineSequence: 1, gateIndex: 0, gateType: 'soak', state: 'passed', detail: 'soaked 2 h on beta', evidence: [{ key: 'soaked_seconds', value: '7200' }] } },
    { kind: 'gate', path: gateResultPath('acme/app', '1.1.0', 'stable', new Date(t + 1)), record: { project: 'acme/app', release: ref('1.1.0'), channel: 'stable', pipelineSequence: 1, gateIndex: 1, gateType: 'verification', state: 'failed', detail: 'smoke failed', evidence: [{ key: 'failures', value: '2' }] } },
    { kind: 'verification', path: verificationPath('acme/app', '1.1.0', 'stable', now), record: { project: 'acme/app', release: ref('1.1.0'), channel: 'stable', name: 'smoke', status: 'failed', url: 'https://ci.example.com/runs/7', message: '2 of 40 checks failed' } },
    { kind: 'approval', path: approvalPath('acme/app', '1.1.0', 'stable', now), record: { project: 'acme/app', release: ref('1.1.0'), channel: 'stable', comment: 'ok once smoke passes' } },
    { kind: 'location', path: binaryLocationPath('acme/app', '1.1.0', plat, now), record: { project: 'acme/app', release: ref('1.1.0'), platform: plat, digest: sha256('app 1.1.0'), url: 'https://eu-west.mirror.example.com/app/1.1.0/app', region: 'eu-west', verifiedAt: now.toISOString(), size: 1_234_568, method: 'read-back' } },
    { kind: 'config', path: configPath('acme/app', '', '', 1), record: { project: 'acme/app', environment: '', channel: '', sequence: 1, entries: [{ key: 'LOG_LEVEL', value: { type: 'text', text: 'info' } }] } },
    { kind: 'config', path: configPath('acme/app', 'prod', 'stable', 1), record: { project: 'acme/app', environment: 'prod', channel: 'stable', sequence: 1, entries: [
      { key: 'DB_PASSWORD', value: { type: 'secret', name: 'db', field: 'password' } }, { key: 'WORKERS', value: { type: 'json', json: '4' } }] } },
    { kind: 'flags', path: flagsPath('acme/app', 'beta', 1), record: { project: 'acme/app', channel: 'beta', sequence: 1, document: '{"flags":{"new-checkout":{"state":"ENABLED","defaultVariant":"on","variants":{"on":true,"off":false}}}}' } },
  ]);
  const hosts: [string, string, string, string, string, string?][] = [
    ['web-1', 'prod', 'stable', '1.0.0', 'running'], ['web-2', 'prod', 'stable', '1.0.0', 'failed', 'hook exit 3'],
    ['web-3', 'prod', 'stable', '1.0.0', 'running'], ['beta-1', 'staging', 'beta', '1.0.0', 'running'],
  ];
  for (const [i, [host, env, channel, version, status, message]] of hosts.entries()) {
    await reportInstance(repo, { project: 'acme/app', host, env, channel, version, status, message, labels: [{ key: 'region', value: i % 2 ? 'us-east' : 'eu-west' }] });
  }
  const { token } = await addServeToken(repo, { name: 'dash', scopes: ['records'] });
  repo.close();
  return { dir: `${dir}/meta`, token, early, hostileNote };
}
