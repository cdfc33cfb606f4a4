import { MetaError } from '../errors/MetaError.js';
import type { FlagDefinition, FlagDocument } from '../flags/validateFlagDocument.js';
import type { MetaRepo } from './openMeta.js';
import { readFlagSet } from './readFlagSet.js';

export interface FlagView {
  project: string;
  channel: string;
  key: string;
  /** The version of the set it was read from, and the commit. */
  sequence: number;
  commit: string;
  /** The flag's flagd definition (state, variants, defaultVariant, targeting, metadata). */
  flag: FlagDefinition;
}

/**
 * One flag's definition at a commit, ref or date (default: the tip); NOT_FOUND when the set has
 * no such flag then.
 *
 * @example
 * (await showFlag(repo, { project: 'acme/app', channel: 'stable', key: 'new-ui', at: 'HEAD~1' })).flag.defaultVariant;
 */
export async function showFlag(repo: MetaRepo, opts: { project: string; channel: string; key: string; at?: string }): Promise<FlagView> {
  const v = await readFlagSet(repo, opts.project, opts.channel, opts.at);
  const doc = JSON.parse(v.document) as FlagDocument;
  if (!Object.hasOwn(doc.flags, opts.key)) {
    const known = Object.keys(doc.flags).sort();
    throw new MetaError('NOT_FOUND', `channel ${v.channel} of ${v.project} has no flag ${JSON.stringify(opts.key)} at ${v.commit.slice(0, 12)}${known.length ? ` (flags: ${known.slice(0, 20).join(', ')})` : ' (its flag set is empty)'}`, { key: opts.key, known });
  }
  return { project: v.project, channel: v.channel, key: opts.key, sequence: v.sequence, commit: v.commit, flag: doc.flags[opts.key]! };
}
