import type { RolloutPolicy } from '../records/types.js';
import { MetaError } from '../errors/MetaError.js';
import { parseDurationSeconds } from '../util/parseDurationSeconds.js';
import { parsePercent } from '../util/parsePercent.js';

/** `--waves 10,50,100 --wave-interval 15m --max-failed 20%` as a rollout policy (undefined without --waves). */
export function rolloutOption(args: { waves?: string; waveInterval?: string; maxFailed?: string }): RolloutPolicy | undefined {
  if (args.waves === undefined) {
    if (args.waveInterval !== undefined || args.maxFailed !== undefined) {
      throw new MetaError('INVALID_ARGUMENT', '--wave-interval and --max-failed describe a rollout in waves: give --waves too (e.g. --waves 10,50,100)', {});
    }
    return undefined;
  }
  const waves = String(args.waves).split(',').map((w) => parsePercent(w, '--waves'));
  return {
    waves,
    intervalSeconds: args.waveInterval === undefined ? 0 : parseDurationSeconds(String(args.waveInterval), '--wave-interval'),
    maxFailedPercent: args.maxFailed === undefined ? 0 : parsePercent(String(args.maxFailed), '--max-failed'),
  };
}
