import $protobuf from 'protobufjs/minimal.js';
import { meta } from '../gen/meta.js';
import { MetaError } from '../errors/MetaError.js';
import type * as T from './types.js';
import { checkRecordFields } from './validate.js';

// Decode 64-bit fields as plain numbers (sizes, sequences and seconds stay far below 2^53):
// without this, protobufjs returns Long objects whenever the `long` package is installed.
// A number read this way is rounded above 2^53, so every 64-bit field is range-checked after
// decoding (see `u64`): another writer's larger value is refused, never silently changed.
$protobuf.util.Long = null as unknown as typeof $protobuf.util.Long;
$protobuf.configure();

const pb = meta.v1;
export const SCHEMA_VERSION = 1;

const KIND_TO_ENUM: Record<T.RecordKind, number> = {
  project: 1, release: 2, binary: 3, promotion: 4, instance: 5, event: 6, config: 7, flags: 8, yank: 11,
  pipeline: 12, approval: 13, verification: 14, gate: 15, location: 16,
};
const ENUM_TO_KIND = new Map<number, T.RecordKind>(Object.entries(KIND_TO_ENUM).map(([k, v]) => [v, k as T.RecordKind]));
const ACTIONS: T.PromotionAction[] = ['promote', 'rollback', 'hold', 'release-hold', 'yank', 'wave'];
const VERIFICATION_STATUSES: T.VerificationStatus[] = ['passed', 'failed'];
const GATE_STATES: T.GateState[] = ['passed', 'failed', 'pending'];
const GATE_TYPES: T.GateType[] = ['soak', 'http', 'fleet', 'verification', 'approvals', 'command'];
const STATUSES: T.InstanceStatus[] = ['unspecified', 'installing', 'running', 'failed'];

/** Where a record came from, so a decode error can name it. */
export interface RecordOrigin {
  path?: string;
  commit?: string;
  oid?: string;
}

