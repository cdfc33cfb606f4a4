import { isMetaError, MetaError } from '../errors/MetaError.js';
import type { RawObject } from './gitObjects.js';
import { applyDelta, MAX_DELTA_CHAIN } from './packDelta.js';
import { OBJ_OFS_DELTA, PACK_TYPE_NAMES } from './packEntryHeader.js';
import { MAX_READ_SIZE, type PackFile } from './PackFile.js';

/** What the delta-chain walk needs from the pack set it reads in. */
export interface DeltaChainContext {
  /** A base already reconstructed at `offset` of `pack` (the set's byte-bounded cache). */
  cached(pack: PackFile, offset: number): RawObject | undefined;
  /** Keeps a reconstructed intermediate object: it is the base of the next link. */
  remember(pack: PackFile, offset: number, obj: RawObject): void;
  /** The pack and offset holding `oid`, in any pack of the set. */
  locate(oid: string): { pack: PackFile; offset: number } | undefined;
  /** A REF_DELTA base no pack holds (a loose object, an alternate's pack), or undefined. */
  external(oid: string): RawObject | undefined;
}

interface PendingDelta {
  pack: PackFile;
  offset: number;
  delta: Uint8Array;
}

/**
 * Reconstructs the object at `offset` of `pack`: walk down the delta chain (collecting inflated deltas)
 * until a full object or a cached base, then apply the deltas back up, caching each
 * intermediate result since it is the base of the next one. Iterative, not recursive: a
 * REF_DELTA base in another pack just moves the walk there, so no chain depth blows the stack.
 * `shared`: the result may be the cache's own buffer (the caller only reads it).
 *
 * @example
 * const obj = resolveDeltaChain(ctx, pack, pack.index.offsetAt(i), false);
 */
export function resolveDeltaChain(ctx: DeltaChainContext, pack: PackFile, offset: number, shared: boolean): RawObject {
  const deltas: PendingDelta[] = [];
  let curPack = pack;
  let curOff = offset;
  let base: RawObject;
  for (;;) {
    const cached = ctx.cached(curPack, curOff);
    if (cached) {
      // A hit on the requested object itself is copied unless the caller promised not to write.
      base = deltas.length === 0 && !shared ? { type: cached.type, data: cached.data.slice() } : cached;
      break;
    }
    if (deltas.length > MAX_DELTA_CHAIN) throw curPack.corrupt(curOff, 'delta chain too long (cycle?)');
    const hdr = curPack.entryHeader(curOff);
    const data = curPack.inflate(curOff, hdr);
    const typeName = PACK_TYPE_NAMES[hdr.type];
    if (typeName) {
      base = { type: typeName, data };
      if (deltas.length > 0) ctx.remember(curPack, curOff, base);
      break;
    }
    deltas.push({ pack: curPack, offset: curOff, delta: data });
    if (hdr.type === OBJ_OFS_DELTA) {
      curOff = hdr.baseOffset!;
      continue;
    }
    // REF_DELTA: the base is named by oid; git looks in the same pack first, then everywhere.
    const baseOid = hdr.baseOid!;
    const same = curPack.index.find(Buffer.from(baseOid, 'hex'));
    if (same >= 0) {
      curOff = curPack.index.offsetAt(same);
      continue;
    }
    const other = ctx.locate(baseOid);
    if (other) {
      curPack = other.pack;
      curOff = other.offset;
      continue;
    }
    const external = ctx.external(baseOid);
    if (!external) {
      throw new MetaError(
        'CORRUPT_RECORD',
        `pack ${curPack.packPath} at offset ${curOff}: delta base ${baseOid} is in no pack and not resolvable externally`,
        { pack: curPack.packPath, offset: curOff, baseOid },
      );
    }
    base = external;
    break;
  }
  for (let i = deltas.length - 1; i >= 0; i--) {
    const d = deltas[i]!;
    let data: Uint8Array;
    try {
      data = applyDelta(base.data, d.delta, MAX_READ_SIZE);
    } catch (e) {
      if (!isMetaError(e)) throw e;
      throw new MetaError(
        'CORRUPT_RECORD',
        `corrupt pack ${d.pack.packPath} at offset ${d.offset}: ${e.message}`,
        { ...e.data, pack: d.pack.packPath, offset: d.offset },
        { cause: e },
      );
    }
    base = { type: base.type, data };
    if (i > 0) ctx.remember(d.pack, d.offset, base);
  }
  return base;
}
