import type { VNode } from 'preact';
import { useEffect } from 'preact/hooks';
import { getJson, projectPath } from '../api.js';
import { HoldAction } from '../components/Actions.js';
import { ErrorBox, Loading, PageLink, RepoUrl, Status, Time } from '../components/common.js';
import { ACTION_TEXT, short, size } from '../format.js';
import { html } from '../html.js';
import { PipelineGraph } from '../components/Pipeline.js';
import { SettingsPanel } from '../components/Settings.js';
import type { ChannelHistoryPage, ChannelView, HistoryEntry, PageProps, ProjectChannelsView, ProjectView, ReleaseList, ReleaseSummary } from '../types.js';
import { useData } from '../useData.js';
import { usePaged } from '../usePaged.js';

/** One channel as a stage: what is live, since when and by whom, hold and yank, and its actions. */
function ChannelCard(props: { c: ChannelView; project: string; at?: string; token: string | null }): VNode {
  const c = props.c;
  return html`<li class="card" aria-labelledby=${`ch-${c.channel}`}>
    <h3 id=${`ch-${c.channel}`}>${c.channel}</h3>
    <p class="big">${c.current ? html`<${PageLink} to=${{ page: 'release', project: props.project, version: c.current.version }} at=${props.at}>${c.current.version}<//>` : html`<span class="muted">nothing live</span>`}</p>
    <p>${c.held ? html`<${Status} kind="warn">held<//>` : html`<${Status} kind="ok">open<//>`} ${c.yank ? html`<${Status} kind="bad">live release yanked<//>` : ''}</p>
    <dl class="kv">
      <dt>Since</dt><dd><${Time} iso=${c.since} /></dd>
      <dt>By</dt><dd>${c.by ?? '—'}</dd>
      <dt>Sequence</dt><dd>${c.sequence}</dd>
      ${c.rollbackTarget ? html`<dt>Rollback to</dt><dd>${c.rollbackTarget.version}</dd>` : ''}
      ${c.hold ? html`<dt>Held by</dt><dd>${c.hold.by}, <${Time} iso=${c.hold.since} />: <span class="prewrap">${c.hold.reason}</span></dd>` : ''}
      ${c.yank ? html`<dt>Yanked</dt><dd>by ${c.yank.by}: <span class="prewrap">${c.yank.reason}</span></dd>` : ''}
    </dl>
    <${HoldAction} token=${props.token} project=${props.project} channel=${c.channel} held=${c.held} />
  </li>`;
}

/** A channel's timeline: every promotion, rollback, hold, unhold and yank, newest first. */
function Timeline(props: { project: string; channel: string; at?: string; commit: string; tick: number }): VNode {
  const list = usePaged<HistoryEntry, ChannelHistoryPage>((cursor, signal) => getJson<ChannelHistoryPage>(projectPath(props.project, `/channels/${encodeURIComponent(props.channel)}/history`), { at: props.commit, limit: 20, cursor }, signal), [props.commit, props.tick]);
  return html`<section class="timeline" aria-labelledby=${`tl-${props.channel}`}>
    <h3 id=${`tl-${props.channel}`}>${props.channel} <span class="muted small">(${list.data?.total ?? '…'} records)</span></h3>
    <${ErrorBox} error=${list.error} />
    <ol class="events">${list.items.map((h) => html`<li key=${h.sequence}>
      <span class="mono">#${h.sequence}</span> <strong>${ACTION_TEXT[h.action] ?? h.action}</strong>
      ${h.action === 'hold' || h.action === 'release-hold' ? '' : html` <${PageLink} to=${{ page: 'release', project: props.project, version: h.release.version }} at=${props.at}>${h.release.version}<//>`}
      ${h.previous && h.action !== 'hold' && h.action !== 'release-hold' ? html` <span class="muted">(was ${h.previous.version})</span>` : ''}
      <span class="muted"> · <${Time} iso=${h.time} /> · ${h.actor}</span>
      ${h.reason ? html`<div class="prewrap reason">${h.reason}</div>` : ''}
    </li>`)}</ol>
    ${list.more ? html`<button type="button" onClick=${list.more}>Older records of ${props.channel}</button>` : ''}
  </section>`;
}

function ReleaseRow(props: { r: ReleaseSummary; project: string; at?: string }): VNode {
  const r = props.r;
  return html`<tr>
    <th scope="row"><${PageLink} to=${{ page: 'release', project: props.project, version: r.version }} at=${props.at}>${r.version}<//></th>
    <td><${Time} iso=${r.recordedAt} /><div class="muted small">${r.recordedBy}</div></td>
    <td>${r.liveOn.length ? r.liveOn.join(', ') : html`<span class="muted">—</span>`}${r.yank ? html` <${Status} kind="bad">yanked<//>` : ''}</td>
    <td>${r.binaries.length ? html`<ul class="plain">${r.binaries.map((b) => {
      const verified = r.verifiedLocations.filter((l) => l.platform === b.platform);
      return html`<li key=${b.platform}>${b.platform} <span class="muted">${size(b.size)} · <span class="mono">${short(b.digest, 19)}</span> · ${b.locations.length} location${b.locations.length === 1 ? '' : 's'}${verified.length ? html` · ${verified.length} verified copies (${[...new Set(verified.map((l) => l.region || 'no region'))].join(', ')})` : ''}</span></li>`;
    })}</ul>` : html`<span class="muted">none</span>`}</td>
  </tr>`;
}

/** A project: its channels as the stages of its pipeline, each channel's timeline, and its releases. */
export function ProjectPage(props: PageProps): VNode {
  const project = props.project!;
  const info = useData((signal) => getJson<ProjectView>(projectPath(project), { at: props.at }, signal), [project, props.at]);
  const channels = useData((signal) => getJson<ProjectChannelsView>(projectPath(project, '/channels'), { at: props.at }, signal), [project, props.at, props.tick]);
  const commit = channels.data?.commit;
  useEffect(() => props.onMoment(commit, channels.data?.time), [commit]);
  const releases = usePaged<ReleaseSummary, ReleaseList>((cursor, signal) => getJson<ReleaseList>(projectPath(project, '/releases'), { at: commit, limit: 25, cursor }, signal), [commit]);
  const name = info.data?.name ?? project;
  return html`<article aria-labelledby="project-h">
    <h1 id="project-h">${name}</h1>
    <${ErrorBox} error=${info.error ?? channels.error} />
    ${info.data ? html`<p>${info.data.description ? html`<span class="prewrap">${info.data.description}</span> · ` : ''}<${RepoUrl} url=${info.data.repoUrl} />${info.data.owners.length ? html` · owners: ${info.data.owners.join(', ')}` : ''}</p>` : ''}
    <nav aria-label="Project pages" class="subnav">
      <${PageLink} to=${{ page: 'fleet', project: name }} at=${props.at}>Fleet<//>
      <${PageLink} to=${{ page: 'diff', project: name }} at=${props.at}>Diff two moments<//>
    </nav>
    ${channels.data?.pipeline ? html`<${PipelineGraph} p=${channels.data.pipeline} project=${name} at=${props.at} token=${props.token} />` : ''}
    <section aria-labelledby="channels-h">
      <h2 id="channels-h">Channels</h2>
      ${!channels.data ? html`<${Loading} loading=${channels.loading} />` : channels.data.channels.length === 0 ? html`<p class="muted">No channel has been promoted yet.</p>` : ''}
      <ol class="stages">${(channels.data?.channels ?? []).map((c) => html`<${ChannelCard} key=${c.channel} c=${c} project=${name} at=${props.at} token=${props.at === undefined ? props.token : null} />`)}</ol>
    </section>
    ${channels.data ? html`<${SettingsPanel} s=${channels.data.settings} />` : ''}
    <section aria-labelledby="timelines-h">
      <h2 id="timelines-h">Channel timelines</h2>
      <div class="timelines">${commit ? (channels.data?.channels ?? []).map((c) => html`<${Timeline} key=${c.channel} project=${name} channel=${c.channel} at=${props.at} commit=${commit} tick=${props.tick} />`) : ''}</div>
    </section>
    <section aria-labelledby="releases-h">
      <h2 id="releases-h">Releases <span class="muted small">(${releases.data?.total ?? '…'})</span></h2>
      <${ErrorBox} error=${releases.error} />
      ${releases.items.length ? html`<table class="grid">
        <thead><tr><th scope="col">Version</th><th scope="col">Recorded</th><th scope="col">Live on</th><th scope="col">Binaries</th></tr></thead>
        <tbody>${releases.items.map((r) => html`<${ReleaseRow} key=${r.version} r=${r} project=${name} at=${props.at} />`)}</tbody>
      </table>` : releases.data ? html`<p class="muted">No releases.</p>` : ''}
      ${releases.more ? html`<button type="button" onClick=${releases.more}>More releases</button>` : ''}
    </section>
  </article>`;
}
