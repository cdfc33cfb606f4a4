import { MetaError } from '../errors/MetaError.js';
import { clip, isValidRefName } from './refs.js';
import type { LogQueries } from './LogIndex.js';
import type { ObjectReader } from './ObjectReader.js';

const FULL = /^[0-9a-f]{40}$/;
const SHORT = /^[0-9a-f]{4,39}$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses an ISO-8601 date or date-time. A bare date means the end of that day (UTC): "what was
 * live on 1 March" includes everything written on 1 March. A time without a zone is UTC.
 * Returns undefined when `spec` is not a date.
 */
export function parseIsoDate(spec: string): Date | undefined {
  const m = ISO.exec(spec);
  if (!m) return undefined;
  let iso: string;
  if (m[4] === undefined) iso = `${m[1]}-${m[2]}-${m[3]}T23:59:59.999Z`;
  else {
    const zone = m[8] ? (m[8] === 'Z' ? 'Z' : m[8].length === 5 ? `${m[8].slice(0, 3)}:${m[8].slice(3)}` : m[8]) : 'Z';
    iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ? `.${m[7].slice(0, 3)}` : ''}${zone}`;
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new MetaError('INVALID_ARGUMENT', `'${spec}' is not a valid date; use ISO-8601, e.g. 2026-03-01 or 2026-03-01T12:00:00Z`, { at: spec });
  return d;
}

/** What resolving a spec reads: the branch tip, the objects, refs by name and the log index. */
export interface ResolveContext {
  tip(): string | undefined;
  readonly objects: ObjectReader;
  readRef(name: string): string | undefined;
  log(): LogQueries;
}

/**
 * Resolves what `--at` accepts to a commit id: a full or short commit hash, a ref (`main`, `v1`,
 * `refs/…`, optionally `~N`), or an ISO-8601 date/time (the newest commit at or before it).
 *
 * @example
 * resolveAtSpec(ctx, 'main~2');
 */
export function resolveAtSpec(store: ResolveContext, spec?: string): string {
  const tip = store.tip();
  if (spec === undefined || spec === '' || spec === 'HEAD' || spec === '@') {
    if (!tip) throw new MetaError('NOT_FOUND', 'the repository has no commits yet; run `meta init` first', { at: spec ?? '' });
    return tip;
  }
  let base = spec;
  let back = 0;
  const tilde = /^(.*?)~(\d*)$/.exec(spec);
  if (tilde) {
    base = tilde[1]!;
    back = tilde[2] === '' ? 1 : Number(tilde[2]);
  }
  let commit = resolveBase(store, base, tip, spec);
  for (let i = 0; i < back; i++) {
    const p = store.objects.readCommit(commit).parents[0];
    if (!p) throw new MetaError('NOT_FOUND', `${spec} goes back past the first commit`, { at: spec });
    commit = p;
  }
  return commit;
}

function resolveBase(store: ResolveContext, spec: string, tip: string | undefined, whole: string): string {
  if (spec === '' || spec === 'HEAD' || spec === '@') {
    if (!tip) throw new MetaError('NOT_FOUND', 'the repository has no commits yet', { at: whole });
    return tip;
  }
  if (FULL.test(spec)) {
    const o = store.objects.tryRead(spec);
    if (!o || o.type !== 'commit') throw new MetaError('NOT_FOUND', `commit ${spec} is not in this repository; run 'meta pull' if it is newer than your copy`, { at: whole });
    return spec;
  }
  const date = parseIsoDate(spec);
  if (date) {
    const t = Math.floor(date.getTime() / 1000);
    const log = store.log();
    const hit = log.commitAt(t, tip);
    if (hit) return hit;
    const first = log.first(tip);
    throw new MetaError('NOT_FOUND', first
      ? `no commit at or before ${date.toISOString()}; the history starts at ${new Date(first.time * 1000).toISOString()}`
      : 'the repository has no commits yet', { at: whole });
  }
  // A ref is looked up only among the repository's refs, so the name must be one git accepts:
  // anything else ('..', a leading '/', control characters) could name a file elsewhere.
  if (!isValidRefName(spec, { allowOneLevel: true })) {
    throw new MetaError('INVALID_ARGUMENT', `'${clip(whole)}' is not a commit hash, ISO-8601 date or valid ref name (ref names follow 'git check-ref-format': no '..', '@{', spaces, control characters, '~^:?*[\\', or components starting with '.')`, { at: clip(whole) });
  }
  for (const ref of [spec, `refs/heads/${spec}`, `refs/tags/${spec}`, `refs/remotes/${spec}`]) {
    if (!ref.startsWith('refs/') || !isValidRefName(ref)) continue;
    const v = store.readRef(ref);
    if (v) return peelToCommit(store, v, whole);
  }
  if (SHORT.test(spec)) {
    const hits = store.log().withPrefix(spec, tip);
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) throw new MetaError('INVALID_ARGUMENT', `short hash ${spec} is ambiguous (${hits.length} commits); give more digits`, { at: whole, candidates: hits });
  }
  throw new MetaError('NOT_FOUND', `'${clip(whole)}' is not a commit, ref or ISO-8601 date in this repository`, { at: clip(whole) });
}

function peelToCommit(store: ResolveContext, oid: string, spec: string): string {
  let o = store.objects.read(oid);
  let id = oid;
  while (o.type === 'tag') {
    const m = /^object ([0-9a-f]{40})/.exec(Buffer.from(o.data).toString('latin1'));
    if (!m) break;
    id = m[1]!;
    o = store.objects.read(id);
  }
  if (o.type !== 'commit') throw new MetaError('INVALID_ARGUMENT', `${spec} points at a ${o.type}, not a commit`, { at: spec });
  return id;
}
