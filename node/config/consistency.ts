/**
 * Cross-field checks (PROXMESH_ERR_CONFIG_INCONSISTENT): values each valid alone but contradicting
 * each other. `checkConfigConsistency` runs at load time; `checkConfigAgainstProblem` needs the
 * loaded data (d, sample count, shards) and runs in the simulator assembly and the cluster worker.
 */
import { algorithmUsesCompression } from '../algo/registry.ts';
import { ALGORITHM_NAMES, STEP_TRACKER_ALGORITHMS, type AlgorithmName } from '../algo/spec.ts';
import { ProxmeshError } from '../errors.ts';
import { MAX_BATCH_SIZE, MAX_FEATURES, MAX_NODES } from '../limits/bounds.ts';
import type { LayerMap } from '../linalg/layers.ts';
import type { RunConfig } from './schema.ts';
import { makeStepSize } from '../algo/step-size.ts';
import { checkScheduleSupported } from '../algo/round-row.ts';
import { checkLinksSpec } from '../clock/links.ts';
import type { NetworkSpec } from '../clock/spec.ts';

type Cfg = RunConfig | import('./schema.ts').FrozenConfig;

function inconsistent(path: string, message: string, detail: Record<string, unknown> = {}): never {
  throw new ProxmeshError('PROXMESH_ERR_CONFIG_INCONSISTENT', `config ${path}: ${message}`, { path, ...detail });
}

/** The number of nodes the topology section declares (null when only the graph file knows). */
export function declaredNodes(config: Cfg): number | null {
  const t = config.topology as { nodes?: number; rows?: number; cols?: number };
  if (typeof t.nodes === 'number') return t.nodes;
  if (typeof t.rows === 'number' && typeof t.cols === 'number') return t.rows * t.cols;
  return null;
}

function overLimit(path: string, message: string, detail: Record<string, unknown>): never {
  throw new ProxmeshError('PROXMESH_ERR_LIMIT', `config ${path}: ${message}`, { path, ...detail });
}

/**
 * Bounds needing no data (node/limits/bounds.ts): checked at load time, so a config asking for
 * 100 000 nodes or a dimension of 10⁹ is refused before a file is read or a graph generated.
 */
export function checkConfigBounds(config: Cfg): void {
  const n = declaredNodes(config);
  if (n !== null && n > MAX_NODES) {
    overLimit('/topology/nodes', `${n} nodes is over the limit of ${MAX_NODES}`, { expected: `≤ ${MAX_NODES}`, got: n });
  }
  if (typeof config.batchSize === 'number' && config.batchSize > MAX_BATCH_SIZE) {
    overLimit('/batchSize', `${config.batchSize} is over the limit of ${MAX_BATCH_SIZE} samples per minibatch`, {
      expected: `≤ ${MAX_BATCH_SIZE}`,
      got: config.batchSize,
    });
  }
  const ds = config.problem.dataset as { nFeatures?: number };
  if (typeof ds.nFeatures === 'number' && ds.nFeatures > MAX_FEATURES) {
    overLimit('/problem/dataset/nFeatures', `${ds.nFeatures} is over the limit of ${MAX_FEATURES} features`, {
      expected: `≤ ${MAX_FEATURES}`,
      got: ds.nFeatures,
    });
  }
}

export function checkConfigConsistency(config: Cfg): void {
  checkConfigBounds(config); // bounds first: nothing below does work proportional to a huge value
  // η(k) schedule: η_min ≤ η and the like (throws PROXMESH_ERR_CONFIG_INCONSISTENT naming the field).
  makeStepSize(config.algorithm.eta, config.algorithm.etaSchedule, config.iterations);
  // topology.schedule only with algorithms whose mixing is plain gossip (node/algo/round-row.ts).
  checkScheduleSupported(config.algorithm.name, (config.topology as { schedule?: { kind: string } }).schedule?.kind);
  // network.links random: min ≤ max (PROXMESH_ERR_NETWORK); the per-edge file is read with the graph.
  const network = (config as { network?: NetworkSpec }).network;
  if (network !== undefined) checkLinksSpec(network.links);
  if (config.evalEvery > config.iterations) {
    inconsistent('/evalEvery', `must be ≤ iterations (${config.iterations}) (got ${config.evalEvery})`, {
      expected: `≤ ${config.iterations}`,
      got: config.evalEvery,
    });
  }
  checkCompressionUsed(config);
  checkStepTrackerUsed(config);
  const n = declaredNodes(config);
  const part = config.partition as { kind: string; labels?: readonly unknown[] };
  if (n !== null && part.kind === 'labels' && Array.isArray(part.labels) && part.labels.length !== n) {
    inconsistent('/partition/labels', `needs one label list per node: ${n} nodes but ${part.labels.length} lists`, {
      expected: n,
      got: part.labels.length,
    });
  }
}

/**
 * A compression block on an algorithm that sends uncompressed messages would be silently ignored
 * (the runner gives such algorithms identity/f64 whatever the config says), so only that value, the
 * default, is accepted there.
 */
