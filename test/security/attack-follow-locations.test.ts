// A hostile server answers a follower with a location that is some other file of the follower's
// host (a key, a PIN file) and a size or digest of its choosing. The follower refuses the bytes,
// and says so in its log and in the report it sends back to that very server: the refusal must
// name neither the file's size nor its sha-256.
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { downloadVerified } from '../../src/follow/downloadVerified.js';
import { tempDir } from '../helpers/diskRepo.js';

describe('a follower given a file:// location that is not the binary', () => {
  const t = tempDir('meta-attack-follow-loc-');
  const secret = '4711\n';
  const hex = createHash('sha256').update(secret).digest('hex');
  writeFileSync(`${t.dir}/pin`, secret);
  mkdirSync(`${t.dir}/install`);
  afterAll(() => t.cleanup());

  it.each([
    ['a guessed size', 1000],
    ['the right size', Buffer.byteLength(secret)],
  ])('%s: refused without its size or digest, nothing left behind', async (_label, size) => {
    const err = await downloadVerified(`file://${t.dir}/pin`, { digest: `sha256:${'0'.repeat(64)}`, size, dir: `${t.dir}/install` }).then(() => undefined, (e: unknown) => e as Error & { code: string; data: unknown });
    expect(err).toMatchObject({ code: 'DIGEST_MISMATCH' });
    const said = `${err!.message} ${JSON.stringify(err!.data)}`;
    expect(said).not.toContain(hex);
    expect(said).not.toMatch(new RegExp(`\\b${Buffer.byteLength(secret)} bytes|"size":${Buffer.byteLength(secret)}\\b`));
    expect(readdirSync(`${t.dir}/install`)).toEqual([]);
  });
});
