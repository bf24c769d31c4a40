/**
 * Problem assembly for the runners: load the data, build the model, partition the training set.
 * Streams: holdout Rng.derive(seed, -1, 'holdout'), partition Rng.derive(seed, -1, 'partition').
 */
import { Rng } from '../linalg/rng.ts';
import { loadDataset } from './datasets/registry.ts';
import { modelFromSpec } from './models/registry.ts';
import { partitionFromSpec } from './partition/index.ts';
import type { PartitionSpec, ProblemSpec } from './spec.ts';
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
  /** Override the dataset search folders (tests). */
  readonly dirs?: readonly string[];
}

export function buildProblem(spec: Pick<ProblemSpec, 'dataset' | 'model' | 'precision'>, opts: BuildOptions): BuiltProblem {
  const { train, test } = loadDataset(spec.dataset, { seed: opts.seed, ...(opts.dirs ? { dirs: opts.dirs } : {}) });
  const model = modelFromSpec(spec.model, train, spec.precision ?? 'f64');
  const shards = partitionFromSpec(opts.partition, train.labels, opts.nodes, Rng.derive(opts.seed, -1, 'partition'));
  return { train, test, model, shards };
}
