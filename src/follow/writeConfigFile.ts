import { constants, promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute } from 'node:path';
import { MetaError } from '../errors/MetaError.js';

/**
 * Writes `text` to `path` atomically: a temporary file in the same directory (created
 * exclusively, so never through a link), fsync, rename over the target, fsync the directory. A
 * target that is a symbolic link or not a regular file is refused: the follower writes exactly
 * the path it was given, never where a link points. Returns false when the file already holds
 * `text` (nothing written).
 *
 * @example
 * await writeConfigFile('/etc/app/config.json', '{"LOG_LEVEL":"info"}\n', 0o600);
 */
export async function writeConfigFile(path: string, text: string, mode: number): Promise<boolean> {
  if (!isAbsolute(path)) throw new MetaError('INVALID_ARGUMENT', 'the config or flags file must be an absolute path', {});
  const st = await fsp.lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new MetaError('IO', `cannot read the config file's status: ${e.code ?? e.message}`, {});
  });
  if (st?.isSymbolicLink()) throw new MetaError('PRECONDITION_FAILED', 'the --config-file/--flags-file path is a symbolic link; meta follow writes only the path given, never through a link: remove the link or give the real path', {});
  if (st && !st.isFile()) throw new MetaError('PRECONDITION_FAILED', 'the --config-file/--flags-file path exists and is not a regular file; give a file path', {});
  if (st && (st.mode & 0o777) === mode) {
    // O_NOFOLLOW: a link put there since the lstat is not read through.
    const same = await fsp.readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW }).then((t) => t === text, () => false);
    if (same) return false;
  }
  const dir = dirname(path);
  const tmp = `${dir}/.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`;
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    await fh.writeFile(text);
    await fh.chmod(mode);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, path);
  } catch (e) {
    await fh?.close().catch(() => {});
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw new MetaError('IO', `cannot write the config or flags file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {}, { cause: e });
  }
  const d = await fsp.open(dir, constants.O_RDONLY).catch(() => undefined);
  await d?.sync().catch(() => {});
  await d?.close();
  return true;
}
