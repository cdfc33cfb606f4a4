/**
 * The one validator of meta.yaml. `meta serve` applies it to every version it reads (logging the
 * problems, and using what is valid), the settings commands to the file they are about to write
 * (refusing it before anything is written when anything is wrong), `meta init` to the file it
 * creates.
 */
import { parseDocument } from 'yaml';
import { MetaError } from '../errors/MetaError.js';
import { checkChannel, checkEnvironment, parentEnvironment, SIMPLE_NAME } from '../records/names.js';
import { SEQ_PER_SHARD } from '../records/layout.js';
import { suggest } from '../util/suggest.js';
import { formatLineOf } from './formatLineOf.js';
import { formatProblem, type SettingsProblem } from './settingsProblem.js';
import { readServeTokens } from './settingsTokens.js';
import { readWebhooks } from './readWebhooks.js';
import { readReplication, readStorageSettings } from './storageSettings.js';

/** The formats of meta.yaml this version reads and writes (openMeta.ts refuses the others). */
const FORMATS: readonly number[] = [1];

/** Top-level keys of meta.yaml; any other is reported (a typo would otherwise do nothing). */
export const SETTINGS_KEYS: readonly string[] = ['format', 'layout', 'environments', 'channels', 'push', 'serve', 'webhooks', 'storage', 'replication'];

/** What {@link validateSettingsText} found. */
export interface SettingsValidation {
  /** The parsed settings ({} when the text does not parse). */
  settings: Record<string, unknown>;
  /** Errors first, then warnings (`warning: true`). */
  problems: SettingsProblem[];
}

/** `1` or `"1"` (the format line may be quoted). */
const formatNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : undefined);

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `channels:` or `environments:` — a list of names, each valid, none repeated, none differing
 * from another only in case (two folders that a case-insensitive file system, macOS's or
 * Windows', takes for one). A personal environment (`dev/alice`) needs its parent listed.
 */
function checkDeclared(settings: Record<string, unknown>, key: 'channels' | 'environments', problems: SettingsProblem[]): void {
  const list = settings[key];
  if (list === undefined || list === null) return;
  const what = key === 'channels' ? 'channel' : 'environment';
  if (!Array.isArray(list)) return void problems.push({ key, message: `must be a list of ${what} names, e.g. [${key === 'channels' ? 'stable, beta' : 'dev, prod'}]` });
  const seen = new Map<string, string>();
  list.forEach((v, i) => {
    const at = `${key}.${i}`;
    if (typeof v !== 'string') return void problems.push({ key: at, message: `must be a ${what} name (a string)` });
    try {
      if (key === 'channels') checkChannel(v);
      else checkEnvironment(v);
    } catch (e) {
      return void problems.push({ key: at, message: (e as Error).message });
    }
    const prior = seen.get(v.toLowerCase());
    if (prior === v) return void problems.push({ key: at, message: `${what} ${v} is listed twice` });
    if (prior !== undefined) return void problems.push({ key: at, message: `${what} '${v}' differs only in case from '${prior}': case-insensitive file systems (macOS, Windows) would mix up their folders; keep one` });
    seen.set(v.toLowerCase(), v);
  });
  if (key === 'environments') {
    list.forEach((v, i) => {
      const parent = typeof v === 'string' ? parentEnvironment(v) : undefined;
      if (parent !== undefined && !list.includes(parent)) {
        problems.push({ key: `environments.${i}`, message: `personal environment ${v} needs its environment ${parent} declared first ('meta env add ${parent}')` });
      }
    });
  }
}

function checkPush(push: unknown, problems: SettingsProblem[]): void {
  if (push === undefined || push === null || typeof push === 'boolean') return;
  if (!isMap(push)) return void problems.push({ key: 'push', message: 'must be true, false or a mapping {remote, attempts, enabled}' });
  for (const k of Object.keys(push)) if (!['remote', 'attempts', 'enabled'].includes(k)) problems.push({ key: `push.${k}`, message: 'is not a setting of push (known: remote, attempts, enabled)', warning: true });
  if (push.remote !== undefined && (typeof push.remote !== 'string' || !SIMPLE_NAME.test(push.remote))) problems.push({ key: 'push.remote', message: "must be a remote's name (as 'meta remote add' gives it)" });
  if (push.attempts !== undefined && (typeof push.attempts !== 'number' || !Number.isInteger(push.attempts) || push.attempts < 1 || push.attempts > 1000)) {
    problems.push({ key: 'push.attempts', message: 'must be a whole number from 1 to 1000' });
  }
  if (push.enabled !== undefined && typeof push.enabled !== 'boolean') problems.push({ key: 'push.enabled', message: 'must be true or false' });
}

function checkLayout(layout: unknown, problems: SettingsProblem[]): void {
  if (layout === undefined || layout === null) return;
  if (!isMap(layout)) return void problems.push({ key: 'layout', message: 'must be a mapping' });
  // Format 1 fixes the layout: every writer computes paths from these numbers, so they cannot change.
  const fixed: Record<string, number> = { release_shard_hex_digits: 2, sequence_shard_size: SEQ_PER_SHARD };
  for (const [k, v] of Object.entries(layout)) {
    if (!(k in fixed)) problems.push({ key: `layout.${k}`, message: `is not a setting of layout (known: ${Object.keys(fixed).join(', ')})`, warning: true });
    else if (v !== fixed[k]) problems.push({ key: `layout.${k}`, message: `is ${fixed[k]} in format 1 (every writer places records by it); it cannot change` });
  }
}

/**
 * Every problem of a settings object (already parsed): declared names, push, layout, serve
 * tokens, webhooks, unknown keys. The `format` line is checked by {@link validateSettingsText}.
 *
 * @example
 * validateSettings({ format: 1, channels: ['stable', 'Stable'] })[0]?.message
 */
export function validateSettings(settings: Record<string, unknown>): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  if (!FORMATS.includes(formatNumber(settings.format) ?? NaN)) {
    problems.push({ key: 'format', message: `must be ${FORMATS.join(' or ')} (the repository format this version of boot-meta reads)` });
  }
  checkLayout(settings.layout, problems);
  checkDeclared(settings, 'environments', problems);
  checkDeclared(settings, 'channels', problems);
  checkPush(settings.push, problems);
  problems.push(...readServeTokens(settings).problems);
  problems.push(...readWebhooks(settings).problems);
  problems.push(...readStorageSettings(settings).problems);
  problems.push(...readReplication(settings).problems);
  for (const k of Object.keys(settings)) {
    if (SETTINGS_KEYS.includes(k)) continue;
    const near = suggest(k, SETTINGS_KEYS);
    problems.push({ key: k, message: `is not a setting boot-meta knows${near.length ? `; did you mean ${near.join(' or ')}?` : ''} (known: ${SETTINGS_KEYS.join(', ')})`, warning: true });
  }
  return [...problems.filter((p) => !p.warning), ...problems.filter((p) => p.warning)];
}

