import { checkChannel, checkProjectName, checkVersion } from '../records/names.js';
import { pathSegments, type Route } from './matchRoute.js';

/** The read routes the dashboard added to `meta serve` (all GET), and the dashboard's own pages. */
export type DashboardRouteName = 'projects' | 'channels' | 'history' | 'releases' | 'release' | 'diff' | 'log' | 'ui';

export interface DashboardRoute extends Route {
  name: DashboardRouteName;
  version?: string;
  /** For `ui`: the path below `/ui/`, still percent-encoded (never used to open a file). */
  asset?: string;
}

/**
 * Matches the dashboard's pages (`/ui`, `/ui/…`) and the list routes it reads: `/v1/projects`,
 * `/v1/log`, `/v1/diff`, and below a project `/channels`, `/channels/<c>/history`, `/releases`,
 * `/releases/<version>`. Undefined for any other path, which `matchRoute` then matches; these
 * are tried first because `releases` would otherwise be read as part of a project name.
 *
 * @example
 * matchDashboardRoute('/v1/projects/acme/app/releases/1.4.2') // { name: 'release', project: 'acme/app', version: '1.4.2' }
 */
export function matchDashboardRoute(rawPath: string): DashboardRoute | undefined {
  if (rawPath === '/ui') return { name: 'ui', asset: '' };
  if (rawPath.startsWith('/ui/')) return { name: 'ui', asset: rawPath.slice(4) };
  if (rawPath === '/v1/projects' || rawPath === '/v1/projects/') return { name: 'projects' };
  if (rawPath === '/v1/log') return { name: 'log' };
  if (rawPath === '/v1/diff') return { name: 'diff' };
  if (!rawPath.startsWith('/v1/projects/')) return undefined;
  const rest = pathSegments(rawPath).slice(2);
  const at = rest.findIndex((s) => s === 'channels' || s === 'releases' || s === 'instances');
  if (at < 1) return undefined;
  const tail = rest.slice(at);
  const project = () => checkProjectName(rest.slice(0, at).join('/'));
  if (tail[0] === 'channels' && tail.length === 1) return { name: 'channels', project: project() };
  if (tail[0] === 'channels' && tail.length === 3 && tail[2] === 'history') return { name: 'history', project: project(), channel: checkChannel(tail[1]!) };
  if (tail[0] === 'releases' && tail.length === 1) return { name: 'releases', project: project() };
  if (tail[0] === 'releases' && tail.length === 2) return { name: 'release', project: project(), version: checkVersion(tail[1]!) };
  return undefined;
}
