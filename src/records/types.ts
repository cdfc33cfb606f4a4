/**
 * The plain, JSON-friendly shapes of boot-meta's records. The codec converts between these and the
 * protobuf wire format; nothing else in the code base sees generated classes.
 */
export type RecordKind = 'project' | 'release' | 'binary' | 'promotion' | 'instance' | 'event' | 'yank';

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

export type PromotionAction = 'promote' | 'rollback' | 'hold' | 'release-hold' | 'yank';

export interface Promotion {
  header: Header;
  project: string;
  channel: string;
  sequence: number;
  action: PromotionAction;
  release: ReleaseRef;
  previous: ReleaseRef | null;
  reason: string;
  rollout: { waves: number[]; waveIntervalSeconds: number } | null;
  expectedPreviousSequence: number;
  approvals: { actor: string; comment: string }[];
  previousPromotion: string;
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

export interface RecordByKind {
  project: Project;
  release: Release;
  binary: Binary;
  promotion: Promotion;
  instance: InstanceReport;
  event: MetaEvent;
  yank: Yank;
}

export type AnyRecord = { [K in RecordKind]: { kind: K; record: RecordByKind[K] } }[RecordKind];

/** What callers give when writing: the header is filled in by the writer. */
export type RecordInput<K extends RecordKind> = Omit<RecordByKind[K], 'header'>;
