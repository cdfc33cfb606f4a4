import type { ObjectReader } from '../store/ObjectReader.js';

/**
 * The objects a remote at `remoteTip` lacks to reach `tip`: the commits in between, and for each,
 * only the trees and blobs that differ from its first parent (an append changes a handful).
 * Listing every object of the merge base's whole tree instead (the simple way to compute a push)
 * would cost O(repository) per push.
 *
 * Linear histories (what boot-meta writes) stop at `remoteTip` on the first-parent chain; a merge
 * made with plain git falls back to subtracting everything reachable from `remoteTip`.
 *
 * @example
 * const pack = writePack(objectsToSend(objects, localTip, remoteTip).map((oid) => objects.read(oid)));
 */
export function objectsToSend(objects: ObjectReader, tip: string, remoteTip: string | undefined): string[] {
  const commits: string[] = [];
  let linear = true;
  for (let c: string | undefined = tip; c && c !== remoteTip; ) {
    if (!objects.has(c)) break; // shallow boundary: the remote has it
    commits.push(c);
    const parents: string[] = objects.readCommit(c).parents;
    if (parents.length > 1) {
      linear = false;
      break;
    }
    c = parents[0];
  }
  const list = linear ? commits : generalWalk(objects, tip, remoteTip);
  const out = new Set<string>();
  for (const c of list) {
    out.add(c);
    const commit = objects.readCommit(c);
    const p = commit.parents[0];
    const parentTree = p && objects.has(p) ? objects.readCommit(p).tree : undefined;
    newTreeObjects(objects, parentTree, commit.tree, out);
  }
  return [...out];
}

function generalWalk(objects: ObjectReader, tip: string, remoteTip: string | undefined): string[] {
  const remoteHas = new Set<string>();
  const stack = remoteTip ? [remoteTip] : [];
  while (stack.length) {
    const c = stack.pop()!;
    if (remoteHas.has(c) || !objects.has(c)) continue;
    remoteHas.add(c);
    stack.push(...objects.readCommit(c).parents);
  }
  const out: string[] = [];
  const seen = new Set<string>();
  const todo = [tip];
  while (todo.length) {
    const c = todo.pop()!;
    if (seen.has(c) || remoteHas.has(c) || !objects.has(c)) continue;
    seen.add(c);
    out.push(c);
    todo.push(...objects.readCommit(c).parents);
  }
  return out;
}

function newTreeObjects(objects: ObjectReader, from: string | undefined, to: string, out: Set<string>): void {
  if (from === to || out.has(to)) return;
  out.add(to);
  const old = new Map<string, { mode: string; oid: string }>();
  if (from) for (const e of objects.readTree(from)) old.set(e.name, e);
  for (const e of objects.readTree(to)) {
    const o = old.get(e.name);
    if (o && o.oid === e.oid) continue;
    if (e.mode === '40000') newTreeObjects(objects, o && o.mode === '40000' ? o.oid : undefined, e.oid, out);
    else if (e.mode !== '160000') out.add(e.oid);
  }
}
