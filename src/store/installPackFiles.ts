import { randomBytes } from 'node:crypto';
import { fsyncDir, unlinkIfPresent, writeAll, type SyncFs } from './fs.js';

export interface InstallPackOptions {
  /** fsync the pack and the idx before they are renamed into place. */
  fsync: boolean;
  /** Also fsync `packDir` afterwards: the new names are durable before anything refers to them. */
  syncDir?: boolean;
}

/**
 * Moves a pack written to `tmpPack` (a temp file in `packDir`) into place as `pack-<id>.pack`,
 * with `idx` beside it as `pack-<id>.idx`, the way git's index-pack and fast-import do: the idx
 * is written under a temp name too, both are made read-only (as git leaves them), and the
 * `.pack` is renamed first and the `.idx` last, so a reader that lists an idx always finds its
 * pack. On failure both temp files are removed.
 *
 * @example
 * installPackFiles(fs, `${gitdir}/objects/pack`, id, tmpPack, idxBytes, { fsync: true, syncDir: true });
 */
export function installPackFiles(fs: SyncFs, packDir: string, id: string, tmpPack: string, idx: Uint8Array, opts: InstallPackOptions): void {
  const tmpIdx = `${packDir}/tmp_idx_meta_${process.pid}_${randomBytes(6).toString('hex')}`;
  try {
    const fd = fs.openSync(tmpIdx, 'wx', 0o644);
    try {
      writeAll(fs, fd, idx);
      if (opts.fsync) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (opts.fsync) syncFile(fs, tmpPack);
    // Read-only after writing: memfs refuses writes to a 0444 file.
    fs.chmodSync?.(tmpIdx, 0o444);
    fs.chmodSync?.(tmpPack, 0o444);
    fs.renameSync(tmpPack, `${packDir}/pack-${id}.pack`);
    fs.renameSync(tmpIdx, `${packDir}/pack-${id}.idx`);
  } catch (e) {
    unlinkIfPresent(fs, tmpPack);
    unlinkIfPresent(fs, tmpIdx);
    throw e;
  }
  if (opts.syncDir) fsyncDir(fs, packDir);
}

function syncFile(fs: SyncFs, path: string): void {
  const fd = fs.openSync(path, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
