/**
 * Runs a posted run's heavy set-up (data loading, bounds, topology and spectrum) in a worker thread,
 * so the coordinator's event loop keeps answering /healthz, /metrics and the control channel while
 * a large run is prepared (issue 16: a 2000-node run froze the coordinator for ~10 s).
 *
 * One thread per factory, started on first use and kept (unref'd while idle, so it never holds the
 * process open): starting one costs seconds of module loading. A thread that dies is replaced.
 */
import { Worker } from 'node:worker_threads';
import { ProxmeshError, isErrorCode } from '../../node/errors.ts';
import type { FrozenConfig } from '../../node/config/schema.ts';
import type { RunSetup } from './run-setup.ts';
import { threadEntryUrl } from '../../node/runtime/child-entry.ts';

/** thread-main.js when compiled; from the sources, thread-main.ts through the dev loader (or null). */
const ENTRY = threadEntryUrl(import.meta.url, 'thread-main');

export interface InThreadOptions {
  /** Called once the thread runs this set-up (tests: the set-up is then in progress). */
  readonly onStarted?: () => void;
  /** Tests only: a shared Int32Array; the thread waits until gate[0] ≠ 0 (Atomics.notify). */
  readonly gate?: Int32Array;
}

type Reply =
  | { id: number; t: 'started' }
  | { id: number; t: 'done'; setup: RunSetup }
  | { id: number; t: 'error'; error: { code: string; message: string; detail: Record<string, unknown> | null } };

interface Pending {
  readonly opts: InThreadOptions;
  resolve(setup: RunSetup): void;
  reject(err: Error): void;
}

export interface SetupThread {
  run(config: FrozenConfig, opts?: InThreadOptions): Promise<RunSetup>;
  close(): Promise<void>;
}

/** null when no thread can be started (a source run without the dev loader): set up inline then. */
export function createSetupThread(): SetupThread | null {
  const entry = ENTRY;
  if (entry === null) return null;
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    worker = null;
  };
  const spawn = (): Worker => {
    const w = new Worker(entry);
    w.on('message', (m: Reply) => {
      const p = pending.get(m.id);
      if (!p) return;
      if (m.t === 'started') return p.opts.onStarted?.();
      pending.delete(m.id);
      if (pending.size === 0) w.unref();
      if (m.t === 'done') return p.resolve(m.setup);
      const code = isErrorCode(m.error.code) ? m.error.code : 'PROXMESH_ERR_INTERNAL';
      p.reject(new ProxmeshError(code, m.error.message, m.error.detail ?? undefined));
    });
    // A thread that dies (out of memory, a native crash) fails its requests, not the process.
    w.on('error', (err) => {
      if (worker === w) failAll(new ProxmeshError('PROXMESH_ERR_INTERNAL', `run set-up thread failed: ${err.name}`));
    });
    w.on('exit', (code) => {
      if (worker === w) failAll(new ProxmeshError('PROXMESH_ERR_INTERNAL', `run set-up thread exited (code ${code})`));
    });
    return w;
  };

  return {
    run(config, opts = {}) {
      worker ??= spawn();
      const w = worker;
      const id = nextId++;
      return new Promise<RunSetup>((resolve, reject) => {
        pending.set(id, { opts, resolve, reject });
        w.ref();
        w.postMessage({ id, config, gate: opts.gate ?? null });
      });
    },
    async close() {
      const w = worker;
      worker = null;
      failAll(new ProxmeshError('PROXMESH_ERR_INTERNAL', 'run set-up thread closed'));
      if (w) await w.terminate();
    },
  };
}
