/**
 * vitest config (kept under test/ so the top level holds only what the design allows). The root is
 * the repository, so paths in tests and in `include` are repository-relative.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
      // Child processes the code under test spawns from its TypeScript sources (workers, sweep cells)
      // load them through tsx, the dev loader (node/runtime/child-entry.ts); users run compiled dist/.
      PROXMESH_DEV_LOADER: pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href,
    },
  },
});
