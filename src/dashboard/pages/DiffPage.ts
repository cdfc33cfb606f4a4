import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { Commit, ErrorBox, Loading, PageLink, RepoUrl, Status, Time } from '../components/common.js';
import { compareUrl } from '../forge.js';
import { short } from '../format.js';
import { html } from '../html.js';
import { pagePath } from '../router.js';
import type { ChannelDiff, MomentsDiff, PageProps } from '../types.js';
import { useData } from '../useData.js';

function statusKind(s: string): 'ok' | 'warn' | 'bad' | 'info' {
  return s === 'same' ? 'ok' : s === 'removed' ? 'bad' : s === 'added' ? 'info' : 'warn';
}

function ChannelSection(props: { c: ChannelDiff; project: string }): VNode {
  const c = props.c;
  return html`<section class="diffchannel" aria-labelledby=${`d-${c.channel}`}>
    <h2 id=${`d-${c.channel}`}>${c.channel}: ${c.from.release?.version ?? '—'} → ${c.to.release?.version ?? '—'} ${c.changed ? html`<${Status} kind="warn">changed<//>` : html`<${Status} kind="ok">unchanged<//>`}</h2>
    <table class="grid"><caption>Sources</caption><thead><tr><th scope="col">Repository</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Change</th></tr></thead>
      <tbody>${c.sources.map((s) => {
        const cmp = s.from && s.to && s.from !== s.to ? compareUrl(s.url, s.from, s.to) : undefined;
        return html`<tr key=${`${s.url}|${s.path}`}><td><${RepoUrl} url=${s.url} />${s.path ? html` <span class="mono">${s.path}</span>` : ''}</td>
          <td>${s.from ? html`<${Commit} repo=${s.url} commit=${s.from} />` : '—'}</td><td>${s.to ? html`<${Commit} repo=${s.url} commit=${s.to} />` : '—'}</td>
          <td><${Status} kind=${statusKind(s.status)}>${s.status}<//>${cmp ? html` <a href=${cmp} rel="noopener noreferrer">commit range ${short(s.from, 7)}…${short(s.to, 7)}</a>` : ''}</td></tr>`;
      })}</tbody></table>
    ${c.imports.length ? html`<table class="grid"><caption>Imports</caption><thead><tr><th scope="col">Module</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Change</th></tr></thead>
      <tbody>${c.imports.map((m) => html`<tr key=${m.module}><td class="mono">${m.module}</td><td>${m.from ?? '—'}</td><td>${m.to ?? '—'}</td><td><${Status} kind=${statusKind(m.status)}>${m.status}<//></td></tr>`)}</tbody></table>` : ''}
    <table class="grid"><caption>Binaries</caption><thead><tr><th scope="col">Platform</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Change</th></tr></thead>
      <tbody>${c.binaries.map((b) => html`<tr key=${b.platform}><th scope="row">${b.platform}</th><td class="mono">${short(b.from, 19) || '—'}</td><td class="mono">${short(b.to, 19) || '—'}</td><td><${Status} kind=${statusKind(b.status)}>${b.status}<//></td></tr>`)}</tbody></table>
  </section>`;
}

/** Two moments of a project side by side: per channel the release, each repository's commit range, imports and binaries. */
export function DiffPage(props: PageProps): VNode {
  const project = props.project!;
  const from = props.query.get('from') ?? '';
  const to = props.query.get('to') || props.at || '';
  const [fromText, setFrom] = useState(from);
  const [toText, setTo] = useState(to);
  useEffect(() => { setFrom(from); setTo(to); }, [from, to]);
  const d = useData((signal) => (from ? getJson<MomentsDiff>('/v1/diff', { project, from, to: to || undefined }, signal) : Promise.resolve(undefined)), [project, from, to, props.tick]);
  useEffect(() => props.onMoment(d.data?.to.commit, d.data?.to.time), [d.data?.to.commit]);
  return html`<article aria-labelledby="diff-h">
    <p class="crumbs"><${PageLink} to=${{ page: 'project', project }} at=${props.at}>${project}<//></p>
    <h1 id="diff-h">Diff of two moments</h1>
    <form class="diffform" onSubmit=${(e: Event) => { e.preventDefault(); props.navigate(pagePath({ page: 'diff', project }, { from: fromText.trim(), to: toText.trim(), at: props.at })); }}>
      <label for="diff-from">From (commit or date)</label>
      <input id="diff-from" type="text" required value=${fromText} onInput=${(e: Event) => setFrom((e.target as HTMLInputElement).value)} />
      <label for="diff-to">To (commit or date; empty: now)</label>
      <input id="diff-to" type="text" value=${toText} onInput=${(e: Event) => setTo((e.target as HTMLInputElement).value)} />
      <button type="submit">Compare</button>
    </form>
    <${ErrorBox} error=${d.error} />
    ${!from ? html`<p class="muted">Give a moment to compare from.</p>` : !d.data ? html`<${Loading} loading=${d.loading} />` : html`
      <p>From <span class="mono">${short(d.data.from.commit)}</span> (<${Time} iso=${d.data.from.time} />) to <span class="mono">${short(d.data.to.commit)}</span> (<${Time} iso=${d.data.to.time} />)</p>
      ${d.data.channels.length === 0 ? html`<p class="muted">No channel on either side.</p>` : d.data.channels.map((c) => html`<${ChannelSection} key=${c.channel} c=${c} project=${project} />`)}
      <section aria-labelledby="d-settings"><h2 id="d-settings">Config and flags</h2>
        ${d.data.config.length ? html`<table class="grid"><caption>Config changes</caption><thead><tr><th scope="col">Layer</th><th scope="col">Key</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Change</th></tr></thead>
          <tbody>${d.data.config.map((c) => html`<tr key=${`${c.layer}|${c.key}`}><td>${c.layer}</td><th scope="row" class="mono">${c.key}</th><td class="mono prewrap">${c.from ?? '—'}</td><td class="mono prewrap">${c.to ?? '—'}</td><td><${Status} kind=${statusKind(c.status)}>${c.status}<//></td></tr>`)}</tbody></table>` : html`<p class="muted">No config changes.</p>`}
        ${d.data.flags.length ? html`<table class="grid"><caption>Flag changes</caption><thead><tr><th scope="col">Channel</th><th scope="col">Flag</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Change</th></tr></thead>
          <tbody>${d.data.flags.map((c) => html`<tr key=${`${c.channel}|${c.flag}`}><td>${c.channel}</td><th scope="row" class="mono">${c.flag}</th><td class="mono prewrap">${c.from ?? '—'}</td><td class="mono prewrap">${c.to ?? '—'}</td><td><${Status} kind=${statusKind(c.status)}>${c.status}<//></td></tr>`)}</tbody></table>` : html`<p class="muted">No flag changes.</p>`}
      </section>`}
  </article>`;
}
