import { MetaError } from '../errors/MetaError.js';
import type { BlobStorage } from '../storage/BlobStorage.js';
import { parseLocation } from '../storage/parseLocation.js';
import { copyVerified } from '../storage/verifiedCopy.js';
import { backoffMs, pause } from '../util/pause.js';
import { findBinary, knownLocations, type BinaryTarget } from './binaryLocations.js';
import { logEvent } from './logEvent.js';
import type { MetaRepo } from './openMeta.js';
import { openStorage } from './openStorage.js';
import { recordLocation } from './recordLocation.js';

/** The event type appended when a destination finally fails. */
export const REPLICATION_FAILED_EVENT = 'binary.replication_failed';

export interface ReplicationDestination {
  url: string;
  region?: string;
}

export interface ReplicateBinaryOptions {
  target: BinaryTarget;
  to: ReplicationDestination[];
  /** Destinations copied at once (default 10). */
  parallel?: number;
  /** Further attempts per destination after the first (default 5). */
  retries?: number;
  /** First backoff step and its cap in ms (default 500 ms, 30 s), with full jitter. */
  backoff?: { baseMs: number; capMs: number };
  /** Skip destinations that already have a location record (the automatic replicator's re-runs). */
  skipRecorded?: boolean;
  storage?: BlobStorage;
  signal?: AbortSignal;
  /** Told of every attempt's outcome, for progress lines. */
  onProgress?: (p: { url: string; attempt: number; state: 'copying' | 'retrying' | 'done' | 'failed' | 'skipped'; error?: string }) => void;
}

export interface ReplicationOutcome {
  url: string;
  region: string;
  ok: boolean;
  attempts: number;
  /** The location record written (ok) … */
  path?: string;
  /** … or the error of the last attempt and the event that reports it. */
  error?: { code: string; message: string };
  eventPath?: string;
  skipped?: boolean;
}

export interface ReplicateBinaryResult {
  project: string;
  version: string;
  platform: string;
  digest: string;
  size: number;
  results: ReplicationOutcome[];
  ok: boolean;
}

const REGION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Copies a binary from a known, verified location to each destination: a bounded number at once,
 * streaming (constant memory), the sha-256 checked at the destination, each destination retried
 * with exponential backoff and jitter. Every verified copy appends a location record at once; a
 * destination that fails every attempt appends a `binary.replication_failed` event with the error.
 * The result lists each destination; `ok` is false when any failed (the copies that worked stay
 * recorded).
 *
 * @example
 * const r = await replicateBinary(repo, { target: { digest: 'sha256:…' },
 *   to: [{ url: 's3://eu-builds/app/1.4.2', region: 'eu' }, { url: 's3://ap-builds/app/1.4.2', region: 'ap' }] });
 * if (!r.ok) console.error(r.results.filter((x) => !x.ok));
 */
