/**
 * `meta settings edit --file <f>`: a whole new meta.yaml, validated before it is written.
 */
import type { MetaRepo } from './openMeta.js';
import { writeSettings, type SettingsWriteResult } from './writeSettings.js';

/**
 * Replaces meta.yaml with `text` (as given, comments and all) when it is valid as a whole;
 * nothing is written otherwise. Start from `meta settings get` or `git show HEAD:meta.yaml`.
 *
 * @example
 * await replaceSettings(repo, { text: readFileSync('meta.yaml', 'utf8') });
 */
export async function replaceSettings(repo: MetaRepo, opts: { text: string }): Promise<SettingsWriteResult> {
  return writeSettings(repo, () => opts.text, 'settings edit');
}
