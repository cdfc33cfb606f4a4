import type { ObjectReader } from './ObjectReader.js';

/**
 * True when `ancestor` is `descendant` or lies on its single-parent chain: the one meaning of
 * "descends from" in boot-meta (pull, push, the follower, `?after=`). A meta history is one chain:
 * every commit after the first has exactly one parent. A merge lets a forged, parentless history
 * be joined to the real tip (every commit of the real history stays "an ancestor"), so a commit
 * with several parents ends the walk with false, as does a root or a commit missing locally (a
 * shallow clone's boundary) before `ancestor` is met.
 *
 * @example
 * if (!isSingleParentAncestor(objects, lastAccepted, remoteTip)) throw historyRewritten();
 */
export function isSingleParentAncestor(objects: ObjectReader, ancestor: string, descendant: string): boolean {
  for (let c: string | undefined = descendant; c; ) {
    if (c === ancestor) return true;
    if (!objects.has(c)) return false;
    const parents: string[] = objects.readCommit(c).parents;
    if (parents.length !== 1) return false;
    c = parents[0];
  }
  return false;
}

/**
 * The first-parent chain from `tip` back to (excluding) the first commit in `stop`, oldest first.
 *
 * @example
 * const unpushed = chainUntil(objects, localTip, (c) => isSingleParentAncestor(objects, c, remoteTip));
 */
export function chainUntil(objects: ObjectReader, tip: string, stop: (c: string) => boolean): string[] {
  const out: string[] = [];
  for (let c: string | undefined = tip; c && !stop(c); ) {
    if (!objects.has(c)) break;
    out.push(c);
    c = objects.readCommit(c).parents[0];
  }
  return out.reverse();
}
