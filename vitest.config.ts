import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every run builds dist/ first, so tests that start the real CLI never run a stale build.
    globalSetup: ['test/setup/buildDist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
