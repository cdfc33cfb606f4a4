import type { VNode } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { getJson, projectPath } from '../api.js';
import { ErrorBox, Loading, PageLink, Status, Time } from '../components/common.js';
import { duration } from '../format.js';
import { html } from '../html.js';
import type { InstancesView, InstanceView, PageProps } from '../types.js';
import { useData } from '../useData.js';

const HOSTS_PER_PAGE = 100;

function hostState(h: InstanceView): VNode {
  if (h.current) return html`<${Status} kind="ok">on target<//>`;
  if (h.status === 'failed') return html`<${Status} kind="bad">failed<//>`;
  if (h.status === 'installing') return html`<${Status} kind="info">installing<//>`;
  return html`<${Status} kind="warn">lagging${h.lagSeconds ? ` ${duration(h.lagSeconds)}` : ''}<//>`;
}

/** Counts hosts by a key into on-target / total, in key order. */
function countBy(hosts: InstanceView[], key: (h: InstanceView) => string): { key: string; total: number; current: number; failed: number }[] {
  const m = new Map<string, { key: string; total: number; current: number; failed: number }>();
  for (const h of hosts) {
    const k = key(h);
    let e = m.get(k);
    if (!e) m.set(k, (e = { key: k, total: 0, current: 0, failed: 0 }));
    e.total++;
    if (h.current) e.current++;
    if (h.status === 'failed') e.failed++;
  }
  return [...m.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The fleet: hosts per environment, channel and region; on target, lagging (for how long), failed (with the message). */
export function FleetPage(props: PageProps): VNode {
  const project = props.project!;
  const env = props.query.get('env') ?? undefined;
  const d = useData((signal) => getJson<InstancesView>(projectPath(project, '/instances'), { env, at: props.at }, signal), [project, env, props.at, props.tick]);
  useEffect(() => props.onMoment(d.data?.commit), [d.data?.commit]);
  const [filter, setFilter] = useState('');
  const [shown, setShown] = useState(HOSTS_PER_PAGE);
  const hosts = d.data?.hosts ?? [];
  const filtered = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? hosts.filter((h) => `${h.host} ${h.env} ${h.channel} ${h.region} ${h.version} ${h.status}`.toLowerCase().includes(f)) : hosts;
  }, [hosts, filter]);
  const byEnv = useMemo(() => countBy(hosts, (h) => `${h.env} / ${h.channel || '(no channel)'}`), [hosts]);
  const byRegion = useMemo(() => countBy(hosts, (h) => h.region || '(no region)'), [hosts]);
  const v = d.data;
  return html`<article aria-labelledby="fleet-h">
    <p class="crumbs"><${PageLink} to=${{ page: 'project', project: v?.project ?? project }} at=${props.at}>${v?.project ?? project}<//></p>
    <h1 id="fleet-h">Fleet${env ? ` in ${env}` : ''}</h1>
    <${ErrorBox} error=${d.error} />
    ${!v ? html`<${Loading} loading=${d.loading} />` : html`
    <section aria-labelledby="fleet-ch-h"><h2 id="fleet-ch-h">By channel</h2>
      ${v.channels.length === 0 ? html`<p class="muted">No host reports.</p>` : html`<table class="grid"><thead><tr><th scope="col">Channel</th><th scope="col">Target</th><th scope="col">On target</th><th scope="col">Lagging</th><th scope="col">Installing</th><th scope="col">Failed</th></tr></thead>
      <tbody>${v.channels.map((c) => html`<tr key=${c.channel}><th scope="row">${c.channel || '(none)'}</th><td>${c.desired || '—'}</td>
        <td><${Status} kind=${c.current === c.total ? 'ok' : 'warn'}>${c.current} of ${c.total}<//></td><td>${c.lagging.length}</td><td>${c.installing.length}</td><td>${c.failed.length ? html`<${Status} kind="bad">${c.failed.length}<//>` : '0'}</td></tr>`)}</tbody></table>`}
    </section>
    <div class="cols">
      <section aria-labelledby="fleet-env-h"><h2 id="fleet-env-h">By environment and channel</h2>
        <table class="grid"><thead><tr><th scope="col">Environment / channel</th><th scope="col">On target</th><th scope="col">Failed</th></tr></thead>
        <tbody>${byEnv.map((e) => html`<tr key=${e.key}><th scope="row">${e.key}</th><td>${e.current} of ${e.total}</td><td>${e.failed}</td></tr>`)}</tbody></table>
      </section>
      <section aria-labelledby="fleet-region-h"><h2 id="fleet-region-h">By region</h2>
        <table class="grid"><thead><tr><th scope="col">Region</th><th scope="col">On target</th><th scope="col">Failed</th></tr></thead>
        <tbody>${byRegion.map((e) => html`<tr key=${e.key}><th scope="row">${e.key}</th><td>${e.current} of ${e.total}</td><td>${e.failed}</td></tr>`)}</tbody></table>
      </section>
    </div>
    <section aria-labelledby="fleet-failed-h"><h2 id="fleet-failed-h">Failed</h2>
      ${v.channels.some((c) => c.failed.length) ? html`<ul>${v.channels.flatMap((c) => c.failed).map((h) => html`<li key=${`${h.env}/${h.host}`}><strong>${h.host}</strong> (${h.env}, ${h.channel}, ${h.version || 'no version'}): <span class="prewrap">${h.message || 'no message'}</span> <span class="muted">· <${Time} iso=${h.reportedAt} /></span></li>`)}</ul>` : html`<p class="muted">No failed hosts.</p>`}
    </section>
    <section aria-labelledby="fleet-lag-h"><h2 id="fleet-lag-h">Lagging</h2>
      ${v.channels.some((c) => c.lagging.length) ? html`<ul>${v.channels.flatMap((c) => c.lagging).slice(0, 200).map((h) => html`<li key=${`${h.env}/${h.host}`}><strong>${h.host}</strong> runs ${h.version || 'nothing'}, target ${h.desired || '—'}, for ${duration(h.lagSeconds)}</li>`)}</ul>` : html`<p class="muted">No lagging hosts.</p>`}
    </section>
    <section aria-labelledby="fleet-hosts-h"><h2 id="fleet-hosts-h">Hosts <span class="muted small">(${filtered.length} of ${hosts.length})</span></h2>
      <label for="host-filter">Filter hosts</label> <input id="host-filter" type="search" value=${filter} onInput=${(e: Event) => { setFilter((e.target as HTMLInputElement).value); setShown(HOSTS_PER_PAGE); }} />
      <table class="grid"><thead><tr><th scope="col">Host</th><th scope="col">Environment</th><th scope="col">Channel</th><th scope="col">Region</th><th scope="col">Runs</th><th scope="col">State</th><th scope="col">Reported</th></tr></thead>
      <tbody>${filtered.slice(0, shown).map((h) => html`<tr key=${`${h.env}/${h.host}`}><th scope="row">${h.host}</th><td>${h.env}</td><td>${h.channel}</td><td>${h.region}</td><td>${h.version}</td><td>${hostState(h)}</td><td><${Time} iso=${h.reportedAt} /></td></tr>`)}</tbody></table>
      ${filtered.length > shown ? html`<button type="button" onClick=${() => setShown(shown + HOSTS_PER_PAGE)}>More hosts</button>` : ''}
    </section>`}
  </article>`;
}
