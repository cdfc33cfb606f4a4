import { encodeRecord } from '../records/codec.js';
import { makeHeader } from '../records/makeHeader.js';
import type { Label, RecordByKind, RecordInput, RecordKind } from '../records/types.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { AppendFile } from '../store/Repository.js';
import type { MetaRepo } from './openMeta.js';
import { appendWithPolicy } from './autoPush.js';

export interface RecordToWrite<K extends RecordKind = RecordKind> {
  kind: K;
  path: string;
  body: RecordInput<K>;
  labels?: Label[];
}

export interface WritePlan<T> {
  records: RecordToWrite[];
  message: string;
  /** What the caller returns once the commit landed (computed from the winning snapshot). */
  result: T;
  /** Extra non-record files (settings), rarely used. */
  files?: AppendFile[];
}

export interface WriteResult<T> {
  commit: string;
  records: { path: string; githash: string; kind: RecordKind }[];
  value: T;
}

/**
 * Appends records in one commit through the store's compare-and-swap loop: `plan` runs against
 * the tip and runs again on the new tip when another writer got there first, so every check it
 * makes (duplicate version, `--expect`, next sequence number) holds at the commit that lands.
 */
export async function writeRecords<T>(repo: MetaRepo, plan: (snap: Snapshot, now: Date) => WritePlan<T> | Promise<WritePlan<T>>): Promise<WriteResult<T>> {
  let last: WritePlan<T> | undefined;
  let kinds: RecordKind[] = [];
  let now = new Date(0);
  const appendPlan = async (snap: Snapshot) => {
    now = repo.clock();
    last = await plan(snap, now);
    kinds = last.records.map((r) => r.kind);
    const files: AppendFile[] = last.records.map((r) => ({
      path: r.path,
      data: encodeRecord(r.kind, { ...r.body, header: makeHeader(r.kind, repo.actor, now, repo.recordLabels ? [...(r.labels ?? []), ...repo.recordLabels] : r.labels) } as RecordByKind[typeof r.kind]),
    }));
    return { files: [...files, ...(last.files ?? [])], message: last.message };
  };
  // With --push (or `push:` in meta.yaml) the commit is planned on the remote tip and re-planned there after a lost push.
  const res = await appendWithPolicy(repo, appendPlan, { actor: repo.actor, time: () => now });
  return {
    commit: res.commit,
    records: res.files.slice(0, kinds.length).map((f, i) => ({ path: f.path, githash: f.oid, kind: kinds[i]! })),
    value: last!.result,
  };
}
