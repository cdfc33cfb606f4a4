import { verifyHistory, type VerifyReport, type Violation, type ViolationKind } from '../verify/verifyHistory.js';
import type { MetaRepo } from './openMeta.js';

export type { VerifyReport, Violation, ViolationKind };

export interface VerifyOptions {
  /** Start after this commit (commit, ref, `~N` or ISO date; exclusive); default: the first commit. */
  from?: string;
  /** End at this commit; default: the tip. */
  to?: string;
}

/**
 * Checks the append-only contract over the history: every record modified, deleted or renamed,
 * every file that does not decode or sits outside the layout, every dangling githash reference,
 * every channel sequence that skips or repeats, each with commit and path. `ok` only when clean.
 *
 * @example
 * const r = verify(repo);
 * if (!r.ok) for (const v of r.violations) console.error(`${v.commit} ${v.kind} ${v.path}`);
 */
export function verify(repo: MetaRepo, opts: VerifyOptions = {}): VerifyReport {
  const s = repo.store;
  const to = opts.to !== undefined ? s.resolveAt(opts.to) : s.tip();
  const from = opts.from !== undefined ? s.resolveAt(opts.from) : undefined;
  return verifyHistory(s, { from, to });
}
