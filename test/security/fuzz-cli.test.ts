// A bounded, seeded fuzz pass over every local CLI command's arguments: hostile names, versions,
// platforms, refs, dates, paths and Unicode in every position. Whatever comes in, `meta` exits
// with a documented code (never 1, INTERNAL, nor a signal), prints no stack trace, and answers
// within its time. Commands that reach the network (clone, pull, push, serve, follow/watch
// --server) are left out: a fuzzer must never send traffic to the hosts its strings name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { promote } from '../../src/index.js';
import { tempDir } from '../helpers/diskRepo.js';
import { diskRepo, releaseWithBinary } from '../helpers/serveFixtures.js';
import { runMeta } from '../helpers/metaProcess.js';
import { mulberry32, pick, HOSTILE_STRINGS } from './fuzzValues.js';

/** Every exit code the README documents (see "Exit codes"), 1 excepted: that one means a bug. */
const DOCUMENTED = new Set([0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

const TEMPLATES: ((x: () => string) => string[])[] = [
  (x) => ['resolve', 'binary', x(), '--channel', x(), '--platform', x(), '--at', x()],
  (x) => ['resolve', 'binary', 'acme/app', '--channel', 'stable', '--platform', 'linux/amd64', '--at', x()],
  (x) => ['resolve', 'source', x(), '--at', x()],
  (x) => ['channel', 'promote', x(), x(), x(), '--reason', x()],
  (x) => ['channel', 'promote', 'acme/app', 'stable', x(), '--expect', x()],
  (x) => ['channel', 'rollback', x(), x(), '--to', x()],
  (x) => ['channel', 'show', x(), x(), '--at', x()],
  (x) => ['channel', 'history', x(), x()],
  (x) => ['channel', 'ls', x()],
  (x) => ['release', 'record', x(), '--version', x(), '--source', x(), '--notes', x(), '--label', x()],
  (x) => ['release', 'record', 'acme/app', '--version', x(), '--source', `https://git.example/acme/app@${'a'.repeat(40)}`, '--import', x()],
  (x) => ['binary', 'record', x(), x(), '--platform', x(), '--digest', x(), '--size', x(), '--url', x()],
  (x) => ['binary', 'record', 'acme/app', '1.0.0', '--platform', x(), '--digest', `sha256:${'b'.repeat(64)}`, '--size', '3', '--url', x()],
  (x) => ['project', 'add', x(), '--repo-url', x()],
  (x) => ['project', 'ls', '--json', x()],
  (x) => ['diff', x(), x(), x(), x()],
  (x) => ['show', x(), '--at', x()],
  (x) => ['log', '--project', x(), '--kind', x(), '-n', x()],
  (x) => ['instances', x(), '--env', x(), '--at', x()],
  (x) => ['instance', 'report', x(), '--host', x(), '--env', x(), '--status', x(), '--channel', x(), '--version', x()],
  (x) => ['verify', '--from', x()],
  (x) => ['secret', 'get', x(), '--env', x(), '--at', x()],
  (x) => ['secret', 'ls', '--env', x()],
  (x) => ['keys', 'ls', '--env', x()],
  (x) => ['remote', 'add', x(), 'http://127.0.0.1:9/none.git'],
  (x) => ['hooks', 'deliveries', x()],
  (x) => [x(), x()],
  (x) => ['channel', x(), x()],
  (x) => ['resolve', 'binary', 'acme/app', `--${x()}`, x()],
  (x) => ['binary', 'record', 'acme/app', '1.0.0', '--platform', 'linux/arm64', '--file', x(), '--url', 'https://files.example/x'],
  (x) => ['secret', 'set', 'acme/app', x(), '--env', 'prod', '--file', x()],
  (x) => ['resolve', 'binary', 'acme/app', '--channel', 'stable', '--platform', 'linux/amd64', '--host', x()],
  (x) => ['channel', 'promote', 'acme/app', 'stable', x(), '--waves', x(), '--wave-interval', x(), '--max-failed', x()],
  (x) => ['channel', 'advance', x(), x(), '--expect', x(), '--expect-wave', x()],
  (x) => ['captain', '--once', '--project', x(), '--interval', x()],
];

describe('fuzz: every local CLI command with hostile arguments', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repoDir = '';

  beforeAll(async () => {
    tmp = tempDir('meta-fuzz-cli-');
    const repo = await diskRepo(tmp.dir);
    writeFileSync(`${tmp.dir}/app`, 'bin');
    await releaseWithBinary(repo, '1.0.0', 'bin', 'https://files.example/app');
    await promote(repo, { project: 'acme/app', channel: 'stable', version: '1.0.0' });
    repoDir = repo.dir;
    repo.close();
  });
  afterAll(() => tmp?.cleanup());

  it('150 seeded invocations: documented exit codes, no stack trace, no hang', async () => {
    const rnd = mulberry32(0xc11);
    // Network-shaped strings stay out: nothing here may be taken as a host to contact.
    const values = HOSTILE_STRINGS.filter((s) => !/^[a-z]+:\/\//.test(s) && s !== '/dev/zero' && !s.includes('\0')); // argv cannot hold NUL
    const x = () => pick(rnd, values);
    const runs = Array.from({ length: 150 }, () => pick(rnd, TEMPLATES)(x));
    const problems: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < runs.length) {
        const args = runs[next++]!;
        const r = await runMeta([...args, '--repo', repoDir], {}, { cwd: tmp.dir, timeoutMs: 30_000 });
        const what = `meta ${args.map((a) => JSON.stringify(a.slice(0, 60))).join(' ')}`;
        if (r.timedOut) problems.push(`${what}: no answer within 30 s`);
        else if (!DOCUMENTED.has(r.code)) problems.push(`${what}: exit ${r.code}: ${r.stderr.slice(0, 400)}`);
        if (r.stderr.includes('root:x:0') || r.stdout.includes('root:x:0')) problems.push(`${what}: prints a host file's content`);
        if (/\n\s+at .+:\d+:\d+/.test(r.stderr) || r.stderr.includes('node:internal')) problems.push(`${what}: stack trace: ${r.stderr.slice(0, 400)}`);
      }
    };
    await Promise.all([worker(), worker()]);
    expect(problems, problems.slice(0, 20).join('\n')).toEqual([]);
  }, 300_000);
});
