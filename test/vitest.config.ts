/**
 * vitest config (kept under test/ so the top level holds only what the design allows). The root is
 * the repository, so paths in tests and in `include` are repository-relative.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2 cores: keep worker count bounded so integration tests with child processes are not starved.
    maxWorkers: 2,
    env: {
      // No registry here: testcontainers must not pull its reaper image nor probe the default route.
      TESTCONTAINERS_RYUK_DISABLED: 'true',
      TESTCONTAINERS_HOST_OVERRIDE: 'localhost',
      // Development convenience: a read-only shared copy of the dataset folder beside the checkout
      // (<repo>/../shared/datasets), searched after the user's cache; see node/problem/datasets/paths.ts.
      // Tests that need a large dataset skip where neither has it.
      PROXMESH_DATASETS_PATH: process.env.PROXMESH_DATASETS_PATH ?? fileURLToPath(new URL('../../shared/datasets', import.meta.url)),
    },
  },
});
