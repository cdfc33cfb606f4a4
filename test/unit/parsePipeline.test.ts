import { describe, expect, it } from 'vitest';
import { formatDuration, parseDurationMs, parsePercent } from '../../src/api/parseDuration.js';
import { parsePipeline } from '../../src/api/parsePipeline.js';
import { MetaError } from '../../src/errors/MetaError.js';

const channels = ['dev', 'beta', 'stable'];

/** The problems a refused file lists (each starts with the field path). */
function problems(source: string, opts = { channels }): string[] {
  try {
    parsePipeline(source, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(MetaError);
    expect((e as MetaError).code).toBe('INVALID_ARGUMENT');
    return (e as MetaError).data.problems as string[];
  }
  throw new Error('the file was accepted');
}

const FULL = `
stages:
  - channel: dev
    auto: true
  - channel: beta
    after: dev
    auto: true
    gates:
      - soak: 30m
      - http: { url: "http://127.0.0.1:8080/healthz", expect: 200, timeout: 5s, retries: 3 }
      - fleet: { percent: 90 }
      - verification: { name: smoke }
  - channel: stable
    after: beta
    gates:
      - approvals: { count: 2 }
      - command: { run: "./smoke.sh", timeout: 60s }
    rollout: { waves: [10, 50, 100], interval: 15m, max_failed: 20% }
validate: "./validate.sh"
on_promote: "./generate.sh"
`;

describe('parseDurationMs / parsePercent', () => {
  it('reads the units people write, largest first', () => {
    expect(parseDurationMs('30m')).toBe(1_800_000);
    expect(parseDurationMs('5s')).toBe(5000);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('2d')).toBe(172_800_000);
    expect(formatDuration(5_400_000)).toBe('1h30m');
  });
  it('refuses bare numbers, unknown units, repeated or unordered units', () => {
    for (const bad of ['30', '5x', '', ' ', 'm', '1m1h', '1s1s', '-5s', '1.5s', '5 s', 30, null, '9'.repeat(50) + 's']) expect(parseDurationMs(bad)).toBeUndefined();
  });
  it('reads 20% and 20, refuses the rest', () => {
    expect(parsePercent('20%')).toBe(20);
    expect(parsePercent(20)).toBe(20);
    expect(parsePercent('100')).toBe(100);
    for (const bad of ['120%', -1, 20.5, 'twenty', '%', true, null]) expect(parsePercent(bad)).toBeUndefined();
  });
});

