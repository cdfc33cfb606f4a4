import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { checkAtValue, editDistance, parse, suggest } from '../../src/cli/parse.js';
import { COMMANDS, GLOBAL_OPTIONS } from '../../src/cli/specs.js';
import { helpFor } from '../../src/cli/help.js';
import { completionScript } from '../../src/cli/completion.js';
import { main } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';
import { MetaError } from '../../src/errors/MetaError.js';

/**
 * The one CLI grammar (src/cli/specs.ts + parse.ts). The table below is what every command's
 * `run` receives; it was checked, case by case, against what yargs gave the same commands before
 * the parser replaced it (two deliberate differences: a bare `-` stays '-' instead of becoming '',
 * and a positional after `--` is kept instead of dropped).
 */
const PARSED: [string[], Record<string, unknown>][] = [
  [['resolve', 'binary', 'acme/app', '--channel', 'stable', '--platform', 'linux/amd64'], { channel: 'stable', platform: 'linux/amd64', project: 'acme/app' }],
  [['resolve', 'binary', '--json', 'app', '--channel=stable', '--platform', 'linux/arm64/v8', '--at', '2026-03-01', '--repo', '/srv/meta'], { json: true, channel: 'stable', platform: 'linux/arm64/v8', at: '2026-03-01', repo: '/srv/meta', project: 'app' }],
  [['resolve', 'source', 'sha256:aaaa', '--at', 'HEAD~2', '--json'], { at: 'HEAD~2', json: true, digest: 'sha256:aaaa' }],
  [['release', 'record', 'acme/app', '--version', '1.10', '--source', 'https://x/app@1111111111111111111111111111111111111111', '--source', 'git@h:o/l.git@1111111111111111111111111111111111111111#lib', '--notes', 'n 1', '--actor', 'ci <ci@x>'], { version: '1.10', source: ['https://x/app@1111111111111111111111111111111111111111', 'git@h:o/l.git@1111111111111111111111111111111111111111#lib'], notes: 'n 1', actor: 'ci <ci@x>', project: 'acme/app' }],
  [['release', 'record', 'acme/app', '--version', '2', '--source', 's', '--import', 'lib@1.0', '--label', 'k=v', '--label', 'a=b', '--push'], { version: '2', source: ['s'], import: ['lib@1.0'], label: ['k=v', 'a=b'], push: true, project: 'acme/app' }],
  [['binary', 'record', 'acme/app', '1.0', '--platform', 'linux/amd64', '--digest', 'sha256:bb', '--size', '12', '--url', 's3://b/x', '--media-type', 'application/octet-stream', '--no-push'], { platform: 'linux/amd64', digest: 'sha256:bb', size: 12, url: ['s3://b/x'], mediaType: 'application/octet-stream', push: false, project: 'acme/app', version: '1.0' }],
  [['binary', 'record', 'acme/app', '1.0', '--platform', 'p', '--file', './app', '--url', 'u1', '--url=u2', '--label', 'x=y'], { platform: 'p', file: './app', url: ['u1', 'u2'], label: ['x=y'], project: 'acme/app', version: '1.0' }],
  [['channel', 'promote', 'app', 'stable', '1.0', '--expect', 'none', '--require-binaries', '--reason', 'go'], { expect: 'none', requireBinaries: true, reason: 'go', project: 'app', channel: 'stable', version: '1.0' }],
  [['channel', 'promote', 'app', 'stable', '1.0', '--force', '--push', '--json'], { force: true, push: true, json: true, project: 'app', channel: 'stable', version: '1.0' }],
  [['channel', 'rollback', 'app', 'stable', '--to', '0.9', '--expect', '1.0', '--reason', 'bad', '--no-push'], { to: '0.9', expect: '1.0', reason: 'bad', push: false, project: 'app', channel: 'stable' }],
  [['channel', 'show', 'app', 'stable', '--at', 'main'], { at: 'main', project: 'app', channel: 'stable' }],
  [['channel', 'history', 'app', 'stable', '--json'], { json: true, project: 'app', channel: 'stable' }],
  [['channel', 'ls', 'app', '--at', 'HEAD'], { at: 'HEAD', project: 'app' }],
  [['project', 'add', 'acme/app', '--repo-url', 'u', '--main-path', 'sub', '--owner', 'a', '--owner', 'b', '--description', 'd', '--label', 'k=v'], { repoUrl: 'u', mainPath: 'sub', owner: ['a', 'b'], description: 'd', label: ['k=v'], name: 'acme/app' }],
  [['project', 'ls', '--at', 'HEAD~1'], { at: 'HEAD~1' }],
  [['init'], {  }],
  [['init', 'dir', '--env', 'dev', '--env', 'prod', '--channel', 'stable', '--age', 'prod=age1x'], { env: ['dev', 'prod'], channel: ['stable'], age: ['prod=age1x'], dir: 'dir' }],
  [['diff', 'app', 'stable', 'HEAD~1', 'HEAD'], { project: 'app', channel: 'stable', from: 'HEAD~1', to: 'HEAD' }],
  [['show', 'projects/a.pb', '--at', 'HEAD'], { at: 'HEAD', target: 'projects/a.pb' }],
  [['show', '--raw-stdin'], { rawStdin: true }],
  [['log', '-n', '3', '--project', 'app', '--kind', 'release'], { n: 3, project: 'app', kind: 'release' }],
  [['log', '--n=2'], { n: 2 }],
  [['secret', 'set', 'prod/db'], { secret: 'prod/db', pairs: [] }],
  [['secret', 'set', 'prod/db', 'a=1', 'b=2', '-i', 'k1', '--identity', 'k2', '--format', 'json', '--unset', 'x', '--replace'], { identity: ['k1', 'k2'], format: 'json', unset: ['x'], replace: true, secret: 'prod/db', pairs: ['a=1', 'b=2'] }],
  [['secret', 'set', 'prod/db', '--file', '-'], { file: '-', secret: 'prod/db', pairs: [] }],
  [['secret', 'get', 'prod/db', '--key', 'k', '--at', 'HEAD', '--version', '2', '--out', 'o', '-i', 'k'], { key: 'k', at: 'HEAD', version: 2, out: 'o', identity: ['k'], secret: 'prod/db' }],
  [['secret', 'ls'], {  }],
  [['secret', 'ls', 'prod', '--at', 'HEAD'], { at: 'HEAD', target: 'prod' }],
  [['secret', 'rotate', 'prod/db', '--identity', 'k'], { identity: ['k'], secret: 'prod/db' }],
  [['secret', 'updatekeys'], {  }],
  [['secret', 'updatekeys', 'prod', '-i', 'k', '--push'], { identity: ['k'], push: true, env: 'prod' }],
  [['secret', 'decrypt', 'f.enc.yaml', '--out', 'o', '--format', 'yaml', '-i', 'k'], { out: 'o', format: 'yaml', identity: ['k'], file: 'f.enc.yaml' }],
  [['secret', 'encrypt', '-', '--age', 'age1a', '--age', 'age1b', '--out', 'o'], { age: ['age1a', 'age1b'], out: 'o', file: '-' }],
  [['keys', 'generate', '--out', 'k.txt'], { out: 'k.txt' }],
  [['keys', 'add-recipient', 'prod', 'age1x', '--no-push'], { push: false, env: 'prod', recipient: 'age1x' }],
  [['keys', 'remove-recipient', 'prod', 'age1x'], { env: 'prod', recipient: 'age1x' }],
  [['keys', 'ls', 'prod', '--at', 'HEAD'], { at: 'HEAD', env: 'prod' }],
  [['serve'], { listen: '127.0.0.1:8080', fetchInterval: 10, maxBody: 1048576, maxWait: 60, webhooks: true, webhookBackoffMs: 1000, allowPrivateWebhooks: false, fsync: true, allowCommands: false, replicate: true }],
  [['serve', '--listen', '127.0.0.1:0', '--remote', 'http://x', '--fetch-interval', '5', '--max-body', '100', '--max-wait', '1', '--no-webhooks', '--webhook-state-dir', 'd', '--webhook-backoff-ms', '10', '--no-fsync', '--allow-private-webhooks'], { listen: '127.0.0.1:0', remote: 'http://x', fetchInterval: 5, maxBody: 100, maxWait: 1, webhooks: false, webhookStateDir: 'd', webhookBackoffMs: 10, allowPrivateWebhooks: true, fsync: false, allowCommands: false, replicate: true }],
  [['follow', 'app', '--channel', 's', '--platform', 'p', '--install-dir', 'd'], { channel: 's', platform: 'p', installDir: 'd', project: 'app', fetchInterval: 10, tokenEnv: 'META_TOKEN', recheck: 60 }],
  [['follow', 'app', '--channel', 's', '--platform', 'p', '--install-dir', 'd', '--exec', 'x', '--report', '--host', 'h', '--env', 'prod', '--server', 'http://s', '--token-env', 'T', '--binary-name', 'b', '--once', '--max-iterations', '2', '--timeout', '90', '--recheck', '5', '--fetch-interval', '3'], { channel: 's', platform: 'p', installDir: 'd', exec: 'x', report: true, host: 'h', env: 'prod', server: 'http://s', tokenEnv: 'T', binaryName: 'b', once: true, maxIterations: 2, timeout: 90, recheck: 5, fetchInterval: 3, project: 'app' }],
  [['watch'], { fetchInterval: 10 }],
  [['watch', 'app', '--channel', 's', '--types', 'a', '--types', 'b,c', '--since', 'abc', '--max-events', '1', '--timeout', '5'], { channel: 's', types: ['a', 'b,c'], since: 'abc', maxEvents: 1, timeout: 5, project: 'app', fetchInterval: 10 }],
  [['instances', 'app', '--env', 'prod', '--at', 'HEAD', '--hosts'], { env: 'prod', at: 'HEAD', hosts: true, project: 'app' }],
  [['instance', 'report', 'app', '--host', 'h', '--env', 'e', '--status', 'running', '--channel', 'c', '--version', '1', '--digest', 'd', '--platform', 'p', '--meta-commit', 'm', '--message', 'x', '--label', 'k=v'], { host: 'h', env: 'e', status: 'running', channel: 'c', version: '1', digest: 'd', platform: 'p', metaCommit: 'm', message: 'x', label: ['k=v'], project: 'app' }],
  [['hooks', 'deliveries'], { limit: 50 }],
  [['hooks', 'deliveries', '--hook', 'h', '--limit', '5', '--failed', '--state-dir', 's'], { hook: 'h', limit: 5, failed: true, stateDir: 's' }],
  [['hooks', 'install', '/srv/git/meta.git'], { dir: '/srv/git/meta.git' }],
  [['clone', 'http://127.0.0.1:1/meta.git', 'dir'], { url: 'http://127.0.0.1:1/meta.git', dir: 'dir' }],
  [['clone', 'https://git.example.com/m.git', '/srv/meta', '--depth', '1', '--remote', 'up', '--json'], { depth: 1, remote: 'up', json: true, url: 'https://git.example.com/m.git', dir: '/srv/meta' }],
  [['remote', 'add', 'origin', 'http://x'], { name: 'origin', url: 'http://x' }],
  [['remote', 'ls'], {  }],
  [['pull'], {  }],
  [['pull', 'upstream', '--allow-rewrite', '--json', '--repo', '/srv/meta'], { allowRewrite: true, json: true, repo: '/srv/meta', remote: 'upstream' }],
  [['push'], {  }],
  [['push', 'up', '--attempts', '3'], { attempts: 3, remote: 'up' }],
  [['verify'], {  }],
  [['verify', '--from', '1111111111111111111111111111111111111111', '--to', 'HEAD', '--json', '--repo', '/srv/meta'], { from: '1111111111111111111111111111111111111111', to: 'HEAD', json: true, repo: '/srv/meta' }],
  [['--json', '--repo', '/r', 'channel', 'show', 'app', 'stable'], { json: true, repo: '/r', project: 'app', channel: 'stable' }],
  [['channel', '--actor', 'me', 'show', 'app', 'stable'], { actor: 'me', project: 'app', channel: 'stable' }],
  [['show', '--', '-weird-path'], { target: '-weird-path' }],
];

