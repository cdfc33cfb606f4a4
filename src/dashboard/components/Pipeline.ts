import type { VNode } from 'preact';
import { html } from '../html.js';
import type { GateStatus, PipelineStatusView, StageStatus } from '../types.js';
import { StageActions } from './Actions.js';
import { PageLink, Status, Time } from './common.js';

const GATE_KIND = { passed: 'ok', failed: 'bad', pending: 'warn' } as const;

function Gate(props: { g: GateStatus }): VNode {
  const g = props.g;
  const evidence = Object.entries(g.evidence);
  return html`<li>
    <${Status} kind=${GATE_KIND[g.state] ?? 'info'}>${g.state}<//> <strong>${g.type}</strong>${g.detail ? html`: <span class="prewrap">${g.detail}</span>` : ''}
    ${evidence.length ? html`<div class="muted small mono">${evidence.map(([k, v]) => `${k}=${v}`).join(' ')}</div>` : ''}
    ${g.at ? html`<div class="muted small">${g.from === 'record' ? 'evaluated' : 'as of'} <${Time} iso=${g.at} /></div>` : ''}
  </li>`;
}

function Stage(props: { s: StageStatus; project: string; at?: string; token: string | null }): VNode {
  const s = props.s;
  return html`<li class="card stage" aria-labelledby=${`stage-${s.channel}`}>
    <h3 id=${`stage-${s.channel}`}>${s.channel} <span class="muted small">${s.after ? `after ${s.after}` : 'first stage'}${s.auto ? ', automatic' : ', manual'}</span></h3>
    <p>Live: ${s.live ? html`<${PageLink} to=${{ page: 'release', project: props.project, version: s.live.version }} at=${props.at}>${s.live.version}<//> <span class="muted small">since <${Time} iso=${s.live.since} /></span>` : html`<span class="muted">nothing</span>`}
      ${s.held ? html` <${Status} kind="warn">held<//>` : ''}</p>
    ${s.rollout ? html`<p><${Status} kind="info">rollout wave ${s.rollout.wave + 1} (${s.rollout.percent}% of hosts)<//></p>` : ''}
    ${s.candidate ? html`<p>Candidate: <${PageLink} to=${{ page: 'release', project: props.project, version: s.candidate.version }} at=${props.at}>${s.candidate.version}<//></p>
      <ul class="plain gates" aria-label=${`Gates of ${s.channel}`}>${s.gates.map((g, i) => html`<${Gate} key=${i} g=${g} />`)}</ul>
      ${props.at === undefined ? html`<${StageActions} token=${props.token} project=${props.project} channel=${s.channel} version=${s.candidate.version} />` : ''}` : html`<p class="muted small">No candidate waiting.</p>`}
  </li>`;
}

/** The pipeline as a graph of stages (left to right): live release, rollout wave, hold, the candidate and each gate's state with its evidence. */
export function PipelineGraph(props: { p: PipelineStatusView; project: string; at?: string; token: string | null }): VNode {
  return html`<section aria-labelledby="pipeline-h">
    <h2 id="pipeline-h">Pipeline <span class="muted small">(version ${props.p.pipeline.sequence})</span></h2>
    <ol class="stages">${props.p.stages.map((s) => html`<${Stage} key=${s.channel} s=${s} project=${props.project} at=${props.at} token=${props.token} />`)}</ol>
  </section>`;
}
