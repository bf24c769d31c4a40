/**
 * One thread's share of a threaded simulation: the nodes [lo, hi), built with the same functions
 * a one-thread simulation and a cluster worker use (assemble.ts), stepped with the algorithm's
 * stepBatch over a SharedExchange. The main thread runs block 0 itself; worker threads
 * (sim-thread.ts) run the others. Per node nothing differs from the one-thread simulation: same
 * context, same random streams, same operations in the same order.
 */
import type { Communicator, NodeAlgorithm, NodeContext } from '../../algo/types.ts';
import { ProxmeshError } from '../../errors.ts';
import type { FrozenConfig } from '../../config/schema.ts';
import { assembleNode, initialPoint, type BuiltProblem, type BuiltTopology } from '../../assemble/assemble.ts';
import { Barrier } from './barrier.ts';
import { SharedExchange } from './exchange.ts';
import type { SharedLayout } from './layout.ts';

/** Contexts of a threaded simulation never call comm.exchange: stepBatch exchanges for them. */
const NO_COMM: Communicator = {
  exchange: () => Promise.reject(new ProxmeshError('PROXMESH_ERR_INTERNAL', 'threaded sim: a node exchanged outside stepBatch')),
};

export interface BlockOptions {
  readonly config: FrozenConfig;
  readonly problem: BuiltProblem;
  readonly topology: BuiltTopology;
  readonly algorithm: NodeAlgorithm;
  readonly shared: SharedLayout;
  /** this thread's index t: nodes [bounds[t], bounds[t+1]) */
  readonly thread: number;
}

export class Block {
  readonly lo: number;
  readonly hi: number;
  readonly barrier: Barrier;
  private readonly algorithm: NodeAlgorithm;
  private readonly contexts: NodeContext[];
  private readonly exchange: SharedExchange;
  private states: unknown[] = [];
  /** set by publish: the next step starts a new loss sum (the main thread has read the old one) */
  private restartLoss = true;

  constructor(private readonly opts: BlockOptions) {
    const { config, problem, topology, algorithm, shared, thread } = opts;
    if (algorithm.stepBatch === undefined)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `threaded sim: ${algorithm.name} has no stepBatch`);
    this.algorithm = algorithm;
    this.lo = shared.bounds[thread];
    this.hi = shared.bounds[thread + 1];
    this.barrier = new Barrier(shared.ctl, shared.threads);
    this.contexts = [];
    for (let i = this.lo; i < this.hi; i++) this.contexts.push(assembleNode(config, problem, topology, i, NO_COMM, algorithm));
    this.exchange = new SharedExchange(
      shared,
      this.lo,
      this.hi,
      this.contexts.map((c) => c.peers),
      this.barrier,
    );
  }

  /** Builds the block's node states from x⁰ (algorithms that communicate in init are never threaded). */
  async init(): Promise<void> {
    const { config, problem } = this.opts;
    this.states = await Promise.all(this.contexts.map((ctx) => this.algorithm.init(ctx, initialPoint(config, problem.model, ctx.id))));
  }

  /**
   * Iteration k on the block; adds each node's loss to shared.lossSum[i]. After an evaluation point
   * the sum restarts as 0 + loss, the very operations of the one-thread simulator's
   * `lossSum.fill(0); lossSum[i] += loss` (run-sim.ts). The restart happens here, in the next step,
   * because the main thread reads the old sums after the publish barrier and before it joins the
   * next exchange barrier, which this thread passes before it finishes this step.
   */
  step(k: number): void {
    const { shared } = this.opts;
    const stats = this.algorithm.stepBatch!(this.contexts, this.states, k, this.exchange);
    const sum = shared.lossSum;
    for (let b = 0; b < stats.length; b++) {
      const i = this.lo + b;
      sum[i] = (this.restartLoss ? 0 : sum[i]) + stats[b].loss;
    }
    this.restartLoss = false;
  }

  /**
   * At an evaluation point: copies the block's x_i and byte counters into shared memory, then meets
   * the other threads, after which the main thread reads every node's.
   */
  publish(): void {
    const { shared } = this.opts;
    const d = shared.dim;
    for (let b = 0; b < this.contexts.length; b++) {
      const i = this.lo + b;
      shared.models.set(this.algorithm.model(this.states[b]), i * d);
      shared.snapBytes[i] = shared.bytes[i];
      shared.snapMessages[i] = shared.messages[i];
    }
    this.restartLoss = true;
    this.barrier.arrive();
  }

  /** Node states of the block (index b = node lo + b), e.g. for checkpoints or tests. */
  blockStates(): readonly unknown[] {
    return this.states;
  }
}
