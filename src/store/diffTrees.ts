import type { ObjectReader } from './ObjectReader.js';
import type { TreeEntry } from './gitObjects.js';

export type ChangeStatus = 'A' | 'M' | 'D' | 'T';

export interface Change {
  path: string;
  status: ChangeStatus;
  /** The new blob id (A, M, T) or the removed one (D). */
  oid: string;
  oldOid?: string;
}

/**
 * Lists the file changes between two trees, descending only into subtrees whose ids differ: an
 * append touches a handful of trees, so diffing a commit against its parent costs O(depth), not
 * O(repository).
 */
export function diffTrees(objects: ObjectReader, from: string | undefined, to: string | undefined, prefix = '', out: Change[] = []): Change[] {
  if (from === to) return out;
  const a = from ? objects.readTree(from) : [];
  const b = to ? objects.readTree(to) : [];
  const am = new Map<string, TreeEntry>(a.map((e) => [e.name, e]));
  for (const e of b) {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    const old = am.get(e.name);
    am.delete(e.name);
    const isDir = e.mode === '40000';
    if (!old) {
      if (isDir) diffTrees(objects, undefined, e.oid, path, out);
      else out.push({ path, status: 'A', oid: e.oid });
    } else if (old.oid !== e.oid || old.mode !== e.mode) {
      const wasDir = old.mode === '40000';
      if (isDir && wasDir) diffTrees(objects, old.oid, e.oid, path, out);
      else if (isDir) {
        out.push({ path, status: 'D', oid: old.oid });
        diffTrees(objects, undefined, e.oid, path, out);
      } else if (wasDir) {
        diffTrees(objects, old.oid, undefined, path, out);
        out.push({ path, status: 'A', oid: e.oid });
      } else out.push({ path, status: old.oid === e.oid ? 'T' : 'M', oid: e.oid, oldOid: old.oid });
    }
  }
  for (const old of am.values()) {
    const path = prefix ? `${prefix}/${old.name}` : old.name;
    if (old.mode === '40000') diffTrees(objects, old.oid, undefined, path, out);
    else out.push({ path, status: 'D', oid: old.oid });
  }
  return out;
}
