/** IID split: a seeded permutation of 0..N−1 cut into n near-equal contiguous shards (first N mod n one longer). */
import type { Rng } from '../../linalg/rng.ts';
import type { Shard } from '../types.ts';
import { checkNodes, nearEqualSizes, splitBySizes } from './common.ts';

export function partitionIid(labels: Int32Array, n: number, rng: Rng): Shard[] {
  const N = labels.length;
  checkNodes(n, N);
  return splitBySizes(rng.permutation(N), nearEqualSizes(N, n));
}
