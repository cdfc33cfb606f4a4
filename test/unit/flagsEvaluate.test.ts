import { describe, expect, it } from 'vitest';
import { evaluateAllFlags, evaluateFlag } from '../../src/flags/evaluateFlag.js';
import { canonicalJson } from '../../src/flags/canonicalJson.js';

// Expected values are flagd's documented behaviour: its testbed's targeting scenarios
// (fractional v2 bucketing, sem_ver, starts_with/ends_with, $ref) and its reasons and error codes.
const doc = (flags: Record<string, unknown>, extra: Record<string, unknown> = {}) => canonicalJson({ flags, ...extra });
const str = (...names: string[]) => Object.fromEntries(names.map((n) => [n, n]));

describe('flag evaluation matches flagd', () => {
  it('fractional: the known bucket of each key (seeded by flag key and a context value)', async () => {
    const d = doc({
      'fractional-flag': {
        state: 'ENABLED', variants: str('clubs', 'diamonds', 'hearts', 'spades', 'wild'), defaultVariant: 'wild',
        targeting: { fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'user.name' }] }, ['clubs', 25], ['diamonds', 25], ['hearts', 25], ['spades', 25]] },
      },
    });
    const expected: [string, string][] = [['jack', 'hearts'], ['queen', 'spades'], ['ten', 'clubs'], ['nine', 'diamonds'], ['3', 'clubs']];
    for (const [name, value] of expected) {
      const r = await evaluateFlag(d, 'fractional-flag', { context: { user: { name } }, defaultValue: 'fallback' });
      expect([name, r.value, r.reason]).toEqual([name, value, 'TARGETING_MATCH']);
    }
  });

  it('fractional shorthand buckets by flag key + targetingKey, weight 1 by default', async () => {
    const d = doc({ 'fractional-flag-shorthand': { state: 'ENABLED', variants: str('heads', 'tails', 'draw'), defaultVariant: 'draw', targeting: { fractional: [['heads'], ['tails', 1]] } } });
    expect((await evaluateFlag(d, 'fractional-flag-shorthand', { context: { targetingKey: 'jon@company.com' } })).value).toBe('heads');
    expect((await evaluateFlag(d, 'fractional-flag-shorthand', { context: { targetingKey: 'jane@company.com' } })).value).toBe('tails');
  });

  it('fractional at the hash boundaries (keys whose MurmurHash3 is 0, 1, 2^31-1, 2^31, 2^32-1)', async () => {
    const d = doc({ edge: { state: 'ENABLED', variants: str('lower', 'upper'), defaultVariant: 'lower', targeting: { fractional: [{ var: 'targetingKey' }, ['lower', 50], ['upper', 50]] } } });
    const expected: [string, string][] = [['ejOoVL', 'lower'], ['bY9fO-', 'lower'], ['SI7p-', 'lower'], ['6LvT0', 'upper'], ['ceQdGm', 'upper']];
    for (const [key, value] of expected) expect([key, (await evaluateFlag(d, 'edge', { context: { targetingKey: key } })).value]).toEqual([key, value]);
  });

  it('fractional without a targetingKey falls back to the default variant (DEFAULT)', async () => {
    const d = doc({ f: { state: 'ENABLED', variants: str('a', 'b'), defaultVariant: 'b', targeting: { fractional: [['a', 50], ['a', 50]] } } });
    const r = await evaluateFlag(d, 'f', {});
    expect([r.value, r.variant, r.reason]).toEqual(['b', 'b', 'DEFAULT']);
  });

  it('starts_with and ends_with', async () => {
    const d = doc({
      s: {
        state: 'ENABLED', variants: str('prefix', 'postfix', 'none'), defaultVariant: 'none',
        targeting: { if: [{ starts_with: [{ var: 'id' }, 'abc'] }, 'prefix', { if: [{ ends_with: [{ var: 'id' }, 'xyz'] }, 'postfix', 'none'] }] },
      },
    });
    for (const [id, v] of [['abcdef', 'prefix'], ['uvwxyz', 'postfix'], ['abcxyz', 'prefix'], ['lmnopq', 'none']]) {
      expect([id, (await evaluateFlag(d, 's', { context: { id } })).value]).toEqual([id, v]);
    }
  });

  it('sem_ver: =, >, <, ~ (same minor), ^ (same major), v prefix; an invalid version is no match', async () => {
    const d = doc({
      cmp: {
        state: 'ENABLED', variants: str('equal', 'greater', 'lesser', 'none'), defaultVariant: 'none',
        targeting: { if: [{ sem_ver: [{ var: 'version' }, '=', '2.0.0'] }, 'equal', { if: [{ sem_ver: [{ var: 'version' }, '>', '2.0.0'] }, 'greater', { if: [{ sem_ver: [{ var: 'version' }, '<', '2.0.0'] }, 'lesser', 'none'] }] }] },
      },
      range: {
        state: 'ENABLED', variants: str('minor', 'major', 'none'), defaultVariant: 'none',
        targeting: { if: [{ sem_ver: [{ var: 'version' }, '~', '3.0.0'] }, 'minor', { if: [{ sem_ver: [{ var: 'version' }, '^', '3.0.0'] }, 'major', 'none'] }] },
      },
      vprefix: { state: 'ENABLED', variants: str('match', 'no-match'), defaultVariant: 'no-match', targeting: { if: [{ sem_ver: [{ var: 'version' }, '=', 'v1.0.0'] }, 'match', 'no-match'] } },
    });
    const cases: [string, string, string][] = [
      ['cmp', '2.0.0', 'equal'], ['cmp', '2.1.0', 'greater'], ['cmp', '1.9.0', 'lesser'], ['cmp', '2.0.0-alpha', 'lesser'], ['cmp', '2.0.0.0', 'none'],
      ['range', '3.0.1', 'minor'], ['range', '3.1.0', 'major'], ['range', '4.0.0', 'none'],
      ['vprefix', '1.0.0', 'match'], ['vprefix', 'V1.0.0', 'match'], ['vprefix', '2.0.0', 'no-match'],
    ];
    for (const [key, version, v] of cases) expect([key, version, (await evaluateFlag(d, key, { context: { version } })).value]).toEqual([key, version, v]);
  });

  it('$ref reuses a rule of $evaluators', async () => {
    const d = doc(
      {
        a: { state: 'ENABLED', variants: { hi: 'hi', bye: 'bye' }, defaultVariant: 'bye', targeting: { if: [{ $ref: 'is_macrosoft' }, 'hi', null] } },
        b: { state: 'ENABLED', variants: { yes: 'yes', no: 'no' }, defaultVariant: 'no', targeting: { if: [{ $ref: 'is_macrosoft' }, 'yes', null] } },
      },
      { $evaluators: { is_macrosoft: { ends_with: [{ var: 'email' }, '@macrosoft.com'] } } },
    );
    expect((await evaluateFlag(d, 'a', { context: { email: 'ballmer@macrosoft.com' } })).value).toBe('hi');
    expect((await evaluateFlag(d, 'b', { context: { email: 'ballmer@macrosoft.com' } })).value).toBe('yes');
    expect((await evaluateFlag(d, 'b', { context: { email: 'x@example.com' } })).reason).toBe('DEFAULT');
  });

  it('if, in and ==, and the $flagd properties flagd injects (flagKey, timestamp)', async () => {
    const d = doc({
      tier: { state: 'ENABLED', variants: { gold: 3, silver: 2, none: 0 }, defaultVariant: 'none', targeting: { if: [{ in: [{ var: 'country' }, ['de', 'fr']] }, 'gold', { '==': [{ var: 'plan' }, 'pro'] }, 'silver', null] } },
      self: { state: 'ENABLED', variants: { yes: true, no: false }, defaultVariant: 'no', targeting: { if: [{ '==': [{ var: '$flagd.flagKey' }, 'self'] }, 'yes', 'no'] } },
      // flagd's timestamp is in seconds: after 2001 and before 2100.
      clock: { state: 'ENABLED', variants: { past: 1, future: -1 }, defaultVariant: 'past', targeting: { if: [{ '>': [{ var: '$flagd.timestamp' }, { var: 'time' }] }, 'past', 'future'] } },
    });
    expect((await evaluateFlag(d, 'tier', { context: { country: 'fr' } })).value).toBe(3);
    expect((await evaluateFlag(d, 'tier', { context: { country: 'us', plan: 'pro' } })).value).toBe(2);
    expect((await evaluateFlag(d, 'tier', { context: { country: 'us' } })).reason).toBe('DEFAULT');
    expect((await evaluateFlag(d, 'self', {})).value).toBe(true);
    // A context may not override what flagd injects.
    expect((await evaluateFlag(d, 'self', { context: { $flagd: { flagKey: 'other' } } })).value).toBe(true);
    expect((await evaluateFlag(d, 'clock', { context: { time: 1_000_000_000 } })).value).toBe(1);
    expect((await evaluateFlag(d, 'clock', { context: { time: 4_102_444_800 } })).value).toBe(-1);
  });

  it('every reason and error code, with the default as the value on an error', async () => {
    const d = doc(
      {
        plain: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on', metadata: { owner: 'web', version: 2 } },
        targeted: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ '==': [{ var: 'beta' }, true] }, 'on', null] } },
        off: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
        missing: { state: 'ENABLED', variants: { a: 1, b: 2 }, defaultVariant: 'a', targeting: { if: [true, 'c', 'a'] } },
        broken: { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'a', targeting: { no_such_operator: [1] } },
        code: { state: 'ENABLED', variants: { a: 'x' }, defaultVariant: null },
      },
      { metadata: { flagSetId: 'web', version: '1' } },
    );
    expect(await evaluateFlag(d, 'plain', { defaultValue: false })).toEqual({ key: 'plain', value: true, variant: 'on', reason: 'STATIC', flagMetadata: { flagSetId: 'web', owner: 'web', version: 2 } });
    expect(await evaluateFlag(d, 'targeted', { context: { beta: true } })).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    expect(await evaluateFlag(d, 'targeted', { context: { beta: false } })).toMatchObject({ value: false, variant: 'off', reason: 'DEFAULT' });
    expect(await evaluateFlag(d, 'off', { defaultValue: false })).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(await evaluateFlag(d, 'nope', { defaultValue: 'dflt' })).toMatchObject({ value: 'dflt', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(await evaluateFlag(d, 'plain', { type: 'string', defaultValue: 'dflt' })).toMatchObject({ value: 'dflt', reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
    expect(await evaluateFlag(d, 'missing', { defaultValue: 9 })).toMatchObject({ value: 9, reason: 'ERROR', errorCode: 'GENERAL' });
    expect(await evaluateFlag(d, 'broken', { defaultValue: 9 })).toMatchObject({ value: 9, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    // defaultVariant null: the caller's code default, reason DEFAULT.
    expect(await evaluateFlag(d, 'code', { defaultValue: 'mine' })).toMatchObject({ value: 'mine', reason: 'DEFAULT' });
    expect(await evaluateFlag('{"flags":', 'plain', { defaultValue: true })).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
  });

  it('bulk evaluation leaves disabled flags out and reports per-flag errors', async () => {
    const d = doc({ a: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' }, b: { state: 'DISABLED', variants: { on: true }, defaultVariant: 'on' }, c: { state: 'ENABLED', variants: { x: 1 }, defaultVariant: 'x', targeting: { if: [true, 'y', 'x'] } } });
    const all = await evaluateAllFlags(d, {});
    expect(Array.isArray(all) && all.map((r) => [r.key, r.reason, r.errorCode ?? null])).toEqual([['a', 'STATIC', null], ['c', 'ERROR', 'GENERAL']]);
  });
});
