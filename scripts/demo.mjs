#!/usr/bin/env node
// `npm run demo`: an end-to-end walkthrough with the real `meta` executable on a temporary
// meta repository, with no server. Each step prints the command a user would type and its output.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'boot-meta-demo-'));
const repo = join(work, 'meta');
const env = { ...process.env, META_REPO: repo, META_ACTOR: 'Demo CI <ci@example.com>' };
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function meta(...args) {
  process.stdout.write(`\n${bold(`$ meta ${args.map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ')}`)}\n`);
  const r = spawnSync(process.execPath, [join(root, 'bin/meta'), ...args], { env, encoding: 'utf8' });
  process.stdout.write(r.stdout);
  if (r.stderr) process.stdout.write(r.stderr);
  if (r.status !== 0 && !args.includes('--expect')) {
    process.stderr.write(`demo failed: meta ${args.join(' ')} exited ${r.status}\n`);
    process.exit(1);
  }
  return r;
}
function note(text) {
  process.stdout.write(`\n# ${text}\n`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// One pass of the captain: what a `meta captain` daemon does every --interval.
const captainPass = () => meta('captain', '--project', 'app', '--once');

note(`A meta repository in ${repo} (a bare git repository: browse it with git log / git show)`);
meta('init');
meta('project', 'add', 'acme/app', '--repo-url', 'https://github.com/acme/app', '--main-path', 'cmd/server');

note('CI records release 1.4.1 (built from two repositories) and its linux/amd64 binary');
const app1 = join(work, 'app-1.4.1');
writeFileSync(app1, 'pretend this is the 1.4.1 binary\n');
meta('release', 'record', 'app', '--version', '1.4.1', '--source', `https://github.com/acme/app@${'a1'.repeat(20)}`, '--source', `https://github.com/acme/lib@${'b1'.repeat(20)}`);
meta('binary', 'record', 'app', '1.4.1', '--platform', 'linux/amd64', '--file', app1, '--url', `file://${app1}`);
meta('channel', 'promote', 'app', 'stable', '1.4.1', '--expect', 'none', '--reason', 'first release');
await sleep(1100); // commit times have one-second resolution; keep the --at example unambiguous
const between = new Date().toISOString();
await sleep(1100);

note('CI records 1.4.2 (app changed, lib did not) and promotes it, expecting 1.4.1 to be live');
const app2 = join(work, 'app-1.4.2');
writeFileSync(app2, 'pretend this is the 1.4.2 binary\n');
meta('release', 'record', 'app', '--version', '1.4.2', '--source', `https://github.com/acme/app@${'a2'.repeat(20)}`, '--source', `https://github.com/acme/lib@${'b1'.repeat(20)}`);
const bin2 = JSON.parse(meta('binary', 'record', 'app', '1.4.2', '--platform', 'linux/amd64', '--file', app2, '--url', `file://${app2}`, '--json').stdout);
meta('channel', 'promote', 'app', 'stable', '1.4.2', '--expect', '1.4.1');

note('A server asks what to run');
meta('resolve', 'binary', 'app', '--channel', 'stable', '--platform', 'linux/amd64');
note(`... and what ran at ${between}`);
meta('resolve', 'binary', 'app', '--channel', 'stable', '--platform', 'linux/amd64', '--at', between);

note('A stale promotion (someone expected 1.4.1 to still be live) is refused with exit code 4');
meta('channel', 'promote', 'app', 'stable', '1.4.1', '--expect', '1.4.1');

note('Something is wrong with 1.4.2: roll back (a new record; history is never edited)');
meta('channel', 'rollback', 'app', 'stable', '--reason', 'error rate up');
meta('channel', 'history', 'app', 'stable');
meta('diff', 'app', 'stable', 'HEAD~1', 'HEAD');

note('A pipeline moves releases on by itself: dev first, then stable once one person approved');
meta('channel', 'add', 'dev');
writeFileSync(join(work, 'pipeline.yaml'), 'stages:\n  - channel: dev\n    auto: true\n  - channel: stable\n    after: dev\n    auto: true\n    gates:\n      - soak: 1s\n      - approvals: { count: 1 }\n');
meta('pipeline', 'set', 'app', '--file', join(work, 'pipeline.yaml'));
const app3 = join(work, 'app-1.5.0');
writeFileSync(app3, 'pretend this is the 1.5.0 binary\n');
meta('release', 'record', 'app', '--version', '1.5.0', '--source', `https://github.com/acme/app@${'a3'.repeat(20)}`, '--source', `https://github.com/acme/lib@${'b1'.repeat(20)}`);
meta('binary', 'record', 'app', '1.5.0', '--platform', 'linux/amd64', '--file', app3, '--url', `file://${app3}`);
captainPass();
await sleep(1100); // the soak gate asks for one second on dev
captainPass();
meta('pipeline', 'status', 'app');
note('Ada approves 1.5.0 for stable; the next pass promotes it, and the log says why');
meta('approve', 'app', '1.5.0', '--channel', 'stable', '--comment', 'release notes checked', '--actor', 'Ada <ada@example.com>');
captainPass();
meta('channel', 'history', 'app', 'stable');

note('Config per environment and channel, secrets by reference only; feature flags in flagd\'s format');
meta('settings', 'get', 'environments');
meta('config', 'set', 'app', 'LOG_LEVEL=info', '--json-value', 'WORKERS=4');
meta('config', 'set', 'app', '--env', 'prod', '--channel', 'stable', 'LOG_LEVEL=warn');
meta('config', 'get', 'app', '--env', 'prod', '--channel', 'stable', '--show-layers');
meta('flag', 'set', 'app', 'new-ui', '--channel', 'stable', '--variants', '{"on":true,"off":false}', '--default-variant', 'off',
  '--targeting', '{"if":[{"ends_with":[{"var":"email"},"@acme.com"]},"on",null]}');
meta('flag', 'eval', 'app', 'new-ui', '--channel', 'stable', '--context', '{"targetingKey":"u-42","email":"ada@acme.com"}', '--json');

note('An auditor walks back from the 1.4.2 binary digest to every source repository and commit');
meta('resolve', 'source', bin2.digest);
meta('log', '-n', '5');

const fsck = spawnSync('git', ['--git-dir', repo, 'fsck', '--strict'], { encoding: 'utf8' });
note(`git fsck --strict: ${fsck.status === 0 ? 'clean' : `FAILED\n${fsck.stdout}${fsck.stderr}`}`);
if (keep) note(`kept ${work}; try: META_REPO=${repo} ./bin/meta channel show app stable`);
else rmSync(work, { recursive: true, force: true });
process.exit(fsck.status === 0 ? 0 : 1);
