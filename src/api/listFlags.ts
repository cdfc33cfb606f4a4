import type { FlagDocument } from '../flags/validateFlagDocument.js';
import type { MetaRepo } from './openMeta.js';
import { readFlagSet } from './readFlagSet.js';

/** One flag, in short. */
export interface FlagSummary {
  key: string;
  state: string;
  /** boolean, string, number or object. */
  type: string;
  variants: string[];
  defaultVariant: string | null;
  targeting: boolean;
}

export interface FlagList {
  project: string;
  channel: string;
  sequence: number;
  commit: string;
  flags: FlagSummary[];
}

/** The summary of each flag of a parsed set, by key. */
export function summarizeFlags(doc: FlagDocument): FlagSummary[] {
  return Object.keys(doc.flags ?? {}).sort().map((key) => {
    const f = doc.flags[key]!;
    const first = Object.values(f.variants ?? {})[0];
    const t = typeof first;
    return {
      key, state: f.state, type: t === 'boolean' || t === 'string' || t === 'number' ? t : 'object', variants: Object.keys(f.variants ?? {}),
      defaultVariant: f.defaultVariant ?? null, targeting: f.targeting !== undefined && f.targeting !== null && !(typeof f.targeting === 'object' && Object.keys(f.targeting as object).length === 0),
    };
  });
}

/**
 * A channel's flags at a commit, ref or date (default: the tip).
 *
 * @example
 * (await listFlags(repo, { project: 'acme/app', channel: 'stable' })).flags.map((f) => f.key);
 */
export async function listFlags(repo: MetaRepo, opts: { project: string; channel: string; at?: string }): Promise<FlagList> {
  const v = await readFlagSet(repo, opts.project, opts.channel, opts.at);
  return { project: v.project, channel: v.channel, sequence: v.sequence, commit: v.commit, flags: summarizeFlags(JSON.parse(v.document) as FlagDocument) };
}
