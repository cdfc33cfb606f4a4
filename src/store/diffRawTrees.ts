import type { ObjectReader } from './ObjectReader.js';
import type { Change } from './diffTrees.js';

const EMPTY = Buffer.alloc(0);

/**
 * Raw tree bytes by id, for the trees of the last few commits: a history walk diffs each tree
 * twice (as new, then as old) and looks paths up in the trees it just diffed. Two generations
 * bounded in bytes, so memory stays flat whatever the history's length, and no tree is parsed.
 */
export class RawTrees {
  private cur = new Map<string, Buffer>();
  private prev = new Map<string, Buffer>();
  private curBytes = 0;
  constructor(private readonly objects: ObjectReader, private readonly generationBytes = 16 * 1024 * 1024) {}

  get(oid: string): Buffer {
    let b = this.cur.get(oid);
    if (b) return b;
    b = this.prev.get(oid);
    if (!b) {
      const d = this.objects.read(oid, 'tree').data;
      b = Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
    }
    this.cur.set(oid, b);
    this.curBytes += b.length + 64;
    if (this.curBytes > this.generationBytes) {
      this.prev = this.cur;
      this.cur = new Map();
      this.curBytes = 0;
    }
    return b;
  }

  /**
   * The blob or tree id at `path` below the tree `root` (a file's path: every folder on the way
   * must be a tree), or undefined when nothing is there: Snapshot#entry without parsing a tree.
   */
  entry(root: string | undefined, path: string): string | undefined {
    let oid = root;
    let from = 0;
    while (oid !== undefined) {
      const slash = path.indexOf('/', from);
      const name = slash < 0 ? path.slice(from) : path.slice(from, slash);
      const hit = findRaw(this.get(oid), name);
      if (!hit) return undefined;
      if (slash < 0) return hit.oid;
      if (!hit.dir) return undefined;
      oid = hit.oid;
      from = slash + 1;
    }
    return undefined;
  }
}

/** Linear scan of one raw tree for `name` (trees of this layout are small: shards). */
function findRaw(buf: Buffer, name: string): { oid: string; dir: boolean } | undefined {
  const key = Buffer.from(name, 'utf8');
  const n = key.length;
  for (let i = 0; i < buf.length; ) {
    const sp = buf.indexOf(0x20, i);
    const nul = buf.indexOf(0, sp);
    if (sp < 0 || nul < 0) return undefined;
    if (nul - sp - 1 === n && sameBytes(buf, sp + 1, key, 0, n)) return { oid: buf.toString('hex', nul + 1, nul + 21), dir: isDirMode(buf, i, sp) };
    i = nul + 21;
  }
  return undefined;
}

function isDirMode(buf: Buffer, p: number, sp: number): boolean {
  // "40000" (git) or "040000" (some old tools)
  return (sp - p === 5 && buf[p] === 0x34) || (sp - p === 6 && buf[p] === 0x30 && buf[p + 1] === 0x34);
}

function sameBytes(a: Buffer, as: number, b: Buffer, bs: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (a[as + k] !== b[bs + k]) return false;
  return true;
}

/** git's base_name_compare: bytes, with a directory compared as if its name ended in '/'. */
function compareNames(a: Buffer, as: number, ae: number, aDir: boolean, b: Buffer, bs: number, be: number, bDir: boolean): number {
  const la = ae - as;
  const lb = be - bs;
  const n = la < lb ? la : lb;
  // Plain loops: Buffer#compare with offsets validates its arguments on every call, which cost more than the compare.
  for (let k = 0; k < n; k++) {
    const d = a[as + k]! - b[bs + k]!;
    if (d !== 0) return d;
  }
  const ca = la > n ? a[as + n]! : aDir ? 0x2f : 0;
  const cb = lb > n ? b[bs + n]! : bDir ? 0x2f : 0;
  return ca - cb;
}

/**
 * The same result as diffTrees (diffTrees.ts), computed on the raw tree bytes as a merge of two
 * sorted lists: entries equal in both trees (all but a handful per append) cost a byte compare,
 * never a parsed object or a string. The log index and verify diff every commit of the history,
 * so this is their inner loop.
 */
export function diffRawTrees(trees: RawTrees, from: string | undefined, to: string | undefined, prefix: string, out: Change[]): void {
  if (from === to) return;
  const a = from ? trees.get(from) : EMPTY;
  const b = to ? trees.get(to) : EMPTY;
  let i = 0;
  let j = 0;
  let asp = 0, anul = 0, bsp = 0, bnul = 0;
  let aDir = false, bDir = false;
  const path = (buf: Buffer, s: number, e: number) => (prefix ? `${prefix}/${buf.toString('utf8', s, e)}` : buf.toString('utf8', s, e));
  const hex = (buf: Buffer, nul: number) => buf.toString('hex', nul + 1, nul + 21);
  const removed = (p: string, dir: boolean, oid: string) => {
    if (dir) diffRawTrees(trees, oid, undefined, p, out);
    else out.push({ path: p, status: 'D', oid });
  };
  const added = (p: string, dir: boolean, oid: string) => {
    if (dir) diffRawTrees(trees, undefined, oid, p, out);
    else out.push({ path: p, status: 'A', oid });
  };
  while (i < a.length || j < b.length) {
    if (i < a.length) {
      asp = a.indexOf(0x20, i);
      anul = a.indexOf(0, asp);
      aDir = isDirMode(a, i, asp);
    }
    if (j < b.length) {
      bsp = b.indexOf(0x20, j);
      bnul = b.indexOf(0, bsp);
      bDir = isDirMode(b, j, bsp);
    }
    const cmp = i >= a.length ? 1 : j >= b.length ? -1 : compareNames(a, asp + 1, anul, aDir, b, bsp + 1, bnul, bDir);
    if (cmp === 0) {
      const sameOid = sameBytes(a, anul + 1, b, bnul + 1, 20);
      const sameMode = asp - i === bsp - j && sameBytes(a, i, b, j, asp - i);
      if (!sameOid || !sameMode) {
        const p = path(b, bsp + 1, bnul);
        const oldOid = hex(a, anul);
        const oid = hex(b, bnul);
        if (aDir && bDir) diffRawTrees(trees, oldOid, oid, p, out);
        else if (bDir) {
          out.push({ path: p, status: 'D', oid: oldOid });
          added(p, true, oid);
        } else if (aDir) {
          removed(p, true, oldOid);
          out.push({ path: p, status: 'A', oid });
        } else out.push({ path: p, status: sameOid ? 'T' : 'M', oid, oldOid });
      }
      i = anul + 21;
      j = bnul + 21;
    } else if (cmp < 0) {
      removed(path(a, asp + 1, anul), aDir, hex(a, anul));
      i = anul + 21;
    } else {
      added(path(b, bsp + 1, bnul), bDir, hex(b, bnul));
      j = bnul + 21;
    }
  }
}
