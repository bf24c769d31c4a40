/**
 * A node's stochastic first-order oracle over its shard (GradientOracle, node/algo/types.ts):
 * gradient(x, B, out) ← (1/|B|) Σ_{s∈B} ∇ℓ(x; ξ_s), then, if clipNorm = c is set, the authors'
 * clip_grad_norm_ (paper-spec §2.3): out ← out · min(1, c/‖out‖₂). The returned loss is the mean
 * minibatch loss before clipping.
 */
import type { GradientOracle } from '../algo/types.ts';
import { ProxmeshError } from '../errors.ts';
import type { BatchSampler, Dataset, Model, Shard } from './types.ts';

export interface OracleOptions {
  readonly model: Model;
  /** The global training set; batches and the shard index into it. */
  readonly data: Dataset;
  readonly shard: Shard;
  readonly sampler: BatchSampler;
  /** null/undefined: no clipping; c > 0: clip to ℓ2 norm c. */
  readonly clipNorm?: number | null;
}

/** out ← out·min(1, c/‖out‖₂) in place; returns the norm before clipping. */
export function clipToNorm(out: Float64Array, c: number): number {
  let s = 0;
  for (let j = 0; j < out.length; j++) s += out[j] * out[j];
  const norm = Math.sqrt(s);
  if (norm > c) {
    const f = c / norm;
    for (let j = 0; j < out.length; j++) out[j] *= f;
  }
  return norm;
}

export function createOracle(opts: OracleOptions): GradientOracle {
  const { model, data, shard, sampler } = opts;
  const clip = opts.clipNorm ?? null;
  if (clip !== null && !(clip > 0 && Number.isFinite(clip))) {
    throw new ProxmeshError('PROXMESH_ERR_CONFIG_INCONSISTENT', `algorithm.clipNorm must be null or > 0, got ${clip}`, { field: 'algorithm.clipNorm' });
  }
  return {
    nextBatch: () => sampler.next(),
    gradient(x, batch, out) {
      const loss = model.lossGrad(x, data, batch ?? shard, out);
      if (clip !== null) clipToNorm(out, clip);
      return loss;
    },
  };
}
