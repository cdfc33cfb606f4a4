import type { VNode } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { TimeControl } from './components/TimeControl.js';
import { TokenBox } from './components/TokenBox.js';
import { html } from './html.js';
import { useLiveTick } from './live.js';
import { DiffPage } from './pages/DiffPage.js';
import { FleetPage } from './pages/FleetPage.js';
import { ProjectPage } from './pages/ProjectPage.js';
import { ProjectsPage } from './pages/ProjectsPage.js';
import { ReleasePage } from './pages/ReleasePage.js';
import { pagePath, parseLocation } from './router.js';
import { readToken, saveToken } from './token.js';
import type { PageProps } from './types.js';

const PAGES = { projects: ProjectsPage, project: ProjectPage, release: ReleasePage, diff: DiffPage, fleet: FleetPage } as const;

/** Same-origin links to dashboard pages change the page without a reload. */
function internalHref(e: MouseEvent): string | undefined {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return undefined;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.origin !== window.location.origin || !a.pathname.startsWith('/ui/')) return undefined;
  // An in-page link (the skip link) keeps the browser's own behaviour: scroll and focus its target.
  if (a.hash && a.pathname === window.location.pathname && a.search === window.location.search) return undefined;
  return a.pathname + a.search;
}

/** The shell: header with the time control and token box, the page for the location, live updates. */
export function App(): VNode {
  const [href, setHref] = useState(window.location.pathname + window.location.search);
  const [token, setToken] = useState<string | null>(readToken());
  const [moment, setMoment] = useState<{ commit?: string; time?: string }>({});
  const loc = parseLocation(href.split('?')[0]!, href.includes('?') ? href.slice(href.indexOf('?')) : '');
  const navigate = useCallback((to: string) => {
    window.history.pushState(null, '', to);
    setHref(to);
    window.scrollTo(0, 0);
  }, []);
  useEffect(() => {
    const onPop = () => setHref(window.location.pathname + window.location.search);
    const onClick = (e: MouseEvent) => {
      const to = internalHref(e);
      if (to === undefined) return;
      e.preventDefault();
      navigate(to);
    };
    window.addEventListener('popstate', onPop);
    document.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    };
  }, [navigate]);
  useEffect(() => {
    const main = document.getElementById('main');
    // After a page change, focus moves to the content (keyboard and screen-reader users start there).
    if (main && document.activeElement && document.activeElement !== document.body && document.activeElement.closest('a')) main.focus();
  }, [href]);
  const tick = useLiveTick(loc.project, loc.at === undefined);
  const onToken = (t: string | null) => {
    saveToken(t);
    setToken(t);
  };
  const onMoment = useCallback((commit: string | undefined, time?: string) => setMoment({ commit, time }), []);
  const move = (at: string | undefined) => {
    const q = new URLSearchParams(loc.query);
    if (at) q.set('at', at);
    else q.delete('at');
    const s = q.toString();
    navigate(`${href.split('?')[0]}${s ? `?${s}` : ''}`);
  };
  const Page = loc.page === 'notfound' ? undefined : PAGES[loc.page];
  const props: PageProps = { project: loc.project, version: loc.version, at: loc.at, query: loc.query, token, tick, onMoment, navigate };
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <nav aria-label="Site"><a href=${pagePath({ page: 'projects' }, { at: loc.at })} class="brand">boot-meta</a>${loc.project ? html` / <a href=${pagePath({ page: 'project', project: loc.project }, { at: loc.at })}>${loc.project}</a>` : ''}</nav>
      <${TimeControl} at=${loc.at} commit=${moment.commit} time=${moment.time} project=${loc.project} onMove=${move} />
      <${TokenBox} token=${token} onToken=${onToken} />
    </header>
    <main id="main" tabindex="-1">
      ${Page ? html`<${Page} key=${href} ...${props} />` : html`<h1>Not found</h1><p>No dashboard page here. <a href="/ui/">All projects</a></p>`}
    </main>
    <footer class="foot"><span class="muted">${token ? 'Actions enabled.' : 'Read-only: type a token of scope records to act.'} Live updates ${loc.at === undefined ? 'on' : 'paused while viewing the past'}.</span></footer>
  `;
}
