// The CLI's conventions, on the built `meta` as users run it: --version, version --json, help,
// completion scripts that work in a real shell, one-line usage errors with suggestions (exit 2),
// and errors a user can cause (a read-only repository, an unreadable --file, an impossible date)
// as documented exit codes without a stack trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { META_BIN, REPO_ROOT, tempDir } from '../helpers/diskRepo.js';
import { diskRepo } from '../helpers/serveFixtures.js';
import { recordRelease } from '../../src/index.js';

const VERSION = (JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string }).version;
const SHA = '1'.repeat(40);
const STACK = /\n\s+at .+:\d+:\d+|node:internal|unexpected error/;

function meta(args: string[], env: Record<string, string> = {}, opts: SpawnSyncOptions = {}) {
  const r = spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', input: '', ...opts, env: { ...process.env, META_ACTOR: 'e2e <e2e@example.com>', ...env } });
  return { code: r.status, out: String(r.stdout), err: String(r.stderr) };
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Runs bash completion for `line` (the cursor at its end) and returns the candidates. */
function complete(script: string, line: string, cwd: string): string[] {
  const words = line.split(' ');
  const program = `source ${JSON.stringify(script)}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _meta_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8', cwd });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean);
}

describe('meta CLI conventions', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo: string;
  beforeAll(() => {
    tmp = tempDir('meta-cli-conv-');
    repo = `${tmp.dir}/meta`;
    const env = { META_REPO: repo };
    expect(meta(['init'], env).code).toBe(0);
    expect(meta(['project', 'add', 'acme/app', '--repo-url', 'https://git.example/acme/app'], env).code).toBe(0);
    expect(meta(['release', 'record', 'app', '--version', '1.0.0', '--source', `https://git.example/acme/app@${SHA}`], env).code).toBe(0);
    expect(meta(['channel', 'promote', 'app', 'stable', '1.0.0'], env).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  it('prints its version at the top level; subcommands keep their own --version', () => {
    expect(meta(['--version'])).toEqual({ code: 0, out: `meta ${VERSION}\n`, err: '' });
    const v = meta(['version', '--json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ version: VERSION, schemaVersion: 1, node: process.version });
    const r = meta(['instance', 'report', 'app', '--host', 'h1', '--env', 'prod', '--status', 'running', '--version', '1.0.0', '--json'], { META_REPO: repo });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ host: 'h1', status: 'running' });
  });

  it('shows the same help for `meta help <command>` and `<command> --help`', () => {
    const h = meta(['help', 'channel', 'promote']);
    expect(h.code).toBe(0);
    expect(h.err).toBe('');
    expect(h.out).toMatch(/^usage: meta channel promote <project> <channel> <version> \[options\]\n/);
    for (const flag of ['--expect', '--reason', '--require-binaries', '--force', '--push, --no-push', '--repo', '--json', '--no-color']) expect(h.out).toContain(flag);
    expect(meta(['channel', 'promote', '--help'])).toEqual(h);
    expect(meta(['channel', 'promote', 'app', '-h'])).toEqual(h);
    const root = meta(['--help']);
    expect(root.code).toBe(0);
    expect(root.out).toContain('completion <shell>');
    expect(meta(['help', 'chanel'])).toEqual({ code: 2, out: '', err: "meta: unknown command 'chanel'; did you mean 'channel'?\n" });
  });

  it('prints a bash completion script that completes commands, subcommands, options and values in real bash', () => {
    const r = meta(['completion', 'bash']);
    expect(r.code).toBe(0);
    const script = `${tmp.dir}/meta.bash`;
    writeFileSync(script, r.out);
    expect(spawnSync('bash', ['-n', script]).status).toBe(0);
    mkdirSync(`${tmp.dir}/files/sub`, { recursive: true });
    writeFileSync(`${tmp.dir}/files/app.bin`, 'x');
    expect(complete(script, 'meta chan', tmp.dir)).toEqual(['channel']);
    expect(complete(script, 'meta channel pro', tmp.dir)).toEqual(['promote']);
    expect(complete(script, 'meta --json channel promote app stable 1.0.0 --req', tmp.dir)).toEqual(['--require-binaries']);
    expect(complete(script, 'meta channel promote app stable 1.0.0 --no-p', tmp.dir)).toEqual(['--no-push']);
    expect(complete(script, 'meta instance report app --status ', tmp.dir)).toEqual(['installing', 'running', 'failed']);
    expect(complete(script, 'meta completion ', tmp.dir)).toEqual(['bash', 'zsh', 'fish']);
    expect(complete(script, 'meta binary record app 1.0.0 --file files/a', tmp.dir)).toEqual(['files/app.bin']);
    expect(complete(script, 'meta --repo files/s', tmp.dir)).toEqual(['files/sub']);
    expect(complete(script, 'meta resolve binary app --channel stable --platform linux/amd64 --', tmp.dir)).toEqual(expect.arrayContaining(['--at', '--repo', '--json', '--no-color', '--help']));
  });

  it('prints zsh and fish scripts built from the same declarations', () => {
    const zsh = meta(['completion', 'zsh']);
    const fish = meta(['completion', 'fish']);
    expect(zsh.code).toBe(0);
    expect(fish.code).toBe(0);
    expect(zsh.out.startsWith('#compdef meta\n')).toBe(true);
    expect(zsh.out).toContain("'channel promote') reply=('--push:");
    expect(fish.out).toContain(`complete -c meta -n '__meta_is "channel promote"' -l 'require-binaries'`);
    for (const [shell, text] of [['zsh', zsh.out], ['fish', fish.out]] as const) {
      if (!has(shell)) continue; // syntax-checked only where the shell is installed
      const file = `${tmp.dir}/meta.${shell}`;
      writeFileSync(file, text);
      const r = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it('refuses unknown options and commands with one line, a suggestion and exit 2', () => {
    const env = { META_REPO: repo };
    expect(meta(['channel', 'promote', 'app', 'stable', '1.0.0', '--require-binary'], env)).toEqual({ code: 2, out: '', err: 'meta: unknown option --require-binary; did you mean --require-binaries?\n' });
    expect(meta(['chanel', 'show', 'app', 'stable'], env)).toEqual({ code: 2, out: '', err: "meta: unknown command 'chanel'; did you mean 'channel'?\n" });
    expect(meta(['frobnicate'], env)).toEqual({ code: 2, out: '', err: "meta: unknown command 'frobnicate'; see 'meta --help'\n" });
    expect(meta(['log', '-n', 'abc'], env)).toEqual({ code: 2, out: '', err: "meta: -n takes a non-negative whole number, not 'abc'\n" });
    expect(meta(['resolve', 'binary', 'app', '--channel', 'stable'], env).err).toBe('meta: missing required option --platform; usage: meta resolve binary <project> --channel <value> --platform <os/arch> [options]\n');
    const j = meta(['channel', 'show', 'app', 'stable', '--bogus', '--json'], env);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.err)).toEqual({ error: { code: 'INVALID_ARGUMENT', message: "unknown option --bogus; see 'meta channel show --help'", data: { option: 'bogus' } } });
  });

  it('refuses impossible and empty --at values (exit 2)', () => {
    const env = { META_REPO: repo };
    for (const at of ['2026-02-30', '2026-04-31', '']) {
      const r = meta(['resolve', 'binary', 'app', '--channel', 'stable', '--platform', 'linux/amd64', '--at', at], env);
      expect({ at, code: r.code }).toEqual({ at, code: 2 });
      expect(r.err).toMatch(/^meta: --at .*\n$/);
      expect(meta(['channel', 'show', 'app', 'stable', `--at=${at}`], env).code).toBe(2);
    }
    expect(meta(['channel', 'show', 'app', 'stable', '--at', '2024-02-29'], env).code).toBe(3); // a real date before the history
  });

  it('refuses an unreadable input file with exit 2 in every command that reads one', () => {
    const env = { META_REPO: repo };
    mkdirSync(`${tmp.dir}/adir`, { recursive: true });
    const cases: [string[], RegExp][] = [
      [['secret', 'set', 'prod/db', '--file', `${tmp.dir}/missing.yaml`], /^meta: cannot read --file \/.*\/missing\.yaml: it does not exist\n$/],
      [['secret', 'set', 'prod/db', '--file', `${tmp.dir}/adir`], /^meta: cannot read --file \/.*\/adir: it is a directory\n$/],
      [['binary', 'record', 'app', '1.0.0', '--platform', 'linux/amd64', '--file', `${tmp.dir}/adir`, '--url', 's3://b/app'], /^meta: cannot read --file \/.*\/adir: it is a directory\n$/],
      [['binary', 'record', 'app', '1.0.0', '--platform', 'linux/amd64', '--file', '/dev/null/x', '--url', 's3://b/app'], /^meta: cannot read --file \/dev\/null\/x: a part of its path is not a directory\n$/],
      [['show', '--raw-stdin', `${tmp.dir}/missing.pb`], /^meta: cannot read the record file \/.*\/missing\.pb: it does not exist\n$/],
      [['show', '--raw-stdin'], /^meta: standard input is empty: pipe the record in, or name a file\n$/],
      [['secret', 'decrypt', `${tmp.dir}/adir`], /^meta: cannot read the file \/.*\/adir: it is a directory\n$/],
      [['secret', 'set', 'prod/db', '--file', ''], /^meta: --file needs a file name \(or - for standard input\)\n$/],
    ];
    for (const [args, msg] of cases) {
      const r = meta(args, env);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(msg);
    }
  });

  it('names a read-only repository as IO (exit 11) in one line, without a stack trace', () => {
    // A real EACCES: the repository is made read-only; as root (where mode bits do not stop
    // writes) meta runs as the unprivileged user `nobody`, which can read but not write it.
    const ro = tempDir('meta-cli-ro-');
    try {
      chmodSync(ro.dir, 0o755);
      const dir = `${ro.dir}/meta`;
      expect(meta(['init', dir]).code).toBe(0);
      writeFileSync(`${ro.dir}/secret.yaml`, 'a: 1\n', { mode: 0o600 });
      spawnSync('chmod', ['-R', 'a-w', dir]);
      const asUser: SpawnSyncOptions = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      const r = meta(['project', 'add', 'acme/app', '--repo-url', 'u', '--repo', dir], {}, asUser);
      expect(r).toEqual({ code: 11, out: '', err: `meta: cannot write to the meta repository ${dir}: permission denied (EACCES)\n` });
      const j = meta(['project', 'add', 'acme/app', '--repo-url', 'u', '--json'], { META_REPO: dir }, asUser);
      expect(j.code).toBe(11);
      expect(JSON.parse(j.err).error).toMatchObject({ code: 'IO', data: { errno: 'EACCES', path: dir } });
      expect(j.err).not.toMatch(STACK);
      if (asUser.uid !== undefined) {
        // A file only root may read: unreadable, not missing.
        const s = meta(['secret', 'set', 'prod/db', '--file', `${ro.dir}/secret.yaml`, '--repo', dir], {}, asUser);
        expect(s).toEqual({ code: 2, out: '', err: `meta: cannot read --file ${ro.dir}/secret.yaml: permission denied\n` });
      }
    } finally {
      spawnSync('chmod', ['-R', 'u+w', ro.dir]);
      ro.cleanup();
    }
  });

  it('gives a name too long for the file system exit 2', () => {
    const r = meta(['keys', 'generate', '--out', `${tmp.dir}/${'k'.repeat(300)}`]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ENAMETOOLONG|too long/);
    expect(r.err).not.toMatch(STACK);
  });

  it('stops quietly when the reader of its output goes away (`meta log | head -c 1`)', async () => {
    // More output than a pipe holds, so meta is still writing when head exits.
    const big = tempDir('meta-cli-pipe-');
    try {
      const r = await diskRepo(big.dir);
      for (let i = 0; i < 400; i++) await recordRelease(r, { project: 'acme/app', version: `1.0.${i}`, sources: [{ url: 'https://git.example/acme/app', commit: SHA }], notes: 'n'.repeat(100) });
      r.close();
      const sh = spawnSync('bash', ['-c', '"$0" "$1" log --json --repo "$2" 2>"$3" | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"', process.execPath, META_BIN, `${big.dir}/meta`, `${big.dir}/err.txt`], { encoding: 'utf8' });
      expect(readFileSync(`${big.dir}/err.txt`, 'utf8')).toBe('');
      expect(sh.stdout.trim()).toBe('0');
    } finally {
      big.cleanup();
    }
  });

  it('accepts --no-color and NO_COLOR everywhere and prints no escape sequences', () => {
    const env = { META_REPO: repo };
    for (const args of [['channel', 'show', 'app', 'stable', '--no-color'], ['--no-color', 'log', '-n', '1'], ['help', '--no-color'], ['resolve', 'source', `sha256:${'a'.repeat(64)}`, '--no-color']]) {
      const r = meta(args, env);
      expect(r.code === 0 || r.code === 3, `${args.join(' ')}: ${r.err}`).toBe(true);
      expect(r.out + r.err).not.toContain('\u001b');
    }
    const r = meta(['channel', 'show', 'app', 'stable'], { ...env, NO_COLOR: '1' });
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('\u001b');
  });
});
