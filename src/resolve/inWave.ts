import { murmur3 } from './murmur3.js';

/**
 * A host's bucket in [0, 100) for a project's channel: `floor(murmur3_32("<project>|<channel>|<host>") × 100 / 2³²)`,
 * the same arithmetic as flagd's `fractional` with 100 buckets of weight 1, so any tool can
 * reproduce which hosts a wave holds. Stable across releases: the hosts of a channel's first wave
 * are the same for every rollout, which makes them the channel's canaries.
 *
 * @example
 * hostBucket('acme/app', 'stable', 'web-01'); // a number 0…99
 */
export function hostBucket(project: string, channel: string, host: string): number {
  return Number((BigInt(murmur3(`${project}|${channel}|${host}`)) * 100n) >> 32n);
}

/**
 * True when `host` belongs to a wave that reaches `percent` % of the channel's hosts: its bucket is
 * below the percentage. Waves are cumulative (10, 50, 100), so a host in one wave is in every later one.
 *
 * @example
 * inWave('acme/app', 'stable', 'web-01', 10);
 */
export function inWave(project: string, channel: string, host: string, percent: number): boolean {
  return hostBucket(project, channel, host) < percent;
}
