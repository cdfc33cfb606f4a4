import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { deflateSync } from 'node:zlib';
import { isMetaError } from '../../src/errors/MetaError.js';
import { indexPack } from '../../src/remote/indexPack.js';
import { Store } from '../../src/store/Store.js';
import { fsck, git, META_BIN, tempDir } from '../helpers/diskRepo.js';
import { startGitHttpServer, type GitHttpServer } from '../helpers/gitHttpServer.js';

/**
 * A hostile remote sends a pack built to hurt the indexer: a delta chain thousands deep (a
 * recursive resolver overflows the stack), an entry or a delta declaring a 4 GiB object (an
 * allocation the size of the claim), a header claiming billions of objects. The packs here are
 * written byte by byte, `git index-pack` shows which of them are valid packs, and a real
 * `git http-backend` serves them (its pack-objects replaced by a hook that sends the file as it
 * is). The clone must end in a clean result or a clean REMOTE error, never a crash.
 */

const OBJ = { commit: 1, tree: 2, blob: 3, tag: 4, ofs: 6, ref: 7 } as const;
const CHAIN = 5000;
/** Address space for a `meta` process: room for its normal work, none for a 4 GiB buffer. */
const ULIMIT_KB = 3_000_000;

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();
const blobId = (data: Buffer) => sha1(Buffer.concat([Buffer.from(`blob ${data.length}\0`), data])).toString('hex');

function entryHeader(type: number, size: number): Buffer {
  const out = [((size > 15 ? 0x80 : 0) | (type << 4) | (size % 16))];
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    out.push((rest > 127 ? 0x80 : 0) | (rest % 128));
    rest = Math.floor(rest / 128);
  }
  return Buffer.from(out);
}

/** git's OFS_DELTA distance encoding (big-endian base-128, each continuation adding one). */
function ofsDistance(rel: number): Buffer {
  const out = [rel & 127];
  while ((rel >>= 7) > 0) out.unshift(0x80 | (--rel & 127));
  return Buffer.from(out);
}

function sizeVarint(n: number): Buffer {
  const out: number[] = [];
  do {
    out.push((n >= 128 ? 0x80 : 0) | (n % 128));
    n = Math.floor(n / 128);
  } while (n > 0);
  return Buffer.from(out);
}

/** A pack being written entry by entry; `finish` adds the count and the trailing checksum. */
class PackBuilder {
  private readonly parts: Buffer[] = [];
  private pos = 12;
  count = 0;
  private push(b: Buffer): number {
    const at = this.pos;
    this.parts.push(b);
    this.pos += b.length;
    this.count++;
    return at;
  }
  whole(type: number, data: Buffer): number {
    return this.push(Buffer.concat([entryHeader(type, data.length), deflateSync(data)]));
  }
  /** An entry whose header declares `size` bytes whatever its (tiny) zlib stream holds. */
  lying(type: number, size: number, data: Buffer): number {
    return this.push(Buffer.concat([entryHeader(type, size), deflateSync(data)]));
  }
  ofsDelta(baseAt: number, delta: Buffer): number {
    return this.push(Buffer.concat([entryHeader(OBJ.ofs, delta.length), ofsDistance(this.pos - baseAt), deflateSync(delta)]));
  }
  refDelta(baseOid: string, delta: Buffer): number {
    return this.push(Buffer.concat([entryHeader(OBJ.ref, delta.length), Buffer.from(baseOid, 'hex'), deflateSync(delta)]));
  }
  finish(path: string): void {
    const head = Buffer.alloc(12);
    head.write('PACK', 0, 'latin1');
    head.writeUInt32BE(2, 4);
    head.writeUInt32BE(this.count, 8);
    const body = Buffer.concat([head, ...this.parts]);
    fs.writeFileSync(path, Buffer.concat([body, sha1(body)]));
  }
}

/** Every object of `gitdir` as a whole entry: the pack then holds everything the tip needs. */
function addRepository(pack: PackBuilder, gitdir: string): void {
  const oids = git(['--git-dir', gitdir, 'rev-list', '--objects', '--all']).trim().split('\n').map((l) => l.slice(0, 40));
  const out = spawnSync('git', ['--git-dir', gitdir, 'cat-file', '--batch'], { input: `${oids.join('\n')}\n`, maxBuffer: 1 << 28 }).stdout;
  let p = 0;
  while (p < out.length) {
    const nl = out.indexOf(10, p);
    const [, type, size] = out.toString('latin1', p, nl).split(' ');
    const data = out.subarray(nl + 1, nl + 1 + Number(size));
    pack.whole(OBJ[type as 'commit' | 'tree' | 'blob' | 'tag'], Buffer.from(data));
    p = nl + 1 + Number(size) + 1;
  }
}

