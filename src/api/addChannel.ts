/**
 * `meta channel add <name>`: declares a channel in meta.yaml. A promotion names only declared
 * channels (or ones that already have records), so a typo cannot become a channel forever.
 */
import { checkChannel } from '../records/names.js';
import type { MetaRepo } from './openMeta.js';
import { withDeclared } from './withDeclared.js';
import { writeSettings, type SettingsWriteResult } from './writeSettings.js';

/**
 * Declares a channel (a new version of meta.yaml); declaring one that is listed already writes
 * nothing. A name that differs only in case from a declared channel or from any project's
 * channel is refused (INVALID_NAME).
 *
 * @example
 * await addChannel(repo, { name: 'canary' });
 * await promote(repo, { project: 'acme/app', channel: 'canary', version: '1.5.0' });
 */
export async function addChannel(repo: MetaRepo, opts: { name: string }): Promise<SettingsWriteResult & { channel: string }> {
  const name = checkChannel(opts.name);
  const res = await writeSettings(repo, (text) => withDeclared(text, 'channels', name), `channel add ${name}`);
  return { ...res, channel: name };
}
