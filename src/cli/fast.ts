import { EXIT_CODES, MetaError } from '../errors/MetaError.js';
import type { CommandSpec } from './command.js';
import { nodeContext, type CliContext, type GlobalArgs } from './context.js';

/**
 * The start-up fast path for the commands that run cold in CI jobs and on every server poll
 * (`resolve binary`, `release record`, …). Loading yargs and registering every command costs
 * ~80 ms, more than node's own start-up (DESIGN.md §6, issue 6: cold `meta resolve binary` must
 * stay within 2× `node -e 0`). This parser accepts only the plain, unambiguous spellings of these
 * commands and hands back `undefined` for anything else (help, a missing or unknown option, a
 * repeated single-value option, a value that starts with '-', `--`, `--no-…`), so yargs still
 * produces every usage message and the argument objects the commands see stay identical.
 */

interface FastSpec {
  /** The command words, e.g. ['resolve', 'binary']. */
  words: string[];
  load: () => Promise<{ default: CommandSpec<any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  positionals: string[];
  /** Trailing positionals that may be left out (`pull [remote]`). */
  optional?: string[];
  /** Single-value string options (kebab-case, as typed). */
  strings?: string[];
  /** Repeatable string options. */
  arrays?: string[];
  booleans?: string[];
  /** Options with `type: 'number'`; only plain non-negative integers take the fast path. */
  numbers?: string[];
  /** Options yargs demands. */
  required?: string[];
}

const GLOBAL_STRINGS = ['repo', 'actor'];
const GLOBAL_BOOLEANS = ['json'];

const FAST: FastSpec[] = [
  { words: ['resolve', 'binary'], load: () => import('./commands/resolveBinary.js'), positionals: ['project'], strings: ['channel', 'platform', 'at'], required: ['channel', 'platform'] },
  { words: ['resolve', 'source'], load: () => import('./commands/resolveSource.js'), positionals: ['digest'], strings: ['at'] },
  { words: ['release', 'record'], load: () => import('./commands/releaseRecord.js'), positionals: ['project'], strings: ['version', 'notes'], arrays: ['source', 'import', 'label'], required: ['version', 'source'] },
  { words: ['binary', 'record'], load: () => import('./commands/binaryRecord.js'), positionals: ['project', 'version'], strings: ['platform', 'file', 'digest', 'media-type'], numbers: ['size'], arrays: ['url', 'label'], required: ['platform', 'url'] },
  { words: ['channel', 'promote'], load: () => import('./commands/channelPromote.js'), positionals: ['project', 'channel', 'version'], strings: ['expect', 'reason'], booleans: ['require-binaries', 'force'] },
  { words: ['channel', 'show'], load: () => import('./commands/channelShow.js'), positionals: ['project', 'channel'], strings: ['at'] },
  { words: ['channel', 'history'], load: () => import('./commands/channelHistory.js'), positionals: ['project', 'channel'], strings: ['at'] },
  // Run on every follower poll and CI job; their cost is mostly start-up and the network.
  { words: ['pull'], load: () => import('./commands/pull.js'), positionals: [], optional: ['remote'], booleans: ['allow-rewrite'] },
  { words: ['clone'], load: () => import('./commands/clone.js'), positionals: ['url', 'dir'], strings: ['remote'], numbers: ['depth'] },
  // Run after every pull by careful followers and in CI; measured against `git fsck`.
  { words: ['verify'], load: () => import('./commands/verify.js'), positionals: [], strings: ['from', 'to'] },
];

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Parses `argv` for a fast-path command: the command and the arguments object yargs would have
 * given its `run`, or undefined to let yargs handle it.
 */
export function parseFast(argv: readonly string[]): { spec: FastSpec; args: GlobalArgs & Record<string, unknown> } | undefined {
  const spec = FAST.find((s) => s.words.every((w, i) => argv[i] === w));
  if (!spec) return undefined;
  const strings = new Set([...GLOBAL_STRINGS, ...(spec.strings ?? [])]);
  const arrays = new Set(spec.arrays ?? []);
  const booleans = new Set([...GLOBAL_BOOLEANS, ...(spec.booleans ?? [])]);
  const numbers = new Set(spec.numbers ?? []);
  const args: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let i = spec.words.length; i < argv.length; i++) {
    const tok = argv[i]!;
    if (!tok.startsWith('--')) {
      if (tok.startsWith('-') || tok === '') return undefined;
      positionals.push(tok);
      continue;
    }
    const eq = tok.indexOf('=');
    const name = eq < 0 ? tok.slice(2) : tok.slice(2, eq);
    const key = camel(name);
    if (booleans.has(name)) {
      if (eq >= 0 || key in args) return undefined;
      // yargs would read a following 'true'/'false' as the flag's value.
      const next = argv[i + 1];
      if (next === 'true' || next === 'false') return undefined;
      args[key] = true;
      continue;
    }
    if (!strings.has(name) && !arrays.has(name) && !numbers.has(name)) return undefined;
    let value: string;
    if (eq >= 0) value = tok.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) return undefined;
      value = next;
      i++;
    }
    if (arrays.has(name)) {
      // yargs lets an array option swallow the words after it; leave that reading to yargs.
      const after = argv[i + 1];
      if (after !== undefined && !after.startsWith('-')) return undefined;
      ((args[key] ??= []) as string[]).push(value);
    } else {
      if (key in args) return undefined;
      if (numbers.has(name)) {
        if (!/^[0-9]{1,15}$/.test(value)) return undefined;
        args[key] = Number(value);
      } else args[key] = value;
    }
  }
  const names = [...spec.positionals, ...(spec.optional ?? [])];
  if (positionals.length < spec.positionals.length || positionals.length > names.length) return undefined;
  positionals.forEach((v, i) => { args[names[i]!] = v; });
  for (const r of spec.required ?? []) if (!(camel(r) in args)) return undefined;
  return { spec, args: args as GlobalArgs & Record<string, unknown> };
}

/** One line on stderr (or `{"error": …}` with --json); the same format as the yargs path. */
export function reportError(ctx: CliContext, json: boolean, e: unknown): number {
  const err = e instanceof MetaError ? e : new MetaError('INTERNAL', `unexpected error: ${(e as Error)?.stack ?? String(e)}`, {});
  if (json) ctx.err(`${JSON.stringify({ error: err.toJSON() })}\n`);
  else ctx.err(`meta: ${err.message}\n`);
  return EXIT_CODES[err.code] ?? 1;
}

/**
 * Runs `argv` through the fast path and returns the exit code, or undefined when the full parser
 * must handle it (bin/meta then loads src/cli/main).
 */
export async function runFast(argv: readonly string[], ctx?: CliContext): Promise<number | undefined> {
  const hit = parseFast(argv);
  if (!hit) return undefined;
  const c = ctx ?? nodeContext();
  try {
    const cmd = (await hit.spec.load()).default;
    await cmd.run(c, hit.args);
    return 0;
  } catch (e) {
    return reportError(c, hit.args.json === true, e);
  }
}