/** Usage errors: one line, INVALID_ARGUMENT (exit 2), the exact message. */
const ERRORS: [string[], string][] = [
  [['channel', 'promote', 'app', 'stable', '1.0', '--require-binary'], 'unknown option --require-binary; did you mean --require-binaries?'],
  [['resolve', 'binary', 'app', '--chanel', 'a', '--platform', 'x'], 'unknown option --chanel; did you mean --channel?'],
  [['resolve', 'binary', 'app', '--frobnicate'], "unknown option --frobnicate; see 'meta resolve binary --help'"],
  [['resolve', 'binary', '-json'], 'unknown option -json; did you mean --json?'],
  [['project', 'add', '-evil', '--repo-url', 'u'], "unknown option -evil; see 'meta project add --help'"],
  [['chanel', 'ls', 'app'], "unknown command 'chanel'; did you mean 'channel'?"],
  [['promote', 'app', 'stable', '1'], "unknown command 'promote'; did you mean 'channel promote' or 'pipeline promote'?"],
  [['channel', 'promot', 'a', 'b', 'c'], "unknown channel subcommand 'promot'; did you mean 'channel promote'?"],
  [['frobnicate'], "unknown command 'frobnicate'; see 'meta --help'"],
  [[], "give a command; 'meta --help' lists them"],
  [['channel'], "give a channel subcommand: promote, rollback, advance, hold, unhold, show, history, ls or add; see 'meta channel --help'"],
  [['resolve', 'binary', 'acme/app', '--channel', 'stable'], 'missing required option --platform; usage: meta resolve binary <project> --channel <value> --platform <os/arch> [options]'],
  [['follow', 'app'], 'missing required options --channel, --platform, --install-dir; usage: meta follow <project> --channel <value> --platform <os/arch> --install-dir <dir> [options]'],
  [['channel', 'promote', 'app', 'stable'], 'missing <version>; usage: meta channel promote <project> <channel> <version> [options]'],
  [['verify', 'extra'], "unexpected argument 'extra'; usage: meta verify [options]"],
  [['pull', 'a', 'b'], "unexpected argument 'b'; usage: meta pull [remote] [options]"],
  [['init', 'd', '--env', 'dev', 'staging'], "unexpected argument 'staging'; repeat --env for each value; usage: meta init [dir] [options]"],
  [['resolve', 'binary', 'acme/app', '--channel', 'a', '--channel', 'b', '--platform', 'x'], '--channel was given more than once'],
  [['resolve', 'binary', 'acme/app', '--channel', '-a', '--platform', 'x'], "--channel needs a value (for a value that starts with '-', write --channel=-a)"],
  [['verify', '--from'], '--from needs a value'],
  [['clone', 'http://x/m.git', 'd', '--depth', 'two'], "--depth takes a non-negative whole number, not 'two'"],
  [['clone', 'http://x/m.git', 'd', '--depth', '-1'], "--depth takes a non-negative whole number, not '-1'"],
  [['binary', 'record', 'a', '1', '--platform', 'p', '--url', 'u', '--size', '1e3'], "--size takes a non-negative whole number, not '1e3'"],
  [['log', '-n', 'abc'], "-n takes a non-negative whole number, not 'abc'"],
  [['follow', 'app', '--channel', 's', '--platform', 'p', '--install-dir', 'd', '--timeout', '1.5.2'], "--timeout takes a non-negative number, not '1.5.2'"],
  [['instance', 'report', 'app', '--host', 'h', '--env', 'e', '--status', 'runing'], "--status takes installing, running or failed, not 'runing'; did you mean 'running'?"],
  [['secret', 'set', 'prod/db', '--format', 'yml'], "--format takes yaml, json, dotenv or binary, not 'yml'; did you mean 'yaml'?"],
  [['completion', 'pwsh'], "<shell> takes bash, zsh or fish, not 'pwsh'"],
  [['channel', 'promote', 'a', 'b', 'c', '--force=maybe'], "--force is a flag: give it alone (or --force=true, --force=false), not with 'maybe'"],
  [['channel', 'promote', 'a', 'b', 'c', '--no-force=1'], "--no-force takes no value, not '1'"],
  [['channel', 'promote', 'a', 'b', 'c', '--push', '--no-push'], '--push and --no-push contradict each other'],
  [['resolve', 'binary', 'app', '--channel', 's', '--platform', 'p', '--at', '2026-02-30'], "--at '2026-02-30' is not a date: February 2026 has 28 days"],
  [['resolve', 'binary', 'app', '--channel', 's', '--platform', 'p', '--at', ''], '--at needs a commit, ref or ISO-8601 date, not an empty string'],
  [['diff', 'app', 'stable', '2026-13-01', 'HEAD'], "<from> '2026-13-01' is not a date: there is no month 13"],
  [['--version', 'extra'], "unexpected argument 'extra' after --version"],
  [['--', 'verify'], "give a command before '--'; see 'meta --help'"],
];

