import { MetaError } from '../errors/MetaError.js';
import { orList, suggest } from '../util/suggest.js';
import type { CommandSpec, OptionSpec, PositionalSpec } from './grammar.js';
import { quote } from './quote.js';
import { COMMANDS, GLOBAL_OPTIONS, ROOT_OPTIONS } from './specs.js';

/**
 * The parser over the declarations in specs.ts. Spellings: `--opt value`, `--opt=value`, `-x value`,
 * `-x=value`, `-xvalue`; repeat an array option for more values; `--no-<flag>` (and
 * `--flag=true|false`) for booleans; `--` ends the options. Global options go anywhere. Every
 * usage error is one INVALID_ARGUMENT (exit 2) with a "did you mean" where one is close.
 */

export type Args = Record<string, unknown>;

export interface Parsed {
  spec: CommandSpec;
  args: Args;
}

export const camel = (s: string): string => (s.includes('-') ? s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : s);

// The lookups below run on every start of `meta`: plain loops, because each closure and regular
// expression costs a compilation on a cold process.

/** Whether `c`'s words start with `prefix` and go on. */
function under(c: CommandSpec, prefix: readonly string[]): boolean {
  if (c.path.length <= prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (c.path[k] !== prefix[k]) return false;
  return true;
}

function byPath(words: readonly string[]): CommandSpec | undefined {
  next: for (const c of COMMANDS) {
    if (c.path.length !== words.length) continue;
    for (let k = 0; k < words.length; k++) if (c.path[k] !== words[k]) continue next;
    return c;
  }
  return undefined;
}

function isChild(prefix: readonly string[], word: string): boolean {
  for (const c of COMMANDS) if (c.path[prefix.length] === word && under(c, prefix)) return true;
  return false;
}

/** The command declared at `words`, if any. */
export function findCommand(words: readonly string[]): CommandSpec | undefined {
  return byPath(words);
}

/** The names that may follow `prefix` (`[]`: top-level commands and groups). */
export function childrenOf(prefix: readonly string[]): string[] {
  const names: string[] = [];
  for (const c of COMMANDS) if (under(c, prefix) && !names.includes(c.path[prefix.length]!)) names.push(c.path[prefix.length]!);
  return names;
}

/** A token that names an option: `--x`, `-x`; not `-`, `--`, nor a negative number. */
function optionLike(tok: string): boolean {
  return tok.length > 1 && tok[0] === '-' && tok !== '--' && !(tok[1]! >= '0' && tok[1]! <= '9');
}

// ---- suggestions ----------------------------------------------------------------------------

export { editDistance, suggest } from '../util/suggest.js';

const didYouMean = (xs: string[]) => (xs.length ? `; did you mean ${orList(xs)}?` : '');
function usageError(message: string, data: Record<string, unknown> = {}): MetaError {
  return new MetaError('INVALID_ARGUMENT', message, data);
}

const helpHint = (path: readonly string[]) => `see 'meta ${[...path, '--help'].join(' ')}'`;

// ---- values ---------------------------------------------------------------------------------

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * `--at` and the like: a commit, ref or ISO-8601 date. JavaScript's Date rolls 30 February over
 * into March, so a date-shaped value is checked against the calendar here; an empty value would
 * silently mean the tip.
 */
export function checkAtValue(value: string, what: string): string | undefined {
  if (value === '') return `${what} needs a commit, ref or ISO-8601 date, not an empty string`;
  const m = ISO.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => (m[i] === undefined ? 0 : Number(m[i])));
  if (mo! < 1 || mo! > 12) return `${what} ${quote(value)} is not a date: there is no month ${mo}`;
  const days = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  if (d! < 1 || d! > days) return `${what} ${quote(value)} is not a date: ${MONTHS[mo! - 1]} ${y} has ${days} days`;
  if (h! > 23 || mi! > 59 || s! > 59) return `${what} ${quote(value)} is not a valid time of day`;
  const zone = m[8] && m[8] !== 'Z' ? /^[+-](\d{2}):?(\d{2})$/.exec(m[8]) : undefined;
  if (zone && (Number(zone[1]) > 23 || Number(zone[2]) > 59)) return `${what} ${quote(value)} has an invalid time zone offset`;
  return undefined;
}

