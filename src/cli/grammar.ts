import type { CliContext, GlobalArgs } from './context.js';

/**
 * The CLI's one grammar: every command's words, positionals and options are data, declared once
 * in specs.ts. The parser (parse.ts), `--help` and `meta help` (help.ts), the completion scripts
 * (completion.ts) and the "did you mean" suggestions all read these declarations; nothing else
 * declares an option. This module holds types only, so importing it costs nothing at start-up.
 */

export type OptionType = 'string' | 'boolean' | 'number' | 'array';

/**
 * Extra checks on a value beyond its type. `at`: a commit, ref or ISO-8601 date (not empty, and a
 * date-shaped value must be a real calendar date).
 */
export type ValueFormat = 'at';

/** What a shell completes for a value: file names, directory names, or nothing special. */
export type CompleteAs = 'file' | 'dir';

export interface OptionSpec {
  type: OptionType;
  describe?: string;
  default?: string | number | boolean;
  /** The only values accepted (string options). */
  choices?: readonly string[];
  /** The command refuses to run without it (exit 2). */
  required?: boolean;
  /** Parsed as usual but left out of help and completion. */
  hidden?: boolean;
  /** `boolean`: `--no-<name>` means something of its own (help and completion show both). */
  negatable?: boolean;
  /** Other spellings: one letter for `-x`, longer ones for `--x`. */
  aliases?: readonly string[];
  /** `number`: whole numbers only (every number is non-negative). */
  integer?: boolean;
  format?: ValueFormat;
  /** The value's name in help, e.g. `file` for `--out <file>`. */
  placeholder?: string;
  complete?: CompleteAs;
}

export interface PositionalSpec {
  name: string;
  describe?: string;
  required?: boolean;
  /** Takes every remaining positional (the last one only). */
  variadic?: boolean;
  choices?: readonly string[];
  format?: ValueFormat;
  complete?: CompleteAs;
}

/** What a command module exports: the code that runs once the arguments are parsed. */
export interface CommandModule<A = GlobalArgs & Record<string, unknown>> {
  /** A property, not a method: the compiler then checks the argument type contravariantly. */
  run: (ctx: CliContext, args: A) => Promise<void>;
}

/** Commands about the CLI itself, run by src/cli/builtins.ts (they read this table). */
export type Builtin = 'help' | 'version' | 'completion';

export interface CommandDecl {
  /** The command words, e.g. ['channel', 'promote']. */
  path: readonly string[];
  describe: string;
  positionals?: readonly PositionalSpec[];
  options?: Readonly<Record<string, OptionSpec>>;
  /**
   * Started cold in CI jobs and on every follower poll: its code and the library code it loads
   * go into the CLI bundle (scripts/bundle-cli.mjs); other commands load theirs from dist/.
   */
  hot?: boolean;
  /** Lines shown under "Examples" in help. */
  examples?: readonly string[];
}

export type CommandSpec = CommandDecl & (
  /** Loads the command's code; nothing of it is loaded until the command is chosen. */
  | { load: () => Promise<{ default: CommandModule<any> }>; builtin?: undefined } // eslint-disable-line @typescript-eslint/no-explicit-any
  | { builtin: Builtin; load?: undefined }
);

export interface GroupSpec {
  name: string;
  describe: string;
}

// ---- The argument object a command's `run` receives, derived from its declaration ------------

type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

type OptionValue<O> = O extends { type: 'boolean' } ? boolean
  : O extends { type: 'number' } ? number
    : O extends { type: 'array' } ? string[]
      : O extends { choices: readonly (infer C)[] } ? C
        : string;

type Always<O> = O extends { required: true } ? true : O extends { default: string | number | boolean } ? true : false;

type OptionArgs<Os> = {
  [K in keyof Os as Always<Os[K]> extends true ? Camel<K & string> : never]: OptionValue<Os[K]>;
} & {
  [K in keyof Os as Always<Os[K]> extends true ? never : Camel<K & string>]?: OptionValue<Os[K]>;
};

type PositionalArgs<Ps> = Ps extends readonly [infer P, ...infer Rest]
  ? (P extends { name: infer N extends string; variadic: true } ? { [k in Camel<N>]: string[] }
    : P extends { name: infer N extends string; required: true } ? { [k in Camel<N>]: string }
      : P extends { name: infer N extends string } ? { [k in Camel<N>]?: string }
        : unknown) & PositionalArgs<Rest>
  : unknown;

/** The arguments object the parser builds for a command declared as `S`. */
export type ArgsOf<S> = GlobalArgs
  & (S extends { positionals: infer Ps } ? PositionalArgs<Ps> : unknown)
  & (S extends { options: infer Os } ? OptionArgs<Os> : unknown);

/**
 * Declares a command. The type checks that the loaded module's `run` accepts exactly the
 * arguments this declaration produces: an option `run` reads but the declaration lacks (or gives
 * another type) does not compile.
 */
export function command<const S extends CommandDecl>(spec: S & { load: () => Promise<{ default: CommandModule<ArgsOf<S>> }> }): S & CommandSpec {
  return spec as S & CommandSpec;
}

/** Declares a command about the CLI itself (help, version, completion): see src/cli/builtins.ts. */
export function builtin<const S extends CommandDecl & { builtin: Builtin }>(spec: S): S & CommandSpec {
  return spec as S & CommandSpec;
}
