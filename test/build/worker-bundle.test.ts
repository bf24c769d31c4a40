/**
 * The one-file worker (deploy/build/bundle-worker.mjs, run by `npm run build`): it is self-contained (Node
 * built-ins and the optional native add-ons aside), leaves the coordinator's and the CLI's libraries
 * out (a worker receives an already validated config), and starts as `proxmesh worker` does: here
 * it reports the missing coordinator address as the CLI would. The checkpoint writer thread is built
 * beside it and runs from there.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeCheckpoint, encodeUnsealedInto } from '../../node/checkpoint/format.ts';
import { checkpointDir, checkpointFileName } from '../../node/checkpoint/store.ts';
// @ts-expect-error: a plain .mjs build script without type declarations
import { bundleWorker } from '../../deploy/build/bundle-worker.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Inside the package (test/artifacts is gitignored), so the bundle finds package.json as dist/ does.
const dir = join(root, 'test', 'artifacts', `worker-bundle-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The checkpoint writer thread is built beside the bundle (the store inside the bundle starts
 * `./writer-thread.js` next to itself): it runs from there on its own and writes the bytes
 * encodeCheckpoint gives.
 */
async function writerThreadBesideTheBundle(): Promise<void> {
  const header = { kind: 'node' as const, firstNode: 3, nodeCount: 1, round: 20, configHash: 'ef'.repeat(32) };
  const entries = [{ name: 'node.3.algo.x', kind: 'f64' as const, data: Float64Array.of(1.5, -0, Number.NaN) }];
  const expected = encodeCheckpoint(header, entries);
  const memory = new SharedArrayBuffer(expected.length);
  const length = encodeUnsealedInto(Buffer.from(memory), header, entries);
  const ready = new Int32Array(new SharedArrayBuffer(4));
  const thread = new Worker(join(dir, 'writer-thread.js'), { workerData: { ready } });
  try {
    const { port1, port2 } = new MessageChannel();
    thread.postMessage({ port: port2 }, [port2]);
    const runDir = join(dir, 'run');
    port1.postMessage({ id: 1, runDir, stream: 'node-3', keep: 2, round: 20, memory, length, gate: null });
    const [reply] = (await once(port1, 'message')) as [{ id: number; ok: boolean }];
    port1.close();
    expect(reply).toMatchObject({ id: 1, ok: true });
    expect(Atomics.load(ready, 0)).toBe(1);
    expect(readFileSync(join(checkpointDir(runDir), checkpointFileName('node-3', 20))).equals(expected)).toBe(true);
  } finally {
    await thread.terminate();
  }
}

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
    await writerThreadBesideTheBundle();
    const env = { ...process.env };
    delete env.PROXMESH_COORDINATOR;
    delete env.NODE_OPTIONS;
    const r = spawnSync(process.execPath, [out], { env, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toContain('error PROXMESH_ERR_USAGE: worker: give --coordinator');
    expect(r.status).not.toBe(0);
  }, 90_000);
});
