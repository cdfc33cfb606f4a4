/**
 * `meta config set|get|history` and `meta diff --env` as real processes: human and JSON output,
 * exit codes, values that would be terminal escapes shown escaped, secrets resolved only with the
 * environment's key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { META_BIN, tempDir } from '../helpers/diskRepo.js';

describe('meta config', () => {
  let tmp: ReturnType<typeof tempDir>;
  let repo = '';
  const meta = (...args: string[]) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SOPS_') && !k.startsWith('META_')) env[k] = v;
    const r = spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', cwd: tmp.dir, env: { ...env, HOME: tmp.dir, NO_COLOR: '1', META_ACTOR: 'Ada <ada@example.com>', META_REPO: repo } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const ok = (...args: string[]) => {
    const r = meta(...args);
    expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
    return r.out;
  };

  beforeAll(() => {
    tmp = tempDir('meta-config-cli-');
    repo = `${tmp.dir}/meta`;
    const keys: Record<string, string> = {};
    for (const n of ['dev', 'prod']) keys[n] = ok('keys', 'generate', '--out', `${n}.txt`).trim();
    ok('init', repo, '--env', 'dev', '--env', 'prod', '--age', `dev=${keys.dev}`, '--age', `prod=${keys.prod}`);
    ok('project', 'add', 'acme/app', '--repo-url', 'https://git.example/acme/app');
    ok('secret', 'set', 'prod/db', 'password=s3cret');
  });
  afterAll(() => tmp?.cleanup());

  it('sets layers, prints the merged view with its layers, and its history', () => {
    expect(ok('config', 'set', 'acme/app', 'LOG_LEVEL=info', 'REGION=eu')).toMatch(/^config acme\/app defaults: seq 1, commit [0-9a-f]{12}\n  \+ LOG_LEVEL\n  \+ REGION\n$/);
    ok('config', 'set', 'acme/app', '--env', 'prod', 'LOG_LEVEL=warn', '--json-value', 'LIMITS={"rps": 100, "burst": 2}', '--secret', 'DB_PASSWORD=db#password');
    ok('config', 'set', 'acme/app', '--env', 'prod', '--channel', 'stable', 'GREETING=hello world');
    expect(ok('config', 'get', 'acme/app', '--env', 'prod', '--channel', 'stable', '--show-layers')).toBe([
      'DB_PASSWORD=secret:db#password  # env',
      'GREETING="hello world"  # channel',
      'LIMITS={"burst":2,"rps":100}  # env',
      'LOG_LEVEL=warn  # env',
      'REGION=eu  # default',
      '',
    ].join('\n'));
    const j = JSON.parse(ok('config', 'get', 'acme/app', '--env', 'prod', '--json'));
    expect(j.config).toEqual({ DB_PASSWORD: 'secret:db#password', LIMITS: { burst: 2, rps: 100 }, LOG_LEVEL: 'warn', REGION: 'eu' });
    expect(j.secrets).toEqual({ DB_PASSWORD: { name: 'db', field: 'password', resolved: false } });
    const h = ok('config', 'history', 'acme/app', '--env', 'prod').split('\n');
    expect(h[0]).toMatch(/^1\t[0-9a-f]{12}\t\S+Z\tAda <ada@example.com>$/);
    expect(h.slice(1, 4)).toEqual(['  + DB_PASSWORD=secret:db#password', '  + LIMITS={"burst":2,"rps":100}', '  + LOG_LEVEL=warn']);
    // The same values again: nothing written.
    expect(ok('config', 'set', 'acme/app', '--env', 'prod', 'LOG_LEVEL=warn')).toContain('nothing written');
  });

  it('resolves secrets only with the environment key (exit 10 with a dev key)', () => {
    const denied = meta('config', 'get', 'acme/app', '--env', 'prod', '--resolve-secrets', '-i', 'dev.txt');
    expect(denied.code).toBe(10);
    expect(denied.err).toContain('DB_PASSWORD');
    expect(denied.out).toBe('');
    expect(ok('config', 'get', 'acme/app', '--env', 'prod', '--resolve-secrets', '-i', 'prod.txt')).toContain('DB_PASSWORD=s3cret\n');
  });

  it('refuses bad input with usage exit codes and shows hostile-looking text escaped', () => {
    expect(meta('config', 'set', 'acme/app', '--env', 'prd', 'A=1').code).toBe(3);
    expect(meta('config', 'set', 'acme/app', '--channel', 'stable', 'A=1').code).toBe(2);
    expect(meta('config', 'set', 'acme/app', '--secret', 'A=db').code).toBe(2);
    expect(meta('config', 'set', 'acme/app', '--env', 'prod', '--secret', 'A=nope').code).toBe(3);
    expect(meta('config', 'set', 'acme/app', 'A=\u001b[2J').code).toBe(2);
    expect(meta('config', 'set', 'acme/app', 'NOEQUALS').code).toBe(2);
    expect(meta('config', 'get', 'acme/app').code).toBe(2); // --env is required
    ok('config', 'set', 'acme/app', '--env', 'dev', 'SNEAKY=a\u202eb', 'MULTI=line1\nline2');
    const out = ok('config', 'get', 'acme/app', '--env', 'dev');
    expect(out).toContain('SNEAKY="a\\u202eb"');
    expect(out).toContain('MULTI="line1\\nline2"');
    expect(out).not.toContain('\u202e');
  });

  it('meta diff --env adds the config changes between two moments', () => {
    ok('release', 'record', 'acme/app', '--version', '1.0.0', '--source', `https://git.example/acme/app@${'a'.repeat(40)}`);
    ok('channel', 'promote', 'acme/app', 'stable', '1.0.0');
    const from = JSON.parse(ok('config', 'get', 'acme/app', '--env', 'prod', '--json')).commit as string;
    ok('config', 'set', 'acme/app', '--env', 'prod', 'LOG_LEVEL=error', '--unset', 'LIMITS');
    const d = JSON.parse(ok('diff', 'acme/app', 'stable', from, 'HEAD', '--env', 'prod', '--json'));
    expect(d.config.changes).toEqual([
      { key: 'LIMITS', status: 'removed', from: '{"burst":2,"rps":100}', type: 'json' },
      { key: 'LOG_LEVEL', status: 'changed', from: 'warn', to: 'error', type: 'text' },
    ]);
    expect(ok('diff', 'acme/app', 'stable', from, 'HEAD', '--env', 'prod')).toContain('  config changed  LOG_LEVEL warn -> error\n');
    // Without --env the diff is the release half only.
    expect(JSON.parse(ok('diff', 'acme/app', 'stable', from, 'HEAD', '--json')).config).toBeUndefined();
  });
});
