/**
 * `meta token remove`: drops a bearer token of `meta serve` from meta.yaml without hand-editing it.
 */
import type { YAMLSeq } from 'yaml';
import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from './openMeta.js';
import { tokenNames } from './tokenNames.js';
import { SETTINGS_TEXT, settingsDocument, writeSettings, type SettingsWriteResult } from './writeSettings.js';

/**
 * Removes the token named `name` from `serve.tokens` (a new version of meta.yaml): `meta serve`
 * refuses it from the commit on. NOT_FOUND when there is none.
 *
 * @example
 * await removeServeToken(repo, { name: 'ci' });
 */
export async function removeServeToken(repo: MetaRepo, opts: { name: string }): Promise<SettingsWriteResult & { name: string }> {
  const res = await writeSettings(repo, (text) => {
    const doc = settingsDocument(text);
    const list = doc.getIn(['serve', 'tokens'], true);
    const i = tokenNames(list).indexOf(opts.name);
    if (i < 0) throw new MetaError('NOT_FOUND', `meta.yaml lists no token named ${opts.name}; see them with 'meta settings get serve.tokens'`, { name: opts.name });
    (list as YAMLSeq).items.splice(i, 1);
    return doc.toString(SETTINGS_TEXT);
  }, `token remove ${opts.name}`);
  return { ...res, name: opts.name };
}
