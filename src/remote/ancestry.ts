import type { ObjectStore } from '../store/ObjectStore.js';

/**
 * True when `ancestor` is `descendant` or lies on its single-parent chain. A meta history is one
 * chain: every commit after the first has exactly one parent. A merge lets a forged, parentless
 * history be joined to the real tip (every commit of the real history stays "an ancestor"), so
 * a commit with several parents ends the walk with false, as does a root or a commit missing
 * locally (a shallow clone's boundary) before `ancestor` is met.
 */
export function isAncestor(objects: ObjectStore, ancestor: string, descendant: string): boolean {
  for (let c: string | undefined = descendant; c; ) {
    if (c === ancestor) return true;
    if (!objects.has(c)) return false;
    const parents: string[] = objects.readCommit(c).parents;
    if (parents.length !== 1) return false;
    c = parents[0];
  }
  return false;
}

/** The first-parent chain from `tip` back to (excluding) the first commit in `stop`, oldest first. */
export function chainUntil(objects: ObjectStore, tip: string, stop: (c: string) => boolean): string[] {
  const out: string[] = [];
  for (let c: string | undefined = tip; c && !stop(c); ) {
    if (!objects.has(c)) break;
    out.push(c);
    c = objects.readCommit(c).parents[0];
  }
  return out.reverse();
}
