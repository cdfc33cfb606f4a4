/**
 * meta.yaml's `serve.tokens`: the bearer tokens `meta serve` accepts, listed by their sha-256
 * only. Read leniently by the server (a bad entry is skipped and reported, the others keep
 * working) and strictly by the settings commands (a bad entry is refused before it is written).
 */
import { createHash } from 'node:crypto';
import { SIMPLE_NAME } from '../records/names.js';
import type { SettingsProblem } from './settingsProblem.js';

/** What a bearer token may do. */
export type TokenScope = 'records' | 'reports';

/** The scopes a token can hold. */
export const TOKEN_SCOPES: readonly TokenScope[] = ['records', 'reports'];

export interface ServeToken {
  name: string;
  /** Hex sha-256 of the token: meta.yaml never holds a token itself. */
  sha256: string;
  scopes: TokenScope[];
}

/**
 * `sha256(token)` in hex: what meta.yaml lists (`printf %s "$TOKEN" | sha256sum`).
 *
 * @example
 * hashToken('s3cret') // '…64 hex…'
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The valid entries of `serve.tokens` and a problem for each invalid one (a missing or bad name,
 * hash or scope, a name or hash used twice). A problem in the shape of `serve` itself leaves no
 * tokens.
 *
 * @example
 * const { tokens, problems } = readServeTokens(readMetaSettings(snap));
 * for (const p of problems) log(`${p.key}: ${p.message}`);
 */
export function readServeTokens(settings: Record<string, unknown>): { tokens: ServeToken[]; problems: SettingsProblem[] } {
  const problems: SettingsProblem[] = [];
  const serve = settings.serve;
  if (serve === undefined || serve === null) return { tokens: [], problems };
  if (typeof serve !== 'object' || Array.isArray(serve)) return { tokens: [], problems: [{ key: 'serve', message: 'must be a mapping (with tokens: [...])' }] };
  for (const k of Object.keys(serve)) if (k !== 'tokens') problems.push({ key: `serve.${k}`, message: 'is not a setting (serve knows: tokens)', warning: true });
  const list = (serve as Record<string, unknown>).tokens;
  if (list === undefined || list === null) return { tokens: [], problems };
  if (!Array.isArray(list)) return { tokens: [], problems: [...problems, { key: 'serve.tokens', message: 'must be a list of {name, sha256, scopes}' }] };
  const tokens: ServeToken[] = [];
  const names = new Set<string>();
  const hashes = new Set<string>();
  list.forEach((t, i) => {
    const key = `serve.tokens.${i}`;
    const fail = (message: string, name?: string) => problems.push({ key, name, message });
    if (t === null || typeof t !== 'object' || Array.isArray(t)) return void fail('must be a mapping {name, sha256, scopes}');
    const o = t as Record<string, unknown>;
    // The name becomes the actor (`token:<name>`) of every write the token makes: record headers and commit authors.
    if (typeof o.name !== 'string' || !SIMPLE_NAME.test(o.name)) return void fail("needs a name of letters, digits, '.', '_' and '-' (up to 64, starting with a letter or digit)");
    const name = o.name;
    for (const k of Object.keys(o)) if (!['name', 'sha256', 'scopes'].includes(k)) problems.push({ key: `${key}.${k}`, name, message: 'is not a setting of a token (known: name, sha256, scopes)', warning: true });
    if (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256)) return void fail('needs sha256: <64 lower-case hex> (the hash of the token, never the token)', name);
    const scopes = o.scopes === undefined ? [...TOKEN_SCOPES] : o.scopes;
    if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => !TOKEN_SCOPES.includes(s as TokenScope))) {
      return void fail(`scopes must be a non-empty list of ${TOKEN_SCOPES.join(', ')}`, name);
    }
    if (names.has(name)) return void fail(`the name ${name} is used twice (every write is attributed to token:<name>)`, name);
    if (hashes.has(o.sha256)) return void fail('the same sha256 is listed twice (one token would carry two names)', name);
    names.add(name);
    hashes.add(o.sha256);
    tokens.push({ name, sha256: o.sha256, scopes: [...new Set(scopes as TokenScope[])] });
  });
  return { tokens, problems };
}
