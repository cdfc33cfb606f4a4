/**
 * Appends a name to one of meta.yaml's declared lists (`channels:`, `environments:`), keeping
 * the list's style and the file's comments.
 */
import { isSeq, type Document } from 'yaml';
import { MetaError } from '../errors/MetaError.js';
import { SETTINGS_TEXT, settingsDocument } from './writeSettings.js';

/**
 * The text of meta.yaml with `name` appended to the list at `key` (created as `[name]` when
 * missing); unchanged when it is listed already.
 *
 * @example
 * withDeclared('channels: [stable]\n', 'channels', 'canary') // 'channels: [stable, canary]\n'
 */
export function withDeclared(text: string, key: 'channels' | 'environments', name: string): string {
  const doc: Document = settingsDocument(text);
  const list = doc.get(key, true);
  if (list === undefined || list === null || (typeof list === 'object' && 'value' in list && list.value === null)) {
    doc.set(key, doc.createNode([name], { flow: true }));
    return doc.toString(SETTINGS_TEXT);
  }
  if (!isSeq(list)) throw new MetaError('INVALID_ARGUMENT', `meta.yaml: ${key} must be a list; fix it with 'meta settings set ${key} <list>'`, { key });
  if (list.items.some((i) => (i as { value?: unknown }).value === name)) return text;
  list.items.push(doc.createNode(name));
  return doc.toString(SETTINGS_TEXT);
}
