import { decodeAs, decodeRecord, type RecordOrigin } from '../records/codec.js';
import type { AnyRecord, RecordByKind, RecordKind } from '../records/types.js';
import type { Snapshot } from '../store/Snapshot.js';
import { LruCache } from '../util/LruCache.js';

/**
 * Decodes records by blob id with a cache: a blob id names immutable bytes, so a decoded record
 * never goes stale, whatever commit it is read at.
 */
export class RecordReader {
  private readonly cache = new LruCache<string, AnyRecord>(100_000);

  /** The record at `path` in `snap`, or undefined when there is no file there. */
  at<K extends RecordKind>(snap: Snapshot, path: string, kind: K): { record: RecordByKind[K]; oid: string } | undefined {
    const e = snap.entry(path);
    if (!e || e.mode === '40000') return undefined;
    return { record: this.byOid(snap, e.oid, kind, { path, commit: snap.commit }), oid: e.oid };
  }

  byOid<K extends RecordKind>(snap: Snapshot, oid: string, kind: K, origin: RecordOrigin = {}): RecordByKind[K] {
    const hit = this.cache.get(oid);
    if (hit) {
      if (hit.kind === kind) return hit.record as RecordByKind[K];
      decodeAs(kind, snap.readBlob(oid), { ...origin, oid }); // throws the kind-mismatch error
    }
    const any = decodeRecord(snap.readBlob(oid), { ...origin, oid }, kind);
    this.cache.set(oid, any);
    return any.record as RecordByKind[K];
  }

  any(snap: Snapshot, oid: string, origin: RecordOrigin = {}): AnyRecord {
    const hit = this.cache.get(oid);
    if (hit) return hit;
    const any = decodeRecord(snap.readBlob(oid), { ...origin, oid });
    this.cache.set(oid, any);
    return any;
  }
}
