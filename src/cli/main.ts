import { nodeContext, type CliContext } from './context.js';
import type { CommandSpec } from './grammar.js';
import { camel, parse, type Parsed } from './parse.js';
import { reportError, type ReportHints } from './report.js';

/**
 * Runs the CLI and returns the exit code; `bin/meta` sets it as the process's. Every command goes
 * through the one parser over the declarations in specs.ts; only the chosen command's code is
 * loaded. Errors become one line on stderr (or `{"error": {code, message, data}}` with --json)
 * and the code's exit status.
 */
export async function main(argv: readonly string[], ctx?: CliContext): Promise<number> {
  let c = ctx ?? nodeContext();
  if (!ctx) exitQuietlyOnClosedPipe();
  let parsed: Parsed | undefined;
  try {
    parsed = parse(argv);
    if (parsed.args.noColor === true || c.env.NO_COLOR) c = { ...c, color: false };
    const spec = parsed.spec;
    const run = spec.builtin !== undefined ? (await import('./builtins.js')).BUILTINS[spec.builtin] : (await spec.load()).default.run;
    await run(c, parsed.args);
    return 0;
  } catch (e) {
    const json = parsed ? parsed.args.json === true : jsonRequested(argv);
    return reportError(c, json, e, hints(c, parsed));
  }
}

/** --json before any `--`, for errors found before the arguments were parsed. */
function jsonRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--json' || a === '--json=true');
}

/** The repository and the paths the user named, so an IO error can name them as given. */
function hints(ctx: CliContext, parsed: Parsed | undefined): ReportHints {
  const args = parsed?.args ?? {};
  const repo = typeof args.repo === 'string' ? args.repo : ctx.env.META_REPO;
  return { cwd: ctx.cwd, repo, paths: parsed ? pathArgs(parsed.spec, args) : [] };
}

function pathArgs(spec: CommandSpec, args: Record<string, unknown>): string[] {
  const names = [
    ...Object.entries(spec.options ?? {}).filter(([, o]) => o.complete).map(([n]) => camel(n)),
    ...(spec.positionals ?? []).filter((p) => p.complete).map((p) => camel(p.name)),
  ];
  return names.flatMap((n) => args[n]).filter((v): v is string => typeof v === 'string');
}

/** `meta log | head -1`: the reader left; stop like a well-behaved filter, without a stack trace. */
function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
