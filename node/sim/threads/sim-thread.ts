/**
 * Worker-thread entry of a threaded simulation (engine.ts starts it with workerData = { config,
 * shared, thread }). It builds the run's problem, topology and algorithm exactly as the main thread
 * does (same seeds, so the same shards, W and streams), runs block `thread` from init to iteration
 * K in lockstep with the other threads (barriers inside every exchange and at every evaluation
 * point), then exits. On failure it aborts the barrier, so no thread hangs, and posts the error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FrozenConfig } from '../../config/schema.ts';
import { ProxmeshError } from '../../errors.ts';
import { buildAlgorithm, buildRunProblem, buildRunTopology, runNodeCount } from '../../assemble/assemble.ts';
import { Barrier, ThreadAbort } from './barrier.ts';
import { Block } from './block.ts';
import { driveIterations } from '../../algo/iteration-driver.ts';
import { ensureConfigPlugins } from '../../plugins/load.ts';
import type { SharedLayout } from './layout.ts';

export interface SimThreadData {
  readonly config: FrozenConfig;
  readonly shared: SharedLayout;
  readonly thread: number;
}

/** What a worker thread posts: 'ready' after its block's init, then 'error' or nothing (exit). */
export type SimThreadReply =
  | { readonly t: 'ready' }
  | { readonly t: 'error'; readonly code: string; readonly message: string; readonly detail: Record<string, unknown> | null };

async function main(data: SimThreadData): Promise<void> {
  const { config, shared, thread } = data;
  // A thread has its own module instances, so its own registries: the config's plug-ins (a
  // compressor, a model, a regularizer) are loaded here too, as runSimulation loads them on the main thread.
  ensureConfigPlugins(config);
  const problem = buildRunProblem(config, runNodeCount(config));
  const topology = buildRunTopology(config);
  const algorithm = buildAlgorithm(config);
  const block = new Block({ config, problem, topology, algorithm, shared, thread });
  await block.init();
  parentPort!.postMessage({ t: 'ready' } satisfies SimThreadReply);
  // The shared cadence (publish = this block's part of a row); a threaded run never resumes (threadsFor).
  await driveIterations(config, 0, { step: (k) => block.step(k), evaluate: () => block.publish() });
}

const data = workerData as SimThreadData;
main(data).catch((err: unknown) => {
  if (err instanceof ThreadAbort) return; // another thread failed first and reports its own error
  new Barrier(data.shared.ctl, data.shared.threads).abort();
  const e = err instanceof ProxmeshError ? err : null;
  parentPort!.postMessage({
    t: 'error',
    code: e?.code ?? 'PROXMESH_ERR_INTERNAL',
    message: err instanceof Error ? err.message : String(err),
    detail: (e?.detail as Record<string, unknown> | undefined) ?? null,
  } satisfies SimThreadReply);
});
