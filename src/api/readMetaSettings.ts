import { parse as parseYaml } from 'yaml';
import { MetaError } from '../errors/MetaError.js';
import type { Snapshot } from '../store/Snapshot.js';

const cache = new Map<string, Record<string, unknown>>();

/**
 * `meta.yaml` at a snapshot, parsed (an empty object when there is none). Cached by blob id: a
 * server reads its tokens and webhooks on every request without re-parsing unchanged settings.
 *
 * @example
 * const settings = readMetaSettings(repo.store.snapshot());
 * console.log(settings.environments);
 */
export function readMetaSettings(snap: Snapshot): Record<string, unknown> {
  const e = snap.entry('meta.yaml');
  if (!e || e.mode === '40000') return {};
  const hit = cache.get(e.oid);
  if (hit) return hit;
  let v: unknown;
  try {
    v = parseYaml(Buffer.from(snap.readBlob(e.oid)).toString('utf8'));
  } catch (err) {
    throw new MetaError('INVALID_ARGUMENT', `meta.yaml${snap.commit ? ` at ${snap.commit.slice(0, 12)}` : ''} cannot be read (${(err as Error).message}); replace it with 'meta settings edit --file <file>'`, { commit: snap.commit }, { cause: err });
  }
  const obj = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  if (cache.size > 64) cache.clear();
  cache.set(e.oid, obj);
  return obj;
}
