import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { postJson, postRecord, projectPath } from '../api.js';
import { html } from '../html.js';

/** Runs one write and says how it went (the record then arrives through the live stream). */
function useAction(token: string | null): { busy: boolean; message: string; run: (body: Record<string, unknown>, done: string, path?: string) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');
  const run = async (body: Record<string, unknown>, done: string, path?: string) => {
    if (!token) return;
    setBusy(true);
    setMessage('');
    try {
      await (path ? postJson(token, path, body) : postRecord(token, body));
      setMessage(done);
    } catch (e) {
      setMessage(`Failed: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return { busy, message, run };
}

/** Hold (with a reason) or unhold a channel. Shown only with a token. */
export function HoldAction(props: { token: string | null; project: string; channel: string; held: boolean }): VNode | null {
  const [reason, setReason] = useState('');
  const a = useAction(props.token);
  if (!props.token) return null;
  const id = `hold-${props.channel}`;
  if (props.held) {
    return html`<div class="action">
      <button type="button" disabled=${a.busy} onClick=${() => a.run({ kind: 'unhold', project: props.project, channel: props.channel }, `${props.channel} unheld`)}>Unhold ${props.channel}</button>
      <span role="status">${a.message}</span></div>`;
  }
  return html`<form class="action" onSubmit=${(e: Event) => { e.preventDefault(); if (reason.trim()) void a.run({ kind: 'hold', project: props.project, channel: props.channel, reason: reason.trim() }, `${props.channel} held`); }}>
    <label for=${id}>Reason to hold ${props.channel}</label>
    <input id=${id} type="text" required value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} />
    <button type="submit" disabled=${a.busy}>Hold ${props.channel}</button>
    <span role="status">${a.message}</span>
  </form>`;
}

/** Promote a release to a channel. Shown only with a token. */
export function PromoteAction(props: { token: string | null; project: string; version: string; channels: string[] }): VNode | null {
  const [channel, setChannel] = useState(props.channels[0] ?? '');
  const [reason, setReason] = useState('');
  const a = useAction(props.token);
  if (!props.token) return null;
  return html`<form class="action" aria-label="Promote this release" onSubmit=${(e: Event) => { e.preventDefault(); if (channel) void a.run({ kind: 'promotion', project: props.project, channel, version: props.version, reason: reason.trim() || undefined }, `${props.version} promoted to ${channel}`); }}>
    <label for="promote-channel">Channel</label>
    <input id="promote-channel" type="text" list="promote-channels" required value=${channel} onInput=${(e: Event) => setChannel((e.target as HTMLInputElement).value)} />
    <datalist id="promote-channels">${props.channels.map((c) => html`<option value=${c} />`)}</datalist>
    <label for="promote-reason">Reason</label>
    <input id="promote-reason" type="text" value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} />
    <button type="submit" disabled=${a.busy}>Promote ${props.version}</button>
    <span role="status">${a.message}</span>
  </form>`;
}

/**
 * On a pipeline stage with a candidate: approve it for the stage (an approval record by the
 * token) or promote it through the pipeline (its gates are evaluated; a refusal names them).
 */
export function StageActions(props: { token: string | null; project: string; channel: string; version: string }): VNode | null {
  const [comment, setComment] = useState('');
  const a = useAction(props.token);
  if (!props.token) return null;
  const id = `approve-${props.channel}`;
  return html`<form class="action" aria-label=${`Act on ${props.version} for ${props.channel}`} onSubmit=${(e: Event) => { e.preventDefault(); void a.run({ kind: 'approval', project: props.project, version: props.version, channel: props.channel, comment: comment.trim() }, `${props.version} approved for ${props.channel}`); }}>
    <label for=${id}>Comment</label>
    <input id=${id} type="text" value=${comment} onInput=${(e: Event) => setComment((e.target as HTMLInputElement).value)} />
    <button type="submit" disabled=${a.busy}>Approve ${props.version} for ${props.channel}</button>
    <button type="button" disabled=${a.busy} onClick=${() => a.run({ version: props.version, to: props.channel, reason: comment.trim() || undefined }, `${props.version} promoted to ${props.channel}`, projectPath(props.project, '/pipeline/promote'))}>Promote ${props.version} to ${props.channel}</button>
    <span role="status">${a.message}</span>
  </form>`;
}
