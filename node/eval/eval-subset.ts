/**
 * The training samples evaluation uses (config `evaluation.trainSamplesPerNode`). On LeNet5 /
 * Fashion-MNIST one evaluation of f(x̄), ∇f(x̄) and the train accuracy over all 60k images costs as
 * much as a training epoch; bounding it to m samples per node makes frequent evaluation affordable.
 * The subset is fixed for the whole run, so every row measures the same function f̃ = (1/n)Σ_i f̃_i.
 */
import { Rng } from '../linalg/rng.ts';
import type { Shard } from '../problem/types.ts';

/**
 * Node i's evaluation subset: the first m entries of a permutation of shard i drawn from
 * Rng.derive(seed, i, 'eval-subset'), sorted ascending (a set; ascending order reads the data in
 * memory order). The whole shard (the same array) when m is null or m ≥ |shard i|.
 */
export function evalSubset(shard: Shard, m: number | null, seed: number, nodeId: number): Shard {
  if (m === null || m >= shard.length) return shard;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`evalSubset: m must be an integer ≥ 1, got ${m}`);
  const perm = Rng.derive(seed, nodeId, 'eval-subset').permutation(shard.length);
  const out = new Int32Array(m);
  for (let t = 0; t < m; t++) out[t] = shard[perm[t]];
  return out.sort();
}

/** evalSubset for every node, node order. */
export function evalSubsets(shards: readonly Shard[], m: number | null, seed: number): Shard[] {
  return shards.map((s, i) => evalSubset(s, m, seed, i));
}
