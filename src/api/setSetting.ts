/**
 * `meta settings set <dotted.key> <yaml-value>`: one setting of meta.yaml, validated with the
 * whole file before it is written.
 */
import { isDeepStrictEqual } from 'node:util';
import { isCollection, isNode, isSeq, parseDocument, type Document } from 'yaml';
import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from './openMeta.js';
import { parseSettingsKey } from './parseSettingsKey.js';
import { SETTINGS_TEXT, settingsDocument, writeSettings, type SettingsWriteResult } from './writeSettings.js';

/**
 * Refuses a list position past the end of its list (`webhooks.5` of a two-item list): the
 * position equal to the length appends; anything further would leave holes.
 */
export function checkListPositions(doc: Document, path: readonly (string | number)[], key: string): void {
  for (let i = 0; i < path.length; i++) {
    const p = path[i];
    if (typeof p !== 'number') continue;
    const parent = doc.getIn(path.slice(0, i), true);
    const length = isSeq(parent) ? parent.items.length : parent === undefined || parent === null ? 0 : -1;
    if (length < 0) throw new MetaError('INVALID_ARGUMENT', `${path.slice(0, i).join('.')} is not a list, so ${key} names nothing`, { key });
    if (p > length) throw new MetaError('INVALID_ARGUMENT', `${path.slice(0, i).join('.')} has ${length} item(s): use a position from 0 to ${length} (${length} appends)`, { key, length });
  }
}

/** Whether a node of the document holds `value` (a node that cannot be read holds nothing comparable). */
function sameValue(node: unknown, value: unknown): boolean {
  try {
    return isDeepStrictEqual(isNode(node) ? node.toJSON() : node, value);
  } catch {
    return false;
  }
}

/**
 * Puts `value` at `path` in the document; a scalar in the way is an error naming the key.
 */
export function setIn(doc: Document, path: readonly (string | number)[], value: unknown, key: string): void {
  for (let i = 1; i < path.length; i++) {
    const above = doc.getIn(path.slice(0, i), true);
    if (above !== undefined && above !== null && !isCollection(above)) {
      throw new MetaError('INVALID_ARGUMENT', `${path.slice(0, i).join('.')} holds a single value, so ${key} names nothing inside it; set ${path.slice(0, i).join('.')} itself`, { key });
    }
  }
  doc.setIn(path, value);
}

/**
 * Sets one setting to a YAML value (`true`, `[stable, beta]`, `{name: ci, …}`) and commits
 * meta.yaml when the whole result is valid; nothing is written otherwise.
 *
 * @example
 * await setSetting(repo, { key: 'push', value: 'true' });
 * await setSetting(repo, { key: 'webhooks.0.url', value: 'https://hooks.example.com/meta' });
 */
export async function setSetting(repo: MetaRepo, opts: { key: string; value: string }): Promise<SettingsWriteResult & { key: string }> {
  const path = parseSettingsKey(opts.key);
  const valueDoc = parseDocument(opts.value);
  if (valueDoc.errors.length > 0) {
    throw new MetaError('INVALID_ARGUMENT', `the value for ${opts.key} is not valid YAML (${valueDoc.errors[0]!.message.split('\n')[0]}); quote it for the shell, e.g. '[stable, beta]'`, { key: opts.key });
  }
  let value: unknown;
  try {
    value = valueDoc.toJS();
  } catch (e) {
    throw new MetaError('INVALID_ARGUMENT', `the value for ${opts.key} cannot be read: ${(e as Error).message}`, { key: opts.key });
  }
  const res = await writeSettings(repo, (text) => {
    const doc = settingsDocument(text);
    checkListPositions(doc, path, opts.key);
    // The same value (however it is quoted) is no change: nothing to commit.
    if (sameValue(doc.getIn(path, true), value)) return text;
    // The value's own node keeps how it was written (a flow list stays [a, b]).
    setIn(doc, path, valueDoc.contents ?? null, opts.key);
    return doc.toString(SETTINGS_TEXT);
  }, `settings set ${opts.key}`);
  return { ...res, key: opts.key };
}
