/**
 * Multinomial logistic regression (softmax cross-entropy). x = [W (C×d, row-major) | b (C)]:
 *   z = W a + b,  ℓ = logsumexp(z) − z_y (max-shifted, stable),  ∇_W = (p − e_y) aᵀ,  ∇_b = p − e_y.
 * CSR rows touch only their nonzeros in each of the C rows of W. Scratch: one C-vector, preallocated
 * per model instance (so a model instance is not re-entrant; each node/worker builds its own or uses
 * it sequentially, which the simulator does).
 */
import type { Rng } from '../../linalg/rng.ts';
import type { Dataset, Model } from '../types.ts';
import type { LayerSpec } from '../../linalg/layers.ts';
import { checkShapes, fillNormal, meanOverBatch } from './common.ts';
import { argmaxAccuracy, softmaxXent } from './softmax-xent.ts';

export interface SoftmaxOptions {
  readonly nFeatures: number;
  readonly nClasses: number;
  /** Fit a bias b (default true). */
  readonly intercept?: boolean;
  /** Std of the N(0, σ²) weights drawn by initRandom (default 0.01; biases start at 0). */
  readonly initScale?: number;
}

export function createSoftmax(opts: SoftmaxOptions): Model {
  const d = opts.nFeatures;
  const C = opts.nClasses;
  const intercept = opts.intercept ?? true;
  const wLen = C * d;
  const dim = wLen + (intercept ? C : 0);
  const initScale = opts.initScale ?? 0.01;
  const layers: LayerSpec[] = [{ name: 'weight', offset: 0, length: wLen, shape: [C, d] }];
  if (intercept) layers.push({ name: 'bias', offset: wLen, length: C, shape: [C] });
  const z = new Float64Array(C);

  /** z ← W a_r + b for row r. */
  function logits(x: Float64Array, data: Dataset, r: number): void {
    const f = data.features;
    for (let c = 0; c < C; c++) z[c] = intercept ? x[wLen + c] : 0;
    if (f.kind === 'csr') {
      const k0 = f.indptr[r],
        k1 = f.indptr[r + 1],
        ci = f.indices,
        cv = f.values;
      for (let c = 0; c < C; c++) {
        const o = c * d;
        let s = z[c];
        for (let k = k0; k < k1; k++) s += x[o + ci[k]] * cv[k];
        z[c] = s;
      }
    } else {
      const X = f.data;
      const ro = r * d;
      for (let c = 0; c < C; c++) {
        const o = c * d;
        let s = z[c];
        for (let j = 0; j < d; j++) s += x[o + j] * X[ro + j];
        z[c] = s;
      }
    }
  }

  function pass(x: Float64Array, data: Dataset, idx: Int32Array | null, grad: Float64Array | null): number {
    checkShapes('softmax', dim, d, x, data);
    const f = data.features;
    const m = idx ? idx.length : f.rows;
    if (grad) grad.fill(0);
    let loss = 0;
    for (let s = 0; s < m; s++) {
      const r = idx ? idx[s] : s;
      logits(x, data, r);
      // z ← p − e_y (the logit gradient), then accumulate into W and b
      loss += softmaxXent(z, data.labels[r], grad ? z : null);
      if (!grad) continue;
      if (f.kind === 'csr') {
        const k0 = f.indptr[r],
          k1 = f.indptr[r + 1],
          ci = f.indices,
          cv = f.values;
        for (let c = 0; c < C; c++) {
          const g = z[c];
          const o = c * d;
          for (let k = k0; k < k1; k++) grad[o + ci[k]] += g * cv[k];
        }
      } else {
        const X = f.data;
        const ro = r * d;
        for (let c = 0; c < C; c++) {
          const g = z[c];
          const o = c * d;
          for (let j = 0; j < d; j++) grad[o + j] += g * X[ro + j];
        }
      }
      if (intercept) for (let c = 0; c < C; c++) grad[wLen + c] += z[c];
    }
    return meanOverBatch(loss, grad, m);
  }

  return {
    kind: 'softmax',
    dim,
    layers,
    nClasses: C,
    lossGrad: (x, data, idx, grad) => pass(x, data, idx, grad),
    loss: (x, data, idx) => pass(x, data, idx, null),
    accuracy(x, data, idx) {
      checkShapes('softmax', dim, d, x, data);
      return argmaxAccuracy(data, idx, z, (r) => logits(x, data, r));
    },
    initRandom(rng: Rng, out: Float64Array) {
      fillNormal(rng, initScale, out, 0, wLen);
      if (intercept) out.fill(0, wLen, dim);
      return out;
    },
  };
}
