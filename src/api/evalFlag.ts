import type { EvaluateOptions, FlagResolution } from '../flags/evaluateFlag.js';
import type { MetaRepo } from './openMeta.js';
import { readFlagSet } from './readFlagSet.js';

export interface EvalFlagOptions extends EvaluateOptions {
  project: string;
  channel: string;
  key: string;
  /** Commit, ref or date whose flag set to evaluate (default: the tip). */
  at?: string;
}

/**
 * Evaluates a flag of a channel's flag set (at a commit, ref or date) exactly as flagd would:
 * OpenFeature resolution details with flagd's reasons and error codes; on an error `value` is
 * `defaultValue`. flagd adds `$flagd.flagKey` and `$flagd.timestamp` to the context; `fractional`
 * buckets by `targetingKey`.
 *
 * @example
 * const r = await evalFlag(repo, { project: 'acme/app', channel: 'stable', key: 'new-ui', context: { targetingKey: 'user-42' }, defaultValue: false });
 */
export async function evalFlag(repo: MetaRepo, opts: EvalFlagOptions): Promise<FlagResolution> {
  const v = await readFlagSet(repo, opts.project, opts.channel, opts.at);
  const { evaluateFlag } = await import('../flags/evaluateFlag.js');
  return evaluateFlag(v.document, opts.key, { type: opts.type, defaultValue: opts.defaultValue, context: opts.context });
}
