import type { ChannelFleet } from '../api/listInstances.js';

/** `2h`, `5m`, `40s`, `3d`: how people say a lag. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/**
 * The one-line fleet summary:
 * `stable → 1.4.2: 47 of 50 hosts; lagging: h12 (1.4.1, 2h); installing: h7 (1.4.2); failed: h31 (hook exit 3)`.
 */
export function formatFleetLine(c: ChannelFleet): string {
  const head = `${c.channel || '(no channel)'} → ${c.desired || '(nothing live)'}: ${c.current} of ${c.total} host${c.total === 1 ? '' : 's'}`;
  const parts = [head];
  if (c.lagging.length) parts.push(`lagging: ${c.lagging.map((h) => `${h.host} (${h.version || 'unknown'}${h.status !== 'running' ? ` ${h.status}` : ''}, ${formatAge(h.lagSeconds)})`).join(', ')}`);
  if (c.installing.length) parts.push(`installing: ${c.installing.map((h) => `${h.host} (${h.version || 'unknown'})`).join(', ')}`);
  if (c.failed.length) parts.push(`failed: ${c.failed.map((h) => `${h.host} (${h.message || 'no message'})`).join(', ')}`);
  return parts.join('; ');
}
