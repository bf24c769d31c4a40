/**
 * Quantity skew: shard sizes ∝ p ~ Dir(α, …, α), labels iid. Every node first gets 1 sample, the
 * remaining N − n are allocated by largest remainder of (N − n)·p (ties to the lower node id), then
 * a seeded permutation of 0..N−1 is cut into shards of those sizes.
 */
import type { Rng } from '../../linalg/rng.ts';
import type { Shard } from '../types.ts';
import { checkAlpha, checkNodes, dirichlet, inconsistent, splitBySizes } from './common.ts';

export interface QuantityPartitionParams {
  readonly alpha: number;
}

const MAX_TRIES = 100;

export function quantitySizes(N: number, p: Float64Array): number[] {
  const n = p.length;
  const R = N - n;
  const sizes = new Array<number>(n);
  const frac: Array<[number, number]> = [];
  let used = 0;
  for (let i = 0; i < n; i++) {
    const t = R * p[i];
    const f = Math.floor(t);
    sizes[i] = 1 + f;
    used += f;
    frac.push([t - f, i]);
  }
  frac.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; k < R - used; k++) sizes[frac[k % n][1]]++;
  return sizes;
}

export function partitionQuantity(labels: Int32Array, n: number, rng: Rng, params: QuantityPartitionParams): Shard[] {
  const N = labels.length;
  checkNodes(n, N);
  checkAlpha(params.alpha);
  const p = new Float64Array(n);
  for (let t = 0; t < MAX_TRIES; t++) {
    if (dirichlet(rng, params.alpha, n, p)) return splitBySizes(rng.permutation(N), quantitySizes(N, p));
  }
  throw inconsistent('partition.alpha', `quantity(α = ${params.alpha}): Dirichlet draws underflowed ${MAX_TRIES} times; raise α`);
}
