/**
 * Config → the pieces of a run, and one node's context. The simulator builds all n nodes; a cluster
 * worker calls the same functions to build ONE node (`assembleNode`), so both runners draw the same
 * random streams (brief "Seeds") and hold identical state.
 */
import type { Communicator, NodeAlgorithm, NodeContext } from '../algo/types.ts';
import type { StateRegistrar } from '../checkpoint/state-registry.ts';
import { algoParamsFromSpec, type AlgorithmSpec } from '../algo/spec.ts';
import { algorithmFactory, algorithmUsesCompression } from '../algo/registry.ts';
import type { CompressorSpec } from '../compress/spec.ts';
import { compressorFactory } from '../compress/registry.ts';
import { checkConfigAgainstProblem } from '../config/consistency.ts';
import type { AggregateContext } from '../eval/aggregate-reports.ts';
import { evalSubsets } from '../eval/eval-subset.ts';
import type { FrozenConfig } from '../config/schema.ts';
import { Rng } from '../linalg/rng.ts';
import { buildProblem } from '../problem/build.ts';
import { modelFromSpec } from '../problem/models/registry.ts';
import type { LoadedData } from '../problem/datasets/registry.ts';
import { declaredNodes } from '../config/consistency.ts';
import { GENERATORS } from '../../topologies/generators.ts';
import { createOracle } from '../problem/oracle.ts';
import { createSampler } from '../problem/sampler.ts';
import type { Dataset, Model, Shard } from '../problem/types.ts';
import { proxFromSpec } from '../prox/registry.ts';
import type { Prox } from '../prox/types.ts';
import { averagingRow, mixingRow } from '../../topologies/mixing.ts';
import { buildTopology } from '../../topologies/spec.ts';
import type { MixingRow } from '../../topologies/types.ts';
import type { SummaryFacts } from '../results/summary.ts';
import { buildSchedule, roundSends, scheduleRng, scheduleRow, unionNeighbours, type TopologySchedule } from '../../topologies/schedule.ts';
import { wirePlanOf, type WirePlan } from '../results/wire-accounting.ts';
import { clockOf } from './clock-from-config.ts';

export type BuiltTopology = ReturnType<typeof buildTopology>;

export interface BuiltProblem {
  readonly model: Model;
  readonly train: Dataset;
  readonly test: Dataset | null;
  readonly shards: readonly Shard[];
  /** The run's regularizer r as a prox operator (one instance; Prox is stateless). */
  readonly prox: Prox;
}

/** The graph, W and its spectral facts, from Rng.derive(seed, -1, 'topology'). */
export function buildRunTopology(config: FrozenConfig): BuiltTopology {
  return buildTopology(config.topology as never, Rng.derive(config.seed, -1, 'topology'));
}

const schedules = new WeakMap<BuiltTopology, TopologySchedule | null>();

/**
 * W_k per round when the config has topology.schedule (else null), built once per topology from
 * Rng.derive(seed, −1, 'topology-schedule'); AllReduce (pattern 'all') never uses one.
 */
export function buildRunSchedule(config: FrozenConfig, topology: BuiltTopology, algorithm: NodeAlgorithm): TopologySchedule | null {
  if (algorithm.pattern !== 'graph') return null;
  if (!schedules.has(topology)) schedules.set(topology, buildSchedule(config.topology as never, topology, scheduleRng(config.seed)));
  return schedules.get(topology) ?? null;
}

/**
 * n without solving W's spectrum: the declared `topology.nodes` (or rows × cols), else the size of
 * the graph alone. Runners load the problem with it BEFORE buildRunTopology, so the nodes-against-
 * samples and memory bounds fail fast instead of after an O(n³) eigen-solve (issue 16).
 */
export function runNodeCount(config: FrozenConfig): number {
  return (
    declaredNodes(config) ??
    GENERATORS[config.topology.kind as keyof typeof GENERATORS](config.topology as never, Rng.derive(config.seed, -1, 'topology')).n
  );
}

/** The algorithm instance (one per run: its methods are pure over the node state). */
export function buildAlgorithm(config: FrozenConfig): NodeAlgorithm {
  return algorithmFactory(
    config.algorithm.name,
    config.algorithm,
  )(algoParamsFromSpec(config.algorithm as AlgorithmSpec, config.iterations));
}

/**
 * Data, model, shards (partition stream Rng.derive(seed, -1, 'partition') inside buildProblem) and
 * the prox; then the cross-field checks that need the data (nodes ≤ samples, k ≤ d, …).
 */
