import type { IncomingMessage } from 'node:http';
import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import { readMetaSettings } from '../api/readMetaSettings.js';
import { HttpError } from './publicError.js';
import { matchToken, readServeTokens, type TokenScope } from './serveTokens.js';

/** The bearer token's name, or throws 401/403. Tokens come from meta.yaml at the tip, by hash. */
export function authorize(repo: MetaRepo, req: IncomingMessage, scope: TokenScope): string {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new HttpError(401, 'AUTH', 'this endpoint needs "Authorization: Bearer <token>"; list the sha256 of the token under serve.tokens in meta.yaml');
  let tokens;
  try {
    // An invalid entry is skipped (the server logs it); the valid tokens keep working.
    tokens = readServeTokens(readMetaSettings(repo.store.snapshot())).tokens;
  } catch (e) {
    // A broken meta.yaml is the operator's problem, and its text is not the client's to see.
    throw new MetaError('INTERNAL', `meta.yaml at the served tip cannot be read for serve.tokens: ${(e as Error).message}`, {}, { cause: e });
  }
  const t = matchToken(tokens, m[1]!);
  if (!t) throw new HttpError(401, 'AUTH', 'unknown token: its sha256 is not listed under serve.tokens in meta.yaml');
  if (!t.scopes.includes(scope)) throw new HttpError(403, 'AUTH', `token ${t.name} lacks the '${scope}' scope (meta.yaml serve.tokens)`);
  return t.name;
}
