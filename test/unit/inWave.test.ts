import { describe, expect, it } from 'vitest';
import { FlagdCore } from '@openfeature/flagd-core';
import { murmur3 } from '../../src/resolve/murmur3.js';
import { hostBucket, inWave } from '../../src/resolve/inWave.js';

describe('murmur3 (x86, 32-bit)', () => {
  it('matches the reference vectors', () => {
    // Vectors of the reference implementation (SMHasher) and of every port of it.
    expect(murmur3('')).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('', 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3('hello')).toBe(0x248bfa47);
    expect(murmur3('Hello, world!', 1234)).toBe(0xfaf6cdb3);
    expect(murmur3('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
    expect(murmur3('aaaa', 0x9747b28c)).toBe(0x5a97808a);
    expect(murmur3('abc')).toBe(0xb3dd93fa);
  });
});

describe('wave membership', () => {
  it('puts known hosts in known buckets (the formula other tools reproduce)', () => {
    // floor(murmur3_32("acme/app|stable|web-01") * 100 / 2^32): pinned so a change of the formula fails here.
    const pinned = Object.fromEntries(['web-01', 'web-02', 'web-03', 'db-1'].map((h) => [h, hostBucket('acme/app', 'stable', h)]));
    for (const [h, b] of Object.entries(pinned)) expect(b).toBe(Math.floor((murmur3(`acme/app|stable|${h}`) * 100) / 2 ** 32));
    expect(pinned).toEqual({ 'web-01': 0, 'web-02': 80, 'web-03': 34, 'db-1': 48 });
    expect(inWave('acme/app', 'stable', 'web-01', 1)).toBe(true);
    expect(inWave('acme/app', 'stable', 'web-03', 34)).toBe(false);
    expect(inWave('acme/app', 'stable', 'web-03', 35)).toBe(true);
  });

  it("agrees with flagd's fractional over 100 equal buckets", () => {
    const variants = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`b${i}`, i]));
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify({
      flags: {
        bucket: {
          state: 'ENABLED', variants, defaultVariant: 'b0',
          targeting: { fractional: [{ var: 'key' }, ...Array.from({ length: 100 }, (_, i) => [`b${i}`, 1])] },
        },
      },
    }));
    for (let i = 0; i < 300; i++) {
      const host = `host-${i}.example`;
      const key = `acme/app|stable|${host}`;
      const r = core.resolveNumberEvaluation('bucket', -1, { key, targetingKey: host });
      expect(r.value, host).toBe(hostBucket('acme/app', 'stable', host));
    }
  });

  it('is monotonic: a host in a wave stays in every wider one', () => {
    const waves = [1, 5, 10, 25, 50, 75, 100];
    for (let i = 0; i < 500; i++) {
      const host = `h${i}`;
      const member = waves.map((p) => inWave('acme/app', 'prod', host, p));
      const first = member.indexOf(true);
      expect(first).toBeGreaterThanOrEqual(0); // everyone is in the 100 % wave
      expect(member.slice(first).every(Boolean), host).toBe(true);
      expect(member.slice(0, first).some(Boolean), host).toBe(false);
    }
  });

  it('spreads hosts evenly and depends on the channel', () => {
    const n = 2000;
    let in10 = 0;
    let same = 0;
    for (let i = 0; i < n; i++) {
      if (inWave('acme/app', 'stable', `h${i}`, 10)) in10++;
      if (hostBucket('acme/app', 'stable', `h${i}`) === hostBucket('acme/app', 'beta', `h${i}`)) same++;
    }
    expect(in10).toBeGreaterThan(n * 0.07);
    expect(in10).toBeLessThan(n * 0.13);
    expect(same).toBeLessThan(n * 0.05);
    expect(inWave('acme/app', 'stable', 'h1', 0)).toBe(false);
  });
});
