import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as nodeFs from 'node:fs';
import { fsyncDir, type SyncFs } from '../store/fs.js';
import { spawn } from 'node:child_process';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MetaError } from '../errors/MetaError.js';
import type { ResolvedBinary } from '../api/resolveBinary.js';
import { checkVersion } from '../records/names.js';
import { downloadVerified, fileDigest } from './downloadVerified.js';
import { checkBinaryName } from './validateAnswer.js';

export interface InstallOptions {
  installDir: string;
  /** File name of the binary inside `releases/<version>/` (default: the project's last segment). */
  binaryName?: string;
  onProgress?: (bytes: number, total: number) => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Only these of the binary's locations, in this order (default: all of them). */
  locations?: string[];
  /** Told of every location that failed, before the next one is tried. */
  onLocationError?: (location: string, error: MetaError) => void;
}

export interface Installed {
  version: string;
  /** `<install-dir>/releases/<version>/<name>` */
  path: string;
  /** What `current` pointed at before (relative link target), for switching back. */
  previousTarget: string | undefined;
  /** True when a verified copy was already there and nothing was downloaded. */
  reused: boolean;
}

/** The `current` symlink's target (relative, e.g. `releases/1.4.2`), or undefined. */
export async function currentTarget(installDir: string): Promise<string | undefined> {
  try {
    return await fsp.readlink(`${installDir}/current`);
  } catch {
    return undefined;
  }
}

/** Points `current` at `target` (or removes it for undefined) by renaming a fresh symlink over it: atomic for readers. */
export async function switchCurrent(installDir: string, target: string | undefined): Promise<void> {
  if (target === undefined) {
    await fsp.rm(`${installDir}/current`, { force: true });
    return;
  }
  const tmp = `${installDir}/.current-${randomBytes(4).toString('hex')}`;
  await fsp.symlink(target, tmp);
  await fsp.rename(tmp, `${installDir}/current`);
}

/**
 * `p` resolved, when it lies strictly inside `root`; INTEGRITY otherwise. Paths are built from
 * checked names only, so this never fires in practice: it is the last guard before a write or a
 * removal, should a rule ever let a separator or '..' through.
 */
export function insideDir(root: string, p: string): string {
  const abs = resolve(p);
  const rel = relative(resolve(root), abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new MetaError('INTEGRITY', 'refusing a path outside the install dir: the release version or binary name cannot be a file name', {});
  }
  return abs;
}

async function lstatOrUndefined(p: string): Promise<nodeFs.Stats | undefined> {
  try {
    return await fsp.lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Removes one entry of the install dir without ever following a symlink: a link is unlinked
 * (its target is left alone), a directory is removed with its contents (fs.rm unlinks the links
 * it meets inside instead of descending into them).
 */
async function removeEntry(p: string): Promise<void> {
  const st = await lstatOrUndefined(p);
  if (!st) return;
  if (st.isDirectory()) await fsp.rm(p, { recursive: true, force: true });
  else await fsp.unlink(p);
}

/** A Node file system error as IO, by its code only: its message would show host paths. */
function ioError(e: unknown): MetaError {
  const code = (e as NodeJS.ErrnoException)?.code ?? 'error';
  const call = (e as NodeJS.ErrnoException)?.syscall;
  return new MetaError('IO', `cannot install into the install dir: ${code}${call ? ` (${call})` : ''}; check its permissions and free space`, { code }, { cause: e });
}

/**
 * Installs a resolved binary: download to a temp file in the install dir, verify size and
 * sha-256, move it into `releases/<version>/` (a directory renamed into place), then switch the
 * `current` symlink by rename. A location that fails or serves other bytes is skipped for the
 * next; when none verifies, nothing changes and the error says why.
 *
 * Every path is built from the checked version and binary name and must stay inside the install
 * dir; `releases/` must be a real directory there, and a symlink found where a release directory
 * goes is removed, never followed or trusted.
 *
 * @example
 * const r = resolveBinary(repo, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' });
 * await installRelease(r, { installDir: '/opt/app' }); // /opt/app/current/app
 */
export async function installRelease(r: ResolvedBinary, opts: InstallOptions): Promise<Installed> {
  const dir = resolve(opts.installDir);
  const name = checkBinaryName(opts.binaryName ?? r.project.split('/').pop()!);
  const version = checkVersion(r.release.version);
  try {
    return await install(r, dir, version, name, opts);
  } catch (e) {
    throw e instanceof MetaError ? e : ioError(e);
  }
}

async function install(r: ResolvedBinary, dir: string, version: string, name: string, opts: InstallOptions): Promise<Installed> {
  const releases = insideDir(dir, join(dir, 'releases'));
  const relDir = insideDir(dir, join(releases, version));
  const final = insideDir(dir, join(relDir, name));
  if (dirname(relDir) !== releases || dirname(final) !== relDir) {
    throw new MetaError('INTEGRITY', 'refusing a release version or binary name that is not a single file name', {});
  }
  await fsp.mkdir(releases, { recursive: true });
  if (!(await fsp.lstat(releases)).isDirectory()) {
    throw new MetaError('PRECONDITION_FAILED', "the install dir's releases/ is a symlink or a file, not a directory; meta follow writes only inside the install dir: replace it by a directory", {});
  }
  const previousTarget = await currentTarget(dir);
  let reused = false;
  const relSt = await lstatOrUndefined(relDir);
  const finalSt = relSt?.isDirectory() ? await lstatOrUndefined(final) : undefined;
  if (finalSt?.isFile() && (await fileDigest(final)) === r.binary.digest) reused = true;
  else {
    let tmp: string | undefined;
    const errors: MetaError[] = [];
    for (const loc of opts.locations ?? r.binary.locations) {
      try {
        tmp = await downloadVerified(loc, { digest: r.binary.digest, size: r.binary.size, dir, onProgress: opts.onProgress, signal: opts.signal });
        break;
      } catch (e) {
        if (!(e instanceof MetaError)) throw e;
        opts.log?.(`location ${loc}: ${e.message}`);
        opts.onLocationError?.(loc, e);
        errors.push(e);
      }
    }
    if (!tmp) {
      // A digest mismatch anywhere is the verdict that matters; otherwise it was the network.
      const bad = errors.find((e) => e.code === 'DIGEST_MISMATCH');
      if (bad) throw bad;
      throw errors[0] ?? new MetaError('NOT_FOUND', `binary ${r.binary.path} lists no location`, {});
    }
    const stage = insideDir(dir, join(releases, `.${version}.tmp-${randomBytes(4).toString('hex')}`));
    await fsp.mkdir(stage);
    await fsp.rename(tmp, join(stage, name));
    await fsp.chmod(join(stage, name), 0o755);
    fsyncDir(nodeFs as unknown as SyncFs, stage);
    // A leftover release directory without a verified binary (or a link planted there) goes; it is never trusted.
    await removeEntry(relDir);
    await fsp.rename(stage, relDir);
    fsyncDir(nodeFs as unknown as SyncFs, releases);
  }
  await switchCurrent(dir, `releases/${version}`);
  fsyncDir(nodeFs as unknown as SyncFs, dir);
  return { version, path: final, previousTarget, reused };
}

/** Runs the post-install hook (`sh -c`); resolves with its exit code. */
export function runHook(command: string, env: Record<string, string>, cwd: string, output?: (text: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => output?.(d.toString()));
    child.stderr.on('data', (d: Buffer) => output?.(d.toString()));
    child.on('error', (e) => reject(new MetaError('IO', `cannot run hook '${command}': ${e.message}`, { command })));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
