/**
 * The event model: the event types, the shape of an event, how the events of a log entry are
 * derived from the records it added, and the filter (project, channel, type) and id syntax that
 * `meta log --events`, `meta watch`, `meta serve`'s event stream, webhooks and `meta follow` all
 * share. Kept in one module so the producers and every consumer agree on one definition.
 */
import { MetaError } from '../errors/MetaError.js';
import { classifyPath } from '../records/layout.js';
import type { AnyRecord } from '../records/types.js';
import type { LogEntry } from '../store/LogEntry.js';
import { projectFilterName, snapshotAt } from './lookup.js';
import type { MetaRepo } from './openMeta.js';

/** The event types boot-meta derives from its log, one per record (settings: one per changed file). */
export const EVENT_TYPES = [
  'project.added',
  'release.recorded',
  'release.yanked',
  'binary.recorded',
  'channel.promoted',
  'channel.rolled_back',
  'channel.held',
  'channel.unheld',
  'channel.yanked',
  'instance.reported',
  'event.logged',
  'settings.changed',
  'config.changed',
  'pipeline.changed',
  'approval.recorded',
  'verification.recorded',
  'gate.evaluated',
  'channel.wave_advanced',
  'flags.changed',
  'binary.replicated',
  'binary.replication_failed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/**
 * One typed event, derived from one record added by one commit. Stable JSON shape (SSE `data:`,
 * webhook bodies, `meta watch --json`).
 */
export interface MetaEventOut {
  /** `<commit>:<index of the event within the commit>`: unique, ordered within a commit. */
  id: string;
  type: EventType;
  commit: string;
  /** Commit time, ISO-8601. */
  time: string;
  author: string;
  path: string;
  /** Blob hash of the record ('' for a deleted settings file). */
  githash: string;
  project?: string;
  channel?: string;
  version?: string;
  platform?: string;
  host?: string;
  environment?: string;
  status?: string;
  sequence?: number;
  /** The decoded record (absent for settings files and records that do not decode). */
  record?: unknown;
  /** Set when the record did not decode: the event still flows, so a cursor never stalls on it. */
  error?: string;
}

export interface EventFilter {
  /** Full project name; only that project's events (and none without a project). */
  project?: string;
  /** Only channel events of this channel (other kinds of the project still pass unless `types` excludes them). */
  channel?: string;
  /** Types, or prefixes ending in `.*` (`channel.*`); default: all. */
  types?: string[];
}

const PROMOTION_TYPES: Record<string, EventType> = {
  promote: 'channel.promoted',
  rollback: 'channel.rolled_back',
  hold: 'channel.held',
  'release-hold': 'channel.unheld',
  yank: 'channel.yanked',
  wave: 'channel.wave_advanced',
};

/** Checks a `types` filter: every entry a known type or a `<prefix>.*` of one. */
export function checkEventTypes(types: string[] | undefined): string[] | undefined {
  if (!types || types.length === 0) return undefined;
  for (const t of types) {
    const ok = t === '*' || (EVENT_TYPES as readonly string[]).includes(t) || (t.endsWith('.*') && EVENT_TYPES.some((k) => k.startsWith(t.slice(0, -1))));
    if (!ok) throw new MetaError('INVALID_ARGUMENT', `unknown event type '${t}'; use one of ${EVENT_TYPES.join(', ')}, or a prefix such as channel.*`, { type: t });
  }
  return types;
}

/** True when `ev` passes `filter`. */
export function matchesEvent(ev: MetaEventOut, filter: EventFilter): boolean {
  if (filter.project !== undefined && ev.project !== filter.project) return false;
  if (filter.channel !== undefined && (ev.type.startsWith('channel.') || ev.type === 'flags.changed') && ev.channel !== filter.channel) return false;
  if (filter.types && filter.types.length > 0) {
    return filter.types.some((t) => t === '*' || t === ev.type || (t.endsWith('.*') && ev.type.startsWith(t.slice(0, -1))));
  }
  return true;
}

/** The events one commit of the log produced, in path order (git's order within the commit). */
export function eventsOfEntry(repo: MetaRepo, entry: LogEntry): MetaEventOut[] {
  const snap = repo.store.snapshot(entry.commit);
  const base = { commit: entry.commit, time: new Date(entry.time * 1000).toISOString(), author: entry.author };
  const out: MetaEventOut[] = [];
  const push = (e: Omit<MetaEventOut, 'id' | 'commit' | 'time' | 'author'>) => out.push({ id: `${entry.commit}:${out.length}`, ...base, ...e });
  for (const path of entry.changed) {
    const c = classifyPath(path);
    if (c.type === 'setting') push({ type: 'settings.changed', path, githash: snap.entry(path)?.oid ?? '' });
  }
  for (const path of entry.added) {
    const c = classifyPath(path);
    if (c.type === 'setting') {
      push({ type: 'settings.changed', path, githash: snap.entry(path)?.oid ?? '' });
      continue;
    }
    if (c.type === 'other' || c.type === 'template') continue;
    const githash = snap.entry(path)?.oid ?? '';
    let rec: AnyRecord | undefined;
    let error: string | undefined;
    try {
      rec = repo.reader.any(snap, githash, { path, commit: entry.commit });
    } catch (e) {
      error = (e as Error).message;
    }
    switch (c.type) {
      case 'project':
        push({ type: 'project.added', path, githash, project: c.project, record: rec?.record, error });
        break;
      case 'release':
        push({ type: 'release.recorded', path, githash, project: c.project, version: c.version, record: rec?.record, error });
        break;
      case 'yank':
        push({ type: 'release.yanked', path, githash, project: c.project, version: c.version, record: rec?.record, error });
        break;
      case 'binary':
        push({ type: 'binary.recorded', path, githash, project: c.project, version: c.version, platform: c.platform, record: rec?.record, error });
        break;
      case 'promotion': {
        const p = rec?.kind === 'promotion' ? rec.record : undefined;
        push({
          type: PROMOTION_TYPES[p?.action ?? 'promote'] ?? 'channel.promoted', path, githash, project: c.project, channel: c.channel,
          sequence: c.sequence, version: p?.release.version, record: rec?.record, error,
        });
        break;
      }
      case 'instance': {
        const r = rec?.kind === 'instance' ? rec.record : undefined;
        push({
          type: 'instance.reported', path, githash, project: c.project, host: c.host, environment: c.env, channel: r?.channel || undefined,
          version: r?.release.version || undefined, status: r?.status, record: rec?.record, error,
        });
        break;
      }
      case 'config':
        // environment and channel are '' for the project defaults, which apply to every one.
        push({ type: 'config.changed', path, githash, project: c.project, environment: c.env || undefined, channel: c.channel || undefined, sequence: c.sequence, record: rec?.record, error });
        break;
      case 'flags':
        push({ type: 'flags.changed', path, githash, project: c.project, channel: c.channel, sequence: c.sequence, record: rec?.record, error });
        break;
      case 'event': {
        const r = rec?.kind === 'event' ? rec.record : undefined;
        // The replicator's failure reports are events of their own type, so a webhook can subscribe to them alone.
        const type: EventType = r?.type === 'binary.replication_failed' ? 'binary.replication_failed' : 'event.logged';
        push({ type, path, githash, project: r?.project || undefined, record: rec?.record, error });
        break;
      }
      case 'location': {
        const r = rec?.kind === 'location' ? rec.record : undefined;
        push({ type: 'binary.replicated', path, githash, project: c.project, version: c.version, platform: c.platform, record: r, error });
        break;
      }
      case 'pipeline':
        push({ type: 'pipeline.changed', path, githash, project: c.project, sequence: c.sequence, record: rec?.record, error });
        break;
      case 'approval':
        push({ type: 'approval.recorded', path, githash, project: c.project, version: c.version, channel: c.channel, record: rec?.record, error });
        break;
      case 'verification': {
        const r = rec?.kind === 'verification' ? rec.record : undefined;
        push({ type: 'verification.recorded', path, githash, project: c.project, version: c.version, channel: c.channel, status: r?.status, record: rec?.record, error });
        break;
      }
      case 'gate': {
        const r = rec?.kind === 'gate' ? rec.record : undefined;
        push({ type: 'gate.evaluated', path, githash, project: c.project, version: c.version, channel: c.channel, status: r?.state, record: rec?.record, error });
        break;
      }
    }
  }
  return out;
}

export interface ListEventsOptions extends EventFilter {
  /** Events after this commit (an `id` `<commit>:<n>` resumes after event n of that commit). */
  since?: string;
  /** Up to this commit (default: the tip). */
  until?: string;
  /** Stop after this many events. */
  limit?: number;
}

/** Splits `<commit>` or `<commit>:<n>` into its parts. */
export function parseEventId(id: string): { commit: string; index?: number } {
  const m = /^([0-9a-f]{40})(?::(\d+))?$/.exec(id.trim());
  if (!m) throw new MetaError('INVALID_ARGUMENT', `'${id}' is not an event id (<commit> or <commit>:<n>, full 40-hex commit)`, { id });
  return { commit: m[1]!, index: m[2] === undefined ? undefined : Number(m[2]) };
}

/**
 * The events recorded after `since` (a commit, or an event id), oldest first, from the log index:
 * the git log is the queue, so a reader resumes from any commit it has seen.
 *
 * @example
 * for (const ev of listEvents(repo, { since: lastSeen, project: 'acme/app', types: ['channel.*'] })) console.log(ev.type, ev.version);
 */
export function listEvents(repo: MetaRepo, opts: ListEventsOptions = {}): MetaEventOut[] {
  const types = checkEventTypes(opts.types);
  const tip = opts.until ?? repo.store.tip();
  const project = opts.project && tip ? projectFilterName(repo, snapshotAt(repo, tip), opts.project) : opts.project;
  const filter: EventFilter = { project, channel: opts.channel, types };
  const since = opts.since ? parseEventId(opts.since) : undefined;
  const log = repo.store.log();
  const entries = since ? entriesAfter(log.entries(tip), since.commit, since.index !== undefined) : log.entries(tip);
  const out: MetaEventOut[] = [];
  const limit = opts.limit ?? Infinity;
  for (const entry of entries) {
    for (const ev of eventsOfEntry(repo, entry)) {
      if (since?.index !== undefined && entry.commit === since.commit && Number(ev.id.split(':')[1]) <= since.index) continue;
      if (!matchesEvent(ev, filter)) continue;
      out.push(ev);
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/** The log entries after `commit` (including it when `inclusive`); all of them when it is not in the history. */
function entriesAfter(list: LogEntry[], commit: string, inclusive: boolean): LogEntry[] {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.commit === commit) return list.slice(inclusive ? i : i + 1);
  throw new MetaError('HISTORY_REWRITTEN', `commit ${commit.slice(0, 12)} is not in this repository's history (it was rewritten, or the id belongs to another repository); start again without a cursor`, { commit });
}

/**
 * True when `commit` is `tip` or a commit of its first-parent history as the log index lists it:
 * a fast pre-check (the cached index, no walk). It does not prove that `tip` descends from
 * `commit` along single-parent commits; `Repository.isSingleParentAncestor` does, walking the
 * commits in between.
 *
 * @example
 * if (!inFirstParentLog(repo, after, tip)) throw historyRewritten();
 */
export function inFirstParentLog(repo: MetaRepo, commit: string, tip: string): boolean {
  if (commit === tip) return true;
  return repo.store.log().contains(commit, tip);
}
