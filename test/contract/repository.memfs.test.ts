import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, expect } from 'vitest';
import { Volume, createFsFromVolume } from 'memfs';
import type { SyncFs } from '../../src/store/fs.js';
import { repositoryContract } from './repository.contract.js';

// The repository contract with every file in memory: a memfs volume per test. The paths are
// unique, so a file written past the injected fs would show up on the disk, where none may be.
const root = `/meta-contract-${randomBytes(6).toString('hex')}`;
afterAll(() => {
  expect(existsSync(root)).toBe(false);
});

repositoryContract('memfs', () => {
  const fs = createFsFromVolume(new Volume()) as unknown as SyncFs;
  let n = 0;
  return { fs, onDisk: false, newDir: (name) => `${root}/${++n}-${name}` };
});