function convert(name: string, o: OptionSpec, raw: string): unknown {
  const flag = name.length === 1 ? `-${name}` : `--${name}`;
  if (o.type === 'number') {
    const ok = o.integer ? /^[0-9]{1,15}$/.test(raw) : /^[0-9]{1,15}(\.[0-9]{1,9})?$/.test(raw);
    if (!ok) throw usageError(`${flag} takes a non-negative ${o.integer ? 'whole number' : 'number'}, not ${quote(raw)}`, { option: name, value: raw });
    return Number(raw);
  }
  if (o.choices && !o.choices.includes(raw)) {
    throw usageError(`${flag} takes ${orList([...o.choices])}, not ${quote(raw)}${didYouMean(suggest(raw, o.choices).map((c) => quote(c)))}`, { option: name, value: raw, choices: o.choices });
  }
  if (o.format === 'at') {
    const bad = checkAtValue(raw, flag);
    if (bad) throw usageError(bad, { option: name, value: raw });
  }
  return raw;
}

function checkPositional(p: PositionalSpec, raw: string): void {
  if (p.choices && !p.choices.includes(raw)) {
    throw usageError(`<${p.name}> takes ${orList([...p.choices])}, not ${quote(raw)}${didYouMean(suggest(raw, p.choices).map((c) => quote(c)))}`, { argument: p.name, value: raw, choices: p.choices });
  }
  if (p.format === 'at') {
    const bad = checkAtValue(raw, `<${p.name}>`);
    if (bad) throw usageError(bad, { argument: p.name, value: raw });
  }
}

// ---- the parser -----------------------------------------------------------------------------

interface Entry { name: string; spec: OptionSpec }

function optionTable(options: Readonly<Record<string, OptionSpec>>): { long: Map<string, Entry>; short: Map<string, Entry> } {
  const long = new Map<string, Entry>();
  const short = new Map<string, Entry>();
  for (const [name, spec] of Object.entries(options)) {
    long.set(name, { name, spec });
    // A one-letter name is also its own short form: `-n 5` as well as `--n 5`.
    if (name.length === 1) short.set(name, { name, spec });
    for (const a of spec.aliases ?? []) (a.length === 1 ? short : long).set(a, { name, spec });
  }
  return { long, short };
}

/** Visible option spellings for suggestions: `--name`, `--no-name` for booleans, `-x`. */
function spellings(options: Readonly<Record<string, OptionSpec>>): string[] {
  const out: string[] = [];
  for (const [name, o] of Object.entries(options)) {
    if (o.hidden) continue;
    out.push(name.length === 1 ? `-${name}` : `--${name}`);
    if (o.type === 'boolean' && !name.startsWith('no-')) out.push(`--no-${name}`);
    for (const a of o.aliases ?? []) out.push(a.length === 1 ? `-${a}` : `--${a}`);
  }
  return out;
}

const HELP_SPEC = () => byPath(['help'])!;
const VERSION_SPEC = () => byPath(['version'])!;

/**
 * Parses `argv` into the chosen command and the arguments object its `run` receives (camelCase
 * keys; defaults applied). `--help`/`-h` anywhere, and `meta --version`, choose the help and
 * version commands. Throws INVALID_ARGUMENT for any usage error.
 */
