import type { MetaRepo } from '../api/openMeta.js';
import { pause } from '../util/pause.js';
import type { CaptainDecision } from './CaptainDecision.js';
import { captainPass, type CaptainPassOptions } from './captainPass.js';

export interface RunCaptainOptions extends CaptainPassOptions {
  /** One pass, then return. */
  once?: boolean;
  /** Pause between passes (ms, default 30 s). */
  intervalMs?: number;
  /** Stops the loop between passes (a pass under way finishes its current write first). */
  signal?: AbortSignal;
  /** Runs before each pass, e.g. fetching the remote; an error is logged and the pass runs on what is here. */
  beforePass?: () => Promise<void>;
  log?: (line: string) => void;
}

export interface CaptainRun {
  passes: number;
  /** The decisions of the last pass. */
  decisions: CaptainDecision[];
  stopped: 'once' | 'aborted';
}

/**
 * The captain's loop: a pass over every project with a pipeline, a pause, again, until `signal`
 * aborts (or after one pass with `once`). It keeps nothing between passes but the repository, so
 * killing and restarting it at any moment loses nothing: the next pass re-reads where things are.
 *
 * @example
 * const ac = new AbortController();
 * process.once('SIGTERM', () => ac.abort());
 * await runCaptain(repo, { intervalMs: 30_000, signal: ac.signal, commands: { allow: true } });
 */
export async function runCaptain(repo: MetaRepo, opts: RunCaptainOptions = {}): Promise<CaptainRun> {
  let passes = 0;
  let decisions: CaptainDecision[] = [];
  for (;;) {
    if (opts.signal?.aborted) return { passes, decisions, stopped: 'aborted' };
    if (opts.beforePass) {
      try {
        await opts.beforePass();
      } catch (e) {
        opts.log?.(`before the pass: ${(e as Error).message}`);
      }
    }
    try {
      decisions = await captainPass(repo, opts);
    } catch (e) {
      // A pass that could not even start (unreadable repository, unknown --project): a one-shot
      // run reports it; a long-running captain logs it and tries again next pass.
      if (opts.once) throw e;
      opts.log?.(`pass failed: ${(e as Error).message}`);
      decisions = [];
    }
    passes++;
    if (opts.once) return { passes, decisions, stopped: 'once' };
    await pause(opts.intervalMs ?? 30_000, opts.signal);
  }
}
