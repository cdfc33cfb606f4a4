import { parseCommit, type Commit, type ObjectType, type RawObject } from './gitObjects.js';
import type { ObjectReader } from './ObjectReader.js';
import { diffRawTrees, RawTrees } from './diffRawTrees.js';
import type { HistoryWalk } from './Repository.js';
import type { Change } from './diffTrees.js';

/**
 * The store's {@link HistoryWalk}: commits parsed straight from their bytes (a long history would
 * only fill and evict the object store's commit cache), trees diffed on their raw bytes through
 * one {@link RawTrees}, so the trees the last commits shared are read once.
 *
 * @example
 * const walk = new ObjectHistoryWalk(objects);
 * walk.commit(tip)?.parents;
 */
export class ObjectHistoryWalk implements HistoryWalk {
  private readonly trees: RawTrees;

  constructor(private readonly objects: ObjectReader) {
    this.trees = new RawTrees(objects);
  }

  commit(oid: string): Commit | undefined {
    const raw = this.objects.tryRead(oid);
    if (raw && raw.type !== 'commit') this.objects.read(oid, 'commit');
    return raw ? parseCommit(raw.data) : undefined;
  }

  diff(from: string | undefined, to: string | undefined, out: Change[]): void {
    diffRawTrees(this.trees, from, to, '', out);
  }

  entry(root: string, path: string): string | undefined {
    return this.trees.entry(root, path);
  }

  has(oid: string): boolean {
    return this.objects.has(oid);
  }

  tryRead(oid: string): RawObject | undefined {
    return this.objects.tryRead(oid);
  }

  read(oid: string, expected?: ObjectType): RawObject {
    return this.objects.read(oid, expected);
  }
}
