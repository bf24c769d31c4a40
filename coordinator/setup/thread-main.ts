/**
 * Worker-thread side of a run's set-up (coordinator/setup/in-thread.ts): runs `runSetup` off the
 * coordinator's event loop and posts back either the result or a coded error (code, message, detail).
 * `gate` (tests only) blocks this thread until the test releases it, standing in for a long set-up.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ProxmeshError } from '../../node/errors.ts';
import type { FrozenConfig } from '../../node/config/schema.ts';
import { runSetup } from './run-setup.ts';

const { config, gate } = workerData as { config: FrozenConfig; gate: Int32Array | null };
parentPort!.postMessage({ t: 'started' });
if (gate) Atomics.wait(gate, 0, 0);
try {
  parentPort!.postMessage({ t: 'done', setup: runSetup(config) });
} catch (err) {
  const e = err instanceof ProxmeshError
    ? { code: err.code, message: err.message, detail: err.detail ?? null }
    : { code: 'PROXMESH_ERR_INTERNAL', message: `run set-up failed: ${(err as Error)?.name ?? 'error'}`, detail: null };
  parentPort!.postMessage({ t: 'error', error: e });
}
