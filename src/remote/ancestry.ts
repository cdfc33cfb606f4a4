import type { ObjectStore } from '../store/ObjectStore.js';

/**
 * True when `ancestor` is `descendant` or one of its ancestors. Walks the first-parent chain
 * first (all boot-meta writes), then every parent when the history has merges. Commits missing
 * locally (a shallow clone's boundary) end the walk.
 */
export function isAncestor(objects: ObjectStore, ancestor: string, descendant: string): boolean {
  if (ancestor === descendant) return true;
  let merges = false;
  for (let c: string | undefined = descendant; c; ) {
    if (c === ancestor) return true;
    if (!objects.has(c)) break;
    const parents: string[] = objects.readCommit(c).parents;
    if (parents.length > 1) merges = true;
    c = parents[0];
  }
  if (!merges) return false;
  const seen = new Set<string>();
  const todo = [descendant];
  while (todo.length) {
    const c = todo.pop()!;
    if (c === ancestor) return true;
    if (seen.has(c) || !objects.has(c)) continue;
    seen.add(c);
    todo.push(...objects.readCommit(c).parents);
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
