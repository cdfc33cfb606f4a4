import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every run builds dist/ first, so tests that start the real CLI never run a stale build.
    globalSetup: ['test/setup/buildDist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most tests wait on child processes (git, meta, servers), not the CPU: vitest's default of
    // one worker per core minus one runs them one file at a time on a 2-core machine.
    maxWorkers: 3,
  },
});
