import type { VNode } from 'preact';
import { html } from '../html.js';
import { commitUrl, forgeOf, httpUrl } from '../forge.js';
import { pagePath, type PageName } from '../router.js';
import { short, when } from '../format.js';

/** A link to another page of the dashboard, keeping the moment (`at`) it reads at. */
export function PageLink(props: { to: { page: PageName; project?: string; version?: string }; at?: string; query?: Record<string, string | undefined>; children: unknown; label?: string }): VNode {
  return html`<a href=${pagePath(props.to, { ...props.query, at: props.at })} aria-label=${props.label}>${props.children}</a>`;
}

/** A repository URL: a link when it is an http(s) URL of a known forge, else text. */
export function RepoUrl(props: { url: string }): VNode {
  const f = forgeOf(props.url);
  return f ? html`<a href=${f.base} rel="noopener noreferrer" class="mono">${props.url}</a>` : html`<span class="mono">${props.url}</span>`;
}

/** A commit of a source repository, linked to its forge page when there is one. */
export function Commit(props: { repo: string; commit: string }): VNode {
  const u = commitUrl(props.repo, props.commit);
  return u ? html`<a href=${u} rel="noopener noreferrer" class="mono" title=${props.commit}>${short(props.commit)}</a>` : html`<span class="mono" title=${props.commit}>${short(props.commit)}</span>`;
}

/** A location of a binary: a link only for http(s). */
export function Location(props: { url: string }): VNode {
  const u = httpUrl(props.url);
  return u ? html`<a href=${u} rel="noopener noreferrer" class="mono">${props.url}</a>` : html`<span class="mono">${props.url}</span>`;
}

/** A status in words with a symbol; the colour only repeats what the text says. */
export function Status(props: { kind: 'ok' | 'warn' | 'bad' | 'info'; children: unknown }): VNode {
  const sym = { ok: '✓', warn: '⚠', bad: '✕', info: '•' }[props.kind];
  return html`<span class=${`status status-${props.kind}`}><span aria-hidden="true">${sym} </span>${props.children}</span>`;
}

export function Time(props: { iso: string | null | undefined }): VNode {
  return props.iso ? html`<time datetime=${props.iso}>${when(props.iso)}</time>` : html`<span>—</span>`;
}

export function ErrorBox(props: { error: Error | undefined }): VNode | null {
  if (!props.error) return null;
  return html`<div role="alert" class="error"><strong>Error: </strong>${props.error.message}</div>`;
}

export function Loading(props: { loading: boolean }): VNode | null {
  return props.loading ? html`<p class="muted" role="status">Loading…</p>` : null;
}
