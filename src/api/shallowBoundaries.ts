import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from './openMeta.js';

/**
 * The commits where a shallow clone's history stops (git's `<gitdir>/shallow` file): their
 * parents were never fetched. Empty for a full clone.
 *
 * @example
 * if (shallowBoundaries(repo).size) console.log('shallow clone');
 */
export function shallowBoundaries(repo: MetaRepo): Set<string> {
  return new Set(repo.store.shallowCommits());
}

/**
 * Rewords a failed `--at` lookup in a shallow clone: what is missing may lie before the boundary,
 * and the way to see it is a full clone. Other errors, and any error in a full clone, pass unchanged.
 */
export function explainBeforeBoundary(repo: MetaRepo, at: string, e: unknown): unknown {
  if (!(e instanceof MetaError) || !['NOT_FOUND', 'INTEGRITY'].includes(e.code)) return e;
  const boundaries = shallowBoundaries(repo);
  if (boundaries.size === 0) return e;
  const first = repo.store.log().entries()[0];
  const start = first ? `${first.commit.slice(0, 12)} (${new Date(first.time * 1000).toISOString()})` : 'its boundary';
  const hex = /^[0-9a-f]{40}$/.test(at);
  return new MetaError('NOT_FOUND',
    `${hex ? `commit ${at} is not in this shallow clone: if it is newer, run 'meta pull'; if it is older, it` : `'${at}'`} is before the boundary of this shallow clone, whose history starts at ${start}; clone it again without --depth ('meta clone <url> <dir>') to read further back`,
    { at, shallow: true, boundary: [...boundaries] }, { cause: e });
}
