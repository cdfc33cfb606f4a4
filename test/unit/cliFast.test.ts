import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseFast } from '../../src/cli/fast.js';
import type { CliContext } from '../../src/cli/context.js';
import resolveBinary from '../../src/cli/commands/resolveBinary.js';
import resolveSource from '../../src/cli/commands/resolveSource.js';
import releaseRecord from '../../src/cli/commands/releaseRecord.js';
import binaryRecord from '../../src/cli/commands/binaryRecord.js';
import channelPromote from '../../src/cli/commands/channelPromote.js';
import channelShow from '../../src/cli/commands/channelShow.js';
import channelHistory from '../../src/cli/commands/channelHistory.js';
import pull from '../../src/cli/commands/pull.js';
import clone from '../../src/cli/commands/clone.js';
import verify from '../../src/cli/commands/verify.js';

const ctx: CliContext = { out: () => undefined, err: () => undefined, env: {}, cwd: '/nonexistent' };
const SHA = '1'.repeat(40);
const specs = [resolveBinary, resolveSource, releaseRecord, binaryRecord, channelPromote, channelShow, channelHistory, pull, clone, verify];

/** What yargs hands the command's `run`: the spec's run is swapped for a spy for one call. */
async function viaYargs(argv: string[]): Promise<Record<string, unknown> | undefined> {
  let seen: Record<string, unknown> | undefined;
  const spies = specs.map((s) => vi.spyOn(s, 'run').mockImplementation(async (_c: unknown, a: unknown) => { seen = a as Record<string, unknown>; }));
  try {
    await main(argv, ctx);
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
  return seen;
}

const ACCEPTED: string[][] = [
  ['resolve', 'binary', 'acme/app', '--channel', 'stable', '--platform', 'linux/amd64'],
  ['resolve', 'binary', '--json', 'app', '--channel=stable', '--platform', 'linux/arm64/v8', '--at', '2026-03-01', '--repo', '/srv/meta'],
  ['resolve', 'source', `sha256:${'a'.repeat(64)}`, '--at', 'HEAD~2', '--json'],
  ['release', 'record', 'acme/app', '--version', '1.10', '--source', `https://x/app@${SHA}`, '--source', `git@h:o/l.git@${SHA}#lib`, '--notes', 'n 1', '--actor', 'ci <ci@x>'],
  ['release', 'record', 'acme/app', '--version', '2', '--source', `https://x/app@${SHA}`, '--import', `lib@1.0`, '--label', 'k=v', '--label', 'a=b'],
  ['binary', 'record', 'acme/app', '1.0', '--platform', 'linux/amd64', '--digest', `sha256:${'b'.repeat(64)}`, '--size', '12', '--url', 's3://b/x', '--media-type', 'application/octet-stream'],
  ['channel', 'promote', 'app', 'stable', '1.0', '--expect', 'none', '--require-binaries', '--reason', 'go'],
  ['channel', 'show', 'app', 'stable', '--at', 'main'],
  ['channel', 'history', 'app', 'stable', '--json'],
  ['pull'],
  ['pull', 'upstream', '--allow-rewrite', '--json', '--repo', '/srv/meta'],
  ['clone', 'http://127.0.0.1:1/meta.git', 'dir'],
  ['clone', 'https://git.example.com/m.git', '/srv/meta', '--depth', '1', '--remote', 'up', '--json'],
  ['verify'],
  ['verify', '--from', SHA, '--to', 'HEAD', '--json', '--repo', '/srv/meta'],
];

const REFUSED: string[][] = [
  ['resolve', 'binary', 'acme/app', '--channel', 'stable'], // missing --platform: yargs says so
  ['resolve', 'binary', 'acme/app', '--channel', 'stable', '--platform', 'x', '--help'],
  ['resolve', 'binary', 'acme/app', '--channel', 'a', '--channel', 'b', '--platform', 'x'],
  ['resolve', 'binary', 'acme/app', '--chanel', 'a', '--platform', 'x'],
  ['resolve', 'binary', 'acme/app', 'extra', '--channel', 'a', '--platform', 'x'],
  ['resolve', 'binary', 'acme/app', '--channel', '-a', '--platform', 'x'],
  ['resolve', 'binary', 'acme/app', '--json', 'true', '--channel', 'a', '--platform', 'x'],
  ['release', 'record', 'acme/app', '--source', `https://x/app@${SHA}`, 'more', '--version', '1'],
  ['binary', 'record', 'acme/app', '1.0', '--platform', 'p', '--size', '1e3', '--url', 'u'],
  ['project', 'add', 'acme/app', '--repo-url', 'u'],
  ['resolve', 'binary', '-h'],
  ['pull', 'a', 'b'],
  ['pull', '--allow-rewrite=false'],
  ['clone', 'http://x/m.git'],
  ['clone', 'http://x/m.git', 'd', '--depth', 'two'],
  ['clone', 'http://x/m.git', 'd', '--depth', '-1'],
  ['verify', 'extra'],
  ['verify', '--from'],
];

describe('the CLI fast path', () => {
  it.each(ACCEPTED)('gives the command the arguments yargs gives it: %j', async (...argv) => {
    const fast = parseFast(argv);
    expect(fast).toBeDefined();
    const y = await viaYargs(argv);
    expect(y).toBeDefined();
    for (const [k, v] of Object.entries(fast!.args)) expect(y![k], k).toEqual(v);
    // …and leaves out nothing the command reads.
    const used = Object.keys(y!).filter((k) => k !== '_' && k !== '$0' && !k.includes('-') && y![k] !== undefined);
    for (const k of used) expect(fast!.args[k], k).toEqual(y![k]);
  });

  it.each(REFUSED)('leaves anything unusual to yargs: %j', (...argv) => {
    expect(parseFast(argv)).toBeUndefined();
  });
});
