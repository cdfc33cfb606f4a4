import type { GateContext, GateVerdict } from './GateOutcome.js';
import { commandEnvironment, runCommand, type CommandRun } from './runCommand.js';

/**
 * The evidence and verdict of one finished command, shared by `command` gates and `validate`.
 *
 * @example
 * commandVerdict("'./smoke.sh'", await runCommand('./smoke.sh', { timeoutMs: 60_000 }), 60_000).state
 */
export function commandVerdict(what: string, r: CommandRun, timeoutMs: number): GateVerdict {
  const evidence: Record<string, string> = { duration_ms: String(r.durationMs) };
  if (r.exitCode !== null) evidence.exit_code = String(r.exitCode);
  if (r.signal) evidence.signal = r.signal;
  if (r.timedOut) evidence.timeout_ms = String(timeoutMs);
  if (r.output) evidence.output = r.output;
  const tail = r.output ? `: ${r.output.split('\n').pop()!.slice(0, 200)}` : '';
  if (r.timedOut) return { state: 'failed', detail: `${what} ran longer than ${timeoutMs} ms and was killed${tail}`, evidence };
  if (r.exitCode === 0) return { state: 'passed', detail: `${what} exited 0`, evidence };
  return { state: 'failed', detail: `${what} ${r.exitCode !== null ? `exited ${r.exitCode}` : `was ended by ${r.signal}`}${tail}`, evidence };
}

/**
 * The verdict of a command that was not run: whoever can write the pipeline would otherwise
 * choose what runs here.
 *
 * @example
 * commandsNotAllowed("'./smoke.sh'").detail // "'./smoke.sh' not run: commands from the pipeline run only with --allow-commands …"
 */
export function commandsNotAllowed(what: string): GateVerdict {
  return {
    state: 'failed',
    detail: `${what} not run: commands from the pipeline run only with --allow-commands (anyone who can write the pipeline chooses them)`,
    evidence: { allowed: 'false' },
  };
}

/**
 * `command`: `run` through `/bin/sh -c` with the `META_*` variables; exit 0 within the timeout
 * passes, anything else fails with the exit code or signal and the last lines of output. Without
 * `commands.allow` it fails without running.
 *
 * @example
 * await commandGate(ctx, { type: 'command', run: './smoke.sh', timeoutMs: 60_000 }) // { state: 'passed', detail: "'./smoke.sh' exited 0", … }
 */
export async function commandGate(ctx: GateContext, gate: { run: string; timeoutMs: number }): Promise<GateVerdict> {
  const what = `'${gate.run.split('\n')[0]!.slice(0, 80)}'`;
  if (!ctx.commands.allow) return commandsNotAllowed(what);
  const { env, done } = commandEnvironment({ project: ctx.project, channel: ctx.stage.channel, release: ctx.candidate, record: ctx.release, commit: ctx.snap.commit ?? '' });
  try {
    return commandVerdict(what, await runCommand(gate.run, { timeoutMs: gate.timeoutMs, env, cwd: ctx.commands.cwd }), gate.timeoutMs);
  } finally {
    done();
  }
}
