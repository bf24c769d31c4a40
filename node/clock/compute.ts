/**
 * Per-node compute time of one iteration, c_i = b_i / s_i seconds, where b_i is the samples node i
 * processes per iteration (batchSize, or its shard size for "full") and s_i its speed in samples/s.
 * Stragglers: round(fraction · n) nodes, the first of a permutation from
 * Rng.derive(seed, −1, 'stragglers'), run at s / slowdown for the whole run.
 */
import { Rng } from '../linalg/rng.ts';
import type { ComputeSpec } from './spec.ts';

/** The straggler node ids of a run, ascending. */
export function stragglerIds(spec: ComputeSpec, n: number, seed: number): number[] {
  const f = spec.stragglers?.fraction ?? 0;
  const count = Math.round(f * n);
  if (count === 0) return [];
  const perm = Rng.derive(seed, -1, 'stragglers').permutation(n);
  return Array.from(perm.subarray(0, count)).sort((a, b) => a - b);
}

/** c_i in seconds for every node; `samples[i]` = samples node i processes per iteration. */
export function computeSeconds(spec: ComputeSpec, samples: readonly number[], seed: number): Float64Array {
  const n = samples.length;
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = samples[i] / spec.samplesPerSecond;
  const slowdown = spec.stragglers?.slowdown ?? 1;
  for (const i of stragglerIds(spec, n, seed)) c[i] = samples[i] / (spec.samplesPerSecond / slowdown);
  return c;
}
