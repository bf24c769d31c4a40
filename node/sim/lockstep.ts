/**
 * Runs n nodes of one algorithm in lockstep in one process: init() then step(k) for k = 0, 1, …,
 * each a Promise.all over the nodes, whose exchanges meet in the contexts' communicators (a
 * MemoryNetwork in the simulator). The maths is the same code a cluster node runs. Algorithms with
 * `stepBatch` step all nodes at once over `batch` instead (same per-node operations, no promises).
 */
import type { BatchExchange, NodeAlgorithm, NodeContext, StepStats } from '../algo/types.ts';
import { ProxmeshError } from '../errors.ts';

export interface LockstepOptions<S> {
  readonly algorithm: NodeAlgorithm<S>;
  /** One context per node, contexts[i].id === i. */
  readonly contexts: readonly NodeContext[];
  /** Initial model of each node (copied by init). */
  readonly x0: readonly Float64Array[];
  /**
   * The all-nodes exchange of the network the contexts communicate over (the MemoryNetwork). When
   * given and the algorithm has `stepBatch`, steps run all nodes at once (bit-identical to `step`).
   */
  readonly batch?: BatchExchange;
}

export interface Lockstep<S> {
  readonly algorithm: NodeAlgorithm<S>;
  readonly n: number;
  /** Builds every node's state (may communicate at round −1). Call once, before step. */
  init(): Promise<void>;
  /** Iteration k on every node; resolves with each node's StepStats, index = node id. */
  step(k: number): Promise<StepStats[]>;
  /**
   * After init and a checkpoint restore of the states: the next step is k (the checkpoint's round).
   * Only moves forward from 0, never back.
   */
  resumeAt(k: number): void;
  /** Node states after init (index = node id). */
  states(): readonly S[];
  /** Live views of x_i (copy before keeping). */
  models(): Float64Array[];
}

export function createLockstep<S>(opts: LockstepOptions<S>): Lockstep<S> {
  const { algorithm, contexts, x0, batch } = opts;
  const n = contexts.length;
  if (n === 0) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', 'createLockstep: no contexts');
  if (x0.length !== n) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `createLockstep: ${x0.length} initial models for ${n} nodes`);
  contexts.forEach((ctx, i) => {
    if (ctx.id !== i) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `createLockstep: contexts[${i}].id is ${ctx.id}`);
    if (x0[i].length !== ctx.dim)
      throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `createLockstep: x0[${i}] has length ${x0[i].length}, dim is ${ctx.dim}`);
  });
  let states: S[] | null = null;
  let nextK = 0;

  const ready = (): S[] => {
    if (states === null) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', 'createLockstep: call init() before step()');
    return states;
  };

  return {
    algorithm,
    n,
    async init() {
      if (states !== null) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', 'createLockstep: init() called twice');
      states = await Promise.all(contexts.map((ctx, i) => algorithm.init(ctx, x0[i])));
    },
    async step(k: number) {
      const st = ready();
      if (k !== nextK) throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `createLockstep: expected step ${nextK}, got ${k}`);
      nextK = k + 1;
      if (batch !== undefined && algorithm.stepBatch !== undefined) return algorithm.stepBatch(contexts, st, k, batch);
      return Promise.all(contexts.map((ctx, i) => algorithm.step(ctx, st[i], k)));
    },
    resumeAt(k: number) {
      ready();
      if (nextK !== 0 || !Number.isInteger(k) || k < 0)
        throw new ProxmeshError('PROXMESH_ERR_INTERNAL', `createLockstep: resumeAt(${k}) after step ${nextK}`);
      nextK = k;
    },
    states: () => ready(),
    models: () => ready().map((s) => algorithm.model(s)),
  };
}
