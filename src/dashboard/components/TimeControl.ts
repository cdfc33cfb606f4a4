import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { html } from '../html.js';
import { short, when } from '../format.js';

interface LogItem { commit: string; time: string; subject: string }
interface LogPage { items: LogItem[]; next: string | null }

/**
 * Moves a page through history: a moment typed as a commit or a date, steps to the previous or
 * next commit (of the project, when the page has one), and back to live.
 */
export function TimeControl(props: { at?: string; commit?: string; time?: string; project?: string; onMove: (at: string | undefined) => void }): VNode {
  const [text, setText] = useState(props.at ?? '');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');
  useEffect(() => setText(props.at ?? ''), [props.at]);
  const step = async (dir: -1 | 1) => {
    if (!props.commit) return;
    setBusy(true);
    setMessage('');
    try {
      if (dir < 0) {
        const p = await getJson<LogPage>('/v1/log', { project: props.project, at: props.commit, limit: 2 });
        const prev = p.items.find((i) => i.commit !== props.commit);
        if (prev) props.onMove(prev.commit);
        else setMessage('This is the earliest moment.');
      } else {
        const p = await getJson<LogPage>('/v1/log', { project: props.project, limit: 500 });
        const i = p.items.findIndex((x) => x.commit === props.commit);
        const later = i > 0 ? p.items[i - 1] : i < 0 ? [...p.items].reverse().find((x) => props.time !== undefined && x.time > props.time) : undefined;
        if (!later || later.commit === p.items[0]?.commit) props.onMove(undefined);
        else props.onMove(later.commit);
      }
    } catch (e) {
      setMessage((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const live = props.at === undefined;
  return html`<form class="timecontrol" role="search" aria-label="Moment in history" onSubmit=${(e: Event) => { e.preventDefault(); props.onMove(text.trim() || undefined); }}>
    <label for="at-input">Moment (commit or date)</label>
    <input id="at-input" name="at" type="text" placeholder="live, or 2026-03-01, or a commit" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
    <button type="submit">Go</button>
    <button type="button" disabled=${busy || !props.commit} onClick=${() => step(-1)}>◀ Earlier</button>
    <button type="button" disabled=${busy || live} onClick=${() => step(1)}>Later ▶</button>
    <button type="button" disabled=${live} onClick=${() => props.onMove(undefined)}>Live</button>
    <span class="moment" aria-live="polite">${live ? html`<span class="status status-ok">● live</span>` : html`<span class="status status-warn">⏸ viewing the past</span>`}${props.commit ? html` at <span class="mono" title=${props.commit}>${short(props.commit)}</span>` : ''}${props.time ? ` (${when(props.time)})` : ''}</span>
    ${message ? html`<span class="muted">${message}</span>` : ''}
  </form>`;
}
