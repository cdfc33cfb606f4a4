import { MetaError } from '../errors/MetaError.js';
import type { FlagDefinition } from '../flags/validateFlagDocument.js';
import type { MetaRepo } from './openMeta.js';
import { writeFlagSet, type FlagSetWriteResult } from './writeFlagSet.js';

export interface SetFlagOptions {
  project: string;
  channel: string;
  key: string;
  /** Variant name → value; all values of one type (boolean, string, number or object). */
  variants: Record<string, unknown>;
  /** The variant served when no targeting applies; null: the caller's code default. */
  defaultVariant: string | null;
  /** A JSON Logic rule with flagd's operators; omitted: no targeting (STATIC). */
  targeting?: unknown;
  /** Default ENABLED. */
  state?: 'ENABLED' | 'DISABLED';
  metadata?: Record<string, string | number | boolean>;
}

/**
 * Adds or replaces one flag of a channel's flag set (the whole definition of that flag), as a
 * new version of the set; the same definition again writes nothing.
 *
 * @example
 * await setFlag(repo, { project: 'acme/app', channel: 'beta', key: 'new-ui', variants: { on: true, off: false }, defaultVariant: 'off',
 *   targeting: { if: [{ ends_with: [{ var: 'email' }, '@acme.com'] }, 'on', null] } });
 */
export async function setFlag(repo: MetaRepo, opts: SetFlagOptions): Promise<FlagSetWriteResult> {
  const { checkFlagKey } = await import('../flags/validateFlagDocument.js');
  checkFlagKey(opts.key);
  const state = opts.state ?? 'ENABLED';
  if (state !== 'ENABLED' && state !== 'DISABLED') throw new MetaError('INVALID_ARGUMENT', `--state must be ENABLED or DISABLED, not ${String(state).slice(0, 40)}`, {});
  const flag: FlagDefinition = { state, variants: opts.variants, defaultVariant: opts.defaultVariant };
  if (opts.targeting !== undefined) flag.targeting = opts.targeting;
  if (opts.metadata !== undefined) flag.metadata = opts.metadata;
  return writeFlagSet(repo, opts.project, opts.channel, `set ${opts.key}`, (doc) => {
    const flags = Object.create(null) as Record<string, FlagDefinition>;
    Object.assign(flags, doc.flags);
    flags[opts.key] = flag;
    return { ...doc, flags };
  });
}