describe('parsePipeline', () => {
  it('reads every key of the reference file into typed stages, with defaults', () => {
    const p = parsePipeline(FULL, { channels });
    expect(p.validate).toBe('./validate.sh');
    expect(p.onPromote).toBe('./generate.sh');
    expect(p.stages.map((s) => [s.channel, s.after, s.auto])).toEqual([['dev', '', true], ['beta', 'dev', true], ['stable', 'beta', false]]);
    expect(p.stages[1]!.gates).toEqual([
      { type: 'soak', seconds: 1800 },
      { type: 'http', url: 'http://127.0.0.1:8080/healthz', expect: 200, timeoutMs: 5000, retries: 3 },
      { type: 'fleet', percent: 90 },
      { type: 'verification', name: 'smoke' },
    ]);
    expect(p.stages[2]!.gates).toEqual([{ type: 'approvals', count: 2 }, { type: 'command', run: './smoke.sh', timeoutMs: 60_000 }]);
    expect(p.stages[2]!.rollout).toEqual({ waves: [10, 50, 100], intervalSeconds: 900, maxFailedPercent: 20 });
    const d = parsePipeline('stages:\n  - channel: dev\n  - channel: beta\n    gates:\n      - http: { url: "https://x.example/h" }\n      - command: { run: "true" }\n      - approvals: {}\n', { channels });
    expect(d.stages[1]).toEqual({
      channel: 'beta', after: 'dev', auto: false, rollout: null,
      gates: [{ type: 'http', url: 'https://x.example/h', expect: 200, timeoutMs: 5000, retries: 0 }, { type: 'command', run: 'true', timeoutMs: 60_000 }, { type: 'approvals', count: 1 }],
    });
  });

  it.each([
    ['stages:\n  - channel: dev\n  - channel: beta\n    gates:\n      - soak: 1m\n      - command: { run: x }\n      - http: { url: "http://a/", timeout: 5x }\n', /^stages\[1\]\.gates\[2\]\.http\.timeout: '5x' is not a duration/],
    ['stages:\n  - channel: dev\n    gates:\n      - soak: 30\n', /^stages\[0\]\.gates\[0\]\.soak: 30 is not a duration/],
    ['stages:\n  - channel: dev\n    gates:\n      - sok: 30m\n', /^stages\[0\]\.gates\[0\]\.sok: unknown gate type; did you mean soak\?/],
    ['stages:\n  - channel: dev\n    gates:\n      - soak: 1m\n        http: { url: "http://a/" }\n', /^stages\[0\]\.gates\[0\]: a gate is a map with one key/],
    ['stages:\n  - channel: dev\n    gates: soak\n', /^stages\[0\]\.gates: 'soak' is not a list/],
    ['stages:\n  - channel: dev\n    chanel: beta\n', /^stages\[0\]\.chanel: unknown key; did you mean channel\?/],
    ['stages:\n  - channel: dev\nvalidat: x\n', /^validat: unknown key; did you mean validate\?/],
    ['stages:\n  - channel: prod\n', /^stages\[0\]\.channel: 'prod' is not a declared channel .*meta channel add prod/],
    ['stages:\n  - channel: stabel\n', /^stages\[0\]\.channel: 'stabel' is not a declared channel; did you mean stable\?/],
    ['stages:\n  - channel: "a b"\n', /^stages\[0\]\.channel: invalid channel/],
    ['stages:\n  - channel: dev\n  - channel: dev\n', /^stages\[1\]\.channel: 'dev' is already stages\[0\]/],
    ['stages:\n  - {auto: true}\n', /^stages\[0\]\.channel: is required/],
    ['stages:\n  - channel: dev\n    after: beta\n', /^stages\[0\]\.after: the first stage/],
    ['stages:\n  - channel: dev\n  - channel: beta\n    after: stable\n  - channel: stable\n', /^stages\[1\]\.after: 'stable' is not an earlier stage/],
    ['stages:\n  - channel: dev\n    auto: yes please\n', /^stages\[0\]\.auto: 'yes please' is not true or false/],
    ['stages:\n  - channel: dev\n  - channel: beta\n    gates:\n      - fleet: { percent: 190 }\n', /^stages\[1\]\.gates\[0\]\.fleet\.percent: 190 is not a percentage/],
    ['stages:\n  - channel: dev\n  - channel: beta\n    gates:\n      - fleet: {}\n', /^stages\[1\]\.gates\[0\]\.fleet\.percent: is required/],
    ['stages:\n  - channel: dev\n    gates:\n      - fleet: { percent: 50 }\n', /^stages\[0\]\.gates\[0\]\.fleet: the first stage has no 'after' stage/],
    ['stages:\n  - channel: dev\n    gates:\n      - http: { url: "ftp://a/x" }\n', /^stages\[0\]\.gates\[0\]\.http\.url: 'ftp:' is not http: or https:/],
    ['stages:\n  - channel: dev\n    gates:\n      - http: { url: "http://u:p@a/x" }\n', /^stages\[0\]\.gates\[0\]\.http\.url: holds credentials/],
    ['stages:\n  - channel: dev\n    gates:\n      - http: { url: "not a url" }\n', /^stages\[0\]\.gates\[0\]\.http\.url: 'not a url' is not a URL/],
    ['stages:\n  - channel: dev\n    gates:\n      - http: { url: "http://a/", expect: 99 }\n', /^stages\[0\]\.gates\[0\]\.http\.expect: 99 is not a whole number from 100 to 599/],
    ['stages:\n  - channel: dev\n    gates:\n      - http: { url: "http://a/", retries: 50 }\n', /^stages\[0\]\.gates\[0\]\.http\.retries: 50 is not a whole number from 0 to 10/],
    ['stages:\n  - channel: dev\n    gates:\n      - http: { url: "http://a/", method: POST }\n', /^stages\[0\]\.gates\[0\]\.http\.method: unknown key/],
    ['stages:\n  - channel: dev\n    gates:\n      - http: "http://a/"\n', /^stages\[0\]\.gates\[0\]\.http: 'http:\/\/a\/' is not a map/],
    ['stages:\n  - channel: dev\n    gates:\n      - command: { timeout: 5s }\n', /^stages\[0\]\.gates\[0\]\.command\.run: is required/],
    ['stages:\n  - channel: dev\n    gates:\n      - command: { run: x, timeout: 2h }\n', /^stages\[0\]\.gates\[0\]\.command\.timeout: '2h' is longer than/],
    ['stages:\n  - channel: dev\n    gates:\n      - verification: {}\n', /^stages\[0\]\.gates\[0\]\.verification\.name: is required/],
    ['stages:\n  - channel: dev\n    gates:\n      - approvals: { count: 0 }\n', /^stages\[0\]\.gates\[0\]\.approvals\.count: 0 is not a whole number from 1/],
    ['stages:\n  - channel: dev\n    gates:\n      - approvals: { count: "2" }\n', /^stages\[0\]\.gates\[0\]\.approvals\.count: '2' is not a whole number/],
    ['stages:\n  - channel: dev\n    gates:\n      - soak: 1m\n      - soak: 2m\n', /^stages\[0\]\.gates\[1\]\.soak: the same gate as gates\[0\]; a stage has one soak gate/],
    ['stages:\n  - channel: dev\n    gates:\n      - verification: { name: a }\n      - verification: { name: a }\n', /^stages\[0\]\.gates\[1\]\.verification: the same gate as gates\[0\]; list it once/],
    ['stages:\n  - channel: dev\n    rollout: { waves: [50, 10, 100], interval: 1m }\n', /^stages\[0\]\.rollout\.waves\[1\]: 10% is not above the wave before it/],
    ['stages:\n  - channel: dev\n    rollout: { waves: [10, 50], interval: 1m }\n', /^stages\[0\]\.rollout\.waves: the last wave must be 100%/],
    ['stages:\n  - channel: dev\n    rollout: { waves: [], interval: 1m }\n', /^stages\[0\]\.rollout\.waves: is required/],
    ['stages:\n  - channel: dev\n    rollout: { waves: [0, 100], interval: 1m }\n', /^stages\[0\]\.rollout\.waves\[0\]: 0 is not a percentage/],
    ['stages:\n  - channel: dev\n    rollout: { waves: [100] }\n', /^stages\[0\]\.rollout\.interval: is required/],
    ['stages:\n  - channel: dev\n    rollout: { waves: [100], interval: 1m, max_failed: 200% }\n', /^stages\[0\]\.rollout\.max_failed: '200%' is not a percentage/],
    ['stages:\n  - channel: dev\n    rollout: { waves: [100], interval: 1m, wave: 2 }\n', /^stages\[0\]\.rollout\.wave: unknown key/],
    ['stages: []\n', /^stages: is required/],
    ['validate: x\n', /^stages: is required/],
    ['- channel: dev\n', /^the file must be a map/],
    ['stages:\n  - channel: dev\nvalidate: [a]\n', /^validate: a list is not text/],
    ['stages:\n  - channel: dev\non_promote: "a\\u0007b"\n', /^on_promote: contains a control character/],
    ['stages: [\n', /^not valid YAML/],
    ['stages:\n  - channel: dev\nstages:\n  - channel: beta\n', /^not valid YAML/],
    ['a: &x [1]\nb: *x\nstages:\n  - channel: dev\n', /aliases|unknown key/],
  ])('refuses %j naming the field', (source, re) => {
    const list = problems(source);
    expect(list.some((m) => re.test(m)), list.join('\n')).toBe(true);
  });

  it('lists every problem of a file at once, in its message and data', () => {
    const src = 'stages:\n  - channel: dev\n    gates:\n      - soak: 5x\n      - bogus: 1\n  - channel: nope\n';
    let err: MetaError | undefined;
    try {
      parsePipeline(src, { channels });
    } catch (e) {
      err = e as MetaError;
    }
    expect(err?.data.problems).toHaveLength(3);
    expect(err?.message).toMatch(/^pipeline refused: stages\[0\]\.gates\[0\]\.soak: '5x' is not a duration.*stages\[0\]\.gates\[1\]\.bogus: unknown gate type.*stages\[1\]\.channel: 'nope'/);
  });

  it('refuses an oversized file and deep alias expansion without reading it all', () => {
    expect(problems(`stages:\n  - channel: dev\n# ${'x'.repeat(70_000)}\n`)[0]).toMatch(/larger than 64 KiB/);
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nstages:\n  - channel: dev\n`;
    expect(problems(bomb).join('\n')).toMatch(/aliases/);
  });

  it('accepts any valid channel name when no list of declared ones is given', () => {
    expect(parsePipeline('stages:\n  - channel: anything\n').stages[0]!.channel).toBe('anything');
  });
});
