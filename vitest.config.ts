import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2 cores: keep worker count bounded so integration tests with child processes are not starved.
    maxWorkers: 2,
    env: {
      TESTCONTAINERS_RYUK_DISABLED: 'true',
      TESTCONTAINERS_HOST_OVERRIDE: 'localhost',
    },
  },
});
