/**
 * vitest config (kept under test/ so the top level holds only what the design allows). The root is
 * the repository, so paths in tests and in `include` are repository-relative.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineConfig } from 'vitest/config';

/** file: URL of tsx's ESM API entry (its package exports' `./esm/api` import condition). */
function devThreadLoader(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('tsx/package.json');
  const api = (require(pkgJson) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'].import.default;
  return pathToFileURL(join(dirname(pkgJson), api)).href;
}

/**
 * Tests that start dozens of processes (64 workers under the dev loader) starve everything running
 * beside them on 2 cores, so they form a second group that runs after the rest, alone.
 */
const ALONE = ['test/cluster/scale.test.ts'];

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['**/node_modules/**', ...ALONE], sequence: { groupOrder: 0 } },
      },
      { extends: true, test: { name: 'alone', include: ALONE, sequence: { groupOrder: 1 } } },
    ],
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
      // Child processes the code under test spawns from its TypeScript sources (workers, sweep cells)
      // load them through tsx, the dev loader (node/runtime/child-entry.ts); users run compiled dist/.
      PROXMESH_DEV_LOADER: pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href,
      // The same loader's ESM API, for worker threads started from the sources (they do not inherit
      // --import on Node 20; node/runtime/child-entry.ts threadEntryUrl).
      PROXMESH_DEV_THREAD_LOADER: devThreadLoader(),
    },
  },
});
