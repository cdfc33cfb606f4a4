/**
 * `meta token add`: bearer tokens of `meta serve` without hand-editing
 * meta.yaml. A new token is random, shown once, and stored only as its sha-256.
 */
import { randomBytes } from 'node:crypto';
import { isSeq, YAMLSeq } from 'yaml';
import { MetaError } from '../errors/MetaError.js';
import { SIMPLE_NAME } from '../records/names.js';
import type { MetaRepo } from './openMeta.js';
import { tokenNames } from './tokenNames.js';
import { hashToken, TOKEN_SCOPES, type TokenScope } from './settingsTokens.js';
import { SETTINGS_TEXT, settingsDocument, writeSettings, type SettingsWriteResult } from './writeSettings.js';

/** A token just created: `token` is shown this once and stored nowhere. */
export interface NewServeToken extends SettingsWriteResult {
  name: string;
  token: string;
  sha256: string;
  scopes: TokenScope[];
}

/**
 * Creates a random bearer token for `meta serve` with the given scopes and lists its sha-256
 * under `serve.tokens` (a new version of meta.yaml). The token itself is returned once and kept
 * nowhere: give it to its holder now. A name in use is ALREADY_EXISTS.
 *
 * @example
 * const { token } = await addServeToken(repo, { name: 'ci', scopes: ['records'] });
 */
export async function addServeToken(repo: MetaRepo, opts: { name: string; scopes?: readonly string[] }): Promise<NewServeToken> {
  if (!SIMPLE_NAME.test(opts.name)) {
    throw new MetaError('INVALID_NAME', `invalid token name ${JSON.stringify(opts.name)}: use letters, digits, '.', '_' and '-' (up to 64, starting with a letter or digit); writes are attributed to token:<name>`, { what: 'token', value: opts.name });
  }
  const scopes = [...new Set(opts.scopes?.length ? opts.scopes : TOKEN_SCOPES)];
  for (const s of scopes) {
    if (!TOKEN_SCOPES.includes(s as TokenScope)) throw new MetaError('INVALID_ARGUMENT', `unknown scope ${JSON.stringify(s)}: a token's scopes are ${TOKEN_SCOPES.join(', ')}`, { scope: s });
  }
  const token = `meta_${randomBytes(32).toString('base64url')}`;
  const sha256 = hashToken(token);
  const res = await writeSettings(repo, (text) => {
    const doc = settingsDocument(text);
    let list = doc.getIn(['serve', 'tokens'], true);
    if (list !== undefined && list !== null && !isSeq(list) && !(typeof list === 'object' && 'value' in list && list.value === null)) {
      throw new MetaError('INVALID_ARGUMENT', "meta.yaml: serve.tokens must be a list; fix it with 'meta settings edit'", {});
    }
    if (tokenNames(list).includes(opts.name)) {
      throw new MetaError('ALREADY_EXISTS', `a token named ${opts.name} exists; remove it first with 'meta token remove ${opts.name}', or choose another name`, { name: opts.name });
    }
    if (!isSeq(list)) {
      list = new YAMLSeq();
      doc.setIn(['serve', 'tokens'], list);
    }
    (list as YAMLSeq).items.push(doc.createNode({ name: opts.name, sha256, scopes: doc.createNode(scopes, { flow: true }) }));
    return doc.toString(SETTINGS_TEXT);
  }, `token add ${opts.name} (${scopes.join(', ')})`);
  return { ...res, name: opts.name, token, sha256, scopes: scopes as TokenScope[] };
}
