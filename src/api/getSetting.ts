/**
 * `meta settings get [<dotted.key>]`: meta.yaml's settings, or one of them, at a commit.
 */
import { MetaError } from '../errors/MetaError.js';
import { snapshotAt } from './lookup.js';
import { readMetaSettings } from './readMetaSettings.js';
import type { MetaRepo } from './openMeta.js';
import { parseSettingsKey } from './parseSettingsKey.js';

/** One setting (or all of them) and where it was read. */
export interface SettingValue {
  /** The dotted key asked for ('' for the whole file). */
  key: string;
  value: unknown;
  commit: string;
}

/**
 * Reads meta.yaml's settings at a commit (default: the tip): all of them, or the one a dotted
 * key names (NOT_FOUND when it is not set).
 *
 * @example
 * getSetting(repo, { key: 'channels' }).value // ['stable', 'beta']
 */
export function getSetting(repo: MetaRepo, opts: { key?: string; at?: string } = {}): SettingValue {
  const snap = snapshotAt(repo, opts.at);
  let value: unknown = readMetaSettings(snap);
  const key = opts.key ?? '';
  if (key !== '') {
    for (const p of parseSettingsKey(key)) {
      const here = value as Record<string | number, unknown> | unknown[] | null;
      const has = Array.isArray(here) ? typeof p === 'number' && p < here.length : here !== null && typeof here === 'object' && Object.prototype.hasOwnProperty.call(here, p);
      if (!has) throw new MetaError('NOT_FOUND', `meta.yaml has no setting ${key}; list them with 'meta settings get'`, { key });
      value = (here as Record<string | number, unknown>)[p];
    }
  }
  return { key, value, commit: snap.commit! };
}
