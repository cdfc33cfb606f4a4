import { afterAll } from 'vitest';
import { diskFs } from '../../src/api/diskFs.js';
import { tempDir } from '../helpers/diskRepo.js';
import { repositoryContract } from './repository.contract.js';

// The repository contract on the disk: a temporary directory per test, removed at the end.
const made: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of made.splice(0)) cleanup();
});

repositoryContract('disk', () => {
  const tmp = tempDir('meta-contract-');
  made.push(tmp.cleanup);
  let n = 0;
  return { fs: diskFs, onDisk: true, newDir: (name) => `${tmp.dir}/${++n}-${name}` };
});
