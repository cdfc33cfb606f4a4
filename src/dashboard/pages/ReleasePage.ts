import type { VNode } from 'preact';
import { useEffect } from 'preact/hooks';
import { getJson, projectPath } from '../api.js';
import { PromoteAction } from '../components/Actions.js';
import { Commit, ErrorBox, Loading, Location, PageLink, RepoUrl, Status, Time } from '../components/common.js';
import { ACTION_TEXT, size } from '../format.js';
import { html } from '../html.js';
import type { ChannelView, PageProps, ReleaseDetail } from '../types.js';
import { useData } from '../useData.js';

/** A release: every source at its commit, imports and importers, binaries, where it is live, its channel records. */
export function ReleasePage(props: PageProps): VNode {
  const project = props.project!;
  const version = props.version!;
  const d = useData((signal) => getJson<ReleaseDetail>(projectPath(project, `/releases/${encodeURIComponent(version)}`), { at: props.at }, signal), [project, version, props.at, props.tick]);
  const chans = useData((signal) => (props.token ? getJson<{ channels: ChannelView[] }>(projectPath(project, '/channels'), {}, signal) : Promise.resolve({ channels: [] })), [project, props.token]);
  useEffect(() => props.onMoment(d.data?.commit), [d.data?.commit]);
  const r = d.data;
  return html`<article aria-labelledby="release-h">
    <p class="crumbs"><${PageLink} to=${{ page: 'project', project: r?.project ?? project }} at=${props.at}>${r?.project ?? project}<//></p>
    <h1 id="release-h">Release ${version}</h1>
    <${ErrorBox} error=${d.error} />
    ${!r ? html`<${Loading} loading=${d.loading} />` : html`
    <p>${r.yank ? html`<${Status} kind="bad">yanked by ${r.yank.by}, <${Time} iso=${r.yank.at} />: <span class="prewrap">${r.yank.reason}</span><//>` : html`<${Status} kind="ok">not yanked<//>`}</p>
    <dl class="kv">
      <dt>Recorded</dt><dd><${Time} iso=${r.release.header.createdAt} /> by ${r.release.header.actor}</dd>
      <dt>Record</dt><dd class="mono">${r.githash}</dd>
      <dt>Path</dt><dd class="mono">${r.path}</dd>
      ${r.release.notes ? html`<dt>Notes</dt><dd class="prewrap">${r.release.notes}</dd>` : ''}
    </dl>
    <${PromoteAction} token=${props.at === undefined ? props.token : null} project=${r.project} version=${version} channels=${(chans.data?.channels ?? []).map((c) => c.channel)} />
    <section aria-labelledby="live-h"><h2 id="live-h">Live on</h2>
      ${r.live.length ? html`<ul>${r.live.map((l) => html`<li key=${l.channel}><strong>${l.channel}</strong> since <${Time} iso=${l.since} /> by ${l.by} (#${l.sequence})</li>`)}</ul>` : html`<p class="muted">Not live on any channel at this moment.</p>`}
    </section>
    <section aria-labelledby="sources-h"><h2 id="sources-h">Sources</h2>
      <table class="grid"><thead><tr><th scope="col">Repository</th><th scope="col">Commit</th><th scope="col">Path</th><th scope="col">Tag</th></tr></thead>
      <tbody>${r.release.sources.map((s, i) => html`<tr key=${i}><td><${RepoUrl} url=${s.url} /></td><td><${Commit} repo=${s.url} commit=${s.commit} /></td><td class="mono">${s.path}</td><td>${s.tag}</td></tr>`)}</tbody></table>
    </section>
    <section aria-labelledby="imports-h"><h2 id="imports-h">Imports</h2>
      ${r.release.imports.length ? html`<ul>${r.release.imports.map((m) => html`<li key=${m.module}><span class="mono">${m.module}</span> @ ${m.version ? html`<${PageLink} to=${{ page: 'release', project: m.module, version: m.version }} at=${props.at}>${m.version}<//>` : html`<span class="mono">${m.githash}</span>`}</li>`)}</ul>` : html`<p class="muted">No imports.</p>`}
      <h3>Imported by</h3>
      ${r.importers.length ? html`<ul>${r.importers.map((i) => html`<li key=${i.githash}><${PageLink} to=${{ page: 'release', project: i.project, version: i.version }} at=${props.at}>${i.project} ${i.version}<//>${i.yanked ? html` <${Status} kind="bad">yanked<//>` : ''}</li>`)}</ul>` : html`<p class="muted">No release imports it.</p>`}
    </section>
    <section aria-labelledby="binaries-h"><h2 id="binaries-h">Binaries</h2>
      ${r.binaries.length ? html`<table class="grid"><thead><tr><th scope="col">Platform</th><th scope="col">Digest</th><th scope="col">Size</th><th scope="col">Locations</th></tr></thead>
      <tbody>${r.binaries.map((b) => html`<tr key=${b.platform}><th scope="row">${b.platform}</th><td class="mono wrap">${b.digest}</td><td>${size(b.size)}</td>
        <td><ul class="plain">${b.locations.map((l, i) => html`<li key=${i}><${Location} url=${l} /> <span class="muted small">(recorded)</span></li>`)}
          ${r.evidence.locations.filter((l) => l.platform === b.platform).map((l, i) => html`<li key=${`v${i}`}><${Location} url=${l.url} /> <${Status} kind="ok">verified<//> <span class="small">${l.region || 'no region'} · <${Time} iso=${l.verifiedAt} /> · ${l.method} · ${l.by}</span></li>`)}</ul>
          ${b.signatures ? html`<div class="muted small">${b.signatures} signature(s)</div>` : ''}</td></tr>`)}</tbody></table>` : html`<p class="muted">No binaries recorded.</p>`}
    </section>
    <section aria-labelledby="evidence-h"><h2 id="evidence-h">Approvals, verifications and gates</h2>
      ${r.evidence.approvals.length ? html`<table class="grid"><caption>Approvals</caption><thead><tr><th scope="col">Channel</th><th scope="col">By</th><th scope="col">When</th><th scope="col">Comment</th></tr></thead>
        <tbody>${r.evidence.approvals.map((a) => html`<tr key=${a.githash}><td>${a.channel}</td><td>${a.actor}</td><td><${Time} iso=${a.at} /></td><td class="prewrap">${a.comment}</td></tr>`)}</tbody></table>` : html`<p class="muted">No approvals.</p>`}
      ${r.evidence.verifications.length ? html`<table class="grid"><caption>Verifications (newest first)</caption><thead><tr><th scope="col">Channel</th><th scope="col">Check</th><th scope="col">Result</th><th scope="col">When, by</th><th scope="col">Message</th></tr></thead>
        <tbody>${r.evidence.verifications.map((v, i) => html`<tr key=${i}><td>${v.channel}</td><td>${v.name}${v.latest ? '' : html` <span class="muted small">(superseded)</span>`}</td>
          <td><${Status} kind=${v.status === 'passed' ? 'ok' : 'bad'}>${v.status}<//></td><td><${Time} iso=${v.at} />, ${v.by}</td>
          <td class="prewrap">${v.message}${v.url ? html` <${Location} url=${v.url} />` : ''}</td></tr>`)}</tbody></table>` : html`<p class="muted">No verifications.</p>`}
      ${r.evidence.gates.length ? html`<table class="grid"><caption>Gate results (newest first)</caption><thead><tr><th scope="col">Channel</th><th scope="col">Gate</th><th scope="col">State</th><th scope="col">When</th><th scope="col">Evidence</th></tr></thead>
        <tbody>${r.evidence.gates.map((g, i) => html`<tr key=${i}><td>${g.channel}</td><td>#${g.gateIndex + 1} ${g.gateType}${g.latest ? '' : html` <span class="muted small">(superseded)</span>`}</td>
          <td><${Status} kind=${g.state === 'passed' ? 'ok' : g.state === 'failed' ? 'bad' : 'warn'}>${g.state}<//></td><td><${Time} iso=${g.at} /></td>
          <td><span class="prewrap">${g.detail}</span> <span class="mono small">${g.evidence.map((e) => `${e.key}=${e.value}`).join(' ')}</span></td></tr>`)}</tbody></table>` : html`<p class="muted">No gate results.</p>`}
    </section>
    <section aria-labelledby="recs-h"><h2 id="recs-h">Channel records naming it</h2>
      ${r.promotions.length ? html`<ol class="events">${r.promotions.map((p) => html`<li key=${`${p.channel}-${p.sequence}`}><strong>${p.channel}</strong> #${p.sequence}: ${ACTION_TEXT[p.action] ?? p.action} <span class="muted">· <${Time} iso=${p.time} /> · ${p.actor}</span>${p.reason ? html`<div class="prewrap reason">${p.reason}</div>` : ''}</li>`)}</ol>` : html`<p class="muted">Never promoted.</p>`}
    </section>`}
  </article>`;
}
