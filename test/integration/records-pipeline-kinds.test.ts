import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { addProject } from '../../src/api/addProject.js';
import { recordRelease } from '../../src/api/recordRelease.js';
import { verify } from '../../src/api/verify.js';
import { decodeRecord, encodeRecord, messageName } from '../../src/records/codec.js';
import {
  approvalPath, binaryLocationPath, classifyPath, configPath, flagsPath, gateResultPath, pipelinePath, verificationPath,
} from '../../src/records/layout.js';
import { makeHeader } from '../../src/records/makeHeader.js';
import type { RecordByKind, RecordInput, RecordKind } from '../../src/records/types.js';
import { memRepo } from '../helpers/memRepo.js';
import { REPO_ROOT } from '../helpers/diskRepo.js';

// The record kinds of pipelines, config, flags and binary locations: their bytes round-trip,
// protoc reads them by the published schema, their paths classify one way, and verify holds them
// to the same rules as channel records (numbered without gaps, in their own release's folder).

const when = new Date('2026-05-01T10:00:00.123Z');
const rel = { githash: 'a'.repeat(40), version: '1.0.0' };
const plat = { os: 'linux', arch: 'amd64', variant: '' };

const samples: { [K in RecordKind]?: RecordInput<K> } = {
  pipeline: {
    project: 'acme/app', sequence: 2, validate: './validate.sh', onPromote: '', source: 'stages: []\n',
    stages: [
      { channel: 'dev', after: '', auto: true, gates: [], rollout: null },
      {
        channel: 'stable', after: 'dev', auto: true, rollout: { waves: [10, 50, 100], intervalSeconds: 900, maxFailedPercent: 20 },
        gates: [
          { type: 'soak', seconds: 1800 }, { type: 'http', url: 'http://127.0.0.1:9/healthz', expect: 200, timeoutMs: 5000, retries: 3 },
          { type: 'fleet', percent: 90 }, { type: 'verification', name: 'smoke' }, { type: 'approvals', count: 2 },
          { type: 'command', run: './smoke.sh', timeoutMs: 60000 },
        ],
      },
    ],
  },
  approval: { project: 'acme/app', release: rel, channel: 'stable', comment: 'lgtm' },
  verification: { project: 'acme/app', release: rel, channel: 'beta', name: 'smoke', status: 'failed', url: 'https://ci.example/1', message: '2 failures' },
  gate: {
    project: 'acme/app', release: rel, channel: 'beta', pipelineSequence: 2, gateIndex: 1, gateType: 'http', state: 'pending', detail: 'answered 503',
    evidence: [{ key: 'tries', value: '3' }, { key: 'status', value: '503' }],
  },
  config: {
    project: 'acme/app', environment: 'prod', channel: 'stable', sequence: 1,
    entries: [
      { key: 'LOG_LEVEL', value: { type: 'text', text: 'info' } }, { key: 'DB_PASSWORD', value: { type: 'secret', name: 'db', field: 'password' } },
      { key: 'WORKERS', value: { type: 'json', json: '4' } },
    ],
  },
  flags: { project: 'acme/app', channel: 'stable', sequence: 1, document: '{"flags":{}}' },
  location: {
    project: 'acme/app', release: rel, platform: plat, digest: `sha256:${'d'.repeat(64)}`, url: 's3://eu-builds/acme/app/1.0.0/linux-amd64',
    region: 'eu', verifiedAt: '2026-05-01T10:00:01.500Z', size: 1234, method: 'read-back',
  },
};

function record<K extends RecordKind>(kind: K): RecordByKind[K] {
  return { header: makeHeader(kind, 'Ada <ada@example.com>', when), ...samples[kind]! } as RecordByKind[K];
}

