import { flagsPath } from '../records/layout.js';
import { checkChannel } from '../records/names.js';
import { NothingToWrite, unlessNothingToWrite } from '../store/NothingToWrite.js';
import type { FlagDocument } from '../flags/validateFlagDocument.js';
import type { MetaRepo } from './openMeta.js';
import { requireProject } from './lookup.js';
import { EMPTY_FLAG_DOCUMENT, latestFlagSet } from './readFlagSet.js';
import { writeRecords } from './writeRecords.js';

export interface FlagSetWriteResult {
  project: string;
  channel: string;
  /** The version now in force (the new one, or the unchanged one). */
  sequence: number;
  /** False when the set already was as asked and nothing was written. */
  changed: boolean;
  commit: string;
  githash: string | null;
  path: string | null;
  /** The canonical flag set now in force. */
  document: string;
}

/**
 * Appends the next version of a channel's flag set: `change` gets the set in force at the tip
 * (a fresh copy) and returns the whole new set, which is validated against flagd's schema and
 * stored as canonical JSON at sequence last + 1. The store's compare-and-swap re-runs `change`
 * on the new tip when another writer got there first; a set that comes out the same writes
 * nothing. The channel must be declared in meta.yaml or already have records.
 *
 * @example
 * await writeFlagSet(repo, 'acme/app', 'stable', 'set new-ui', (doc) => ({ ...doc, flags: { ...doc.flags, 'new-ui': flag } }));
 */
export async function writeFlagSet(repo: MetaRepo, projectName: string, channelName: string, what: string, change: (current: FlagDocument) => unknown): Promise<FlagSetWriteResult> {
  const channel = checkChannel(channelName);
  const { requireDeclaredChannel } = await import('./declaredNames.js');
  const { validateFlagDocument } = await import('../flags/validateFlagDocument.js');
  let project = projectName;
  const res = await unlessNothingToWrite(writeRecords(repo, async (snap) => {
    project = requireProject(repo, snap, projectName).name;
    const last = latestFlagSet(snap, repo.reader, project, channel);
    if (!last) requireDeclaredChannel(snap, project, channel);
    const current = last?.record.document ?? EMPTY_FLAG_DOCUMENT;
    const { document } = await validateFlagDocument(change(JSON.parse(current) as FlagDocument));
    if (document === current) {
      throw new NothingToWrite<FlagSetWriteResult>({ project, channel, sequence: last?.record.sequence ?? 0, changed: false, commit: snap.commit ?? '', githash: last?.githash ?? null, path: last?.path ?? null, document });
    }
    const sequence = (last?.record.sequence ?? 0) + 1;
    const path = flagsPath(project, channel, sequence);
    return {
      records: [{ kind: 'flags', path, body: { project, channel, sequence, document } }],
      message: `flags ${project} ${channel}: ${what} (seq ${sequence})`,
      result: { sequence, path, document },
    };
  }), (unchanged: FlagSetWriteResult) => unchanged);
  if (!('records' in res)) return res;
  return { project, channel, sequence: res.value.sequence, changed: true, commit: res.commit, githash: res.records[0]!.githash, path: res.value.path, document: res.value.document };
}
