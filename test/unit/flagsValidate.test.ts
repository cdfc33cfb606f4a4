import { describe, expect, it } from 'vitest';
import { isMetaError } from '../../src/errors/MetaError.js';
import { canonicalJson, prettyJson } from '../../src/flags/canonicalJson.js';
import { MAX_FLAG_DOCUMENT_BYTES, validateFlagDocument } from '../../src/flags/validateFlagDocument.js';
import { diffFlagDocuments } from '../../src/flags/diffFlagDocuments.js';

const flag = (extra: Record<string, unknown> = {}) => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', ...extra });

/** The INVALID_ARGUMENT message of a refused document. */
async function refusal(input: unknown): Promise<string> {
  try {
    await validateFlagDocument(input);
  } catch (e) {
    if (isMetaError(e) && e.code === 'INVALID_ARGUMENT') return e.message;
    throw e;
  }
  throw new Error('the document was accepted');
}

describe('flag set validation', () => {
  it('accepts a flagd document and stores it canonical: same set, same text', async () => {
    const a = await validateFlagDocument('{\n  "flags": {"b": {"variants": {"on": true, "off": false}, "state": "ENABLED", "defaultVariant": "off"}, "a": {"state":"DISABLED","variants":{"x":"1"},"defaultVariant":"x"}},\n  "$schema": "https://flagd.dev/schema/v0/flags.json"\n}');
    const b = await validateFlagDocument({ $schema: 'https://flagd.dev/schema/v0/flags.json', flags: { a: { defaultVariant: 'x', variants: { x: '1' }, state: 'DISABLED' }, b: flag() } });
    expect(a.document).toBe(b.document);
    expect(a.document).toBe('{"$schema":"https://flagd.dev/schema/v0/flags.json","flags":{"a":{"defaultVariant":"x","state":"DISABLED","variants":{"x":"1"}},"b":{"defaultVariant":"off","state":"ENABLED","variants":{"off":false,"on":true}}}}');
    expect(JSON.parse(prettyJson(a.document))).toEqual(JSON.parse(a.document));
  });

  it("refuses what flagd's schema refuses, naming the bad field's path", async () => {
    expect(await refusal({ flags: { x: flag({ state: 'ON' }) } })).toMatch(/at \/flags\/x\/state: /);
    expect(await refusal({ flags: { x: flag({ metadata: { team: ['a'] } }) } })).toMatch(/at \/flags\/x\/metadata\/team: .*schema/);
    expect(await refusal({ flags: { x: flag({ targeting: { starts_with: 'abc' } }) } })).toMatch(/at \/flags\/x\/targeting/);
    expect(await refusal({ metadata: { n: { deep: 1 } }, flags: {} })).toMatch(/at \/metadata\/n: .*schema/);
    expect(await refusal({ flags: { x: flag({ variants: {} }) } })).toMatch(/at \/flags\/x\/variants: /);
    expect(await refusal({ nothing: true })).toMatch(/at \/flags: the "flags" object is required/);
    expect(await refusal([1])).toMatch(/at \/: a flag set is a JSON object/);
  });

  it("refuses what the schema cannot express: defaultVariant, mixed variant types, unknown $ref, uncompilable targeting", async () => {
    expect(await refusal({ flags: { x: flag({ defaultVariant: 'maybe' }) } })).toMatch(/at \/flags\/x\/defaultVariant: defaultVariant names no variant/);
    expect(await refusal({ flags: { x: flag({ variants: { a: 1, b: '1' } }) } })).toMatch(/at \/flags\/x\/variants: variant values must all be of one type.*number, string/);
    expect(await refusal({ flags: { x: flag({ targeting: { if: [{ $ref: 'nope' }, 'on', null] } }) } })).toMatch(/at \/flags\/x\/targeting\/if\/0\/\$ref: \$ref must name an entry of \$evaluators \(there are none\)/);
    expect(await refusal({ flags: { x: flag({ targeting: { bogus_op: [1, 2] } }) } })).toMatch(/at \/flags\/x\/targeting/);
    // A $ref that names an evaluator is fine.
    await validateFlagDocument({ $evaluators: { beta: { '==': [{ var: 'beta' }, true] } }, flags: { x: flag({ targeting: { if: [{ $ref: 'beta' }, 'on', null] } }) } });
  });

  it('refuses keys with control characters, without echoing them raw', async () => {
    const m = await refusal({ flags: { 'bad\u001b[31mkey': flag() } });
    expect(m).toMatch(/control character/);
    expect(m).not.toMatch(/\u001b/);
    expect(await refusal({ flags: { '': flag() } })).toMatch(/must not be empty/);
    expect(await refusal({ flags: { [`k${'x'.repeat(300)}`]: flag() } })).toMatch(/at most 256 characters/);
  });

  it('caps the size (1 MiB canonical) and the nesting depth', async () => {
    const flags: Record<string, unknown> = {};
    for (let i = 0; flags && JSON.stringify(flags).length < MAX_FLAG_DOCUMENT_BYTES + 1000; i++) flags[`flag-${i}`] = flag({ metadata: { note: 'x'.repeat(1000) } });
    expect(await refusal({ flags })).toMatch(/the limit is 1048576 bytes/);
    let rule: unknown = true;
    for (let i = 0; i < 100; i++) rule = { '!': [rule] };
    expect(await refusal({ flags: { x: flag({ targeting: { if: [rule, 'on', 'off'] } }) } })).toMatch(/deeper than 64 levels/);
    // Deep nesting in text is refused before anything recurses over it.
    expect(await refusal(`{"flags":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}`)).toMatch(/deeper than 64 levels/);
    expect(await refusal('{"flags": nope}')).toMatch(/not valid JSON/);
  });

  it('canonical JSON keeps __proto__ an ordinary key', () => {
    const v = JSON.parse('{"b":1,"__proto__":{"x":1},"a":[{"d":1,"c":2}]}');
    expect(canonicalJson(v)).toBe('{"__proto__":{"x":1},"a":[{"c":2,"d":1}],"b":1}');
  });

  it('diffs two versions by flag and field', () => {
    const a = canonicalJson({ flags: { a: flag(), b: flag(), c: flag() } });
    const b = canonicalJson({ flags: { a: flag(), b: flag({ defaultVariant: 'on', state: 'DISABLED' }), d: flag() }, $evaluators: { x: true } });
    expect(diffFlagDocuments(a, b)).toEqual({ flags: [{ key: 'b', status: 'changed', fields: ['defaultVariant', 'state'] }, { key: 'c', status: 'removed' }, { key: 'd', status: 'added' }], sets: ['$evaluators'] });
  });
});