export async function replicateBinary(repo: MetaRepo, opts: ReplicateBinaryOptions): Promise<ReplicateBinaryResult> {
  if (opts.to.length === 0) throw new MetaError('INVALID_ARGUMENT', 'give at least one --to <location> to copy the binary to', {});
  opts.to.forEach((d, i) => {
    parseLocation(d.url, `--to ${i + 1}`);
    if (d.region && !REGION.test(d.region)) throw new MetaError('INVALID_ARGUMENT', `--region '${d.region.slice(0, 64)}' must be a region name: letters, digits, '.', '_' and '-'`, { region: d.region.slice(0, 64) });
  });
  const parallel = opts.parallel ?? 10;
  const retries = opts.retries ?? 5;
  if (!Number.isSafeInteger(parallel) || parallel < 1 || parallel > 1000) throw new MetaError('INVALID_ARGUMENT', '--parallel must be a whole number from 1 to 1000', { parallel });
  if (!Number.isSafeInteger(retries) || retries < 0 || retries > 100) throw new MetaError('INVALID_ARGUMENT', '--retries must be a whole number from 0 to 100', { retries });
  const snap = repo.store.snapshot();
  const found = findBinary(repo, snap, opts.target);
  const known = knownLocations(repo, snap, found);
  const want = { digest: found.binary.digest, size: found.binary.size };
  const storage = opts.storage ?? openStorage(repo);
  const backoff = { ...(opts.backoff ?? { baseMs: 500, capMs: 30_000 }), jitter: true };
  const recorded = new Set(known.filter((l) => l.path).map((l) => l.url));

  const one = async (d: ReplicationDestination): Promise<ReplicationOutcome> => {
    const region = d.region ?? '';
    if (opts.skipRecorded && recorded.has(d.url)) {
      opts.onProgress?.({ url: d.url, attempt: 0, state: 'skipped' });
      return { url: d.url, region, ok: true, attempts: 0, skipped: true };
    }
    // Any copy but the destination itself can be the source; each retry moves on to the next,
    // so a source that went missing or went bad does not fail the destination.
    const sources = known.map((l) => l.url).filter((u) => u !== d.url && isReadable(u));
    let last: MetaError | undefined;
    let attempt = 0;
    while (attempt <= retries && !opts.signal?.aborted) {
      attempt++;
      if (attempt > 1) {
        opts.onProgress?.({ url: d.url, attempt, state: 'retrying', error: last?.message });
        await pause(backoffMs(attempt - 1, backoff), opts.signal);
        if (opts.signal?.aborted) break;
      }
      const from = sources[(attempt - 1) % Math.max(1, sources.length)];
      if (from === undefined) {
        last = new MetaError('NOT_FOUND', `the binary has no other location to copy from`, { url: d.url });
        break;
      }
      opts.onProgress?.({ url: d.url, attempt, state: 'copying' });
      try {
        await copyVerified(storage, from, d.url, want, { signal: opts.signal });
      } catch (e) {
        last = e instanceof MetaError ? e : new MetaError('REMOTE', `copy to ${d.url} failed: ${(e as Error).message}`, { url: d.url });
        // Bad input, not bad luck: no retry makes it work.
        if (last.code === 'INVALID_ARGUMENT') break;
        continue;
      }
      const rec = await recordLocation(repo, found, { url: d.url, region });
      opts.onProgress?.({ url: d.url, attempt, state: 'done' });
      return { url: d.url, region, ok: true, attempts: attempt, path: rec.path };
    }
    if (opts.signal?.aborted) {
      // Stopped, not failed: nothing is reported, and the caller runs it again later.
      return { url: d.url, region, ok: false, attempts: attempt, error: { code: 'REMOTE', message: 'stopped before the copy could finish' } };
    }
    const error = last ?? new MetaError('REMOTE', 'stopped before the copy could finish', { url: d.url });
    opts.onProgress?.({ url: d.url, attempt, state: 'failed', error: error.message });
    const ev = await logEvent(repo, {
      type: REPLICATION_FAILED_EVENT, project: found.project, subject: d.url, message: error.message,
      attributes: [
        { key: 'attempts', value: String(attempt) }, { key: 'code', value: error.code }, { key: 'digest', value: found.binary.digest },
        { key: 'platform', value: found.platform }, { key: 'region', value: region }, { key: 'url', value: d.url }, { key: 'version', value: found.version },
      ],
    });
    return { url: d.url, region, ok: false, attempts: attempt, error: { code: error.code, message: error.message }, eventPath: ev.path };
  };

  const results: ReplicationOutcome[] = new Array(opts.to.length);
  let next = 0;
  const worker = async () => {
    while (next < opts.to.length) {
      const i = next++;
      results[i] = await one(opts.to[i]!);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, opts.to.length) }, worker));
  } finally {
    if (!opts.storage) await storage.close();
  }
  return {
    project: found.project, version: found.version, platform: found.platform, digest: found.binary.digest, size: found.binary.size,
    results, ok: results.every((r) => r.ok),
  };
}

function isReadable(url: string): boolean {
  try {
    parseLocation(url);
    return true;
  } catch {
    return false;
  }
}
