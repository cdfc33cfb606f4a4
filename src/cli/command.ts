import type { Argv } from 'yargs';
import type { CliContext, GlobalArgs } from './context.js';

/**
 * One CLI subcommand: yargs wiring plus a `run` that tests call directly. `run` imports the
 * library lazily, so starting `meta` loads only what the invoked command needs.
 */
export interface CommandSpec<A extends GlobalArgs = GlobalArgs & Record<string, unknown>> {
  command: string;
  describe: string;
  builder?: (y: Argv) => Argv;
  run: (ctx: CliContext, args: A) => Promise<void>;
}

export function defineCommand<A extends GlobalArgs>(spec: CommandSpec<A>): CommandSpec<A> {
  return spec;
}