export function parse(argv: readonly string[]): Parsed {
  const globals = optionTable(GLOBAL_OPTIONS);
  const args: Args = {};
  const words: string[] = [];
  const helpFor = (path: readonly string[]): Parsed => ({ spec: HELP_SPEC(), args: { ...pickGlobals(args), command: [...path] } });
  const helpLater = (from: number) => {
    const end = argv.indexOf('--', from);
    return argv.slice(from, end < 0 ? undefined : end).some((t) => t === '--help' || t === '-h');
  };
  let i = 0;

  // Command words, with global options (and `--version` before the first word) among them.
  let spec: CommandSpec | undefined;
  for (; i < argv.length && !spec; i++) {
    const tok = argv[i]!;
    if (optionLike(tok)) {
      if (words.length === 0 && tok === '--version') return { spec: VERSION_SPEC(), args: { ...pickGlobals(args), ...globalsOnly(argv.slice(i + 1)) } };
      try {
        i = takeOption(argv, i, globals, args, words, GLOBAL_OPTIONS, words.length === 0 ? ROOT_OPTIONS : {}).used;
      } catch (e) {
        if (args.help === true || helpLater(i + 1)) return helpFor(words);
        throw e;
      }
      continue;
    }
    if (tok === '--') throw usageError(`give a command before '--'; ${helpHint(words)}`);
    // An unknown command is a usage error even with --help (as git does): help for the parent
    // would read as if the command existed.
    if (!isChild(words, tok)) throw unknownCommand(words, tok);
    words.push(tok);
    spec = byPath(words);
  }
  if (args.help === true) return helpFor(words);
  if (!spec) {
    if (words.length === 0) throw usageError("give a command; 'meta --help' lists them");
    throw usageError(`give a ${words.join(' ')} subcommand: ${orList(childrenOf(words))}; ${helpHint(words)}`, { command: words.join(' ') });
  }

  // The command's own options and positionals; global options still go anywhere.
  const options = { ...GLOBAL_OPTIONS, ...(spec.options ?? {}) };
  const table = optionTable(options);
  /** Each positional, with the array option whose value came just before it (for a hint). */
  const positionals: { value: string; afterArray?: string }[] = [];
  let afterArray: string | undefined;
  for (; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === '--') {
      positionals.push(...argv.slice(i + 1).map((value) => ({ value })));
      break;
    }
    if (!optionLike(tok)) {
      positionals.push({ value: tok, afterArray });
      afterArray = undefined;
      continue;
    }
    try {
      const r = takeOption(argv, i, table, args, spec.path, options, {});
      afterArray = r.type === 'array' && r.used > i ? `--${r.name}` : undefined;
      i = r.used;
    } catch (e) {
      if (args.help === true || helpLater(i + 1)) return helpFor(spec.path);
      throw e;
    }
  }
  if (args.help === true) return helpFor(spec.path);
  delete args.help;

  const decl = spec.positionals ?? [];
  const variadic = decl[decl.length - 1]?.variadic === true;
  const fixed = variadic ? decl.slice(0, -1) : decl;
  if (!variadic && positionals.length > decl.length) {
    const extra = positionals[decl.length]!;
    const hint = extra.afterArray ? `; repeat ${extra.afterArray} for each value` : '';
    throw usageError(`unexpected argument ${quote(extra.value)}${hint}; usage: ${usage(spec)}`, { argument: extra.value });
  }
  fixed.forEach((p, k) => {
    const v = positionals[k]?.value;
    if (v === undefined) {
      if (p.required) throw usageError(`missing <${p.name}>; usage: ${usage(spec)}`, { argument: p.name });
      return;
    }
    checkPositional(p, v);
    args[camel(p.name)] = v;
  });
  if (variadic) {
    const p = decl[decl.length - 1]!;
    const rest = positionals.slice(fixed.length).map((x) => x.value);
    rest.forEach((v) => checkPositional(p, v));
    if (p.required && rest.length === 0) throw usageError(`missing <${p.name}>; usage: ${usage(spec)}`, { argument: p.name });
    args[camel(p.name)] = rest;
  }

  const missing = Object.entries(spec.options ?? {}).filter(([n, o]) => o.required && args[camel(n)] === undefined).map(([n]) => (n.length === 1 ? `-${n}` : `--${n}`));
  if (missing.length) throw usageError(`missing required option${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; usage: ${usage(spec)}`, { options: missing });
  for (const [n, o] of Object.entries(spec.options ?? {})) {
    if (o.default !== undefined && args[camel(n)] === undefined) args[camel(n)] = o.default;
  }
  return { spec, args };
}

function pickGlobals(args: Args): Args {
  const out: Args = {};
  for (const k of Object.keys(GLOBAL_OPTIONS).map(camel)) if (k !== 'help' && args[k] !== undefined) out[k] = args[k];
  return out;
}

/** `meta --version …`: only global options may follow (e.g. --json). */
function globalsOnly(rest: readonly string[]): Args {
  const table = optionTable(GLOBAL_OPTIONS);
  const args: Args = {};
  for (let i = 0; i < rest.length; i++) {
    if (!optionLike(rest[i]!)) throw usageError(`unexpected argument ${quote(rest[i]!)} after --version`, { argument: rest[i] });
    i = takeOption(rest, i, table, args, [], GLOBAL_OPTIONS, {}).used;
  }
  delete args.help;
  return args;
}

function unknownCommand(words: readonly string[], tok: string): MetaError {
  const children = childrenOf(words);
  // `meta promote`: the word is a subcommand of a group.
  let hints = words.length === 0 ? COMMANDS.filter((c) => c.path.length === 2 && c.path[1] === tok).map((c) => `'${c.path.join(' ')}'`) : [];
  if (hints.length === 0) hints = suggest(tok, children).map((c) => `'${[...words, c].join(' ')}'`);
  const what = words.length ? `${words.join(' ')} subcommand` : 'command';
  const data = { command: [...words, tok].join(' ') };
  if (optionLike(tok)) return usageError(`unknown option ${tok}; ${helpHint(words)}`, data);
  return usageError(`unknown ${what} ${quote(tok)}${hints.length ? didYouMean(hints) : `; ${helpHint(words)}`}`, data);
}

/**
 * Reads the option at `argv[i]` into `args`; returns the index of the last token it used.
 * `extra`: options also offered as suggestions here (`--version` before the command).
 */
