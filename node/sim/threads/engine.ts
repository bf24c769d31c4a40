/**
 * The main thread's side of a threaded simulation (`proxmesh sim --threads T`, T ≥ 2): it allocates
 * the shared memory (layout.ts), starts T − 1 worker threads (sim-thread.ts) and runs block 0
 * itself, so run-sim.ts keeps evaluating x̄ and writing rows in the same order on one thread.
 *
 * Determinism: each node is stepped by exactly one thread with its own state and streams, messages
 * cross threads through the payload codec (bit-exact), byte counts are per node, and every sum over
 * nodes (evaluation) runs on the main thread in id order. So the run folder is byte-identical to
 * the one-thread simulation and to a cluster (test/sim/threads.test.ts).
 *
 * Used only where every node's work between exchanges is its own: a static W (no schedule), an
 * algorithm with stepBatch whose init does not communicate (see threadsFor).
 */
import { Worker } from 'node:worker_threads';
import type { NodeAlgorithm } from '../../algo/types.ts';
import type { FrozenConfig } from '../../config/schema.ts';
import { isErrorCode, ProxmeshError, type ErrorCode } from '../../errors.ts';
import { threadEntryUrl } from '../../runtime/child-entry.ts';
import type { MixingRow } from '../../../topologies/types.ts';
import type { BuiltProblem, BuiltTopology } from '../../assemble/assemble.ts';
import { ThreadAbort } from './barrier.ts';
import { Block } from './block.ts';
import { createSharedLayout, type SharedLayout } from './layout.ts';
import type { SimThreadData, SimThreadReply } from './sim-thread.ts';

/** sim-thread.js when compiled; from the sources through the dev loader, or null (then one thread). */
const ENTRY = threadEntryUrl(import.meta.url, 'sim-thread');

/**
 * The thread count a run actually uses: the requested count, capped at n, or 1 when the run cannot
 * be split (no stepBatch, communicating init, a time-varying W, checkpoints: they capture the main
 * thread's node states only) or threads cannot be started here (a source run without the dev loader).
 */
export function threadsFor(requested: number, n: number, algorithm: NodeAlgorithm, hasSchedule: boolean, checkpointing = false): number {
  if (!Number.isInteger(requested) || requested < 1)
    throw new ProxmeshError('PROXMESH_ERR_USAGE', `--threads must be a positive integer, got ${requested}`, { field: 'threads' });
  if (
    requested === 1 ||
    ENTRY === null ||
    algorithm.stepBatch === undefined ||
    hasSchedule ||
    checkpointing ||
    (algorithm.initPhases?.length ?? 0) > 0
  )
    return 1;
  return Math.min(requested, n);
}

export interface ThreadedSimOptions {
  readonly config: FrozenConfig;
  readonly problem: BuiltProblem;
  readonly topology: BuiltTopology;
  readonly algorithm: NodeAlgorithm;
  /** each node's communication row (W's rows) */
  readonly rows: readonly MixingRow[];
  readonly threads: number;
}

export class ThreadedSim {
  readonly threads: number;
  private readonly shared: SharedLayout;
  private readonly workers: Worker[] = [];
  private readonly block: Block;
  /** settles with the first worker error (never resolves otherwise) */
  private readonly failed: Promise<never>;
  private readonly ready: Promise<void>[] = [];
  private readonly exited: Promise<void>[] = [];

