import { MetaError } from '../errors/MetaError.js';
import type { SyncFs } from '../store/fs.js';
import { writeFileAtomic } from '../store/writeFileAtomic.js';
import { diskFs } from './diskFs.js';
import { TEMPLATE_DIR } from './initMeta.js';

/**
 * Installs boot-meta's append-only `pre-receive` hook into a bare repository on a git server, so
 * plain `git push` is held to the contract too (no force-push, no deletion, no record modified,
 * deleted or renamed, no merge commit and no second root commit). An existing different hook is
 * kept aside as `pre-receive.before-meta`. The repository is read and written through `opts.fs`
 * (default: the disk); the hook's source comes from the installed package.
 *
 * @example
 * installHooks('/srv/git/meta.git');
 */
export function installHooks(gitdir: string, opts: { fs?: SyncFs } = {}): { hook: string; replaced: boolean } {
  const fs = opts.fs ?? diskFs;
  const dir = gitdir.replace(/\/+$/, '');
  if (!fs.existsSync(`${dir}/objects`) || !fs.existsSync(`${dir}/HEAD`)) {
    throw new MetaError('NOT_FOUND', `${dir} is not a bare git repository (no objects/ or HEAD); give the server's repository directory`, { dir });
  }
  const source = Buffer.from(diskFs.readFileSync(`${TEMPLATE_DIR}hooks/pre-receive`));
  const hook = `${dir}/hooks/pre-receive`;
  let replaced = false;
  if (fs.existsSync(hook) && !Buffer.from(fs.readFileSync(hook)).equals(source)) {
    fs.renameSync(hook, `${hook}.before-meta`);
    replaced = true;
  }
  writeFileAtomic(fs, hook, source, { mode: 0o755 });
  return { hook, replaced };
}
