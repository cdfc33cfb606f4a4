import { MUTABLE_SETTINGS } from '../records/layout.js';

const SETTINGS = new Set<string>(MUTABLE_SETTINGS);

/**
 * The one exception to the append-only contract: the repository's settings files (meta.yaml,
 * .sops.yaml, …) may be replaced by a later commit; every other file, once added, never changes.
 * `verify` reports any other change, and a push that re-applies local commits refuses one.
 *
 * @example
 * isMutableSetting('meta.yaml'); // true
 * isMutableSetting('projects/acme/app/project.pb'); // false
 */
export function isMutableSetting(path: string): boolean {
  return SETTINGS.has(path);
}