  constructor(private readonly opts: ThreadedSimOptions) {
    const { config, problem, topology, algorithm, rows, threads } = opts;
    if (ENTRY === null)
      throw new ProxmeshError(
        'PROXMESH_ERR_INTERNAL',
        'threaded sim: worker threads cannot be started from the sources without the dev loader',
      );
    this.threads = threads;
    this.shared = createSharedLayout(rows, problem.model.dim, threads);
    let fail!: (err: Error) => void;
    this.failed = new Promise<never>((_, reject) => (fail = reject));
    this.failed.catch(() => {}); // observed by step/init; never an unhandled rejection
    for (let t = 1; t < threads; t++) {
      const w = new Worker(ENTRY, { workerData: { config, shared: this.shared, thread: t } satisfies SimThreadData });
      this.workers.push(w);
      let isReady = false;
      this.ready.push(
        new Promise<void>((resolve) => {
          w.on('message', (m: SimThreadReply) => {
            if (m.t === 'ready') {
              isReady = true;
              resolve();
            } else
              fail(
                new ProxmeshError(
                  isErrorCode(m.code) ? (m.code as ErrorCode) : 'PROXMESH_ERR_WORKER_FAILED',
                  `simulator thread ${t}: ${m.message}`,
                  m.detail ?? undefined,
                ),
              );
          });
        }),
      );
      this.exited.push(
        new Promise<void>((resolve) => {
          w.on('error', (err) =>
            fail(new ProxmeshError('PROXMESH_ERR_WORKER_FAILED', `simulator thread ${t} failed: ${err.message}`, { thread: t })),
          );
          w.on('exit', (code) => {
            if (!isReady)
              fail(
                new ProxmeshError('PROXMESH_ERR_WORKER_FAILED', `simulator thread ${t} exited (code ${code}) before its nodes were ready`, {
                  thread: t,
                }),
              );
            if (code !== 0)
              fail(new ProxmeshError('PROXMESH_ERR_WORKER_FAILED', `simulator thread ${t} exited with code ${code}`, { thread: t }));
            resolve();
          });
        }),
      );
    }
    try {
      this.block = new Block({ config, problem, topology, algorithm, shared: this.shared, thread: 0 });
    } catch (err) {
      for (const w of this.workers) void w.terminate();
      throw err;
    }
  }

  /** Block 0's init, then waits until every worker thread has built and initialised its block. */
  async init(): Promise<void> {
    await this.block.init();
    await Promise.race([Promise.all(this.ready), this.failed]);
  }

  /** Iteration k on every node (block 0 here, the others in their threads, in lockstep). */
  async step(k: number): Promise<void> {
    await this.guard(() => this.block.step(k));
  }

  /**
   * At an evaluation point: every thread publishes; returns live views of every x_i (valid until
   * the next step) and each node's loss sum since the previous evaluation point.
   */
  async evaluationPoint(): Promise<{ readonly models: Float64Array[]; readonly lossSum: Float64Array }> {
    await this.guard(() => this.block.publish());
    const { n, dim, models } = this.shared;
    return { models: Array.from({ length: n }, (_, i) => models.subarray(i * dim, (i + 1) * dim)), lossSum: this.shared.lossSum };
  }

  /** Bytes sent by node i (self excluded), as of the last evaluation point. */
  bytesSentBy(i: number): number {
    return this.shared.snapBytes[i];
  }

  /** Messages sent by node i to peers, as of the last evaluation point. */
  messagesSentBy(i: number): number {
    return this.shared.snapMessages[i];
  }

  /** Bytes sent from i to peer j (read after the run). */
  bytesSentOnEdge(i: number, j: number): number {
    const ids = this.opts.rows[i].ids;
    const p = ids.indexOf(j);
    return p < 0 || i === j ? 0 : this.shared.edgeBytes[this.shared.edgeOff[i] + p];
  }

  /** Waits for the worker threads to finish (after the last evaluation point), or stops them. */
  async close(ok: boolean): Promise<void> {
    if (ok) {
      await Promise.race([Promise.all(this.exited), this.failed]);
      return;
    }
    this.block.barrier.abort();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Runs fn; when another thread failed, throws that thread's error instead of ThreadAbort. */
  private async guard(fn: () => void): Promise<void> {
    try {
      fn();
    } catch (err) {
      if (err instanceof ThreadAbort) await this.failed;
      this.block.barrier.abort();
      throw err;
    }
  }
}
