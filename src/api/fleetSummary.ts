import type { InstancesView } from './listInstances.js';

/** How many hosts run what their channel wants, and how many do not (by kind). */
export interface FleetSummary {
  total: number;
  current: number;
  lagging: number;
  installing: number;
  failed: number;
}

/**
 * Counts a fleet view into a summary (the project list's health column).
 *
 * @example
 * fleetSummary(listInstances(repo, { project: 'acme/app' })).failed
 */
export function fleetSummary(v: InstancesView): FleetSummary {
  const s: FleetSummary = { total: 0, current: 0, lagging: 0, installing: 0, failed: 0 };
  for (const c of v.channels) {
    s.total += c.total;
    s.current += c.current;
    s.lagging += c.lagging.length;
    s.installing += c.installing.length;
    s.failed += c.failed.length;
  }
  return s;
}
