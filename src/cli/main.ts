import yargs, { type Argv } from 'yargs';
import { MetaError } from '../errors/MetaError.js';
import { reportError } from './fast.js';
import type { CommandSpec } from './command.js';
import { nodeContext, type CliContext, type GlobalArgs } from './context.js';
import init from './commands/init.js';
import projectAdd from './commands/projectAdd.js';
import projectLs from './commands/projectLs.js';
import releaseRecord from './commands/releaseRecord.js';
import binaryRecord from './commands/binaryRecord.js';
import channelPromote from './commands/channelPromote.js';
import channelRollback from './commands/channelRollback.js';
import channelShow from './commands/channelShow.js';
import channelHistory from './commands/channelHistory.js';
import channelLs from './commands/channelLs.js';
import resolveBinary from './commands/resolveBinary.js';
import resolveSource from './commands/resolveSource.js';
import diff from './commands/diff.js';
import show from './commands/show.js';
import log from './commands/log.js';
import secretSet from './commands/secretSet.js';
import secretGet from './commands/secretGet.js';
import secretLs from './commands/secretLs.js';
import secretRotate from './commands/secretRotate.js';
import secretUpdatekeys from './commands/secretUpdatekeys.js';
import secretDecrypt from './commands/secretDecrypt.js';
import secretEncrypt from './commands/secretEncrypt.js';
import keysGenerate from './commands/keysGenerate.js';
import keysAddRecipient from './commands/keysAddRecipient.js';
import keysRemoveRecipient from './commands/keysRemoveRecipient.js';
import keysLs from './commands/keysLs.js';

import serve from './commands/serve.js';
import follow from './commands/follow.js';
import watch from './commands/watch.js';
import instances from './commands/instances.js';
import instanceReport from './commands/instanceReport.js';
import hooksDeliveries from './commands/hooksDeliveries.js';

import clone from './commands/clone.js';
import remoteAdd from './commands/remoteAdd.js';
import remoteLs from './commands/remoteLs.js';
import pull from './commands/pull.js';
import push from './commands/push.js';
import verify from './commands/verify.js';
import hooksInstall from './commands/hooksInstall.js';

type AnySpec = CommandSpec<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Top-level commands and groups; a group's subcommands are its `children`. */
export const COMMANDS: { name: string; describe: string; children: AnySpec[] }[] = [
  { name: 'project', describe: 'projects (org/repo[/sub])', children: [projectAdd, projectLs] },
  { name: 'release', describe: 'releases: every source repo@commit', children: [releaseRecord] },
  { name: 'binary', describe: 'binaries per platform', children: [binaryRecord] },
  { name: 'channel', describe: 'promote, roll back, inspect channels', children: [channelPromote, channelRollback, channelShow, channelHistory, channelLs] },
  { name: 'resolve', describe: 'answer "what runs where" and "where did this binary come from"', children: [resolveBinary, resolveSource] },
  { name: 'secret', describe: 'SOPS + age secrets per environment (append-only versions)', children: [secretSet, secretGet, secretLs, secretRotate, secretUpdatekeys, secretDecrypt, secretEncrypt] },
  { name: 'keys', describe: 'age keys and the recipients of each environment', children: [keysGenerate, keysAddRecipient, keysRemoveRecipient, keysLs] },
  { name: 'instance', describe: 'instance reports (what a host runs)', children: [instanceReport] },
  { name: 'hooks', describe: 'webhooks and repository hooks', children: [hooksDeliveries, hooksInstall] },
  { name: 'remote', describe: 'remotes (smart HTTP)', children: [remoteAdd, remoteLs] },
];
export const TOP: AnySpec[] = [init, diff, show, log, serve, follow, watch, instances, clone, pull, push, verify];

function register(y: Argv, spec: AnySpec, ctx: CliContext, done: (p: Promise<void>) => void): Argv {
  return y.command(spec.command, spec.describe, (b) => (spec.builder ? spec.builder(b) : b), (argv) => {
    done(spec.run(ctx, argv as unknown as GlobalArgs));
  });
}

/**
 * Runs the CLI and returns the exit code; `bin/meta` passes it to `process.exit`. Errors become
 * one line on stderr (or `{"error": {code, message, data}}` with --json) and the code's exit status.
 */
export async function main(argv: string[], ctx: CliContext = nodeContext()): Promise<number> {
  let pending: Promise<void> | undefined;
  const done = (p: Promise<void>) => { pending = p; };
  const y = yargs(argv)
    .scriptName('meta')
    .usage('meta <command> [options]\n\nDeployment metadata in an append-only git repository. See README.md for the walkthrough.')
    .option('repo', { type: 'string', global: true, describe: 'meta repository (default: $META_REPO, else the current directory)' })
    .option('json', { type: 'boolean', global: true, describe: 'machine-readable output (stable, documented in README)' })
    .option('actor', { type: 'string', global: true, describe: 'who writes (default: $META_ACTOR, else git user)' })
    .strict()
    .demandCommand(1, 'give a command; `meta --help` lists them')
    .recommendCommands()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // Throwing stops yargs before any command handler runs.
      throw err ?? new MetaError('INVALID_ARGUMENT', `${msg}; see 'meta --help'`, {});
    })
    .exitProcess(false);
  for (const g of COMMANDS) {
    y.command(g.name, g.describe, (sub) => {
      for (const c of g.children) register(sub, c, ctx, done);
      return sub.demandCommand(1, `give a ${g.name} subcommand; \`meta ${g.name} --help\` lists them`);
    });
  }
  for (const c of TOP) register(y, c, ctx, done);
  const json = argv.includes('--json');
  try {
    await y.parseAsync();
    if (pending) await pending;
    return 0;
  } catch (e) {
    pending?.catch(() => undefined);
    return reportError(ctx, json, e);
  }
}
