import type { VNode } from 'preact';
import { html } from '../html.js';
import { duration } from '../format.js';
import type { GateView, PipelineView, StageView } from '../types.js';
import { PageLink, Status, Time } from './common.js';

const GATE_KIND = { passed: 'ok', failed: 'bad', pending: 'warn', none: 'info' } as const;

/** What a gate asks for, in words. */
function gateText(g: GateView['gate']): string {
  switch (g.type) {
    case 'soak': return `soak ${duration(g.seconds)}`;
    case 'http': return `HTTP ${g.expect} from ${g.url}`;
    case 'fleet': return `${g.percent}% of the fleet on target`;
    case 'verification': return `verification “${g.name}” passed`;
    case 'approvals': return `${g.count} approval${g.count === 1 ? '' : 's'}`;
    case 'command': return `command ${g.run}`;
    default: return (g as { type: string }).type;
  }
}

function Stage(props: { s: StageView; project: string; at?: string }): VNode {
  const s = props.s;
  return html`<li class="card stage" aria-labelledby=${`stage-${s.channel}`}>
    <h3 id=${`stage-${s.channel}`}>${s.channel} <span class="muted small">${s.after ? `after ${s.after}` : 'first stage'}${s.auto ? ', automatic' : ', manual'}</span></h3>
    <p>Live: ${s.live ? html`<${PageLink} to=${{ page: 'release', project: props.project, version: s.live.version }} at=${props.at}>${s.live.version}<//>` : html`<span class="muted">nothing</span>`}
      ${s.held ? html` <${Status} kind="warn">held: ${s.holdReason}<//>` : ''}</p>
    ${s.wave ? html`<p><${Status} kind="info">wave ${s.wave.wave + 1} of ${s.wave.waves.length} (${s.wave.waves[s.wave.wave] ?? '?'}% of hosts)<//></p>` : ''}
    ${s.candidate ? html`<p>Candidate: <${PageLink} to=${{ page: 'release', project: props.project, version: s.candidate.version }} at=${props.at}>${s.candidate.version}<//></p>` : ''}
    ${s.gates.length ? html`<ul class="plain gates" aria-label=${`Gates of ${s.channel}`}>${s.gates.map((g) => html`<li key=${g.index}>
      <${Status} kind=${GATE_KIND[g.state]}>${g.state === 'none' ? 'not evaluated' : g.state}<//> ${gateText(g.gate)}
      ${g.detail ? html`<div class="muted small prewrap">${g.detail}</div>` : ''}
      ${g.evidence.length ? html`<div class="muted small mono">${g.evidence.map((e) => `${e.key}=${e.value}`).join(' ')}</div>` : ''}
      ${g.at ? html`<div class="muted small">evaluated <${Time} iso=${g.at} /></div>` : ''}
    </li>`)}</ul>` : html`<p class="muted small">No gates.</p>`}
    ${s.approvals.length ? html`<p class="small">Approved by ${s.approvals.map((a) => a.actor).join(', ')}</p>` : ''}
  </li>`;
}

/** The pipeline as a graph of stages (left to right), each with its live release, wave, candidate and gates. */
export function PipelineGraph(props: { p: PipelineView; project: string; at?: string }): VNode {
  return html`<section aria-labelledby="pipeline-h">
    <h2 id="pipeline-h">Pipeline <span class="muted small">(version ${props.p.sequence}, set <${Time} iso=${props.p.setAt} /> by ${props.p.setBy})</span></h2>
    <ol class="stages">${props.p.stages.map((s) => html`<${Stage} key=${s.channel} s=${s} project=${props.project} at=${props.at} />`)}</ol>
  </section>`;
}
