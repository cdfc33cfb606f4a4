/**
 * Errors about secret input must not echo it. A YAML parse error used to quote the offending line
 * (`password: abc: def` came back on stderr, into terminals and CI logs). Errors now name the line
 * and column, never the content, in the message, in `--json` data, and in any error cause.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { META_BIN, tempDir } from '../helpers/diskRepo.js';
import { generateAgeIdentity } from '../../src/secrets/index.js';

const PLAIN = 'hunter2-PLAINTEXT-9f3c';

function meta(args: string[], env: Record<string, string>, input?: string) {
  const r = spawnSync(process.execPath, [META_BIN, ...args], { encoding: 'utf8', input, env: { ...process.env, META_ACTOR: 'sec <sec@example.com>', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('secret input parse errors name the place, never the plaintext', () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  let recipient: string;
  let identity: string;
  beforeAll(async () => {
    tmp = tempDir('meta-sec-parse-');
    ({ recipient, identity } = await generateAgeIdentity());
    env = { META_REPO: `${tmp.dir}/meta`, XDG_CONFIG_HOME: tmp.dir, HOME: tmp.dir };
    expect(meta(['init', '--env', 'prod', '--age', `prod=${recipient}`], env).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  const cases: Array<[string, string, string, { line: number; column?: number }]> = [
    ['YAML with a colon inside a value', 'bad.yaml', `user: app\npassword: ${PLAIN}: def\n`, { line: 2, column: 11 }],
    ['YAML with a duplicate key', 'dup.yaml', `password: a\npassword: ${PLAIN}\n`, { line: 2, column: 1 }],
    ['YAML with an unterminated quote', 'quote.yaml', `password: "${PLAIN}\n`, { line: 2, column: 1 }],
    ['YAML with an alias to no anchor', 'alias.yaml', `password: *${PLAIN}\n`, { line: 1, column: 11 }],
    ['JSON with a missing comma', 'bad.json', `{"user": "app",\n "password": "${PLAIN}" "x": 1}`, { line: 2, column: 39 }],
    ['JSON with a bare word', 'word.json', `{"password": ${PLAIN}}`, { line: 1, column: 14 }],
    ['dotenv with a line without "="', 'bad.env', `USER=app\n${PLAIN}\n`, { line: 2 }],
  ];

  it.each(cases)('%s: exit 2 with line and column, no plaintext anywhere', (_what, name, content, at) => {
    writeFileSync(`${tmp.dir}/${name}`, content);
    for (const json of [false, true]) {
      const r = meta(['secret', 'set', 'prod/db', '--file', `${tmp.dir}/${name}`, ...(json ? ['--json'] : [])], env);
      expect(`${r.out}${r.err}`).not.toContain(PLAIN);
      expect(r.code).toBe(2);
      if (json) {
        const err = JSON.parse(r.err).error;
        expect(err.code).toBe('INVALID_ARGUMENT');
        expect(err.data).toMatchObject(at.column === undefined ? { line: at.line } : { line: at.line, column: at.column });
      } else {
        expect(r.err).toContain(`line ${at.line}`);
        if (at.column !== undefined) expect(r.err).toContain(`column ${at.column}`);
      }
    }
    // The same through stdin, and through `secret encrypt` (sops -e).
    const stdin = meta(['secret', 'set', 'prod/db', '--file', '-', '--format', name.endsWith('.json') ? 'json' : name.endsWith('.env') ? 'dotenv' : 'yaml'], env, content);
    expect(stdin.code).toBe(2);
    expect(`${stdin.out}${stdin.err}`).not.toContain(PLAIN);
    const enc = meta(['secret', 'encrypt', `${tmp.dir}/${name}`, '--age', recipient], env);
    expect(enc.code).toBe(2);
    expect(`${enc.out}${enc.err}`).not.toContain(PLAIN);
  });

  it('a value typed without its key is not echoed', () => {
    const r = meta(['secret', 'set', 'prod/db', PLAIN], env);
    expect(r.code).toBe(2);
    expect(`${r.out}${r.err}`).not.toContain(PLAIN);
  });

  it('a private key passed where a recipient belongs is not echoed', () => {
    writeFileSync(`${tmp.dir}/ok.yaml`, 'a: b\n');
    const r = meta(['secret', 'encrypt', `${tmp.dir}/ok.yaml`, '--age', identity, '--json'], env);
    expect(r.code).toBe(2);
    expect(`${r.out}${r.err}`).not.toContain(identity);
    expect(`${r.out}${r.err}`).not.toContain(identity.slice(0, 40));
  });
});