const PREFIX = Buffer.from('a link of a long delta chain\n'.repeat(4));
const link = (i: number) => Buffer.concat([PREFIX, Buffer.from(`#${String(i).padStart(6, '0')}\n`)]);

/** Delta making link(i) from link(i-1): copy the shared prefix, insert the number line. */
function linkDelta(i: number): Buffer {
  const target = link(i);
  const tail = target.subarray(PREFIX.length);
  return Buffer.concat([sizeVarint(link(i - 1).length), sizeVarint(target.length), Buffer.from([0x90, PREFIX.length]), Buffer.from([tail.length]), tail]);
}

/** A chain of `depth` deltas on one blob, alternating REF_DELTA and OFS_DELTA links. */
function addChain(pack: PackBuilder, depth: number): string[] {
  const ids = [blobId(link(0))];
  let prevAt = pack.whole(OBJ.blob, link(0));
  for (let i = 1; i <= depth; i++) {
    prevAt = i % 2 === 0 ? pack.refDelta(ids[i - 1]!, linkDelta(i)) : pack.ofsDelta(prevAt, linkDelta(i));
    ids.push(blobId(link(i)));
  }
  return ids;
}

function meta(args: string[], opts: { ulimitKb?: number } = {}) {
  const env = { ...process.env, META_ACTOR: 'sec <sec@example.com>' };
  const r = opts.ulimitKb
    ? spawnSync('sh', ['-c', `ulimit -v ${opts.ulimitKb} && exec "$0" "$@"`, process.execPath, META_BIN, ...args], { encoding: 'utf8', env })
    : spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', env });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

describe('hostile packs from a remote', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: GitHttpServer;
  let src: string;
  let tip: string;

  /** Serves `<name>.git` (a copy of the source repository) whose upload-pack sends `pack` as it is. */
  function serve(name: string, pack: string): string {
    const repo = `${tmp.dir}/root/${name}.git`;
    git(['clone', '-q', '--bare', src, repo]);
    fs.copyFileSync(pack, `${repo}/hostile.pack`);
    return server.url(`${name}.git`);
  }

  beforeAll(async () => {
    tmp = tempDir('meta-sec-hostile-pack-');
    fs.mkdirSync(`${tmp.dir}/root`);
    src = `${tmp.dir}/src.git`;
    const store = Store.init({ fs, dir: src });
    // A meta repository's first commit holds meta.yaml (clone refuses anything else).
    await store.append(() => ({ files: [{ path: 'meta.yaml', data: Buffer.from('format: 1\n') }], message: 'init' }), { actor: 'sec <sec@example.com>' });
    for (let k = 0; k < 3; k++) await store.append(() => ({ files: [{ path: `records/r${k}.pb`, data: Buffer.from(`record ${k}\n`) }], message: `record ${k}` }), { actor: 'sec <sec@example.com>' });
    tip = store.tip()!;
    store.close();
    // The hook stands in for pack-objects: it swallows the object list and sends the repository's
    // hostile.pack, whatever was asked for. Only protected config may set it: the server passes
    // it in the command-line scope.
    fs.writeFileSync(`${tmp.dir}/send-pack.sh`, 'cat >/dev/null\nexec cat "${GIT_DIR:-.}/hostile.pack"\n');
    server = await startGitHttpServer({ root: `${tmp.dir}/root`, config: { 'uploadpack.packObjectsHook': `sh ${tmp.dir}/send-pack.sh` } });
  });
  afterAll(async () => {
    await server?.close();
    tmp.cleanup();
  });

  it(`clones from a pack whose delta chain is ${CHAIN} deep (git accepts it), and reads its deepest object`, () => {
    const pack = new PackBuilder();
    addRepository(pack, src);
    const chain = addChain(pack, CHAIN);
    const file = `${tmp.dir}/chain.pack`;
    pack.finish(file);
    // A valid pack: git indexes it, and reports the chain depth.
    git(['index-pack', '-o', `${tmp.dir}/chain.idx`, file]);
    expect(git(['verify-pack', '-v', `${tmp.dir}/chain.idx`])).toMatch(new RegExp(`chain length = ${CHAIN}: 1 object`));
    const url = serve('chain', file);

    const dir = `${tmp.dir}/chain-clone.git`;
    const r = meta(['clone', url, dir, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).commit).toBe(tip);
    expect(fsck(dir).status).toBe(0);
    // Our pack reader walks the whole chain too (iteratively), as git does.
    const store = Store.open({ fs, dir });
    try {
      expect(Buffer.from(store.objects.read(chain[CHAIN]!, 'blob').data)).toEqual(link(CHAIN));
      expect(Buffer.from(store.objects.read(chain[CHAIN >> 1]!, 'blob').data)).toEqual(link(CHAIN >> 1));
      expect(Buffer.from(store.snapshot().read('records/r2.pb')!).toString()).toBe('record 2\n');
    } finally {
      store.close();
    }
    expect(git(['--git-dir', dir, 'cat-file', 'blob', chain[CHAIN]!])).toBe(link(CHAIN).toString());
  }, 120_000);

  it('refuses an entry that declares a 4 GiB object, without allocating it', () => {
    const pack = new PackBuilder();
    addRepository(pack, src);
    pack.lying(OBJ.blob, 2 ** 32 - 1, Buffer.from('tiny'));
    const file = `${tmp.dir}/huge-entry.pack`;
    pack.finish(file);
    const url = serve('huge-entry', file);
    const dir = `${tmp.dir}/huge-entry-clone.git`;
    // The process could not even hold a 4 GiB buffer: an attempt to allocate one would crash it.
    const r = meta(['clone', url, dir], { ulimitKb: ULIMIT_KB });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(9);
    expect(r.err).toMatch(/refused: the entry at offset \d+ declares 4294967295 bytes, over the limit of 256 MiB/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('refuses a delta that declares a 4 GiB result, without allocating it', () => {
    const pack = new PackBuilder();
    addRepository(pack, src);
    const base = Buffer.alloc(65536, 0x61);
    const baseAt = pack.whole(OBJ.blob, base);
    // 65535 one-byte copy ops of 64 KiB each: a well-formed delta for a 4 GiB - 64 KiB blob.
    const ops = 65535;
    pack.ofsDelta(baseAt, Buffer.concat([sizeVarint(base.length), sizeVarint(ops * 65536), Buffer.alloc(ops, 0x80)]));
    const file = `${tmp.dir}/huge-delta.pack`;
    pack.finish(file);
    const url = serve('huge-delta', file);
    const dir = `${tmp.dir}/huge-delta-clone.git`;
    const r = meta(['clone', url, dir], { ulimitKb: ULIMIT_KB });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(9);
    expect(r.err).toMatch(/refused: the delta at offset \d+ declares a 4294901760-byte result, over the limit of 256 MiB/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('refuses a header claiming more objects than the file can hold, before sizing any table', () => {
    const file = `${tmp.dir}/count.pack`;
    const pack = new PackBuilder();
    pack.whole(OBJ.blob, Buffer.from('one\n'));
    pack.finish(file);
    const bytes = fs.readFileSync(file);
    bytes.writeUInt32BE(0xffffffff, 8);
    fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, -20), sha1(bytes.subarray(0, -20))]));
    let error: unknown;
    try {
      indexPack(fs as never, file);
    } catch (e) {
      error = e;
    }
    expect(isMetaError(error, 'REMOTE')).toBe(true);
    expect((error as Error).message).toMatch(/4294967295 objects, more than \d+ bytes can hold/);
  });

  it('bounds the bytes a pack inflates to, the bases a chain holds, and the chain depth', () => {
    const file = `${tmp.dir}/bounds.pack`;
    const pack = new PackBuilder();
    addChain(pack, 300);
    pack.finish(file);
    // The defaults leave such a pack far inside every bound.
    expect(indexPack(fs as never, file).count).toBe(301);
    const refused = (opts: Parameters<typeof indexPack>[2], why: RegExp): void => {
      let error: unknown;
      try {
        indexPack(fs as never, file, opts);
      } catch (e) {
        error = e;
      }
      expect(isMetaError(error, 'REMOTE')).toBe(true);
      expect((error as Error).message).toMatch(why);
    };
    refused({ maxInflated: 10_000 }, /inflate to more than 10000 bytes/);
    refused({ maxHeld: 10_000 }, /holds more than 10000 bytes of bases/);
    refused({ maxObjectSize: 100 }, /declares \d+ bytes, over the limit of 100 bytes/);
    refused({ maxObjects: 300 }, /it holds 301 objects, over the limit of 300 objects/);

    // Deeper than any reader should walk (git writes at most 4095): refused, not resolved.
    const deep = `${tmp.dir}/deep.pack`;
    const p2 = new PackBuilder();
    addChain(p2, 10_001);
    p2.finish(deep);
    let error: unknown;
    try {
      indexPack(fs as never, deep);
    } catch (e) {
      error = e;
    }
    expect(isMetaError(error, 'REMOTE')).toBe(true);
    expect((error as Error).message).toMatch(/delta chain is more than 10000 deep/);
  }, 60_000);
});
