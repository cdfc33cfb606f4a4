import { diffFlagDocuments, type FlagChange } from '../flags/diffFlagDocuments.js';
import type { MetaRepo } from './openMeta.js';
import { EMPTY_FLAG_DOCUMENT, listFlagSets, readFlagSetIn } from './readFlagSet.js';
import { shallowBoundaries } from './shallowBoundaries.js';
import { snapshotAt } from './lookup.js';

export interface FlagHistoryEntry {
  sequence: number;
  /** The commit that added this version (null when it is before a shallow clone's boundary). */
  commit: string | null;
  time: string;
  actor: string;
  githash: string;
  path: string;
  /** What this version changed relative to the one before it. */
  changes: FlagChange[];
  /** Set-level parts that changed ($evaluators, metadata). */
  sets: string[];
}

/**
 * Every version of a channel's flag set, oldest first, with what each changed; with `key`, only
 * the versions that changed that flag.
 *
 * @example
 * for (const h of await flagHistory(repo, { project: 'acme/app', channel: 'stable', key: 'new-ui' })) console.log(h.sequence, h.changes);
 */
export async function flagHistory(repo: MetaRepo, opts: { project: string; channel: string; key?: string; at?: string }): Promise<FlagHistoryEntry[]> {
  const snap = snapshotAt(repo, opts.at);
  const view = readFlagSetIn(repo, snap, opts.project, opts.channel);
  if (view.sequence === 0) {
    const { requireDeclaredChannel } = await import('./declaredNames.js');
    requireDeclaredChannel(snap, view.project, opts.channel);
  }
  const log = repo.store.log();
  const boundaries = shallowBoundaries(repo);
  let before = EMPTY_FLAG_DOCUMENT;
  const out: FlagHistoryEntry[] = [];
  for (const e of listFlagSets(snap, repo.reader, view.project, opts.channel)) {
    const d = diffFlagDocuments(before, e.record.document);
    before = e.record.document;
    const changes = opts.key === undefined ? d.flags : d.flags.filter((c) => c.key === opts.key);
    if (opts.key !== undefined && changes.length === 0) continue;
    const added = log.addedIn(e.path, snap.commit) ?? null;
    out.push({
      sequence: e.record.sequence, commit: added !== null && boundaries.has(added) ? null : added, time: e.record.header.createdAt, actor: e.record.header.actor,
      githash: e.githash, path: e.path, changes, sets: opts.key === undefined ? d.sets : [],
    });
  }
  return out;
}
