/**
 * Runs a posted run's heavy set-up (data loading, bounds, topology and spectrum) in a worker thread,
 * so the coordinator's event loop keeps answering /healthz, /metrics and the control channel while
 * a large run is prepared (issue 16: a 2000-node run froze the coordinator for ~10 s).
 */
import { Worker } from 'node:worker_threads';
import { ProxmeshError, isErrorCode } from '../../node/errors.ts';
import type { FrozenConfig } from '../../node/config/schema.ts';
import type { RunSetup } from './run-setup.ts';

const ENTRY = new URL('./thread.js', import.meta.url);

export interface InThreadOptions {
  /** Called once the thread runs (tests: the set-up is then in progress). */
  readonly onStarted?: () => void;
  /** Tests only: a shared Int32Array; the thread waits until gate[0] ≠ 0 (Atomics.notify). */
  readonly gate?: Int32Array;
}

type Msg =
  | { t: 'started' }
  | { t: 'done'; setup: RunSetup }
  | { t: 'error'; error: { code: string; message: string; detail: Record<string, unknown> | null } };

export function setupInThread(config: FrozenConfig, opts: InThreadOptions = {}): Promise<RunSetup> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(ENTRY, { workerData: { config, gate: opts.gate ?? null } });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('message', (m: Msg) => {
      if (m.t === 'started') opts.onStarted?.();
      else if (m.t === 'done') finish(() => resolve(m.setup));
      else {
        const code = isErrorCode(m.error.code) ? m.error.code : 'PROXMESH_ERR_INTERNAL';
        finish(() => reject(new ProxmeshError(code, m.error.message, m.error.detail ?? undefined)));
      }
    });
    // A thread that dies (out of memory, a crash in a native module) fails the request, not the process.
    worker.on('error', (err) => finish(() => reject(new ProxmeshError('PROXMESH_ERR_INTERNAL', `run set-up thread failed: ${err.name}`))));
    worker.on('exit', (code) => finish(() => reject(new ProxmeshError('PROXMESH_ERR_INTERNAL', `run set-up thread exited (code ${code}) before it answered`))));
  });
}
