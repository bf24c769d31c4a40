/**
 * Sorted split: a STABLE sort of the sample indices by label (ties keep index order), then n
 * contiguous near-equal shards, the first N mod n one sample longer. The seed is not used.
 */
import type { Rng } from '../../linalg/rng.ts';
import type { Shard } from '../types.ts';
import { checkNodes, nearEqualSizes, splitBySizes } from './common.ts';

/** Indices 0..N−1 stably sorted by label (counting sort). */
export function stableOrderByLabel(labels: Int32Array): Int32Array {
  let C = 0;
  for (let i = 0; i < labels.length; i++) C = Math.max(C, labels[i] + 1);
  const start = new Int32Array(C + 1);
  for (let i = 0; i < labels.length; i++) start[labels[i] + 1]++;
  for (let c = 0; c < C; c++) start[c + 1] += start[c];
  const order = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) order[start[labels[i]]++] = i;
  return order;
}

export function partitionSorted(labels: Int32Array, n: number, _rng?: Rng): Shard[] {
  checkNodes(n, labels.length);
  return splitBySizes(stableOrderByLabel(labels), nearEqualSizes(labels.length, n));
}