function checkCompressionUsed(config: Cfg): void {
  const algo = config.algorithm.name;
  if (algorithmUsesCompression(algo)) return;
  for (const ch of ['x', 'y'] as const) {
    const spec = config.compression[ch] as { kind: string; precision?: string };
    const keys = Object.keys(spec);
    if (spec.kind === 'identity' && (spec.precision ?? 'f64') === 'f64' && keys.every((k) => k === 'kind' || k === 'precision')) continue;
    inconsistent(
      `/compression/${ch}`,
      `algorithm ${algo} sends uncompressed messages, so ${JSON.stringify(spec)} would be ignored; remove the compression block, or use an algorithm that compresses (${ALGORITHM_NAMES.filter(algorithmUsesCompression).join(', ')})`,
      { algorithm: algo, got: spec },
    );
  }
}

/**
 * `algorithm.stepTracker` chooses the tracker of the DProxSGT step; on any other algorithm it would
 * be silently ignored, so it is refused there.
 */
function checkStepTrackerUsed(config: Cfg): void {
  const { name, stepTracker } = config.algorithm as { name: AlgorithmName; stepTracker?: string };
  if (stepTracker === undefined || STEP_TRACKER_ALGORITHMS.includes(name)) return;
  inconsistent(
    '/algorithm/stepTracker',
    `only ${STEP_TRACKER_ALGORITHMS.join(' and ')} take stepTracker (algorithm ${name} would ignore it); remove the key`,
    { algorithm: name, got: stepTracker },
  );
}

export interface ProblemFacts {
  /** d, the parameter dimension. */
  readonly dim: number;
  readonly layers: LayerMap;
  /** Training samples in the whole dataset. */
  readonly nTrain: number;
  /** Number of classes in the data. */
  readonly nClasses: number;
  /** Shard sizes, node order (after partitioning). */
  readonly shardSizes: readonly number[];
  /** Whether the algorithm sends compressed messages (config.compression applies). */
  readonly usesCompression: boolean;
}

export function checkConfigAgainstProblem(config: Cfg, facts: ProblemFacts, nodes: number): void {
  if (nodes > facts.nTrain) {
    inconsistent('/topology/nodes', `${nodes} nodes but only ${facts.nTrain} training samples; use at most ${facts.nTrain} nodes`, {
      expected: `≤ ${facts.nTrain}`,
      got: nodes,
    });
  }
  const part = config.partition as { kind: string; labels?: readonly (readonly number[])[] };
  if (part.kind === 'labels' && Array.isArray(part.labels)) {
    if (part.labels.length !== nodes) {
      inconsistent('/partition/labels', `needs one label list per node: ${nodes} nodes but ${part.labels.length} lists`, {
        expected: nodes,
        got: part.labels.length,
      });
    }
    for (const [i, list] of part.labels.entries()) {
      for (const [j, c] of list.entries()) {
        if (c >= facts.nClasses)
          inconsistent(`/partition/labels/${i}/${j}`, `class ${c} does not exist (the data has ${facts.nClasses} classes)`, {
            expected: `< ${facts.nClasses}`,
            got: c,
          });
      }
    }
  }
  if (facts.shardSizes.length !== nodes) {
    inconsistent('/partition', `partition produced ${facts.shardSizes.length} shards for ${nodes} nodes`);
  }
  facts.shardSizes.forEach((size, i) => {
    if (size === 0) inconsistent('/partition', `node ${i} received no training samples; use fewer nodes or another partition`, { node: i });
  });
  if (facts.usesCompression) {
    checkCompressorK(config.compression.x, '/compression/x', facts);
    checkCompressorK(config.compression.y, '/compression/y', facts);
  }
}

/**
 * k of top-k/rand-k must fit every block (node/compress/spec.ts: 1 ≤ k ≤ d_t): k ≤ d for scope
 * global, k ≤ the smallest non-empty layer for scope layer (the default).
 */
function checkCompressorK(spec: unknown, path: string, facts: ProblemFacts): void {
  if (typeof spec !== 'object' || spec === null) return;
  const s = spec as { kind?: string; k?: number; scope?: string; inner?: unknown; steps?: unknown[] };
  if (typeof s.k === 'number') {
    const global = s.scope === 'global';
    const layerMin = facts.layers.reduce((m, l) => (l.length > 0 ? Math.min(m, l.length) : m), facts.dim);
    const limit = global ? facts.dim : layerMin;
    const what = global ? `d = ${facts.dim}` : `the smallest layer (${layerMin} coordinates; per-layer scope)`;
    if (s.k > limit) inconsistent(`${path}/k`, `k must be ≤ ${what} (got ${s.k})`, { expected: `≤ ${limit}`, got: s.k });
  }
  if (s.inner) checkCompressorK(s.inner, `${path}/inner`, facts);
  if (Array.isArray(s.steps)) for (const [i, st] of s.steps.entries()) checkCompressorK(st, `${path}/steps/${i}`, facts);
}
