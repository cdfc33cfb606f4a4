import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { expect } from 'vitest';
import { MetaError } from '../../../src/errors/MetaError.js';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
/** Files written by the real `sops` binary (see test/fixtures/sops/README.md), kept in the repository. */
export const vectorsDir = path.resolve(repoRoot, 'test/fixtures/sops');

/** Awaits `p` and asserts it rejects with a MetaError of `code`; returns the error. */
export async function expectMetaError(p: Promise<unknown>, code: string): Promise<MetaError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a ${code} error`).toBeInstanceOf(MetaError);
  expect((caught as MetaError).code).toBe(code);
  return caught as MetaError;
}
