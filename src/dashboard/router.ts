/**
 * The dashboard's pages are paths below /ui/ (a project is one percent-encoded segment, so
 * `acme/app` is `acme%2Fapp`); `?at=` is the moment every page reads at, kept across links.
 */
export type PageName = 'projects' | 'project' | 'release' | 'diff' | 'fleet' | 'notfound';

export interface Location {
  page: PageName;
  project?: string;
  version?: string;
  /** The moment the page reads at (commit, ref or date); undefined: live at the tip. */
  at?: string;
  query: URLSearchParams;
}

/**
 * Reads a page location from a path and query.
 *
 * @example
 * parseLocation('/ui/p/acme%2Fapp/r/1.4.2', '?at=2026-03-01') // { page: 'release', project: 'acme/app', version: '1.4.2', at: '2026-03-01', … }
 */
export function parseLocation(pathname: string, search: string): Location {
  const query = new URLSearchParams(search);
  const at = query.get('at') || undefined;
  const parts = pathname.replace(/^\/ui\/?/, '').split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return '';
    }
  });
  if (parts.length === 0) return { page: 'projects', at, query };
  if (parts[0] === 'p' && parts[1]) {
    const project = parts[1];
    if (parts.length === 2) return { page: 'project', project, at, query };
    if (parts[2] === 'r' && parts[3] && parts.length === 4) return { page: 'release', project, version: parts[3], at, query };
    if (parts[2] === 'diff' && parts.length === 3) return { page: 'diff', project, at, query };
    if (parts[2] === 'fleet' && parts.length === 3) return { page: 'fleet', project, at, query };
  }
  return { page: 'notfound', at, query };
}

/** The path of a page, with `at` (and any other query) appended. */
export function pagePath(page: { page: PageName; project?: string; version?: string }, query: Record<string, string | undefined> = {}): string {
  const p = page.project ? encodeURIComponent(page.project) : '';
  let path = '/ui/';
  if (page.page === 'project') path = `/ui/p/${p}`;
  else if (page.page === 'release') path = `/ui/p/${p}/r/${encodeURIComponent(page.version ?? '')}`;
  else if (page.page === 'diff') path = `/ui/p/${p}/diff`;
  else if (page.page === 'fleet') path = `/ui/p/${p}/fleet`;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
