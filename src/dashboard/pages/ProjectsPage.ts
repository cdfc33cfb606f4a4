import type { VNode } from 'preact';
import { useEffect } from 'preact/hooks';
import { getJson } from '../api.js';
import { ErrorBox, Loading, PageLink, Status, Time } from '../components/common.js';
import { html } from '../html.js';
import type { ChannelView, FleetSummary, PageProps, ProjectOverview, ProjectsOverview } from '../types.js';
import { usePaged } from '../usePaged.js';

export function ChannelLine(props: { c: ChannelView; project: string; at?: string }): VNode {
  const c = props.c;
  return html`<li>
    <strong>${c.channel}</strong>: ${c.current ? html`<${PageLink} to=${{ page: 'release', project: props.project, version: c.current.version }} at=${props.at}>${c.current.version}<//>` : html`<span class="muted">nothing live</span>`}
    ${c.held ? html` <${Status} kind="warn">held<//>` : ''}${c.yank ? html` <${Status} kind="bad">yanked<//>` : ''}
    <span class="muted"> since <${Time} iso=${c.since} /> by ${c.by ?? '—'}</span>
  </li>`;
}

export function FleetLine(props: { f: FleetSummary }): VNode {
  const f = props.f;
  if (f.total === 0) return html`<span class="muted">no hosts report</span>`;
  return html`<span>
    <${Status} kind=${f.current === f.total ? 'ok' : f.failed ? 'bad' : 'warn'}>${f.current} of ${f.total} on target<//>
    ${f.lagging ? html`, ${f.lagging} lagging` : ''}${f.installing ? html`, ${f.installing} installing` : ''}${f.failed ? html`, ${f.failed} failed` : ''}
  </span>`;
}

/** Every project with each channel's live release, when and by whom it changed, and its fleet's health. */
export function ProjectsPage(props: PageProps): VNode {
  const list = usePaged<ProjectOverview, ProjectsOverview>((cursor, signal) => getJson<ProjectsOverview>('/v1/projects', { at: props.at, limit: 100, cursor }, signal), [props.at, props.tick]);
  useEffect(() => props.onMoment(list.data?.commit, list.data?.time), [list.data?.commit]);
  const items = list.items;
  return html`<section aria-labelledby="projects-h">
    <h1 id="projects-h">Projects</h1>
    <${ErrorBox} error=${list.error} />
    ${!list.data ? html`<${Loading} loading=${list.loading} />` : ''}
    ${list.data && items.length === 0 ? html`<p>No projects yet: add one with <code>meta project add</code>.</p>` : ''}
    ${items.length ? html`<table class="grid">
      <caption class="sr-only">Projects, their channels and fleet health</caption>
      <thead><tr><th scope="col">Project</th><th scope="col">Channels (live release)</th><th scope="col">Fleet</th></tr></thead>
      <tbody>${items.map((p) => html`<tr key=${p.name}>
        <th scope="row"><${PageLink} to=${{ page: 'project', project: p.name }} at=${props.at}>${p.name}<//>${p.description ? html`<div class="muted small">${p.description}</div>` : ''}</th>
        <td>${p.channels.length ? html`<ul class="plain">${p.channels.map((c) => html`<${ChannelLine} key=${c.channel} c=${c} project=${p.name} at=${props.at} />`)}</ul>` : html`<span class="muted">no channel yet</span>`}</td>
        <td><${FleetLine} f=${p.fleet} /> ${p.fleet.total ? html`<${PageLink} to=${{ page: 'fleet', project: p.name }} at=${props.at} label=${`Fleet of ${p.name}`}>fleet<//>` : ''}</td>
      </tr>`)}</tbody></table>` : ''}
    ${list.more ? html`<button type="button" onClick=${list.more}>More projects</button>` : ''}
  </section>`;
}
