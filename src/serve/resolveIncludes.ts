import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import { configAt, encryptedSecretFiles } from '../api/config/readConfig.js';
import { readFlagSetIn } from '../api/readFlagSet.js';
import { configKey } from './configRoute.js';
import type { Snapshot } from '../store/Snapshot.js';

/** What a resolve answer can carry besides the binary, read at the same commit. */
export interface ResolveInclude {
  /**
   * The part at `snap`, and a key that changes exactly when the part does (a long-poll's
   * "not modified" holds only while every included part's key holds).
   */
  read(repo: MetaRepo, snap: Snapshot, target: { project: string; channel: string }, query: URLSearchParams): { value: unknown; key: string };
}

/**
 * The parts `?include=` may name, each added to the answer under its own name. A new part is
 * one more entry here.
 */
export const RESOLVE_INCLUDES: Record<string, ResolveInclude> = {
  // The merged config of `?env=` + the channel (secret references by name, never values).
  config: {
    read(repo, snap, target, query) {
      const env = query.get('env');
      if (!env) throw new MetaError('INVALID_ARGUMENT', '?include=config needs ?env=<environment>: config is per environment', {});
      const view = configAt(repo, snap, { project: target.project, env, channel: target.channel });
      // Ciphertext as the repository holds it, for a follower that decrypts with its own key.
      if (query.get('config-secrets') !== 'encrypted') return { value: view, key: configKey(view) };
      const encrypted = encryptedSecretFiles(snap, view);
      return { value: { ...view, encrypted }, key: `${configKey(view)}:${Object.entries(encrypted).map(([n, f]) => `${n}@${f.version}`).join(',')}` };
    },
  },
  flags: {
    read(repo, snap, target) {
      const v = readFlagSetIn(repo, snap, target.project, target.channel);
      return { value: { sequence: v.sequence, githash: v.githash, document: JSON.parse(v.document) as unknown }, key: v.githash ?? 'empty' };
    },
  },
};

/**
 * `?include=a,b` as a list of known parts (deduplicated, in the order given); an unknown name is
 * INVALID_ARGUMENT naming the known ones.
 *
 * @example
 * parseInclude(new URLSearchParams('include=flags')) // ['flags']
 */
export function parseInclude(query: URLSearchParams): string[] {
  const out: string[] = [];
  for (const raw of query.getAll('include')) {
    for (const name of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      if (!Object.hasOwn(RESOLVE_INCLUDES, name)) {
        throw new MetaError('INVALID_ARGUMENT', `?include= names an unknown part '${name.slice(0, 40)}'; known: ${Object.keys(RESOLVE_INCLUDES).join(', ')}`, { include: name.slice(0, 40), known: Object.keys(RESOLVE_INCLUDES) });
      }
      if (!out.includes(name)) out.push(name);
    }
  }
  return out;
}
