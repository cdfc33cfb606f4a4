/**
 * meta.yaml's `webhooks:` list. `meta serve` reads it leniently (an invalid entry is logged with
 * its reason and skipped; the valid ones are delivered), the settings commands strictly (an
 * invalid entry is refused before it is written).
 */
import { checkProjectName, SIMPLE_NAME as NAME } from '../records/names.js';
import { checkEventTypes } from './events.js';
import type { SettingsProblem } from './settingsProblem.js';

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

const KNOWN = ['name', 'url', 'events', 'projects', 'secret_env', 'timeout_seconds'];

class Bad extends Error {}

function checkHook(o: Record<string, unknown>): WebhookSpec {
  const bad = (m: string): never => {
    throw new Bad(m);
  };
  for (const k of Object.keys(o)) if (!KNOWN.includes(k)) bad(`unknown key '${k}' (known: ${KNOWN.join(', ')})`);
  const name = o.name as string;
  if (typeof o.url !== 'string' || !/^https?:\/\/\S+$/.test(o.url)) bad('needs an http(s) url');
  const strings = (k: string): string[] | undefined => {
    const v = o[k];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) bad(`${k} must be a list of strings`);
    return v as string[];
  };
  let events: string[] | undefined;
  try {
    events = checkEventTypes(strings('events'));
  } catch (e) {
    if (e instanceof Bad) throw e;
    bad(`events: ${(e as Error).message}`);
  }
  const projects = strings('projects');
  for (const p of projects ?? []) {
    try {
      checkProjectName(p);
    } catch (e) {
      bad(`projects: ${(e as Error).message}`);
    }
    // Events carry full names: a short name here would silently match nothing.
    if (!p.includes('/')) bad(`projects: '${p}' is not a full project name (org/repo); events name projects in full`);
  }
  if (o.secret_env !== undefined && (typeof o.secret_env !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.secret_env))) {
    bad('secret_env must name an environment variable (the secret itself never goes in the repository)');
  }
  const t = o.timeout_seconds;
  if (t !== undefined && (typeof t !== 'number' || !(t > 0))) bad('timeout_seconds must be a positive number');
  return { name, url: o.url as string, events, projects, secretEnv: o.secret_env as string | undefined, timeoutMs: ((t as number | undefined) ?? 10) * 1000 };
}

/**
 * The valid subscriptions of meta.yaml's `webhooks:` and a problem for each invalid entry (its
 * index, its name when it has a valid one, and why). A name used twice keeps the first entry.
 *
 * @example
 * const { hooks, problems } = readWebhooks(readMetaSettings(snap));
 * for (const p of problems) log(`webhook ${p.name ?? p.key} skipped: ${p.message}`);
 */
export function readWebhooks(settings: Record<string, unknown>): { hooks: WebhookSpec[]; problems: SettingsProblem[] } {
  const list = settings.webhooks;
  const problems: SettingsProblem[] = [];
  if (list === undefined || list === null) return { hooks: [], problems };
  if (!Array.isArray(list)) return { hooks: [], problems: [{ key: 'webhooks', message: 'must be a list of {name, url, …}' }] };
  const seen = new Set<string>();
  const hooks: WebhookSpec[] = [];
  list.forEach((h, i) => {
    const key = `webhooks.${i}`;
    if (h === null || typeof h !== 'object' || Array.isArray(h)) return void problems.push({ key, message: 'must be a mapping {name, url, …}' });
    const o = h as Record<string, unknown>;
    if (typeof o.name !== 'string' || !NAME.test(o.name)) return void problems.push({ key, message: "needs a name of letters, digits, '.', '_' and '-' (up to 64, starting with a letter or digit)" });
    if (seen.has(o.name)) return void problems.push({ key, name: o.name, message: `the name ${o.name} is used twice (its cursor and delivery log are kept by name)` });
    seen.add(o.name);
    try {
      hooks.push(checkHook(o));
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      problems.push({ key, name: o.name, message: e.message });
    }
  });
  return { hooks, problems };
}
