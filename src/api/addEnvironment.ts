/**
 * `meta env add <name>`: declares an environment, or a developer's personal sub-environment of
 * one (`dev/alice`), in meta.yaml. Secrets, config and instance reports name only declared
 * environments (or ones that already hold them).
 */
import { checkEnvironment } from '../records/names.js';
import { checkNewEnvironment } from './declaredNames.js';
import type { MetaRepo } from './openMeta.js';
import { withDeclared } from './withDeclared.js';
import { writeSettings, type SettingsWriteResult } from './writeSettings.js';

/**
 * Declares an environment (a new version of meta.yaml); one listed already writes nothing. A
 * personal environment `env/developer` needs `env` declared; its secrets are encrypted for
 * `env`'s age recipients until it has its own (`meta keys add-recipient env/developer age1…`).
 *
 * @example
 * await addEnvironment(repo, { name: 'dev/alice' });
 * await setSecret(repo, { env: 'dev/alice', secret: 'db', values: [['password', 'x']] });
 */
export async function addEnvironment(repo: MetaRepo, opts: { name: string }): Promise<SettingsWriteResult & { env: string }> {
  const name = checkEnvironment(opts.name);
  const res = await writeSettings(repo, (text, snap) => {
    // Its parent first, so an undeclared one is NOT_FOUND with the closest declared names.
    if (name.includes('/')) checkNewEnvironment(snap, name);
    return withDeclared(text, 'environments', name);
  }, `env add ${name}`);
  return { ...res, env: name };
}
