import { MetaError } from '../errors/MetaError.js';
import type { FlagDefinition } from '../flags/validateFlagDocument.js';
import type { MetaRepo } from './openMeta.js';
import { writeFlagSet, type FlagSetWriteResult } from './writeFlagSet.js';

/**
 * Removes one flag from a channel's flag set, as a new version of the set. A key the set does
 * not hold is NOT_FOUND.
 *
 * @example
 * await removeFlag(repo, { project: 'acme/app', channel: 'beta', key: 'new-ui' });
 */
export async function removeFlag(repo: MetaRepo, opts: { project: string; channel: string; key: string }): Promise<FlagSetWriteResult> {
  return writeFlagSet(repo, opts.project, opts.channel, `rm ${opts.key}`, (doc) => {
    if (!Object.hasOwn(doc.flags, opts.key)) {
      const known = Object.keys(doc.flags);
      throw new MetaError('NOT_FOUND', `channel ${opts.channel} has no flag ${JSON.stringify(opts.key)}${known.length ? ` (flags: ${known.slice(0, 20).join(', ')})` : ' (its flag set is empty)'}; list them with 'meta flag ls'`, { key: opts.key, known });
    }
    const flags = Object.create(null) as Record<string, FlagDefinition>;
    for (const [k, v] of Object.entries(doc.flags)) if (k !== opts.key) flags[k] = v;
    return { ...doc, flags };
  });
}