/**
 * Parses and validates the text of a meta.yaml: YAML syntax (one document, a mapping), the
 * single top-level `format: <n>` line that opening a repository reads, then
 * {@link validateSettings}.
 *
 * @example
 * const { problems } = validateSettingsText(readFileSync('meta.yaml', 'utf8'));
 */
export function validateSettingsText(text: string): SettingsValidation {
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err) return { settings: {}, problems: [{ key: '(file)', message: `is not valid YAML: ${err.message.split('\n')[0]}` }] };
  let js: unknown;
  try {
    js = doc.toJS();
  } catch (e) {
    // The YAML library refuses aliases that expand without bound ("billion laughs").
    return { settings: {}, problems: [{ key: '(file)', message: `cannot be read: ${(e as Error).message}` }] };
  }
  if (!isMap(js)) return { settings: {}, problems: [{ key: '(file)', message: 'must be a YAML mapping of settings (format, environments, channels, …)' }] };
  const problems = validateSettings(js);
  const line = formatLineOf(text);
  if (line === undefined || line !== formatNumber(js.format)) {
    problems.unshift({ key: 'format', message: "must be written as one top-level line 'format: 1' (not in a flow mapping, not repeated): every command finds the repository's format by it" });
  }
  return { settings: js, problems };
}

/**
 * Validates the text of a meta.yaml and throws INVALID_ARGUMENT listing every error (warnings
 * are returned), so nothing invalid is ever written.
 *
 * @example
 * const { warnings } = assertValidSettings(nextText); // then write nextText
 */
export function assertValidSettings(text: string): { settings: Record<string, unknown>; warnings: SettingsProblem[] } {
  const { settings, problems } = validateSettingsText(text);
  const errors = problems.filter((p) => !p.warning);
  if (errors.length > 0) {
    throw new MetaError('INVALID_ARGUMENT', `meta.yaml would be invalid, nothing written: ${errors.map(formatProblem).join('; ')}`, { problems: errors });
  }
  return { settings, warnings: problems.filter((p) => p.warning) };
}
