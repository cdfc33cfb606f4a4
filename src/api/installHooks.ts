import * as nodeFs from 'node:fs';
import { MetaError } from '../errors/MetaError.js';
import { TEMPLATE_DIR } from './initMeta.js';

/**
 * Installs boot-meta's append-only `pre-receive` hook into a bare repository on a git server, so
 * plain `git push` is held to the contract too (no force-push, no deletion, no record modified,
 * deleted or renamed, no merge commit and no second root commit). An existing different hook is
 * kept aside as `pre-receive.before-meta`.
 *
 * @example
 * installHooks('/srv/git/meta.git');
 */
export function installHooks(gitdir: string): { hook: string; replaced: boolean } {
  const dir = gitdir.replace(/\/+$/, '');
  if (!nodeFs.existsSync(`${dir}/objects`) || !nodeFs.existsSync(`${dir}/HEAD`)) {
    throw new MetaError('NOT_FOUND', `${dir} is not a bare git repository (no objects/ or HEAD); give the server's repository directory`, { dir });
  }
  const source = nodeFs.readFileSync(`${TEMPLATE_DIR}hooks/pre-receive`);
  const hook = `${dir}/hooks/pre-receive`;
  nodeFs.mkdirSync(`${dir}/hooks`, { recursive: true });
  let replaced = false;
  if (nodeFs.existsSync(hook) && !nodeFs.readFileSync(hook).equals(source)) {
    nodeFs.renameSync(hook, `${hook}.before-meta`);
    replaced = true;
  }
  const tmp = `${hook}.${process.pid}.tmp`;
  nodeFs.writeFileSync(tmp, source, { mode: 0o755 });
  nodeFs.chmodSync(tmp, 0o755);
  nodeFs.renameSync(tmp, hook);
  return { hook, replaced };
}
