import { MetaError } from '../errors/MetaError.js';
import { checkChannel, checkHost, checkProjectName } from '../records/names.js';

/** A request path matched to one route of `meta serve`, with its decoded, checked parameters. */
export interface Route {
  name: string;
  project?: string;
  channel?: string;
  host?: string;
  action?: string;
  /** The flag key of an OFREP single evaluation. */
  flag?: string;
}

/** The method each route takes (a GET route also answers HEAD). */
export const ROUTE_METHODS: Record<string, string> = { index: 'GET', healthz: 'GET', metrics: 'GET', events: 'GET', records: 'POST', project: 'GET', resolve: 'GET', download: 'GET', instances: 'GET', report: 'POST', config: 'GET', flags: 'GET', ofrep: 'POST', 'ofrep-bulk': 'POST', pipeline: 'GET', pipelineStatus: 'GET', pipelinePromote: 'POST' };

/** Splits a raw path into decoded segments; refuses traversal ('.', '..', empty) and bad escapes. */
export function pathSegments(rawPath: string): string[] {
  const parts = rawPath.split('/').slice(1);
  const out: string[] = [];
  for (const raw of parts) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw new MetaError('INVALID_ARGUMENT', `path segment '${raw}' is not valid percent-encoding`, {});
    }
    // A %2F inside a segment is a project-name separator: `acme%2Fapp` = `acme/app`.
    for (const s of seg.split('/')) {
      if (s === '' || s === '.' || s === '..' || /[\0-\x1f\\]/.test(s)) throw new MetaError('INVALID_ARGUMENT', `path ${JSON.stringify(rawPath)} has an empty, '.', '..' or control-character segment`, {});
      out.push(s);
    }
  }
  return out;
}

/** Matches `/v1/projects/<project…>` and below it `/channels/<c>/(resolve|download)`, `/instances[/<host>/report]`. */
export function matchRoute(method: string, rawPath: string): Route {
  if (rawPath === '/') return { name: 'index' };
  if (rawPath === '/healthz') return { name: 'healthz' };
  if (rawPath === '/metrics') return { name: 'metrics' };
  const segs = pathSegments(rawPath);
  if (segs[0] !== 'v1') return { name: 'unknown' };
  if (segs.length === 2 && segs[1] === 'events') return { name: 'events' };
  if (segs.length === 2 && segs[1] === 'records') return { name: 'records' };
  if (segs[1] === 'projects') {
    const rest = segs.slice(2);
    // `…/pipeline[/status|/promote]` after a project of at least two segments (`org/repo`).
    const pipe = rest.lastIndexOf('pipeline');
    if (pipe >= 2 && (pipe === rest.length - 1 || (pipe === rest.length - 2 && (rest[pipe + 1] === 'status' || rest[pipe + 1] === 'promote')))) {
      const project = checkProjectName(rest.slice(0, pipe).join('/'));
      const sub = rest[pipe + 1];
      return { name: sub === 'status' ? 'pipelineStatus' : sub === 'promote' ? 'pipelinePromote' : 'pipeline', project };
    }
    // `…/<project>/config`: a project's config (a project named …/config is reached as `/config/config`).
    if (rest.length >= 2 && rest.at(-1) === 'config' && !rest.includes('channels') && !rest.includes('instances')) return { name: 'config', project: checkProjectName(rest.slice(0, -1).join('/')) };
    const at = rest.findIndex((s) => s === 'channels' || s === 'instances');
    if (at < 0 && rest.length > 0) return { name: 'project', project: checkProjectName(rest.join('/')) };
    if (at < 1) return { name: 'unknown' };
    const project = checkProjectName(rest.slice(0, at).join('/'));
    const tail = rest.slice(at);
    if (tail[0] === 'channels' && tail.length === 3 && (tail[2] === 'resolve' || tail[2] === 'download')) {
      return { name: tail[2], project, channel: checkChannel(tail[1]!) };
    }
    if (tail[0] === 'channels' && tail.length === 3 && tail[2] === 'flags') return { name: 'flags', project, channel: checkChannel(tail[1]!) };
    // OFREP under a channel: `<baseUrl>/ofrep/v1/evaluate/flags[/<key>]` with baseUrl = …/channels/<c>.
    if (tail[0] === 'channels' && tail.length >= 6 && tail[2] === 'ofrep' && tail[3] === 'v1' && tail[4] === 'evaluate' && tail[5] === 'flags') {
      const channel = checkChannel(tail[1]!);
      if (tail.length === 6) return { name: 'ofrep-bulk', project, channel };
      return { name: 'ofrep', project, channel, flag: tail.slice(6).join('/') };
    }
    if (tail[0] === 'instances' && tail.length === 1) return { name: 'instances', project };
    if (tail[0] === 'instances' && tail.length === 3 && tail[2] === 'report') return { name: 'report', project, host: checkHost(tail[1]!) };
  }
  void method;
  return { name: 'unknown' };
}
