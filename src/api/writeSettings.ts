/**
 * The one way meta.yaml is written: read the tip's text, apply an edit, validate the whole
 * result (the validator `meta serve` uses), check names it newly declares against what the
 * repository holds, and commit it as a new version of the file (honouring `--push` and `push:`).
 * An invalid result is refused before anything is written; an edit that changes nothing writes
 * nothing. Edits go through the YAML document, so comments and layout of the file are kept.
 */
import { parseDocument, type Document, type ToStringOptions } from 'yaml';
import { MetaError } from '../errors/MetaError.js';
import type { Snapshot } from '../store/Snapshot.js';
import { appendWithPolicy } from './autoPush.js';
import { checkNewChannel, checkNewEnvironment } from './declaredNames.js';
import type { MetaRepo } from './openMeta.js';
import { formatProblem, type SettingsProblem } from './settingsProblem.js';
import { validateSettingsText } from './validateSettings.js';

export const SETTINGS_PATH = 'meta.yaml';

/** How edited settings are written: flow lists stay `[a, b]`, long lines are not folded. */
export const SETTINGS_TEXT: ToStringOptions = { lineWidth: 0, flowCollectionPadding: false };

/** What a settings write did. */
export interface SettingsWriteResult {
  /** False when the edit left meta.yaml as it was: nothing written. */
  changed: boolean;
  commit: string | undefined;
  /** Things worth fixing that do not make the settings invalid (an unknown key), one line each. */
  warnings: string[];
}

/**
 * The text of meta.yaml at a snapshot.
 *
 * @example
 * settingsText(repo.store.snapshot()).startsWith('# boot-meta')
 */
export function settingsText(snap: Snapshot): string {
  const bytes = snap.read(SETTINGS_PATH);
  return bytes ? Buffer.from(bytes).toString('utf8') : '';
}

/**
 * meta.yaml's text as a YAML document to edit (comments kept).
 *
 * @example
 * const doc = settingsDocument(settingsText(snap));
 */
export function settingsDocument(text: string): Document.Parsed {
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err) {
    throw new MetaError('INVALID_ARGUMENT', `meta.yaml at the tip is not valid YAML (${err.message.split('\n')[0]}); replace it with 'meta settings edit --file <file>'`, {});
  }
  return doc;
}

const names = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

class Unchanged extends Error {}

/**
 * Writes a new version of meta.yaml made by `edit` from the tip's text (run again on a new tip
 * when another writer got there first). The result is validated as a whole; anything wrong in it
 * that the current file does not already have (an invalid value, a mistyped key) is refused with
 * INVALID_ARGUMENT, listing every such problem, before anything is written. Problems the file
 * already had come back as warnings: fixing one setting (revoking a token, say) never waits on
 * another that someone broke by hand.
 *
 * @example
 * await writeSettings(repo, (text) => text.replace('push: false', 'push: true'), 'settings set push');
 */
export async function writeSettings(repo: MetaRepo, edit: (text: string, snap: Snapshot) => string, message: string): Promise<SettingsWriteResult> {
  let warnings: string[] = [];
  const plan = (snap: Snapshot) => {
    const current = settingsText(snap);
    const next = edit(current, snap);
    const checked = validateSettingsText(next);
    // Compared without list positions: removing an item shifts the ones after it.
    const same = (p: SettingsProblem) => `${p.name ?? ''} ${p.key.replace(/\.\d+(?=\.|$)/g, '.#')}: ${p.message}`;
    const had = new Set(validateSettingsText(current).problems.map(same));
    // A file that cannot be read, or whose format line is lost, is never written, whatever it was before.
    const brought = checked.problems.filter((p) => !had.has(same(p)) || p.key === '(file)' || p.key === 'format');
    if (brought.length > 0) {
      const errors = brought.filter((p) => !p.warning);
      const what = errors.length > 0 ? 'would be invalid' : 'would gain settings boot-meta does not know';
      throw new MetaError('INVALID_ARGUMENT', `meta.yaml ${what}, nothing written: ${(errors.length > 0 ? errors : brought).map(formatProblem).join('; ')}`, { problems: brought });
    }
    warnings = checked.problems.map((p) => (p.warning ? formatProblem(p) : `meta.yaml still has this problem: ${formatProblem(p)}`));
    let before: Record<string, unknown> = {};
    try {
      const js = parseDocument(current).toJS() as unknown;
      if (js && typeof js === 'object' && !Array.isArray(js)) before = js as Record<string, unknown>;
    } catch { /* a broken file: every name in the new one is new */ }
    // Only names this edit adds: a repository that already holds a clash can still be edited.
    const channels = names(checked.settings.channels);
    for (const c of channels.filter((x) => !names(before.channels).includes(x))) checkNewChannel(snap, c, channels);
    const envs = names(checked.settings.environments);
    for (const e of envs.filter((x) => !names(before.environments).includes(x))) checkNewEnvironment(snap, e, envs);
    if (next === current) throw new Unchanged();
    return { files: [{ path: SETTINGS_PATH, data: Buffer.from(next, 'utf8'), replace: true }], message };
  };
  try {
    const res = await appendWithPolicy(repo, plan, { actor: repo.actor });
    return { changed: true, commit: res.commit, warnings };
  } catch (e) {
    if (e instanceof Unchanged) return { changed: false, commit: undefined, warnings };
    throw e;
  }
}