describe('the CLI grammar', () => {
  it.each(PARSED)('gives the command the arguments it always got: %j', (argv, expected) => {
    const { args } = parse(argv);
    expect(args).toEqual(expected);
  });

  it('chooses the command the words name', () => {
    for (const c of COMMANDS) {
      const argv = [...c.path, ...(c.positionals ?? []).filter((p) => p.required).map((p) => (p.choices ? p.choices[0]! : 'x'))];
      for (const [n, o] of Object.entries(c.options ?? {})) if (o.required) argv.push(`--${n}`, o.choices ? o.choices[0]! : o.type === 'number' ? '1' : 'x');
      expect(parse(argv).spec.path).toEqual(c.path);
    }
  });

  it.each(ERRORS)('refuses %j with one line', (argv, message) => {
    let err: unknown;
    try {
      parse(argv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MetaError);
    expect((err as MetaError).code).toBe('INVALID_ARGUMENT');
    expect((err as MetaError).message).toBe(message);
    expect((err as MetaError).message).not.toMatch(/\n|[.;:,]{2}|\?[.;]/);
  });

  it('reads `--opt value`, `--opt=value`, `-x value`, `-xvalue`, repeated arrays, `--no-x` and `--`', () => {
    expect(parse(['secret', 'get', 'p/d', '-i', 'a', '-ib', '-i=c', '--identity=d', '--identity', 'e']).args.identity).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(parse(['log', '-n3']).args.n).toBe(3);
    expect(parse(['log', '--n', '4']).args.n).toBe(4);
    expect(parse(['serve', '--no-fsync', '--webhooks=false']).args).toMatchObject({ fsync: false, webhooks: false });
    expect(parse(['channel', 'promote', 'a', 'b', 'c', '--force=true', '--push=false']).args).toMatchObject({ force: true, push: false });
    expect(parse(['channel', 'promote', 'a', 'b', 'c', '--reason=--force was needed']).args.reason).toBe('--force was needed');
    expect(parse(['channel', 'promote', '--', '-a', '--b', '-']).args).toMatchObject({ project: '-a', channel: '--b', version: '-' });
    expect(parse(['secret', 'set', 'p/d', '--file', '-']).args.file).toBe('-');
    expect(parse(['secret', 'set', 'p/d', '--', '--x=1', 'y=2']).args.pairs).toEqual(['--x=1', 'y=2']);
    expect(parse(['channel', 'promote', 'a', 'b', 'c', '--expect', '']).args.expect).toBe('');
  });

  it('takes global options anywhere, and --version only before the command', () => {
    expect(parse(['--json', '--repo', '/r', '--actor=me', 'channel', '--no-color', 'show', 'a', 'b']).args).toEqual({ json: true, repo: '/r', actor: 'me', noColor: true, project: 'a', channel: 'b' });
    expect(parse(['--version']).spec.path).toEqual(['version']);
    expect(parse(['--version', '--json']).args).toEqual({ json: true });
    expect(parse(['--json', '--version']).args).toEqual({ json: true });
    expect(parse(['release', 'record', 'a', '--version', '1.0', '--source', 's']).args.version).toBe('1.0');
    expect(parse(['instance', 'report', 'a', '--host', 'h', '--env', 'e', '--status', 'running', '--version', '2']).args.version).toBe('2');
    expect(() => parse(['channel', '--version', 'ls', 'a'])).toThrow(/unknown option --version/);
  });

  it('answers --help and -h anywhere, even after a mistake, with the help command', () => {
    for (const argv of [['--help'], ['-h'], ['channel', '--help'], ['channel', 'promote', '--help'], ['channel', 'promote', 'a', '-h', 'b'], ['channel', 'promote', '--bogus', '--help'], ['--json', 'help']]) {
      expect(parse(argv).spec.path, JSON.stringify(argv)).toEqual(['help']);
    }
    expect(parse(['channel', 'promote', '--help']).args.command).toEqual(['channel', 'promote']);
    // An unknown command stays an error with --help, as in git: the parent's help would read as if it existed.
    expect(() => parse(['channel', 'nope', '--help'])).toThrow("unknown channel subcommand 'nope'");
    expect(parse(['help', 'channel', 'promote']).args.command).toEqual(['channel', 'promote']);
    expect(parse(['channel', 'promote', 'a', 'b', '--', '--help']).args.version).toBe('--help');
  });

  it('checks --at dates against the calendar, leaving refs and commits alone', () => {
    for (const ok of ['2026-02-28', '2024-02-29', '2026-03-01T12:00:00Z', '2026-03-01 23:59:59+02:00', 'HEAD~2', 'main', 'abc123', '2026-02-30-hotfix']) expect(checkAtValue(ok, '--at'), ok).toBeUndefined();
    for (const bad of ['', '2026-02-29', '2026-04-31', '2026-00-10', '2026-01-01T24:00', '2026-01-01T12:60:00Z', '2026-01-01T12:00:00+25:00']) expect(checkAtValue(bad, '--at'), bad).toBeDefined();
  });

  it('suggests close names only', () => {
    expect(editDistance('chanel', 'channel')).toBe(1);
    expect(editDistance('promtoe', 'promote')).toBe(1);
    expect(suggest('--require-binary', ['--require-binaries', '--reason'])).toEqual(['--require-binaries']);
    expect(suggest('--plat', ['--platform', '--at'])).toEqual(['--platform']);
    expect(suggest('frobnicate', ['init', 'channel', 'verify'])).toEqual([]);
  });

  it('declares --push/--no-push on every command that writes through applyPushOption', async () => {
    const dir = new URL('../../src/cli/commands/', import.meta.url);
    const loaded = await Promise.all(COMMANDS.filter((c) => c.load).map(async (c) => ({ c, run: (await c.load!()).default.run })));
    let writers = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
      if (!readFileSync(new URL(f, dir), 'utf8').includes('applyPushOption(')) continue;
      writers++;
      const mod = (await import(new URL(f, dir).href)) as { default: { run: unknown } };
      const spec = loaded.find((l) => l.run === mod.default.run)?.c;
      expect(spec, f).toBeDefined();
      expect(spec!.options?.push, f).toMatchObject({ type: 'boolean', negatable: true });
    }
    expect(writers).toBeGreaterThanOrEqual(10);
  });

  it('keeps its declarations consistent: no clashes with the global options, one variadic at the end', () => {
    for (const c of COMMANDS) {
      const name = c.path.join(' ');
      for (const n of Object.keys(c.options ?? {})) expect(Object.keys(GLOBAL_OPTIONS), `${name} --${n}`).not.toContain(n);
      const pos = c.positionals ?? [];
      pos.forEach((p, i) => {
        if (p.variadic) expect(i, `${name} <${p.name}>`).toBe(pos.length - 1);
        if (p.required && i > 0) expect(pos[i - 1]!.required, `${name}: a required <${p.name}> after an optional one`).toBe(true);
      });
    }
    expect(new Set(COMMANDS.map((c) => c.path.join(' '))).size).toBe(COMMANDS.length);
  });

  it('renders help and completion for every option of every command from the same declarations', () => {
    const scripts = (['bash', 'zsh', 'fish'] as const).map((s) => completionScript(s));
    for (const c of COMMANDS) {
      const help = helpFor(c.path)!;
      expect(help).toContain(`usage: meta ${c.path.join(' ')}`);
      for (const [n, o] of Object.entries(c.options ?? {})) {
        if (o.hidden) continue;
        const flag = n.length === 1 ? `-${n}` : o.type === 'boolean' && o.default === true ? `--no-${n}` : `--${n}`;
        expect(help, `${c.path.join(' ')} ${flag}`).toContain(flag);
        expect(scripts[0], `bash: ${c.path.join(' ')} ${flag}`).toMatch(new RegExp(`'${c.path.join(' ')}'\\) echo '[^']*(?<=[' ])${flag}[' ]`));
        expect(scripts[1], `zsh: ${c.path.join(' ')} ${flag}`).toContain(`'${flag}:`);
        expect(scripts[2], `${c.path.join(' ')} ${flag}`).toMatch(new RegExp(`__meta_is "${c.path.join(' ')}"' -[ls] '${flag.replace(/^-+/, '')}'`));
      }
    }
  });
});