function sortLabels(labels: readonly T.Label[]): T.Label[] {
  return [...labels].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

function encTime(field: string, iso: string) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new MetaError('INVALID_ARGUMENT', `${field} '${iso}' is not an ISO-8601 time`, { field });
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

function encHeader(h: T.Header) {
  return {
    schemaVersion: h.schemaVersion,
    kind: KIND_TO_ENUM[h.kind],
    createdAt: encTime('header time', h.createdAt),
    actor: h.actor,
    labels: sortLabels(h.labels),
  };
}

/** A field whose stored value this reader cannot represent; the codec reports it as CORRUPT_RECORD. */
class OutOfRange extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/**
 * A uint64 field as a number. Anything from 2^53 up has already been rounded by the reader, so it
 * is refused rather than returned as a different number.
 */
function u64(field: string, v: unknown): number {
  const n = Number(v ?? 0);
  if (!Number.isSafeInteger(n) || n < 0) throw new OutOfRange(field, `field ${field} holds a value above 2^53 - 1, which this reader cannot represent exactly`);
  return n;
}

/** The largest |milliseconds| a JavaScript Date holds (±100,000,000 days). */
const MAX_DATE_MS = 8.64e15;

function decTime(field: string, t: { seconds?: number | null; nanos?: number | null } | null | undefined): string {
  const seconds = Number(t?.seconds ?? 0);
  const nanos = Number(t?.nanos ?? 0);
  if (!Number.isSafeInteger(seconds) || Math.abs(seconds * 1000) > MAX_DATE_MS) {
    throw new OutOfRange(`${field}.seconds`, `field ${field}.seconds is outside the range of dates this reader represents`);
  }
  // Signed: this encoder writes a negative remainder for times before 1970.
  if (!Number.isInteger(nanos) || Math.abs(nanos) > 999_999_999) {
    throw new OutOfRange(`${field}.nanos`, `field ${field}.nanos is not within ±999,999,999`);
  }
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString();
}

function decHeader(h: meta.v1.Header.$Properties | null | undefined): T.Header {
  return {
    schemaVersion: h?.schemaVersion ?? 0,
    kind: ENUM_TO_KIND.get(Number(h?.kind ?? 0)) ?? ('unknown' as T.RecordKind),
    createdAt: decTime('header.created_at', h?.createdAt),
    actor: h?.actor ?? '',
    labels: (h?.labels ?? []).map((l) => ({ key: l.key ?? '', value: l.value ?? '' })),
  };
}

const ref = (r: meta.v1.ReleaseRef.$Properties | null | undefined): T.ReleaseRef => ({ githash: r?.githash ?? '', version: r?.version ?? '' });
const plat = (p: meta.v1.Platform.$Properties | null | undefined): T.Platform => ({ os: p?.os ?? '', arch: p?.arch ?? '', variant: p?.variant ?? '' });
const b64 = (b: Uint8Array | null | undefined) => (b && b.length ? Buffer.from(b).toString('base64') : '');
const unb64 = (s: string) => (s ? Buffer.from(s, 'base64') : new Uint8Array(0));

function encGate(g: T.Gate): meta.v1.IGate {
  switch (g.type) {
    case 'soak':
      return { soak: { seconds: g.seconds } };
    case 'http':
      return { http: { url: g.url, expect: g.expect, timeoutMs: g.timeoutMs, retries: g.retries } };
    case 'fleet':
      return { fleet: { percent: g.percent } };
    case 'verification':
      return { verification: { name: g.name } };
    case 'approvals':
      return { approvals: { count: g.count } };
    case 'command':
      return { command: { run: g.run, timeoutMs: g.timeoutMs } };
  }
}

/** A gate whose type this reader does not know (a newer writer's) is refused, never skipped: skipping would open the gate. */
function decGate(g: meta.v1.IGate, i: number): T.Gate {
  if (g.soak) return { type: 'soak', seconds: u64(`pipeline.gates[${i}].soak.seconds`, g.soak.seconds) };
  if (g.http) return { type: 'http', url: g.http.url ?? '', expect: g.http.expect ?? 0, timeoutMs: g.http.timeoutMs ?? 0, retries: g.http.retries ?? 0 };
  if (g.fleet) return { type: 'fleet', percent: g.fleet.percent ?? 0 };
  if (g.verification) return { type: 'verification', name: g.verification.name ?? '' };
  if (g.approvals) return { type: 'approvals', count: g.approvals.count ?? 0 };
  if (g.command) return { type: 'command', run: g.command.run ?? '', timeoutMs: g.command.timeoutMs ?? 0 };
  throw new OutOfRange(`pipeline.gates[${i}]`, `gate ${i} has a type this reader does not know (one of ${GATE_TYPES.join(', ')} expected); upgrade meta`);
}

/**
 * Encodes a record. Deterministic: fields in number order, defaults omitted, labels sorted, so the
 * same content always gives the same bytes and the same githash.
 *
 * @example
 * const bytes = encodeRecord('release', release);
 */
export function encodeRecord<K extends T.RecordKind>(kind: K, rec: T.RecordByKind[K]): Uint8Array {
  if (rec.header.kind !== kind) throw new MetaError('INTERNAL', `header kind ${rec.header.kind} does not match ${kind}`, {});
  checkRecordFields(kind, rec);
  const header = encHeader(rec.header);
  switch (kind) {
    case 'project': {
      const r = rec as T.Project;
      return pb.Project.encode({ header, name: r.name, repoUrl: r.repoUrl, mainPath: r.mainPath, owners: r.owners, description: r.description }).finish();
    }
    case 'release': {
      const r = rec as T.Release;
      return pb.Release.encode({ header, project: r.project, version: r.version, sources: r.sources, imports: r.imports, notes: r.notes }).finish();
    }
    case 'binary': {
      const r = rec as T.Binary;
      return pb.Binary.encode({
        header, project: r.project, release: r.release, platform: r.platform, digest: r.digest, size: r.size, mediaType: r.mediaType,
        locations: r.locations, signatures: r.signatures.map((s) => ({ keyId: s.keyId, algorithm: s.algorithm, signature: unb64(s.signature) })),
        provenance: unb64(r.provenance), provenanceType: r.provenanceType,
      }).finish();
    }
    case 'promotion': {
      const r = rec as T.Promotion;
      return pb.Promotion.encode({
        header, project: r.project, channel: r.channel, sequence: r.sequence, action: ACTIONS.indexOf(r.action) + 1, release: r.release,
        previous: r.previous, reason: r.reason, rollout: r.rollout, expectedPreviousSequence: r.expectedPreviousSequence,
        approvals: r.approvals, previousPromotion: r.previousPromotion, forced: r.forced,
      }).finish();
    }
    case 'instance': {
      const r = rec as T.InstanceReport;
      return pb.InstanceReport.encode({
        header, project: r.project, host: r.host, environment: r.environment, channel: r.channel, release: r.release,
        binaryDigest: r.binaryDigest, platform: r.platform, metaCommit: r.metaCommit, status: STATUSES.indexOf(r.status), message: r.message,
      }).finish();
    }
    case 'event': {
      const r = rec as T.MetaEvent;
      return pb.Event.encode({
        header, type: r.type, project: r.project, subject: r.subject, message: r.message, attributes: sortLabels(r.attributes),
        payload: unb64(r.payload), payloadMediaType: r.payloadMediaType,
      }).finish();
    }
    case 'yank': {
      const r = rec as T.Yank;
      return pb.Yank.encode({ header, project: r.project, release: r.release, reason: r.reason }).finish();
    }
    case 'pipeline': {
      const r = rec as T.Pipeline;
      return pb.Pipeline.encode({
        header, project: r.project, sequence: r.sequence, validate: r.validate, onPromote: r.onPromote, source: r.source,
        stages: r.stages.map((st) => ({ channel: st.channel, after: st.after, auto: st.auto, gates: st.gates.map(encGate), rollout: st.rollout })),
      }).finish();
    }
    case 'approval': {
      const r = rec as T.Approval;
      return pb.Approval.encode({ header, project: r.project, release: r.release, channel: r.channel, comment: r.comment }).finish();
    }
    case 'verification': {
      const r = rec as T.Verification;
      return pb.Verification.encode({
        header, project: r.project, release: r.release, channel: r.channel, name: r.name,
        status: VERIFICATION_STATUSES.indexOf(r.status) + 1, url: r.url, message: r.message,
      }).finish();
    }
    case 'gate': {
      const r = rec as T.GateResult;
      return pb.GateResult.encode({
        header, project: r.project, release: r.release, channel: r.channel, pipelineSequence: r.pipelineSequence, gateIndex: r.gateIndex,
        gateType: r.gateType, state: GATE_STATES.indexOf(r.state) + 1, detail: r.detail, evidence: sortLabels(r.evidence),
      }).finish();
    }
    case 'config': {
      const r = rec as T.Config;
      const entries = [...r.entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((e) => {
        const v = e.value;
        return v.type === 'text' ? { key: e.key, text: v.text } : v.type === 'json' ? { key: e.key, json: v.json } : { key: e.key, secret: { name: v.name, field: v.field } };
      });
      return pb.Config.encode({ header, project: r.project, environment: r.environment, channel: r.channel, sequence: r.sequence, entries }).finish();
    }
    case 'flags': {
      const r = rec as T.FlagSet;
      return pb.FlagSet.encode({ header, project: r.project, channel: r.channel, sequence: r.sequence, document: r.document }).finish();
    }
    case 'location': {
      const r = rec as T.BinaryLocation;
      return pb.BinaryLocation.encode({
        header, project: r.project, release: r.release, platform: r.platform, digest: r.digest, url: r.url, region: r.region,
        verifiedAt: encTime('location.verifiedAt', r.verifiedAt), size: r.size, method: r.method,
      }).finish();
    }
  }
  throw new MetaError('INTERNAL', `unknown record kind ${String(kind)}`, {});
}

function corrupt(origin: RecordOrigin, why: string, cause?: unknown): MetaError {
  const where = origin.path ? `${origin.path}${origin.commit ? ` at ${origin.commit.slice(0, 12)}` : ''}` : `blob ${origin.oid ?? '?'}`;
  const field = cause instanceof OutOfRange ? { field: cause.field } : {};
  return new MetaError('CORRUPT_RECORD', `record ${where} does not decode (${why}); it was written by another tool or damaged. Other records are unaffected; 'meta verify' lists every such file`, { ...origin, ...field }, { cause });
}

/** The kind of a record, read from its header alone. */
export function recordKind(bytes: Uint8Array, origin: RecordOrigin = {}): T.RecordKind {
  let head: meta.v1.RecordHead;
  try {
    head = pb.RecordHead.decode(bytes);
  } catch (e) {
    throw corrupt(origin, (e as Error).message, e);
  }
  const kind = ENUM_TO_KIND.get(Number(head.header?.kind ?? 0));
  if (!kind) throw corrupt(origin, `unknown record kind ${head.header?.kind ?? 'none'}`);
  return kind;
}

/**
 * Decodes any record, learning its kind from the header; `expect` checks it.
 *
 * @example
 * const { kind, record } = decodeRecord(bytes, { path: 'projects/acme/app/project.pb' });
 */
export function decodeRecord(bytes: Uint8Array, origin: RecordOrigin = {}, expect?: T.RecordKind): T.AnyRecord {
  const kind = recordKind(bytes, origin);
  if (expect && kind !== expect) throw corrupt(origin, `it is a ${kind} record where a ${expect} record belongs`);
  try {
    switch (kind) {
      case 'project': {
        const m = pb.Project.decode(bytes);
        return { kind, record: { header: decHeader(m.header), name: m.name, repoUrl: m.repoUrl, mainPath: m.mainPath, owners: [...m.owners], description: m.description } };
      }
      case 'release': {
        const m = pb.Release.decode(bytes);
        return {
          kind,
          record: {
            header: decHeader(m.header), project: m.project, version: m.version,
            sources: m.sources.map((s) => ({ url: s.url ?? '', commit: s.commit ?? '', path: s.path ?? '', tag: s.tag ?? '' })),
            imports: m.imports.map((i) => ({ module: i.module ?? '', version: i.version ?? '', githash: i.githash ?? '' })),
            notes: m.notes,
          },
        };
      }
      case 'binary': {
        const m = pb.Binary.decode(bytes);
        return {
          kind,
          record: {
            header: decHeader(m.header), project: m.project, release: ref(m.release), platform: plat(m.platform), digest: m.digest, size: u64('binary.size', m.size),
            mediaType: m.mediaType, locations: [...m.locations],
            signatures: m.signatures.map((s) => ({ keyId: s.keyId ?? '', algorithm: s.algorithm ?? '', signature: b64(s.signature) })),
            provenance: b64(m.provenance), provenanceType: m.provenanceType,
          },
        };
      }
      case 'promotion': {
        const m = pb.Promotion.decode(bytes);
        return {
          kind,
          record: {
            header: decHeader(m.header), project: m.project, channel: m.channel, sequence: u64('promotion.sequence', m.sequence),
            action: ACTIONS[Number(m.action) - 1] ?? ('unspecified' as T.PromotionAction), release: ref(m.release),
            previous: m.previous ? ref(m.previous) : null, reason: m.reason,
            rollout: m.rollout
              ? { waves: [...(m.rollout.waves ?? [])], waveIntervalSeconds: m.rollout.waveIntervalSeconds ?? 0, wave: m.rollout.wave ?? 0, maxFailedPercent: m.rollout.maxFailedPercent ?? 0 }
              : null,
            expectedPreviousSequence: u64('promotion.expected_previous_sequence', m.expectedPreviousSequence),
            approvals: m.approvals.map((a) => ({ actor: a.actor ?? '', comment: a.comment ?? '' })), previousPromotion: m.previousPromotion,
            forced: m.forced,
          },
        };
      }
      case 'instance': {
        const m = pb.InstanceReport.decode(bytes);
        return {
          kind,
          record: {
            header: decHeader(m.header), project: m.project, host: m.host, environment: m.environment, channel: m.channel, release: ref(m.release),
            binaryDigest: m.binaryDigest, platform: plat(m.platform), metaCommit: m.metaCommit, status: STATUSES[Number(m.status)] ?? 'unspecified', message: m.message,
          },
        };
      }
      case 'event': {
        const m = pb.Event.decode(bytes);
        return {
          kind,
          record: {
            header: decHeader(m.header), type: m.type, project: m.project, subject: m.subject, message: m.message,
            attributes: m.attributes.map((l) => ({ key: l.key ?? '', value: l.value ?? '' })), payload: b64(m.payload), payloadMediaType: m.payloadMediaType,
          },
        };
      }
      case 'yank': {
        const m = pb.Yank.decode(bytes);
        return { kind, record: { header: decHeader(m.header), project: m.project, release: ref(m.release), reason: m.reason } };
      }
      case 'pipeline': {
        const m = pb.Pipeline.decode(bytes);
        return {
          kind,
          record: {
            header: decHeader(m.header), project: m.project, sequence: u64('pipeline.sequence', m.sequence), validate: m.validate, onPromote: m.onPromote, source: m.source,
            stages: m.stages.map((st) => ({
              channel: st.channel ?? '', after: st.after ?? '', auto: st.auto ?? false, gates: (st.gates ?? []).map(decGate),
              rollout: st.rollout
                ? { waves: [...(st.rollout.waves ?? [])], intervalSeconds: u64('pipeline.rollout.interval_seconds', st.rollout.intervalSeconds), maxFailedPercent: st.rollout.maxFailedPercent ?? 0 }
                : null,
            })),
          },
        };
      }
      case 'approval': {
        const m = pb.Approval.decode(bytes);
        return { kind, record: { header: decHeader(m.header), project: m.project, release: ref(m.release), channel: m.channel, comment: m.comment } };
      }
      case 'verification': {
        const m = pb.Verification.decode(bytes);
        const status = VERIFICATION_STATUSES[Number(m.status) - 1];
        if (!status) throw new OutOfRange('verification.status', `field verification.status holds ${m.status}, not passed or failed`);
        return {
          kind,
          record: { header: decHeader(m.header), project: m.project, release: ref(m.release), channel: m.channel, name: m.name, status, url: m.url, message: m.message },
        };
      }
      case 'gate': {
        const m = pb.GateResult.decode(bytes);
        const state = GATE_STATES[Number(m.state) - 1];
        if (!state) throw new OutOfRange('gate.state', `field gate.state holds ${m.state}, not passed, failed or pending`);
        return {
          kind,
          record: {
            header: decHeader(m.header), project: m.project, release: ref(m.release), channel: m.channel,
            pipelineSequence: u64('gate.pipeline_sequence', m.pipelineSequence), gateIndex: m.gateIndex, gateType: m.gateType, state, detail: m.detail,
            evidence: m.evidence.map((l) => ({ key: l.key ?? '', value: l.value ?? '' })),
          },
        };
      }
      case 'config': {
        const m = pb.Config.decode(bytes);
        return {
          kind,
          record: {
            header: decHeader(m.header), project: m.project, environment: m.environment, channel: m.channel, sequence: u64('config.sequence', m.sequence),
            entries: m.entries.map((e, i): T.ConfigEntry => {
              const key = e.key ?? '';
              if (e.secret) return { key, value: { type: 'secret', name: e.secret.name ?? '', field: e.secret.field ?? '' } };
              if (e.json != null) return { key, value: { type: 'json', json: e.json } };
              if (e.text != null) return { key, value: { type: 'text', text: e.text } };
              throw new OutOfRange(`config.entries[${i}]`, `config entry ${i} has no value this reader knows; upgrade meta`);
            }),
          },
        };
      }
      case 'flags': {
        const m = pb.FlagSet.decode(bytes);
        return { kind, record: { header: decHeader(m.header), project: m.project, channel: m.channel, sequence: u64('flags.sequence', m.sequence), document: m.document } };
      }
      case 'location': {
        const m = pb.BinaryLocation.decode(bytes);
        return {
          kind,
          record: {
            header: decHeader(m.header), project: m.project, release: ref(m.release), platform: plat(m.platform), digest: m.digest, url: m.url, region: m.region,
            verifiedAt: decTime('location.verified_at', m.verifiedAt), size: u64('location.size', m.size), method: m.method,
          },
        };
      }
    }
  } catch (e) {
    if (e instanceof MetaError) throw e;
    throw corrupt(origin, (e as Error).message, e);
  }
  throw corrupt(origin, `unknown kind ${String(kind)}`);
}

/** Decodes a record that must be of kind `kind`. */
export function decodeAs<K extends T.RecordKind>(kind: K, bytes: Uint8Array, origin: RecordOrigin = {}): T.RecordByKind[K] {
  return decodeRecord(bytes, origin, kind).record as T.RecordByKind[K];
}

/** The protobuf message name of a kind, for `protoc --decode` and docs. */
export function messageName(kind: T.RecordKind): string {
  return {
    project: 'meta.v1.Project', release: 'meta.v1.Release', binary: 'meta.v1.Binary', promotion: 'meta.v1.Promotion', instance: 'meta.v1.InstanceReport',
    event: 'meta.v1.Event', yank: 'meta.v1.Yank', pipeline: 'meta.v1.Pipeline', approval: 'meta.v1.Approval', verification: 'meta.v1.Verification',
    gate: 'meta.v1.GateResult', config: 'meta.v1.Config', flags: 'meta.v1.FlagSet', location: 'meta.v1.BinaryLocation',
  }[kind];
}