export function buildRunProblem(config: FrozenConfig, nodes: number, data?: LoadedData): BuiltProblem {
  const built = buildProblem(config.problem as never, {
    seed: config.seed,
    nodes,
    partition: config.partition as never,
    batchSize: config.batchSize,
    ...(data ? { data } : {}),
  });
  const { model, train, shards } = built;
  const test = built.test ?? null;
  checkConfigAgainstProblem(
    config,
    {
      dim: model.dim,
      layers: model.layers,
      nTrain: train.labels.length,
      nClasses: train.nClasses,
      shardSizes: shards.map((s) => s.length),
      usesCompression: algorithmUsesCompression(config.algorithm.name),
    },
    nodes,
  );
  const prox = proxFromSpec(config.problem.regularizer as never)(model.layers);
  return { model, train, test, shards, prox };
}

/**
 * A cluster worker's problem from the rows the coordinator shipped (node/protocol/shard-data.ts): the
 * model and prox exactly as buildRunProblem makes them (they depend on the data's shape only), the
 * block's shards renumbered into `data.train`, and an empty shard for every node of other processes.
 * The coordinator checked the config against the whole dataset already, so nothing is checked again
 * against this subset (whose row count is not the run's).
 */
export function buildShardProblem(
  config: FrozenConfig,
  data: { readonly train: Dataset; readonly shards: ReadonlyMap<number, Shard> },
  nodes: number,
): BuiltProblem {
  const model = modelFromSpec(
    config.problem.model as never,
    data.train,
    (config.problem as { precision?: 'f64' | 'f32' }).precision ?? 'f64',
  );
  const none = new Int32Array(0);
  const shards = Array.from({ length: nodes }, (_, i) => data.shards.get(i) ?? none);
  const prox = proxFromSpec(config.problem.regularizer as never)(model.layers);
  return { model, train: data.train, test: null, shards, prox };
}

/**
 * What aggregateReports needs to turn node reports into a metrics row. The simulator and the cluster
 * coordinator both build it here, so their rows stay byte-identical. With
 * `evaluation.trainSamplesPerNode` set, the per-node evaluation subsets are drawn once, here
 * (Rng.derive(seed, i, 'eval-subset')); without it the context is exactly the problem, η and b.
 * `wire` (wirePlanOf(algorithm, rows)) lets aggregateReports count the protocol's bytes beside payloads.
 */
export function aggregateContextOf(config: FrozenConfig, problem: BuiltProblem, wire?: WirePlan): AggregateContext {
  // The simulated clock (config `network`) needs the exchange plan; one per context, i.e. per run.
  const clock = wire ? clockOf(config, problem.shards, wire) : null;
  const ctx: AggregateContext = {
    ...problem,
    eta: config.algorithm.eta,
    batchSize: config.batchSize,
    ...(wire ? { wire } : {}),
    ...(clock ? { clock } : {}),
  };
  const m = config.evaluation?.trainSamplesPerNode ?? null;
  return m === null ? ctx : { ...ctx, evalShards: evalSubsets(problem.shards, m, config.seed) };
}

/**
 * The run's exchange plan (node/results/wire-accounting.ts), the same for the simulator and the
 * coordinator: W's rows, or on a time-varying topology the union of each node's neighbours and its
 * receivers in every distinct round of the schedule.
 */
export function runWirePlan(config: FrozenConfig, topology: BuiltTopology, algorithm: NodeAlgorithm): WirePlan {
  const n = topology.graph.n;
  const rows = Array.from({ length: n }, (_, i) => peerRow(algorithm, topology, i));
  const schedule = buildRunSchedule(config, topology, algorithm);
  if (schedule === null) return wirePlanOf(algorithm, rows);
  return wirePlanOf(algorithm, rows, {
    union: Array.from({ length: n }, (_, i) => unionNeighbours(schedule, i)),
    sends: schedule.rounds.map((r) => Array.from({ length: n }, (_, i) => Array.from(roundSends(r, i)))),
  });
}

/** Node i's communication row: W's row for graph algorithms, J = 11ᵀ/n for AllReduce. */
export function peerRow(algorithm: NodeAlgorithm, topology: BuiltTopology, i: number): MixingRow {
  return algorithm.pattern === 'all' ? averagingRow(topology.graph.n, i) : mixingRow(topology.mixing, i);
}

/** The identity compressor spec used by algorithms that send uncompressed messages. */
const IDENTITY: CompressorSpec = { kind: 'identity', precision: 'f64' } as CompressorSpec;

