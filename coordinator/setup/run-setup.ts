/**
 * The heavy part of a run's set-up: load the data (bounded by the readers' caps), check the bounds
 * that need it (nodes ≤ samples, memory budget), then build the topology (graph, W, its spectrum).
 * Problem first, topology second: the cheap refusals come before the O(n³) eigen-solve.
 * Pure over plain data, so it runs the same inline or in a worker thread (structured-clone result).
 */
import type { FrozenConfig } from '../../node/config/schema.ts';
import { loadDataset, type LoadedData } from '../../node/problem/datasets/registry.ts';
import { checkProblemBounds } from '../../node/problem/build.ts';
import { buildRunTopology, runNodeCount, type BuiltTopology } from '../../node/assemble/assemble.ts';

export interface RunSetup {
  readonly topology: BuiltTopology;
  readonly data: LoadedData;
}

export function runSetup(config: FrozenConfig): RunSetup {
  const nodes = runNodeCount(config);
  const data = loadDataset(config.problem.dataset as never, { seed: config.seed });
  checkProblemBounds(config.problem.model as never, data.train, {
    seed: config.seed,
    nodes,
    partition: config.partition as never,
    batchSize: config.batchSize,
  });
  return { topology: buildRunTopology(config), data };
}
