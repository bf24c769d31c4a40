/**
 * The one-file worker (deploy/build/bundle-worker.mjs, run by `npm run build`): it is self-contained (Node
 * built-ins and the optional native add-ons aside), leaves the coordinator's and the CLI's libraries
 * out (a worker receives an already validated config), and starts as `proxmesh worker` does: here
 * it reports the missing coordinator address as the CLI would.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { bundleWorker } from '../../deploy/build/bundle-worker.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Inside the package (test/artifacts is gitignored), so the bundle finds package.json as dist/ does.
const dir = join(root, 'test', 'artifacts', `worker-bundle-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('worker bundle', () => {
  it('bundles the worker without fastify, ajv, vega or commander, and the bundle runs', async () => {
    mkdirSync(dir, { recursive: true });
    const out = join(dir, 'worker-bin.js');
    const meta = (await bundleWorker(out)) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs);
    expect(inputs.some((p) => p.endsWith('node/worker.ts'))).toBe(true);
    expect(inputs.some((p) => p.includes('node_modules/ws/'))).toBe(true);
    for (const pkg of ['fastify', '@fastify/', 'ajv', 'vega', 'commander', '@resvg/']) {
      expect(
        inputs.filter((p) => p.includes(`node_modules/${pkg}`)),
        pkg,
      ).toEqual([]);
    }
    // The entry is a loader (compile cache where Node has one) of the bundle beside it.
    const entry = readFileSync(out, 'utf8');
    expect(entry).toContain('enableCompileCache');
    expect(entry).toContain("import('./worker-bundle.js')");
    expect(readFileSync(join(dir, 'worker-bundle.js'), 'utf8')).toContain("MSGPACKR_NATIVE_ACCELERATION_DISABLED ??= 'true'");
    const env = { ...process.env };
    delete env.PROXMESH_COORDINATOR;
    delete env.NODE_OPTIONS;
    const r = spawnSync(process.execPath, [out], { env, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toContain('error PROXMESH_ERR_USAGE: worker: give --coordinator');
    expect(r.status).not.toBe(0);
  }, 90_000);
});
