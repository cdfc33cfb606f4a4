import { MetaError } from '../errors/MetaError.js';
import type { RolloutPolicy } from '../records/types.js';
import { wavesAreValid } from '../resolve/channelRollout.js';

/**
 * Checks a rollout policy before it is written: waves are whole percentages 1…100, strictly
 * ascending, the last 100; the interval a whole number of seconds; max-failed 0…100 (0: never
 * roll back automatically). Throws INVALID_ARGUMENT naming the bad part.
 *
 * @example
 * checkRolloutPolicy({ waves: [10, 50, 100], intervalSeconds: 900, maxFailedPercent: 20 });
 */
export function checkRolloutPolicy(p: RolloutPolicy): RolloutPolicy {
  if (!wavesAreValid(p.waves)) {
    throw new MetaError('INVALID_ARGUMENT', `rollout waves ${JSON.stringify(p.waves)} are not valid: give whole percentages from 1 to 100, strictly ascending, ending at 100 (e.g. 10,50,100)`, { waves: p.waves });
  }
  if (!Number.isSafeInteger(p.intervalSeconds) || p.intervalSeconds < 0) {
    throw new MetaError('INVALID_ARGUMENT', `rollout wave interval ${p.intervalSeconds} is not valid: give a duration such as 15m or 30s`, { intervalSeconds: p.intervalSeconds });
  }
  if (!Number.isInteger(p.maxFailedPercent) || p.maxFailedPercent < 0 || p.maxFailedPercent > 100) {
    throw new MetaError('INVALID_ARGUMENT', `rollout max-failed ${p.maxFailedPercent} is not valid: give a whole percentage from 0 (never roll back automatically) to 100`, { maxFailedPercent: p.maxFailedPercent });
  }
  return p;
}
