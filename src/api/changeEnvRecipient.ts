import { checkEnvironment } from '../records/names.js';
import { addRecipient, envPathRegex, parseSopsConfig, removeRecipient } from '../secrets/sopsConfig.js';
import { NothingToWrite, unlessNothingToWrite } from '../store/NothingToWrite.js';
import type { Snapshot } from '../store/Snapshot.js';
import type { MetaRepo } from './openMeta.js';
import { appendWithPolicy } from './autoPush.js';
import { SOPS_CONFIG_PATH, sopsConfigText } from './secretsConfig.js';
import type { EnvRecipients } from './listRecipients.js';

/** What a recipient change did. */
export interface RecipientChangeResult extends EnvRecipients {
  /** False when the key was already there: nothing written. */
  changed: boolean;
  commit: string | undefined;
}

/**
 * Adds or removes one age recipient of an environment's `.sops.yaml` rule as a new settings
 * version; shared by {@link addEnvRecipient} and {@link removeEnvRecipient}.
 */
export async function changeEnvRecipient(repo: MetaRepo, env: string, recipient: string, how: 'add' | 'remove'): Promise<RecipientChangeResult> {
  checkEnvironment(env);
  let recipients: string[] = [];
  const plan = (snap: Snapshot) => {
    const current = sopsConfigText(snap);
    const next = how === 'add' ? addRecipient(current, env, recipient) : removeRecipient(current, env, recipient);
    recipients = parseSopsConfig(next).creationRules.find((r) => r.pathRegex === envPathRegex(env))?.age ?? [];
    if (next === current) throw new NothingToWrite(undefined);
    return {
      files: [{ path: SOPS_CONFIG_PATH, data: Buffer.from(next, 'utf8'), replace: true }],
      message: `keys ${how}-recipient ${env} ${recipient}`,
    };
  };
  const res = await unlessNothingToWrite(appendWithPolicy(repo, plan, { actor: repo.actor }), () => undefined);
  return { env, pathRegex: envPathRegex(env), recipients, changed: res !== undefined, commit: res?.commit };
}
