import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as nodeFs from 'node:fs';
import { fsyncDir, type SyncFs } from '../store/fs.js';
import { spawn } from 'node:child_process';
import { MetaError } from '../errors/MetaError.js';
import type { ResolvedBinary } from '../api/resolveBinary.js';
import { downloadVerified, fileDigest } from './downloadVerified.js';

export interface InstallOptions {
  installDir: string;
  /** File name of the binary inside `releases/<version>/` (default: the project's last segment). */
  binaryName?: string;
  onProgress?: (bytes: number, total: number) => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
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
 * Installs a resolved binary: download to a temp file in the install dir, verify size and
 * sha-256, move it into `releases/<version>/` (a directory renamed into place), then switch the
 * `current` symlink by rename. A location that fails or serves other bytes is skipped for the
 * next; when none verifies, nothing changes and the error says why.
 *
 * @example
 * const r = resolveBinary(repo, { project: 'acme/app', channel: 'stable', platform: 'linux/amd64' });
 * await installRelease(r, { installDir: '/opt/app' }); // /opt/app/current/app
 */
export async function installRelease(r: ResolvedBinary, opts: InstallOptions): Promise<Installed> {
  const dir = opts.installDir;
  const name = opts.binaryName ?? r.project.split('/').pop()!;
  const version = r.release.version;
  await fsp.mkdir(`${dir}/releases`, { recursive: true });
  const relDir = `${dir}/releases/${version}`;
  const final = `${relDir}/${name}`;
  const previousTarget = await currentTarget(dir);
  let reused = false;
  if ((await fileDigest(final)) === r.binary.digest) reused = true;
  else {
    let tmp: string | undefined;
    const errors: MetaError[] = [];
    for (const loc of r.binary.locations) {
      try {
        tmp = await downloadVerified(loc, { digest: r.binary.digest, size: r.binary.size, dir, onProgress: opts.onProgress, signal: opts.signal });
        break;
      } catch (e) {
        if (!(e instanceof MetaError)) throw e;
        opts.log?.(`location ${loc}: ${e.message}`);
        errors.push(e);
      }
    }
    if (!tmp) {
      // A digest mismatch anywhere is the verdict that matters; otherwise it was the network.
      const bad = errors.find((e) => e.code === 'DIGEST_MISMATCH');
      if (bad) throw bad;
      throw errors[0] ?? new MetaError('NOT_FOUND', `binary ${r.binary.path} lists no location`, {});
    }
    const stage = `${dir}/releases/.${version}.tmp-${randomBytes(4).toString('hex')}`;
    await fsp.mkdir(stage);
    await fsp.rename(tmp, `${stage}/${name}`);
    await fsp.chmod(`${stage}/${name}`, 0o755);
    fsyncDir(nodeFs as unknown as SyncFs, stage);
    // A leftover release directory without a verified binary is moved aside, never trusted.
    await fsp.rm(relDir, { recursive: true, force: true });
    await fsp.rename(stage, relDir);
    fsyncDir(nodeFs as unknown as SyncFs, `${dir}/releases`);
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