describe('main', () => {
  const run = async (argv: string[]) => {
    let out = '';
    let err = '';
    const ctx: CliContext = { out: (t) => { out += t; }, err: (t) => { err += t; }, env: {}, cwd: '/nonexistent' };
    const code = await main(argv, ctx);
    return { code, out, err };
  };

  it('reports usage errors as one line, or as {"error": …} with --json, exit 2', async () => {
    expect(await run(['channel', 'promote', 'a', 'b', 'c', '--require-binary'])).toEqual({ code: 2, out: '', err: 'meta: unknown option --require-binary; did you mean --require-binaries?\n' });
    const j = await run(['chanel', '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.err)).toEqual({ error: { code: 'INVALID_ARGUMENT', message: "unknown command 'chanel'; did you mean 'channel'?", data: { command: 'chanel' } } });
  });

  it('prints help, version and completion on stdout with exit 0', async () => {
    const h = await run(['help', 'channel', 'promote']);
    expect(h.code).toBe(0);
    expect(h.out).toBe(helpFor(['channel', 'promote']));
    expect((await run(['channel', 'promote', '--help'])).out).toBe(h.out);
    expect((await run(['--version'])).out).toMatch(/^meta \d+\.\d+\.\d+\n$/);
    expect(JSON.parse((await run(['version', '--json'])).out)).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), schemaVersion: 1 });
    expect((await run(['completion', 'bash'])).out).toBe(completionScript('bash'));
    expect((await run(['help', 'chanel'])).err).toBe("meta: unknown command 'chanel'; did you mean 'channel'?\n");
  });
});
