import { MetaError } from '../errors/MetaError.js';
import { checkEventTypes } from '../api/events.js';
import { SIMPLE_NAME as NAME } from '../records/names.js';

/** One webhook subscription from meta.yaml's `webhooks:` list. */
export interface WebhookSpec {
  /** Identity of the subscription: its cursor and delivery log are kept under this name. */
  name: string;
  url: string;
  /** Event types or `prefix.*` (default: every event). */
  events?: string[];
  /** Only these projects' events (default: all). */
  projects?: string[];
  /** Name of the environment variable holding the HMAC secret (never the secret itself). */
  secretEnv?: string;
  /** Per-delivery timeout in ms (default 10 s). */
  timeoutMs: number;
}

const KNOWN = new Set(['name', 'url', 'events', 'projects', 'secret_env', 'timeout_seconds']);

/**
 * Parses meta.yaml's webhooks:
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
  const list = settings.webhooks;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new MetaError('INVALID_ARGUMENT', 'meta.yaml: webhooks must be a list', {});
  const seen = new Set<string>();
  return list.map((h, i) => {
    const o = (h ?? {}) as Record<string, unknown>;
    const where = `meta.yaml: webhooks[${i}]`;
    for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new MetaError('INVALID_ARGUMENT', `${where}: unknown key '${k}' (known: ${[...KNOWN].join(', ')})`, { index: i, key: k });
    if (typeof o.name !== 'string' || !NAME.test(o.name)) throw new MetaError('INVALID_ARGUMENT', `${where} needs a name of letters, digits, '.', '_' and '-'`, { index: i });
    if (seen.has(o.name)) throw new MetaError('INVALID_ARGUMENT', `${where}: the name ${o.name} is used twice`, { index: i });
    seen.add(o.name);
    if (typeof o.url !== 'string' || !/^https?:\/\/\S+$/.test(o.url)) throw new MetaError('INVALID_ARGUMENT', `${where} (${o.name}) needs an http(s) url`, { index: i });
    const strings = (k: string): string[] | undefined => {
      const v = o[k];
      if (v === undefined || v === null) return undefined;
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new MetaError('INVALID_ARGUMENT', `${where} (${o.name}): ${k} must be a list of strings`, { index: i });
      return v as string[];
    };
    const events = checkEventTypes(strings('events'));
    if (o.secret_env !== undefined && (typeof o.secret_env !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.secret_env))) {
      throw new MetaError('INVALID_ARGUMENT', `${where} (${o.name}): secret_env must name an environment variable (the secret itself never goes in the repository)`, { index: i });
    }
    const t = o.timeout_seconds;
    if (t !== undefined && (typeof t !== 'number' || !(t > 0))) throw new MetaError('INVALID_ARGUMENT', `${where} (${o.name}): timeout_seconds must be a positive number`, { index: i });
    return { name: o.name, url: o.url, events, projects: strings('projects'), secretEnv: o.secret_env as string | undefined, timeoutMs: ((t as number | undefined) ?? 10) * 1000 };
  });
}
