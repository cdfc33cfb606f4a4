import type { MetaRepo } from '../api/openMeta.js';

/** What a command needs from the outside world; tests pass their own to call `run` directly. */
export interface CliContext {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Standard input, for `-` arguments. */
  stdin?: () => Promise<Buffer>;
  isTTY?: boolean;
  /**
   * Whether output may carry colours, progress lines or other terminal control sequences: false
   * under $NO_COLOR, --no-color, or when stdout is not a terminal. Anything that prints such
   * sequences checks this.
   */
  color?: boolean;
}

/** Options every command takes. */
export interface GlobalArgs {
  repo?: string;
  json?: boolean;
  actor?: string;
  noColor?: boolean;
}

export function nodeContext(): CliContext {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    stdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    isTTY: process.stdout.isTTY === true,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
  };
}

/** Opens the repository named by --repo / $META_REPO / the current directory. */
export async function open(ctx: CliContext, args: GlobalArgs): Promise<MetaRepo> {
  const { openMeta } = await import('../api/openMeta.js');
  const { repositoryDir, shownRepositoryDir } = await import('../api/repositoryDir.js');
  // Messages name the directory as the user gave it; the current directory stays unnamed.
  return openMeta({ dir: repositoryDir(args.repo, ctx.env, undefined, ctx.cwd), shownAs: shownRepositoryDir({ dir: args.repo }, ctx.env), actor: args.actor, env: ctx.env, warn: (m) => ctx.err(`meta: ${m}\n`) });
}

/** Prints `value` as JSON with --json, else the human lines. */
export function emit(ctx: CliContext, args: GlobalArgs, value: unknown, human: () => string | string[]): void {
  if (args.json) {
    ctx.out(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const h = human();
  const text = Array.isArray(h) ? h.join('\n') : h;
  if (text) ctx.out(text.endsWith('\n') ? text : `${text}\n`);
}

export function warn(ctx: CliContext, warnings: string[] | undefined): void {
  for (const w of warnings ?? []) ctx.err(`warning: ${w}\n`);
}

/** `--label k=v` values into labels. */
export function parseLabels(values: string[] | undefined): { key: string; value: string }[] {
  return (values ?? []).map((kv) => {
    const i = kv.indexOf('=');
    return i > 0 ? { key: kv.slice(0, i), value: kv.slice(i + 1) } : { key: kv, value: '' };
  });
}

export const short = (h: string | null | undefined) => (h ? h.slice(0, 12) : '-');