/** Q_x and Q_y of the run: the config's for compressed algorithms, identity (f64) otherwise. */
export function channelSpecs(config: FrozenConfig): { readonly x: CompressorSpec; readonly y: CompressorSpec } {
  const compressed = algorithmUsesCompression(config.algorithm.name);
  return {
    x: compressed ? (config.compression.x as CompressorSpec) : IDENTITY,
    y: compressed ? (config.compression.y as CompressorSpec) : IDENTITY,
  };
}

/** What summary.json says the run was; the simulator and the coordinator write the same facts. */
export function summaryFactsOf(config: FrozenConfig, topology: BuiltTopology, problem: BuiltProblem): SummaryFacts {
  const specs = channelSpecs(config);
  const nameOf = (spec: CompressorSpec, purpose: string) =>
    compressorFactory(spec)(problem.model.layers, Rng.derive(config.seed, 0, purpose)).info.name;
  // A time-varying topology names its schedule beside the base graph (spectral facts stay the base W's).
  const schedule =
    (config.topology as { schedule?: unknown }).schedule === undefined ? null : buildRunSchedule(config, topology, buildAlgorithm(config));
  return {
    algorithm: config.algorithm.name,
    topology: schedule === null ? topology.graph.name : `${topology.graph.name}, schedule ${schedule.name}`,
    mixing: topology.mixing.name,
    nodes: topology.graph.n,
    dim: problem.model.dim,
    nTrain: problem.train.labels.length,
    nTest: problem.test ? problem.test.labels.length : null,
    iterations: config.iterations,
    seed: config.seed,
    compressorX: nameOf(specs.x, 'compress-x'),
    compressorY: nameOf(specs.y, 'compress-y'),
    spectral: topology.spectral,
  };
}

/**
 * Node i's context: row, seeded sampler and oracle, prox, compressors. `communicator` is the
 * in-memory network's (simulator) or the transport's (cluster).
 */
export function assembleNode(
  config: FrozenConfig,
  problem: BuiltProblem,
  topology: BuiltTopology,
  nodeId: number,
  communicator: Communicator,
  algorithm: NodeAlgorithm = buildAlgorithm(config),
): NodeContext {
  const { seed } = config;
  const { model, train, shards } = problem;
  const shard = shards[nodeId];
  const rngs = {
    minibatch: Rng.derive(seed, nodeId, 'minibatch'),
    compressX: Rng.derive(seed, nodeId, 'compress-x'),
    compressY: Rng.derive(seed, nodeId, 'compress-y'),
  };
  const sampler = createSampler(shard, config.batchSize, rngs.minibatch);
  const oracle = createOracle({ model, data: train, shard, sampler, clipNorm: config.algorithm.clipNorm ?? null });
  const specs = channelSpecs(config);
  const compressX = compressorFactory(specs.x)(model.layers, rngs.compressX);
  const compressY = compressorFactory(specs.y)(model.layers, rngs.compressY);
  const schedule = buildRunSchedule(config, topology, algorithm);
  return {
    id: nodeId,
    n: topology.graph.n,
    peers: schedule === null ? peerRow(algorithm, topology, nodeId) : scheduleRow(schedule, 0, nodeId),
    ...(schedule === null ? {} : { peersAt: (k: number) => scheduleRow(schedule, k, nodeId) }),
    dim: model.dim,
    layers: model.layers,
    oracle,
    prox: problem.prox,
    compressX,
    compressY,
    comm: communicator,
    registerState(reg: StateRegistrar, prefix: string) {
      for (const [name, rng] of Object.entries(rngs)) reg.rng(`${prefix}.rng.${name}`, rng);
      sampler.registerState?.(reg, `${prefix}.sampler`);
      compressX.registerState?.(reg, `${prefix}.compressX`);
      compressY.registerState?.(reg, `${prefix}.compressY`);
    },
  };
}

/**
 * x⁰ of node i: zero; or scale · (model's random initialiser) drawn from Rng.derive(seed, -1, 'init')
 * (shared, every node draws the same vector) or Rng.derive(seed, i, 'init') (perNode).
 */
export function initialPoint(config: FrozenConfig, model: Model, nodeId: number): Float64Array {
  const x = new Float64Array(model.dim);
  const init = config.init;
  if (init.kind === 'zero') return x;
  const rng = Rng.derive(config.seed, init.perNode ? nodeId : -1, 'init');
  model.initRandom(rng, x);
  if (init.scale !== 1) for (let j = 0; j < x.length; j++) x[j] *= init.scale;
  return x;
}
