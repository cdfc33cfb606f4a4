import { createHash, timingSafeEqual } from 'node:crypto';
import { MetaError } from '../errors/MetaError.js';
import { SIMPLE_NAME } from '../records/names.js';

/** What a bearer token may do. */
export type TokenScope = 'records' | 'reports';

export interface ServeToken {
  name: string;
  /** Hex sha-256 of the token: meta.yaml never holds a token itself. */
  sha256: string;
  scopes: TokenScope[];
}

const SCOPES: TokenScope[] = ['records', 'reports'];

/** `sha256(token)` in hex: what meta.yaml lists (`printf %s "$TOKEN" | sha256sum`). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The tokens `meta serve` accepts, from meta.yaml's `serve.tokens`:
 * ```yaml
 * serve:
 *   tokens:
 *     - name: ci
 *       sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
 *       scopes: [records, reports]
 * ```
 */
export function parseServeTokens(settings: Record<string, unknown>): ServeToken[] {
  const serve = settings.serve;
  if (serve === undefined || serve === null) return [];
  if (typeof serve !== 'object' || Array.isArray(serve)) throw new MetaError('INVALID_ARGUMENT', 'meta.yaml: serve must be a mapping', {});
  const list = (serve as Record<string, unknown>).tokens;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new MetaError('INVALID_ARGUMENT', 'meta.yaml: serve.tokens must be a list', {});
  return list.map((t, i) => {
    const o = (t ?? {}) as Record<string, unknown>;
    // The name becomes the actor (`token:<name>`) of every write the token makes: record headers and commit authors.
    if (typeof o.name !== 'string' || !SIMPLE_NAME.test(o.name)) {
      throw new MetaError('INVALID_ARGUMENT', `meta.yaml: serve.tokens[${i}] needs a name of letters, digits, '.', '_' and '-' (up to 64)`, { index: i });
    }
    if (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256)) {
      throw new MetaError('INVALID_ARGUMENT', `meta.yaml: serve.tokens[${i}] (${o.name}) needs sha256: <64 lower-case hex> (the hash of the token, never the token)`, { index: i });
    }
    const scopes = o.scopes === undefined ? SCOPES : o.scopes;
    if (!Array.isArray(scopes) || scopes.some((s) => !SCOPES.includes(s as TokenScope))) {
      throw new MetaError('INVALID_ARGUMENT', `meta.yaml: serve.tokens[${i}] (${o.name}) scopes must be a list of ${SCOPES.join(', ')}`, { index: i });
    }
    return { name: o.name, sha256: o.sha256, scopes: scopes as TokenScope[] };
  });
}

/** The token whose hash matches `presented` (compared in constant time), or undefined. */
export function matchToken(tokens: ServeToken[], presented: string): ServeToken | undefined {
  const h = Buffer.from(hashToken(presented), 'hex');
  let hit: ServeToken | undefined;
  for (const t of tokens) if (timingSafeEqual(h, Buffer.from(t.sha256, 'hex')) && !hit) hit = t;
  return hit;
}
