import type { TreeEntry } from './gitObjects.js';

/**
 * Parsed trees by object id, least recently used out first, bounded by the total number of
 * entries rather than of trees: a shard folder has hundreds of entries and the root a handful, so
 * a count bound let a log-index build over 10k commits hold ~370 MB of trees.
 */
export class TreeCache {
  private readonly map = new Map<string, TreeEntry[]>();
  private used = 0;

  constructor(private readonly maxEntries: number) {}

  get(oid: string): TreeEntry[] | undefined {
    const t = this.map.get(oid);
    if (t !== undefined) {
      this.map.delete(oid);
      this.map.set(oid, t);
    }
    return t;
  }

  set(oid: string, tree: TreeEntry[]): void {
    const weight = tree.length + 1;
    if (weight > this.maxEntries) return;
    const old = this.map.get(oid);
    if (old) {
      this.map.delete(oid);
      this.used -= old.length + 1;
    }
    this.map.set(oid, tree);
    this.used += weight;
    while (this.used > this.maxEntries) {
      const [k, v] = this.map.entries().next().value as [string, TreeEntry[]];
      this.map.delete(k);
      this.used -= v.length + 1;
    }
  }
}
