/**
 * The plain, JSON-friendly shapes of boot-meta's records. The codec converts between these and the
 * protobuf wire format; nothing else in the code base sees generated classes.
 */
export type RecordKind =
  | 'project'
  | 'release'
  | 'binary'
  | 'promotion'
  | 'instance'
  | 'event'
  | 'yank'
  | 'pipeline'
  | 'approval'
  | 'verification'
  | 'gate'
  | 'config'
  | 'flags'
  | 'location';

export interface Label {
  key: string;
  value: string;
}

export interface Header {
  schemaVersion: number;
  kind: RecordKind;
  /** ISO-8601 UTC, millisecond precision. */
  createdAt: string;
  actor: string;
  labels: Label[];
}

export interface Project {
  header: Header;
  name: string;
  repoUrl: string;
  mainPath: string;
  owners: string[];
  description: string;
}

export interface Source {
  url: string;
  commit: string;
  path: string;
  tag: string;
}

export interface ModuleImport {
  module: string;
  version: string;
  githash: string;
}

export interface Release {
  header: Header;
  project: string;
  version: string;
  sources: Source[];
  imports: ModuleImport[];
  notes: string;
}

export interface ReleaseRef {
  githash: string;
  version: string;
}

export interface Platform {
  os: string;
  arch: string;
  variant: string;
}

export interface Signature {
  keyId: string;
  algorithm: string;
  /** base64 */
  signature: string;
}

export interface Binary {
  header: Header;
  project: string;
  release: ReleaseRef;
  platform: Platform;
  digest: string;
  size: number;
  mediaType: string;
  locations: string[];
  signatures: Signature[];
  /** base64 of the provenance statement, '' when none. */
  provenance: string;
  provenanceType: string;
}

/** `wave`: a rollout moved to its next wave (release and previous stay those of the rollout). */
export type PromotionAction = 'promote' | 'rollback' | 'hold' | 'release-hold' | 'yank' | 'wave';

/**
 * A rollout in waves: `waves` are cumulative shares of hosts (ascending, the last 100), `wave` the
 * index of the wave the record puts live.
 */
export interface PromotionRollout {
  waves: number[];
  waveIntervalSeconds: number;
  wave: number;
  /** Share of the wave's hosts reporting `failed` that rolls back (0: never automatically). */
  maxFailedPercent: number;
}

export interface Promotion {
  header: Header;
  project: string;
  channel: string;
  sequence: number;
  action: PromotionAction;
  release: ReleaseRef;
  previous: ReleaseRef | null;
  reason: string;
  rollout: PromotionRollout | null;
  expectedPreviousSequence: number;
  approvals: { actor: string; comment: string }[];
  previousPromotion: string;
  /** Promoted with `--force` past gates that did not pass. */
  forced: boolean;
}

export type InstanceStatus = 'unspecified' | 'installing' | 'running' | 'failed';

export interface InstanceReport {
  header: Header;
  project: string;
  host: string;
  environment: string;
  channel: string;
  release: ReleaseRef;
  binaryDigest: string;
  platform: Platform;
  metaCommit: string;
  status: InstanceStatus;
  message: string;
}

export interface MetaEvent {
  header: Header;
  type: string;
  project: string;
  subject: string;
  message: string;
  attributes: Label[];
  /** base64 */
  payload: string;
  payloadMediaType: string;
}

/** A release withdrawn from every channel: it cannot be promoted again (one per release). */
export interface Yank {
  header: Header;
  project: string;
  release: ReleaseRef;
  reason: string;
}

export type Gate =
  | { type: 'soak'; seconds: number }
  | { type: 'http'; url: string; expect: number; timeoutMs: number; retries: number }
  | { type: 'fleet'; percent: number }
  | { type: 'verification'; name: string }
  | { type: 'approvals'; count: number }
  | { type: 'command'; run: string; timeoutMs: number };

export type GateType = Gate['type'];

export interface RolloutPolicy {
  waves: number[];
  intervalSeconds: number;
  maxFailedPercent: number;
}

export interface PipelineStage {
  channel: string;
  /** The stage candidates come from; '' for the first stage (every new release with binaries). */
  after: string;
  auto: boolean;
  gates: Gate[];
  rollout: RolloutPolicy | null;
}

/** A project's pipeline; each change is a new version (`sequence` 1, 2, 3 …). */
export interface Pipeline {
  header: Header;
  project: string;
  sequence: number;
  stages: PipelineStage[];
  validate: string;
  onPromote: string;
  /** The YAML it was set from, for people. */
  source: string;
}

/** One actor's approval of a release for a channel (the actor is `header.actor`). */
export interface Approval {
  header: Header;
  project: string;
  release: ReleaseRef;
  channel: string;
  comment: string;
}

export type VerificationStatus = 'passed' | 'failed';

/** A check that ran outside boot-meta (CI posts it); the newest one per name counts. */
export interface Verification {
  header: Header;
  project: string;
  release: ReleaseRef;
  channel: string;
  name: string;
  status: VerificationStatus;
  url: string;
  message: string;
}

export type GateState = 'passed' | 'failed' | 'pending';

/** One evaluation of one gate, with its evidence. */
export interface GateResult {
  header: Header;
  project: string;
  release: ReleaseRef;
  channel: string;
  pipelineSequence: number;
  gateIndex: number;
  gateType: string;
  state: GateState;
  detail: string;
  /** Machine-readable evidence (status=503, exit_code=1, …), stored sorted by key. */
  evidence: Label[];
}

export type ConfigValue =
  | { type: 'text'; text: string }
  /** A JSON value in canonical form. */
  | { type: 'json'; json: string }
  /** A SOPS secret of the layer's environment, optionally one field of it. */
  | { type: 'secret'; name: string; field: string };

export interface ConfigEntry {
  key: string;
  value: ConfigValue;
}

/**
 * One config layer, whole, per version: project defaults (environment and channel ''), one
 * environment, or environment + channel. Entries are stored sorted by key.
 */
export interface Config {
  header: Header;
  project: string;
  environment: string;
  channel: string;
  sequence: number;
  entries: ConfigEntry[];
}

/** A channel's flag set: a flagd flag-definition document in canonical JSON. */
export interface FlagSet {
  header: Header;
  project: string;
  channel: string;
  sequence: number;
  document: string;
}

/** One more verified copy of a binary (the actor copied and checked it). */
export interface BinaryLocation {
  header: Header;
  project: string;
  release: ReleaseRef;
  platform: Platform;
  digest: string;
  url: string;
  region: string;
  /** ISO-8601 UTC, millisecond precision. */
  verifiedAt: string;
  size: number;
  /** `read-back` (downloaded and hashed) or `checksum` (the store's own SHA-256). */
  method: string;
}

export interface RecordByKind {
  project: Project;
  release: Release;
  binary: Binary;
  promotion: Promotion;
  instance: InstanceReport;
  event: MetaEvent;
  yank: Yank;
  pipeline: Pipeline;
  approval: Approval;
  verification: Verification;
  gate: GateResult;
  config: Config;
  flags: FlagSet;
  location: BinaryLocation;
}

export type AnyRecord = { [K in RecordKind]: { kind: K; record: RecordByKind[K] } }[RecordKind];

/** What callers give when writing: the header is filled in by the writer. */
export type RecordInput<K extends RecordKind> = Omit<RecordByKind[K], 'header'>;
