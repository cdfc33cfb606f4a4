import type { CommandModule } from './grammar.js';
import type { GlobalArgs } from './context.js';

/**
 * A command's code: the `run` that gets the parsed arguments (tests call it directly). The
 * command's words, positionals and options are declared in specs.ts, which checks that this
 * `run` accepts exactly what the declaration produces. `run` imports the library lazily, so
 * starting `meta` loads only what the invoked command needs.
 */
export function defineCommand<A extends GlobalArgs>(module: CommandModule<A>): CommandModule<A> {
  return module;
}
