/**
 * The JSON store, and the binary store that wraps any file as `{"data": …}` in JSON.
 */
import { MetaError } from '../errors/MetaError.js';
import { parseJsonTree, writeJsonTree } from './jsonText.js';
import type { LoadedEncrypted, SopsStore } from './store.js';
import { toPlain, type SopsMap } from './tree.js';

function topLevelMap(text: string): SopsMap {
  const root = parseJsonTree(text);
  if (root.type !== 'map') throw new MetaError('INVALID_ARGUMENT', 'cannot read JSON: the top level must be an object; wrap the value in {"key": …}', {});
  return root;
}

function loadEncryptedJson(text: string): LoadedEncrypted {
  const branch = topLevelMap(text);
  const index = branch.items.findIndex((item) => item.key === 'sops');
  let metadata: unknown;
  if (index >= 0) {
    metadata = toPlain(branch.items[index]!.value);
    branch.items.splice(index, 1);
  }
  return { branches: [branch], metadata };
}

function emitEncryptedJson(branches: readonly SopsMap[], metadata: ReadonlyArray<readonly [string, unknown]>): string {
  return writeJsonTree(branches[0]!, [['sops', Object.fromEntries(metadata)]]) + '\n';
}

/** JSON files (`.json`). */
export const jsonStore: SopsStore = {
  format: 'json',
  loadEncrypted: loadEncryptedJson,
  loadPlain(input) {
    return [topLevelMap(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'))];
  },
  emitEncrypted: emitEncryptedJson,
  emitPlain(branches) {
    return writeJsonTree(branches[0]!) + '\n';
  },
};

/**
 * Any other file: the whole content is one value under `data`, as sops' binary store keeps it:
 * a string (`type:str`) holding the file's exact bytes, UTF-8 or not. Files that hold
 * `type:bytes`, as boot-meta once wrote them, still read.
 */
export const binaryStore: SopsStore = {
  format: 'binary',
  loadEncrypted: loadEncryptedJson,
  loadPlain(input) {
    const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Uint8Array.from(input);
    return [{ type: 'map', items: [{ key: 'data', value: { type: 'bytes', value: bytes } }] }];
  },
  emitEncrypted: emitEncryptedJson,
  emitPlain(branches) {
    const data = branches[0]?.items.find((item) => item.key === 'data')?.value;
    if (!data) throw new MetaError('INVALID_ARGUMENT', 'this binary SOPS file has no "data" key: decrypt it with its real format (--format yaml|json|dotenv)', {});
    if (data.type === 'bytes') return data.value;
    if (data.type === 'str') return Buffer.from(data.value, 'utf8');
    throw new MetaError('INVALID_ARGUMENT', 'the "data" value of this binary SOPS file is not a string', {});
  },
};
