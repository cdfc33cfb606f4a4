import { flagsDir } from '../records/layout.js';
import { checkChannel } from '../records/names.js';
import type { FlagSet } from '../records/types.js';
import type { RecordReader } from '../resolve/RecordReader.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { requireProject, snapshotAt } from './lookup.js';

/** The flag set of a channel before its first version: flagd's empty document. */
export const EMPTY_FLAG_DOCUMENT = '{"flags":{}}';

/** A channel's flag set at one commit. */
export interface FlagSetView {
  project: string;
  channel: string;
  /** The version in force; 0 when the channel has no flag set yet (then `document` is empty). */
  sequence: number;
  /** flagd flag-definition JSON, canonical (keys sorted, no whitespace). */
  document: string;
  /** The commit it was read at. */
  commit: string;
  /** Blob hash of the record in force (null before the first version). */
  githash: string | null;
  path: string | null;
  /** When and by whom the version in force was written (null before the first version). */
  time: string | null;
  actor: string | null;
}

/** One stored version of a channel's flag set. */
export interface FlagSetEntry {
  path: string;
  githash: string;
  record: FlagSet;
}

function sequenceFiles(snap: Snapshot, project: string, channel: string): { path: string; oid: string }[] {
  const dir = flagsDir(project, channel);
  const out: { path: string; oid: string }[] = [];
  for (const shard of snap.list(dir)) {
    if (shard.mode !== '40000') continue;
    for (const f of snap.list(`${dir}/${shard.name}`)) if (f.name.endsWith('.pb')) out.push({ path: `${dir}/${shard.name}/${f.name}`, oid: f.oid });
  }
  // Sequence numbers are zero-padded in the path, so path order is sequence order.
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Every version of a channel's flag set, oldest first. */
export function listFlagSets(snap: Snapshot, reader: RecordReader, project: string, channel: string): FlagSetEntry[] {
  return sequenceFiles(snap, project, channel).map((f) => ({ path: f.path, githash: f.oid, record: reader.byOid(snap, f.oid, 'flags', { path: f.path, commit: snap.commit }) }));
}

/** The newest version of a channel's flag set (one listing of the last shard, one decode), or null. */
export function latestFlagSet(snap: Snapshot, reader: RecordReader, project: string, channel: string): FlagSetEntry | null {
  const dir = flagsDir(project, channel);
  const shards = snap.list(dir).filter((e) => e.mode === '40000').map((e) => e.name).sort();
  for (let i = shards.length - 1; i >= 0; i--) {
    const files = snap.list(`${dir}/${shards[i]}`).filter((f) => f.name.endsWith('.pb')).sort((a, b) => (a.name < b.name ? -1 : 1));
    const f = files[files.length - 1];
    if (f) {
      const path = `${dir}/${shards[i]}/${f.name}`;
      return { path, githash: f.oid, record: reader.byOid(snap, f.oid, 'flags', { path, commit: snap.commit }) };
    }
  }
  return null;
}

/**
 * A channel's flag set at a snapshot, for callers that read other things at the same commit
 * (`resolve … include=flags`). The project must exist; the channel is not checked (see
 * {@link readFlagSet}).
 *
 * @example
 * const flags = readFlagSetIn(repo, repo.store.snapshot(commit), 'acme/app', 'stable');
 */
export function readFlagSetIn(repo: MetaRepo, snap: Snapshot, project: string, channel: string): FlagSetView {
  const name = requireProject(repo, snap, project).name;
  checkChannel(channel);
  const e = latestFlagSet(snap, repo.reader, name, channel);
  return {
    project: name, channel, sequence: e?.record.sequence ?? 0, document: e?.record.document ?? EMPTY_FLAG_DOCUMENT, commit: snap.commit ?? '',
    githash: e?.githash ?? null, path: e?.path ?? null, time: e?.record.header.createdAt ?? null, actor: e?.record.header.actor ?? null,
  };
}

/**
 * A channel's flag set at a commit, ref or date (default: the tip): flagd's flag-definition JSON
 * in canonical form, with the version in force. A channel that has no flag set yet answers the
 * empty set (`{"flags":{}}`, sequence 0) when meta.yaml declares it or it has records; any other
 * channel is NOT_FOUND with the closest declared names.
 *
 * @example
 * const { document, sequence } = await readFlagSet(repo, 'acme/app', 'stable', '2026-03-01');
 * writeFileSync('flags.json', document);
 */
export async function readFlagSet(repo: MetaRepo, project: string, channel: string, at?: string): Promise<FlagSetView> {
  const snap = snapshotAt(repo, at);
  const view = readFlagSetIn(repo, snap, project, channel);
  if (view.sequence === 0) {
    // Lazily: the check reads meta.yaml with the YAML parser.
    const { requireDeclaredChannel } = await import('./declaredNames.js');
    requireDeclaredChannel(snap, view.project, channel);
  }
  return view;
}
