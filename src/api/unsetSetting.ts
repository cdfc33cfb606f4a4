/**
 * `meta settings unset <dotted.key>`: removes one setting (or one list item) from meta.yaml.
 */
import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from './openMeta.js';
import { parseSettingsKey } from './parseSettingsKey.js';
import { SETTINGS_TEXT, settingsDocument, writeSettings, type SettingsWriteResult } from './writeSettings.js';

/**
 * Removes a setting (a list item shifts the later ones down) and commits meta.yaml when the
 * result is valid: `format`, say, cannot be removed. NOT_FOUND when it is not set.
 *
 * @example
 * await unsetSetting(repo, { key: 'webhooks.1' });
 */
export async function unsetSetting(repo: MetaRepo, opts: { key: string }): Promise<SettingsWriteResult & { key: string }> {
  const path = parseSettingsKey(opts.key);
  const res = await writeSettings(repo, (text) => {
    const doc = settingsDocument(text);
    let has = false;
    try {
      has = doc.hasIn(path);
    } catch { /* a scalar on the way: not set */ }
    if (!has) throw new MetaError('NOT_FOUND', `meta.yaml has no setting ${opts.key}; list them with 'meta settings get'`, { key: opts.key });
    doc.deleteIn(path);
    return doc.toString(SETTINGS_TEXT);
  }, `settings unset ${opts.key}`);
  return { ...res, key: opts.key };
}
