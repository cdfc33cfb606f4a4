import type { VNode } from 'preact';
import { html } from '../html.js';
import type { ProjectSettingsView } from '../types.js';
import { Status, Time } from './common.js';

/** Flags per channel and config layers; a secret shows as its name, never a value. */
export function SettingsPanel(props: { s: ProjectSettingsView }): VNode | null {
  const { config, flags } = props.s;
  if (config.length === 0 && flags.length === 0) return null;
  return html`<section aria-labelledby="settings-h">
    <h2 id="settings-h">Flags and config</h2>
    <div class="cols">
    ${flags.map((f) => html`<div key=${`f-${f.channel}`}>
      <table class="grid"><caption>Flags of ${f.channel} <span class="muted small">(version ${f.sequence}, <${Time} iso=${f.at} />, ${f.by})</span></caption>
        <thead><tr><th scope="col">Flag</th><th scope="col">State</th><th scope="col">Default</th><th scope="col">Variants</th></tr></thead>
        <tbody>${f.flags.map((x) => html`<tr key=${x.key}><th scope="row" class="mono">${x.key}</th><td>${x.state === 'ENABLED' ? html`<${Status} kind="ok">enabled<//>` : html`<${Status} kind="info">${x.state.toLowerCase() || 'unknown'}<//>`}</td>
          <td class="mono">${x.defaultVariant}</td><td class="mono small">${x.variants.map((v) => `${v.name}=${v.value}`).join(', ')}</td></tr>`)}</tbody></table>
      ${f.error ? html`<p class="error">${f.error}</p>` : ''}
    </div>`)}
    ${config.map((l) => html`<div key=${`c-${l.environment}-${l.channel}`}>
      <table class="grid"><caption>Config: ${l.environment ? l.environment : 'project defaults'}${l.channel ? ` / ${l.channel}` : ''} <span class="muted small">(version ${l.sequence}, <${Time} iso=${l.at} />, ${l.by})</span></caption>
        <thead><tr><th scope="col">Key</th><th scope="col">Value</th></tr></thead>
        <tbody>${l.entries.map((e) => html`<tr key=${e.key}><th scope="row" class="mono">${e.key}</th><td class="mono prewrap">${e.value.type === 'secret' ? html`<span class="status status-info">secret</span> ${e.value.name}${e.value.field ? ` (field ${e.value.field})` : ''}` : e.value.type === 'json' ? e.value.json : e.value.text}</td></tr>`)}</tbody></table>
    </div>`)}
    </div>
  </section>`;
}
