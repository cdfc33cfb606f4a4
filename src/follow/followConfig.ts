import type { ConfigView } from '../api/config/readConfig.js';
import type { IdentityOptions } from '../api/resolveIdentities.js';
import type { FollowSource } from './followSources.js';
import { validateConfigAnswer } from './validateConfigAnswer.js';

/** The config file's contents and mode. */
export interface ConfigFileContents {
  text: string;
  /** 0600 when the file holds secret values, else 0644. */
  mode: number;
  view: ConfigView;
}

/**
 * The config file a follower writes from a resolve answer: the answer's config checked field by
 * field, its secret references decrypted by the source with the host's identities (refused when
 * none decrypts them), as a JSON object of the keys, sorted.
 *
 * @example
 * const { text, mode } = await configFileContents(raw.config, { project, env: 'prod', channel: 'stable', commit: r.commit }, source, {});
 */
export async function configFileContents(raw: unknown, want: { project: string; env: string; channel: string; commit: string }, source: FollowSource, ids: IdentityOptions): Promise<ConfigFileContents> {
  let view = validateConfigAnswer(raw, want);
  const secret = Object.keys(view.secrets).length > 0;
  if (secret) view = await source.resolveSecrets(view, ids);
  return { text: `${JSON.stringify(view.config, null, 2)}\n`, mode: secret ? 0o600 : 0o644, view };
}
