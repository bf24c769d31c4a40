/**
 * A node's stochastic first-order oracle over its shard (GradientOracle, node/problem/types.ts):
 * gradient(x, B, out) ← (1/|B|) Σ_{s∈B} ∇ℓ(x; ξ_s), then, if clipNorm = c is set, the authors'
 * clip_grad_norm_ (paper-spec §2.3): out ← out · min(1, c/‖out‖₂). The returned loss is the mean
 * minibatch loss before clipping.
 */
import type { GradientOracle } from './types.ts';
import { ProxmeshError } from '../errors.ts';
import type { BatchSampler, CsrMatrix, Dataset, Model, Shard } from './types.ts';

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

/**
 * The rows `idx` of a CSR dataset copied into a dataset of their own, in idx order: row s of the
 * result is row idx[s] of `data`, with the same entries in the same order, and the same label. A
 * model pass over (packed, null) therefore performs exactly the operations of a pass over
 * (data, idx), on the same values in the same order (bit-identical results), but reads the
 * shard's rows contiguously instead of through idx and the global indptr.
 * Returns null for dense features (left as they are).
 */
export function packRows(data: Dataset, idx: Int32Array): Dataset | null {
  const f = data.features;
  if (f.kind !== 'csr') return null;
  const m = idx.length;
  const indptr = new Int32Array(m + 1);
  for (let s = 0; s < m; s++) {
    const r = idx[s];
    indptr[s + 1] = indptr[s] + (f.indptr[r + 1] - f.indptr[r]);
  }
  const nnz = indptr[m];
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  const labels = new Int32Array(m);
  for (let s = 0; s < m; s++) {
    const r = idx[s];
    const k0 = f.indptr[r],
      k1 = f.indptr[r + 1];
    indices.set(f.indices.subarray(k0, k1), indptr[s]);
    values.set(f.values.subarray(k0, k1), indptr[s]);
    labels[s] = data.labels[r];
  }
  const features: CsrMatrix = { kind: 'csr', rows: m, cols: f.cols, indptr, indices, values };
  return { ...data, features, labels };
}

export function createOracle(opts: OracleOptions): GradientOracle {
  const { model, data, shard, sampler } = opts;
  const clip = opts.clipNorm ?? null;
  if (clip !== null && !(clip > 0 && Number.isFinite(clip))) {
    throw new ProxmeshError('PROXMESH_ERR_CONFIG_INCONSISTENT', `algorithm.clipNorm must be null or > 0, got ${clip}`, {
      field: 'algorithm.clipNorm',
    });
  }
  // full batch (batch null) on CSR data: the shard's rows packed contiguously once, on first use
  // (packRows: same operations in the same order, so bit-identical to lossGrad(x, data, shard))
  let packed: Dataset | null | undefined;
  return {
    nextBatch: () => sampler.next(),
    gradient(x, batch, out) {
      let loss: number;
      if (batch === null || batch === undefined) {
        if (packed === undefined) packed = packRows(data, shard);
        loss = packed === null ? model.lossGrad(x, data, shard, out) : model.lossGrad(x, packed, null, out);
      } else loss = model.lossGrad(x, data, batch, out);
      if (clip !== null) clipToNorm(out, clip);
      return loss;
    },
  };
}
