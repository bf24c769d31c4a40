/**
 * The step contract (DESIGN.md §3). Every algorithm is written once, per node, as an async step over
 * a context whose `comm.exchange` sends this node's message for (round, phase) to its peers and
 * resolves with the peers' messages. The simulator resolves exchanges in memory; a cluster node
 * resolves them through codec + transport + round inbox. The maths exists once.
 *
 * Determinism rules: incoming messages are aligned with `peers.ids` (ascending, self included where
 * W_ii > 0), and every mixing sum runs in that order, never in arrival order.
 */
import type { StateRegistrar } from '../checkpoint/state-registry.ts';
import type { Compressor, Message } from '../compress/types.ts';
import type { LayerMap } from '../linalg/layers.ts';
import type { GradientOracle } from '../problem/types.ts';
import type { Prox } from '../prox/types.ts';
import type { MixingRow } from '../../topologies/types.ts';
import type { StepSize } from './step-size.ts';

export interface Communicator {
  /**
   * Sends `msg` (this node's message for this round and phase) to every peer in `peers.ids` other
   * than itself, and resolves with the messages of all `peers.ids` in that order; the entry for
   * this node is `msg` itself. Byte accounting happens inside.
   */
  exchange(round: number, phase: string, msg: Message): Promise<readonly Message[]>;
}

export interface NodeContext {
  readonly id: number;
  readonly n: number;
  /** This node's row of the communication matrix: W for graph algorithms, J = 11ᵀ/n for AllReduce. */
  readonly peers: MixingRow;
  /** Row of W_k at round k under a time-varying topology (round-row.ts); absent = peers every round. */
  readonly peersAt?: (round: number) => MixingRow;
  readonly dim: number;
  readonly layers: LayerMap;
  readonly oracle: GradientOracle;
  readonly prox: Prox;
  /** Q_x and Q_y for this node (identity for uncompressed algorithms); each holds its own seeded Rng. */
  readonly compressX: Compressor;
  readonly compressY: Compressor;
  readonly comm: Communicator;
  /**
   * Registers the context's own mutable state for checkpoints: its Rng streams, the sampler's
   * permutation and position, the compressors' residuals/permutations (node/checkpoint). The
   * algorithm's state record is registered separately (registerRecord). Absent in hand-built test
   * contexts, which are never checkpointed.
   */
  readonly registerState?: (reg: StateRegistrar, prefix: string) => void;
}

/** Hyper-parameters shared by the algorithms (the config's `algorithm` section, resolved). */
export interface AlgoParams {
  /** step size η > 0 (the base value; the η of iteration k is etaAt(params, k), step-size.ts) */
  readonly eta: number;
  /** η(k) from `algorithm.etaSchedule`; absent = constant η */
  readonly stepSize?: StepSize;
  /** consensus step sizes γ_x, γ_y ∈ (0, 1] (compressed methods) */
  readonly gammaX: number;
  readonly gammaY: number;
  /** STORM momentum β ∈ (0, 1] (DEEPSTORM) */
  readonly beta: number;
  /** DEEPSTORM: number of minibatches averaged for d⁰ (the authors use 25) */
  readonly initBatches: number;
  /**
   * DProxSGT / ProxGT-SA: which tracker the step x_i^{k+1/2} = prox(x_i^k − η y) uses. Absent or
   * 'mixed': y_i^k = Σ_j w_ij y_j^{k−1/2} (the paper's Algorithm 1); 'unmixed': y_i^{k−1/2} (the
   * authors' RegL1 code, Experiment A). Other algorithms refuse the key (config consistency).
   */
  readonly stepTracker?: StepTracker;
}

/** See AlgoParams.stepTracker. */
export type StepTracker = 'mixed' | 'unmixed';

export interface StepStats {
  /** Mean local minibatch loss at x_i^k (before the update), as the authors log it. */
  readonly loss: number;
}

/**
 * The simulator's exchange for all nodes of a block at once (lockstep): msgs[b] is the message of
 * the block's b-th node (contexts[b] of stepBatch) for (round, phase). Returns the round's messages
 * indexed by node id: every message a node of the block reads (its row's ids) is present, its own
 * at its own id, exactly what `Communicator.exchange` resolves with. The one-thread simulator's
 * block is all n nodes (it returns msgs itself); a threaded simulator's block is one contiguous
 * range of ids per thread (node/sim/threads). Byte accounting happens inside.
 */
export interface BatchExchange {
  exchangeAll(round: number, phase: string, msgs: readonly Message[]): readonly Message[];
}

export interface NodeAlgorithm<S = unknown> {
  readonly name: string;
  /** 'graph': mix with W over graph neighbours; 'all': exact average over all nodes (AllReduce). */
  readonly pattern: 'graph' | 'all';
  /** Phase names exchanged each iteration, in order (e.g. ['y', 'x']). */
  readonly phases: readonly string[];
  /** Phase names exchanged by `init` at round −1, in order (absent or empty: init does not communicate). */
  readonly initPhases?: readonly string[];
  /** Builds node state from x⁰ (copied). May communicate (round −1) e.g. DEEPSTORM's y⁰ = W d⁰. */
  init(ctx: NodeContext, x0: Float64Array): Promise<S>;
  /** One iteration k = 0, 1, … (x^k → x^{k+1}). */
  step(ctx: NodeContext, state: S, k: number): Promise<StepStats>;
  /**
   * Optional: iteration k on a block of nodes at once (all n nodes in a one-thread simulation, a
   * contiguous id range per thread in a threaded one; contexts ascending by id), with one
   * synchronous all-nodes exchange per phase instead of n awaited ones. It must run, per node,
   * the same operations in the same order as `step` (implementations share the per-node phase
   * functions), so results are bit-identical to `step` and to a cluster; it only removes the
   * per-node promise and inbox overhead at thousands of simulated nodes.
   */
  stepBatch?(contexts: readonly NodeContext[], states: readonly S[], k: number, exchange: BatchExchange): StepStats[];
  /** x_i (a live view into the state; copy before keeping). */
  model(state: S): Float64Array;
  /** y_i, the gradient tracker, where the algorithm has one (for the invariant mean(y) = mean(g)). */
  tracker(state: S): Float64Array | null;
  /** g_i^k, the last local stochastic gradient, where kept (for the invariant). */
  lastGradient(state: S): Float64Array | null;
}

export type AlgorithmFactory = (params: AlgoParams) => NodeAlgorithm;