describe('pipeline, approval, verification, gate, config, flags and location records', () => {
  const kinds = Object.keys(samples) as RecordKind[];

  it('round-trip through the codec, deterministically', () => {
    for (const kind of kinds) {
      const rec = record(kind);
      const bytes = encodeRecord(kind, rec);
      const back = decodeRecord(bytes, {}, kind);
      expect(back.kind).toBe(kind);
      if (kind === 'config') {
        // Entries are stored sorted by key; labels/evidence sorted too.
        expect((back.record as RecordByKind['config']).entries.map((e) => e.key)).toEqual(['DB_PASSWORD', 'LOG_LEVEL', 'WORKERS']);
      } else if (kind === 'gate') {
        expect((back.record as RecordByKind['gate']).evidence.map((e) => e.key)).toEqual(['status', 'tries']);
      } else {
        expect(back.record).toEqual(rec);
      }
      expect(Buffer.from(encodeRecord(kind, back.record as never))).toEqual(Buffer.from(bytes));
    }
  });

  it('refuses field values the writers refuse (credentials in a gate URL, a control character in a name)', () => {
    const p = record('pipeline');
    const bad = { ...p, stages: [{ ...p.stages[1]!, gates: [{ type: 'http' as const, url: 'http://u:pw@127.0.0.1/', expect: 200, timeoutMs: 1, retries: 0 }] }] };
    expect(() => encodeRecord('pipeline', bad)).toThrow(/pipeline\.stages\[0\]\.gates\[0\]\.http\.url holds credentials/);
    expect(() => encodeRecord('verification', { ...record('verification'), name: 'a\u001bb' })).toThrow(/verification\.name contains a control character/);
  });

  it('are read by protoc --decode with the published schema', () => {
    const protos = execFileSync('ls', [`${REPO_ROOT}/proto/meta/v1`], { encoding: 'utf8' }).trim().split('\n').map((f) => `meta/v1/${f}`);
    const decode = (kind: RecordKind) =>
      execFileSync('protoc', [`--decode=${messageName(kind)}`, `-I${REPO_ROOT}/proto`, ...protos], { input: encodeRecord(kind, record(kind)), cwd: `${REPO_ROOT}/proto`, encoding: 'utf8' });
    expect(decode('pipeline')).toMatch(/kind: KIND_PIPELINE[\s\S]*http \{\s*url: "http:\/\/127.0.0.1:9\/healthz"\s*expect: 200/);
    expect(decode('approval')).toMatch(/kind: KIND_APPROVAL[\s\S]*comment: "lgtm"/);
    expect(decode('verification')).toMatch(/status: VERIFICATION_STATUS_FAILED/);
    expect(decode('gate')).toMatch(/kind: KIND_GATE_RESULT[\s\S]*state: GATE_STATE_PENDING/);
    expect(decode('config')).toMatch(/secret \{\s*name: "db"\s*field: "password"/);
    expect(decode('flags')).toMatch(/kind: KIND_FLAG_SET[\s\S]*document: "\{\\"flags\\":\{\}\}"/);
    expect(decode('location')).toMatch(/kind: KIND_BINARY_LOCATION[\s\S]*region: "eu"[\s\S]*verified_at \{\s*seconds: \d+\s*nanos: 500000000/);
  });

  it('classify one way by path, personal environments included', () => {
    expect(classifyPath(pipelinePath('acme/app', 3))).toEqual({ type: 'pipeline', project: 'acme/app', sequence: 3 });
    expect(classifyPath(approvalPath('acme/app', '1.0.0', 'stable', when))).toEqual({ type: 'approval', project: 'acme/app', version: '1.0.0', channel: 'stable' });
    expect(classifyPath(verificationPath('acme/app', '1.0.0', 'beta', when))).toMatchObject({ type: 'verification', channel: 'beta' });
    expect(classifyPath(gateResultPath('acme/app', '1.0.0', 'beta', when))).toMatchObject({ type: 'gate', version: '1.0.0' });
    expect(classifyPath(binaryLocationPath('acme/app', '1.0.0', { os: 'linux', arch: 'arm64', variant: 'v8' }, when))).toEqual({ type: 'location', project: 'acme/app', version: '1.0.0', platform: 'linux/arm64/v8' });
    expect(classifyPath(flagsPath('acme/app', 'beta', 1001))).toEqual({ type: 'flags', project: 'acme/app', channel: 'beta', sequence: 1001 });
    expect(classifyPath(configPath('acme/app', '', '', 1))).toEqual({ type: 'config', project: 'acme/app', env: '', channel: '', sequence: 1 });
    expect(classifyPath(configPath('acme/app', 'prod', '', 7))).toEqual({ type: 'config', project: 'acme/app', env: 'prod', channel: '', sequence: 7 });
    expect(classifyPath(configPath('acme/app', 'dev/ada', '', 1))).toEqual({ type: 'config', project: 'acme/app', env: 'dev/ada', channel: '', sequence: 1 });
    expect(classifyPath(configPath('acme/app', 'dev/ada', 'beta', 1))).toEqual({ type: 'config', project: 'acme/app', env: 'dev/ada', channel: 'beta', sequence: 1 });
    expect(classifyPath(configPath('acme/app', 'prod', 'stable', 2))).toEqual({ type: 'config', project: 'acme/app', env: 'prod', channel: 'stable', sequence: 2 });
  });

  it('verify accepts them in place and reports a gap, a foreign release and a wrong folder', async () => {
    const { repo } = await memRepo();
    await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
    const r = await recordRelease(repo, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: 'a'.repeat(40) }] });
    const ref = { githash: r.githash, version: '1.0.0' };
    const enc = <K extends RecordKind>(kind: K, over: Partial<RecordInput<K>> = {}) => encodeRecord(kind, { ...record(kind), ...over } as RecordByKind[K]);
    await repo.store.append(() => ({
      files: [
        { path: pipelinePath('acme/app', 1), data: enc('pipeline', { sequence: 1 }) },
        { path: approvalPath('acme/app', '1.0.0', 'stable', when), data: enc('approval', { release: ref }) },
        { path: verificationPath('acme/app', '1.0.0', 'beta', when), data: enc('verification', { release: ref }) },
        { path: gateResultPath('acme/app', '1.0.0', 'beta', when), data: enc('gate', { release: ref }) },
        { path: configPath('acme/app', 'prod', 'stable', 1), data: enc('config') },
        { path: flagsPath('acme/app', 'stable', 1), data: enc('flags') },
        { path: binaryLocationPath('acme/app', '1.0.0', plat, when), data: enc('location', { release: ref }) },
      ],
      message: 'pipeline records',
    }), { actor: 'test' });
    expect(verify(repo).violations).toEqual([]);
    await repo.store.append(() => ({
      files: [
        { path: pipelinePath('acme/app', 3), data: enc('pipeline', { sequence: 3 }) },
        { path: approvalPath('acme/app', '1.0.0', 'beta', when), data: enc('approval', { release: { githash: 'b'.repeat(40), version: '1.0.0' } }) },
        { path: flagsPath('acme/app', 'beta', 1), data: enc('flags') },
      ],
      message: 'bad records',
    }), { actor: 'test' });
    const kinds = verify(repo).violations.map((v) => `${v.kind} ${v.path.split('/').slice(3, 5).join('/')}`).sort();
    expect(kinds).toEqual(['missing-reference releases/92', 'path-mismatch releases/92', 'path-mismatch flags/beta', 'sequence-gap pipeline/00000'].sort());
  });
});
