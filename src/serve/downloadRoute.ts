import type { ServerResponse } from 'node:http';
import { MetaError } from '../errors/MetaError.js';
import type { MetaRepo } from '../api/openMeta.js';
import { parsePlatform } from '../records/names.js';
import { requireParam } from './httpJson.js';
import type { Route } from './matchRoute.js';

/** How `/download` turns an `s3://` location into one a plain HTTP client can fetch. */
export interface Presigner {
  seconds: number;
  storage: { presign(url: string, seconds: number): Promise<string | undefined> };
}

const REGION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * `GET …/channels/<c>/download`: a 302 to the binary the channel resolves to (at the tip or
 * `?at=`), with its digest, size, version and the commit in `x-meta-*` headers. `?region=r`
 * prefers that region's copies and falls back to the others in order; with `presign`, an
 * `s3://` location is answered as a presigned URL, so `curl -L` works against private buckets.
 */
export async function downloadRoute(repo: MetaRepo, res: ServerResponse, route: Route, query: URLSearchParams, presign?: Presigner): Promise<void> {
  const { resolveBinaryIn } = await import('../api/resolveBinary.js');
  const platform = requireParam(query, 'platform');
  parsePlatform(platform);
  const at = query.get('at');
  const commit = at ? repo.store.resolveAt(at) : repo.store.tip();
  if (!commit) throw new MetaError('NOT_FOUND', 'the repository has no commits yet', {});
  const r = resolveBinaryIn(repo, repo.store.snapshot(commit), { project: route.project!, channel: route.channel!, platform });
  const region = query.get('region');
  if (region !== null && !REGION.test(region)) throw new MetaError('INVALID_ARGUMENT', "?region= takes a region name: letters, digits, '.', '_' and '-'", {});
  let locations = r.binary.locations;
  if (region) locations = [...r.binary.regions.filter((l) => l.region === region), ...r.binary.regions.filter((l) => l.region !== region)].map((l) => l.url);
  if (presign) locations = await presignAll(locations, presign);
  const loc = downloadLocation(locations, query.get('location'), `${r.release.version} ${platform}`);
  res.writeHead(302, {
    location: loc, etag: `"${commit}"`, 'cache-control': 'no-cache',
    'x-meta-digest': headerText(r.binary.digest), 'x-meta-size': String(r.binary.size), 'x-meta-version': headerText(r.release.version), 'x-meta-commit': commit,
  });
  res.end();
}

/**
 * The s3:// locations as presigned https URLs, placed where they were; one that cannot be signed
 * (no credentials on the server, a bad location) stays as it was, and is passed over as before.
 */
async function presignAll(locations: string[], p: Presigner): Promise<string[]> {
  return Promise.all(locations.map(async (l) => {
    if (!l.startsWith('s3://')) return l;
    try {
      return (await p.storage.presign(l, p.seconds)) ?? l;
    } catch {
      return l;
    }
  }));
}

/**
 * Where `/download` redirects: the `?location=<n>`-th location (0 = the first, as in the resolve
 * answer's `binary.locations`), else the first http(s) one, since curl and browsers cannot follow a
 * redirect to `file://` or `s3://`, else the first any client could use. Locations are whatever a
 * writer recorded: only one that is a URL a header can carry is ever used.
 */
export function downloadLocation(locations: string[], pick: string | null, what: string): string {
  if (pick !== null) {
    if (!/^\d{1,4}$/.test(pick)) throw new MetaError('INVALID_ARGUMENT', `?location= takes the index of a location (0 for the first), not '${pick.slice(0, 20)}'`, { location: pick.slice(0, 20) });
    const n = Number(pick);
    if (n >= locations.length) throw new MetaError('NOT_FOUND', `the binary ${what} has ${locations.length} location(s); ?location= counts from 0`, { location: n, locations: locations.length });
    const u = headerUrl(locations[n]!);
    if (!u) throw new MetaError('NOT_FOUND', `location ${n} of the binary ${what} is not usable as a redirect`, { location: n });
    return u;
  }
  const usable = locations.map(headerUrl).filter((u): u is string => u !== undefined);
  const loc = usable.find((u) => /^https?:/i.test(u)) ?? usable[0];
  if (!loc) throw new MetaError('NOT_FOUND', `the binary ${what} lists no location usable as a redirect`, {});
  return loc;
}

/**
 * A recorded location as a `Location` header value: the URL re-serialised (non-ASCII
 * percent-encoded), or undefined when it is not a URL or still holds what a header cannot carry.
 */
function headerUrl(loc: string): string | undefined {
  let href: string;
  try {
    href = new URL(loc).href;
  } catch {
    return undefined;
  }
  return /^[\x21-\x7e]+$/.test(href) ? href : undefined;
}

/** Record text for a header: printable ASCII as is, anything else percent-encoded. */
function headerText(v: string): string {
  return /^[\x20-\x7e]*$/.test(v) ? v : encodeURIComponent(v);
}
