import { yankPath } from '../records/layout.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { RecordReader } from './RecordReader.js';

/** Why and by whom a release was yanked (the yank record beside its release.pb). */
export interface YankInfo {
  reason: string;
  /** The actor of the yank record. */
  by: string;
  /** When it was yanked (ISO-8601). */
  at: string;
  githash: string;
  path: string;
}

/**
 * The yank of a release at a snapshot, or null: one tree lookup, so resolving stays cheap. A yank
 * whose release reference does not match is still a yank (withdrawing is the safe reading);
 * `meta verify` reports the mismatch.
 */
export function releaseYank(snap: Snapshot, reader: RecordReader, project: string, version: string): YankInfo | null {
  const path = yankPath(project, version);
  const hit = reader.at(snap, path, 'yank');
  if (!hit) return null;
  return { reason: hit.record.reason, by: hit.record.header.actor, at: hit.record.header.createdAt, githash: hit.oid, path };
}
