/**
 * Problem assembly for the runners: load the data, check the bounds, build the model, partition the
 * training set. Streams: holdout Rng.derive(seed, -1, 'holdout'), partition Rng.derive(seed, -1, 'partition').
 *
 * Bounds before work (issue 16): once the data is loaded (its own size is capped by the readers),
 * nodes against samples and a memory estimate against a budget are checked BEFORE the model or any
 * per-node state is allocated; the runners load the problem before they build the topology, so a
 * config asking for 4000 nodes on 455 samples fails here, before W's spectrum is solved.
 */
import { ProxmeshError } from '../errors.ts';
import { memoryBudgetBytesFromEnv } from '../limits/bounds.ts';
import { Rng } from '../linalg/rng.ts';
import { loadDataset, type LoadedData } from './datasets/registry.ts';
import { modelFromSpec } from './models/registry.ts';
import { partitionFromSpec } from './partition/index.ts';
import type { ModelSpec, PartitionSpec, ProblemSpec } from './spec.ts';
import type { Dataset, Model, Shard } from './types.ts';

export interface BuiltProblem {
  readonly train: Dataset;
  readonly test: Dataset | null;
  readonly model: Model;
  /** shards[i] = node i's training indices (ascending). */
  readonly shards: Shard[];
}

export interface BuildOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly partition: PartitionSpec;
  /** Minibatch size per node (for the memory estimate; default 'full'). */
  readonly batchSize?: number | 'full';
  /** Override the dataset search folders (tests). */
  readonly dirs?: readonly string[];
  /** Data already loaded (e.g. off the event loop, in a worker thread): skips loadDataset. */
  readonly data?: LoadedData;
  /** Memory budget in bytes for the run's estimate (default PROXMESH_MEMORY_BUDGET_MB or 4 GiB). */
  readonly memoryBudgetBytes?: number;
}

export function buildProblem(spec: Pick<ProblemSpec, 'dataset' | 'model' | 'precision'>, opts: BuildOptions): BuiltProblem {
  const { train, test } = opts.data ?? loadDataset(spec.dataset, { seed: opts.seed, ...(opts.dirs ? { dirs: opts.dirs } : {}) });
  checkProblemBounds(spec.model, train, opts);
  const model = modelFromSpec(spec.model, train, spec.precision ?? 'f64');
  const shards = partitionFromSpec(opts.partition, train.labels, opts.nodes, Rng.derive(opts.seed, -1, 'partition'));
  return { train, test, model, shards };
}

/**
 * Parameter dimension d a model spec will have on this data, computed without building the model
 * (an MLP allocates its scratch when created). lenet5's d is fixed and small.
 */
export function modelDimOf(spec: ModelSpec, data: Dataset): number {
  const d = data.features.cols;
  const C = data.nClasses;
  const bias = ((spec as { intercept?: boolean }).intercept ?? true) ? 1 : 0;
  switch (spec.kind) {
    case 'logistic':
      return d + bias;
    case 'softmax':
      return C * (d + bias);
    case 'mlp': {
      const sizes = [d, ...(spec.hidden ?? [64]), C];
      let dim = 0;
      for (let l = 0; l + 1 < sizes.length; l++) dim += (sizes[l] + 1) * sizes[l + 1];
      return dim;
    }
    default:
      return 0;
  }
}

/**
 * d-vectors of f64 each simulated node holds: x, the tracker y, gradients (current and previous),
 * the compressors' reference copies and error feedback, the mixing buffers. An upper estimate.
 */
const VECTORS_PER_NODE = 12;

/** Bytes the run needs at least: per-node state, minibatch scratch, the training features. */
export function estimateRunBytes(opts: {
  nodes: number;
  dim: number;
  batchSize: number | 'full';
  nTrain: number;
  featureBytes: number;
}): number {
  const batch = opts.batchSize === 'full' ? Math.ceil(opts.nTrain / Math.max(opts.nodes, 1)) : opts.batchSize;
  return opts.nodes * (opts.dim * 8 * VECTORS_PER_NODE + batch * 16) + opts.featureBytes;
}

function featureBytes(data: Dataset): number {
  const f = data.features as { data?: ArrayBufferView; values?: ArrayBufferView; indices?: ArrayBufferView };
  return (f.data?.byteLength ?? 0) + (f.values?.byteLength ?? 0) + (f.indices?.byteLength ?? 0);
}

export function checkProblemBounds(model: ModelSpec, train: Dataset, opts: BuildOptions): void {
  const nTrain = train.labels.length;
  if (opts.nodes > nTrain) {
    throw new ProxmeshError(
      'PROXMESH_ERR_CONFIG_INCONSISTENT',
      `config /topology/nodes: ${opts.nodes} nodes but only ${nTrain} training samples; use at most ${nTrain} nodes`,
      { path: '/topology/nodes', expected: `≤ ${nTrain}`, got: opts.nodes },
    );
  }
  const budget = opts.memoryBudgetBytes ?? memoryBudgetBytesFromEnv();
  const dim = modelDimOf(model, train);
  const need = estimateRunBytes({ nodes: opts.nodes, dim, batchSize: opts.batchSize ?? 'full', nTrain, featureBytes: featureBytes(train) });
  if (need > budget) {
    const mib = (b: number) => Math.ceil(b / (1024 * 1024));
    throw new ProxmeshError(
      'PROXMESH_ERR_LIMIT',
      `config: the run needs about ${mib(need)} MiB (${opts.nodes} nodes × d = ${dim}, batchSize ${opts.batchSize ?? 'full'}), over the memory budget of ${mib(budget)} MiB; ` +
        'use fewer nodes, a smaller model or batch, or raise PROXMESH_MEMORY_BUDGET_MB',
      { path: '/topology/nodes', estimateBytes: need, budgetBytes: budget, dim },
    );
  }
}
