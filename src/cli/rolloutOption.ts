import type { RolloutPolicy } from '../records/types.js';
import { MetaError } from '../errors/MetaError.js';
import { parseDurationMs, parsePercent } from '../api/parseDuration.js';

function percent(text: string, what: string): number {
  const n = parsePercent(text);
  if (n === undefined) throw new MetaError('INVALID_ARGUMENT', `${what} '${text}' is not a percentage: use a whole number from 0 to 100, such as 20%`, { value: text });
  return n;
}

/** `--waves 10,50,100 --wave-interval 15m --max-failed 20%` as a rollout policy (undefined without --waves). */
export function rolloutOption(args: { waves?: string; waveInterval?: string; maxFailed?: string }): RolloutPolicy | undefined {
  if (args.waves === undefined) {
    if (args.waveInterval !== undefined || args.maxFailed !== undefined) {
      throw new MetaError('INVALID_ARGUMENT', '--wave-interval and --max-failed describe a rollout in waves: give --waves too (e.g. --waves 10,50,100)', {});
    }
    return undefined;
  }
  const waves = String(args.waves).split(',').map((w) => percent(w, '--waves'));
  let intervalMs = 0;
  if (args.waveInterval !== undefined) {
    const ms = parseDurationMs(String(args.waveInterval));
    if (ms === undefined) throw new MetaError('INVALID_ARGUMENT', `--wave-interval '${args.waveInterval}' is not a duration: write it as 30s, 15m or 1h30m`, { value: args.waveInterval });
    intervalMs = ms;
  }
  return { waves, intervalSeconds: Math.ceil(intervalMs / 1000), maxFailedPercent: args.maxFailed === undefined ? 0 : percent(String(args.maxFailed), '--max-failed') };
}
