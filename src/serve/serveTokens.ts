import { timingSafeEqual } from 'node:crypto';
import { MetaError } from '../errors/MetaError.js';
import { formatProblem } from '../api/settingsProblem.js';
import { hashToken, readServeTokens, type ServeToken, type TokenScope } from '../api/settingsTokens.js';

export { hashToken, readServeTokens, type ServeToken, type TokenScope };

/**
 * The tokens of meta.yaml's `serve.tokens`, strictly: the first invalid entry throws
 * INVALID_ARGUMENT (the server itself reads them with {@link readServeTokens}, which skips an
 * invalid entry and keeps the others working).
 * ```yaml
 * serve:
 *   tokens:
 *     - name: ci
 *       sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
 *       scopes: [records, reports]
 * ```
 */
export function parseServeTokens(settings: Record<string, unknown>): ServeToken[] {
  const { tokens, problems } = readServeTokens(settings);
  const bad = problems.find((p) => !p.warning);
  if (bad) throw new MetaError('INVALID_ARGUMENT', `meta.yaml: ${formatProblem(bad)}`, { key: bad.key });
  return tokens;
}

/** The token whose hash matches `presented` (compared in constant time), or undefined. */
export function matchToken(tokens: ServeToken[], presented: string): ServeToken | undefined {
  const h = Buffer.from(hashToken(presented), 'hex');
  let hit: ServeToken | undefined;
  for (const t of tokens) if (timingSafeEqual(h, Buffer.from(t.sha256, 'hex')) && !hit) hit = t;
  return hit;
}
