import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { html } from '../html.js';

/**
 * Where a person types a token of scope `records` to act (approve, promote, hold). Without one
 * the dashboard is read-only and shows no action. The token stays in sessionStorage.
 */
export function TokenBox(props: { token: string | null; onToken: (t: string | null) => void }): VNode {
  const [text, setText] = useState('');
  if (props.token) {
    return html`<div class="tokenbox"><span class="status status-info">Actions enabled (token in this tab only)</span>
      <button type="button" onClick=${() => props.onToken(null)}>Forget token</button></div>`;
  }
  return html`<form class="tokenbox" aria-label="Enable actions" onSubmit=${(e: Event) => { e.preventDefault(); if (text.trim()) props.onToken(text.trim()); setText(''); }}>
    <label for="token-input">Token (scope records) to enable actions</label>
    <input id="token-input" type="password" autocomplete="off" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
    <button type="submit">Use token</button>
  </form>`;
}
