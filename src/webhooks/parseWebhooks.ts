import { MetaError } from '../errors/MetaError.js';
import { formatProblem } from '../api/settingsProblem.js';
import { readWebhooks, type WebhookSpec } from '../api/readWebhooks.js';

export { readWebhooks, type WebhookSpec };

/**
 * Parses meta.yaml's webhooks strictly: the first invalid entry throws INVALID_ARGUMENT naming
 * it (the dispatcher reads them with {@link readWebhooks}, which logs and skips an invalid entry
 * and delivers the valid ones).
 * ```yaml
 * webhooks:
 *   - name: deploys
 *     url: https://hooks.example.com/meta
 *     events: [channel.*, release.recorded]
 *     projects: [acme/app]
 *     secret_env: META_WEBHOOK_DEPLOYS_SECRET
 * ```
 */
export function parseWebhooks(settings: Record<string, unknown>): WebhookSpec[] {
  const { hooks, problems } = readWebhooks(settings);
  const bad = problems.find((p) => !p.warning);
  if (bad) throw new MetaError('INVALID_ARGUMENT', `meta.yaml: ${formatProblem(bad)}`, { key: bad.key });
  return hooks;
}