function takeOption(
  argv: readonly string[], i: number, table: { long: Map<string, Entry>; short: Map<string, Entry> }, args: Args,
  path: readonly string[], options: Readonly<Record<string, OptionSpec>>, extra: Readonly<Record<string, OptionSpec>>,
): { used: number; name: string; type: OptionSpec['type'] } {
  const tok = argv[i]!;
  let entry: Entry | undefined;
  let inline: string | undefined;
  let negated = false;
  if (tok.startsWith('--')) {
    const eq = tok.indexOf('=');
    const name = eq < 0 ? tok.slice(2) : tok.slice(2, eq);
    if (eq >= 0) inline = tok.slice(eq + 1);
    entry = table.long.get(name);
    if (!entry && name.startsWith('no-')) {
      const base = table.long.get(name.slice(3));
      if (base?.spec.type === 'boolean') {
        entry = base;
        negated = true;
      }
    }
    if (!entry) {
      throw usageError(`unknown option --${name}${unknownOptionHint(`--${name}`, path, options, extra)}`, { option: name });
    }
  } else {
    entry = table.short.get(tok[1]!);
    if (entry && tok.length > 2) {
      if (tok[2] === '=') inline = tok.slice(3);
      else if (entry.spec.type !== 'boolean') inline = tok.slice(2);
      else entry = undefined;
    }
    if (!entry) {
      // `-json`: one dash short of a long option.
      const long = tok.slice(1).split('=')[0]!;
      const hint = table.long.has(long) ? `; did you mean --${long}?` : unknownOptionHint(tok, path, options, extra);
      throw usageError(`unknown option ${tok.split('=')[0]}${hint}`, { option: tok.slice(1) });
    }
  }
  const { name, spec: o } = entry;
  const key = camel(name);
  const flag = name.length === 1 ? `-${name}` : `--${name}`;
  if (o.type === 'boolean') {
    let value = !negated;
    if (inline !== undefined) {
      if (negated) throw usageError(`--no-${name} takes no value, not ${quote(inline)}`, { option: name });
      if (inline !== 'true' && inline !== 'false') throw usageError(`${flag} is a flag: give it alone (or ${flag}=true, ${flag}=false), not with ${quote(inline)}`, { option: name });
      value = inline === 'true';
    }
    if (args[key] !== undefined && args[key] !== value) throw usageError(`${flag} and --no-${name} contradict each other`, { option: name });
    args[key] = value;
    return { used: i, name, type: o.type };
  }
  let raw = inline;
  let used = i;
  if (raw === undefined) {
    const next = argv[i + 1];
    if (next === undefined || next === '--' || optionLike(next)) {
      throw usageError(`${flag} needs a value${next !== undefined && next !== '--' ? ` (for a value that starts with '-', write ${flag}=${next})` : ''}`, { option: name });
    }
    raw = next;
    used = i + 1;
  }
  const value = convert(name, o, raw);
  if (o.type === 'array') ((args[key] ??= []) as unknown[]).push(value);
  else {
    if (args[key] !== undefined) throw usageError(`${flag} was given more than once`, { option: name });
    args[key] = value;
  }
  return { used, name, type: o.type };
}

function unknownOptionHint(typed: string, path: readonly string[], options: Readonly<Record<string, OptionSpec>>, extra: Readonly<Record<string, OptionSpec>>): string {
  const hints = suggest(typed, [...spellings(options), ...spellings(extra)]);
  return hints.length ? didYouMean(hints) : `; ${helpHint(path)}`;
}

/** `meta channel promote <project> <channel> <version> [options]` */
export function usage(spec: CommandSpec): string {
  const pos = (spec.positionals ?? []).map((p) => (p.variadic ? `[${p.name}...]` : p.required ? `<${p.name}>` : `[${p.name}]`));
  const req = Object.entries(spec.options ?? {}).filter(([, o]) => o.required).map(([n, o]) => `${n.length === 1 ? '-' : '--'}${n} <${o.placeholder ?? 'value'}>`);
  return ['meta', ...spec.path, ...pos, ...req, '[options]'].join(' ');
}

/** Checks that `words` name a command or group (`meta help <words>`), with suggestions if not. */
export function checkWords(words: readonly string[]): void {
  for (let k = 0; k < words.length; k++) {
    const prefix = words.slice(0, k);
    const children = childrenOf(prefix);
    if (children.length === 0) throw usageError(`'meta ${prefix.join(' ')}' takes no subcommand ${quote(words[k]!)}`, { command: words.join(' ') });
    if (!children.includes(words[k]!)) throw unknownCommand(prefix, words[k]!);
  }
}
