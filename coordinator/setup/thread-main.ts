/**
 * Worker-thread side of a run's set-up (coordinator/setup/in-thread.ts): for each request, runs
 * `runSetup` off the coordinator's event loop and posts back either the result or a coded error
 * (code, message, detail). The thread stays up between runs, so only the first pays its start-up.
 * `gate` (tests only) blocks this thread until the test releases it, standing in for a long set-up.
 */
import { parentPort } from 'node:worker_threads';
import { ProxmeshError } from '../../node/errors.ts';
import type { FrozenConfig } from '../../node/config/schema.ts';
import { runSetup } from './run-setup.ts';

interface Request {
  readonly id: number;
  readonly config: FrozenConfig;
  readonly gate: Int32Array | null;
}

parentPort!.on('message', ({ id, config, gate }: Request) => {
  parentPort!.postMessage({ id, t: 'started' });
  if (gate) Atomics.wait(gate, 0, 0);
  try {
    parentPort!.postMessage({ id, t: 'done', setup: runSetup(config) });
  } catch (err) {
    const error =
      err instanceof ProxmeshError
        ? { code: err.code, message: err.message, detail: err.detail ?? null }
        : { code: 'PROXMESH_ERR_INTERNAL', message: `run set-up failed: ${(err as Error)?.name ?? 'error'}`, detail: null };
    parentPort!.postMessage({ id, t: 'error', error });
  }
});
