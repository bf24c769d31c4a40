/**
 * Multi-layer perceptron: sizes [d, h₁, …, h_L, C], hidden layers z = W h + b then ReLU, output
 * softmax cross-entropy (as softmax.ts). Layers are named fc1.weight [h₁×d], fc1.bias [h₁], …;
 * weights row-major (out × in). Init: He, W ~ N(0, 2/fan_in), b = 0.
 *
 * Samples are processed one at a time (forward, then backprop accumulating into grad), so the only
 * scratch is one activation and one delta vector per layer, preallocated per model instance: no
 * allocation per call, at the cost of the instance not being re-entrant. CSR inputs touch only the
 * nonzero columns of fc1.weight.
 */
import type { Rng } from '../../linalg/rng.ts';
import type { Dataset, Model } from '../types.ts';
import type { LayerSpec } from '../../linalg/layers.ts';
import { checkShapes, fillNormal, meanOverBatch } from './common.ts';
import { argmaxAccuracy, softmaxXent } from './softmax-xent.ts';

export interface MlpOptions {
  readonly nFeatures: number;
  readonly nClasses: number;
  /** Hidden widths (default [64]); [] gives softmax regression. */
  readonly hidden?: readonly number[];
}

export function createMlp(opts: MlpOptions): Model {
  const d = opts.nFeatures;
  const C = opts.nClasses;
  const sizes = [d, ...(opts.hidden ?? [64]), C];
  const nLin = sizes.length - 1;
  const offW: number[] = [];
  const offB: number[] = [];
  const layers: LayerSpec[] = [];
  let dim = 0;
  for (let l = 0; l < nLin; l++) {
    const inN = sizes[l],
      outN = sizes[l + 1];
    offW.push(dim);
    layers.push({ name: `fc${l + 1}.weight`, offset: dim, length: inN * outN, shape: [outN, inN] });
    dim += inN * outN;
    offB.push(dim);
    layers.push({ name: `fc${l + 1}.bias`, offset: dim, length: outN, shape: [outN] });
    dim += outN;
  }
  const act = sizes.slice(1).map((n) => new Float64Array(n));
  const delta = sizes.slice(1).map((n) => new Float64Array(n));

  /** act[l] ← layer outputs for row r (ReLU on hidden layers, raw logits on the last). */
  function forward(x: Float64Array, data: Dataset, r: number): void {
    const f = data.features;
    const out0 = act[0];
    const n0 = sizes[1];
    const w0 = offW[0],
      b0 = offB[0];
    if (f.kind === 'csr') {
      const k0 = f.indptr[r],
        k1 = f.indptr[r + 1],
        ci = f.indices,
        cv = f.values;
      for (let o = 0; o < n0; o++) {
        const base = w0 + o * d;
        let s = x[b0 + o];
        for (let k = k0; k < k1; k++) s += x[base + ci[k]] * cv[k];
        out0[o] = s;
      }
    } else {
      const X = f.data;
      const ro = r * d;
      for (let o = 0; o < n0; o++) {
        const base = w0 + o * d;
        let s = x[b0 + o];
        for (let j = 0; j < d; j++) s += x[base + j] * X[ro + j];
        out0[o] = s;
      }
    }
    if (nLin > 1) for (let o = 0; o < n0; o++) if (out0[o] < 0) out0[o] = 0;
    for (let l = 1; l < nLin; l++) {
      const inA = act[l - 1],
        outA = act[l];
      const inN = sizes[l],
        outN = sizes[l + 1];
      const w = offW[l],
        b = offB[l];
      for (let o = 0; o < outN; o++) {
        const base = w + o * inN;
        let s = x[b + o];
        for (let i = 0; i < inN; i++) s += x[base + i] * inA[i];
        outA[o] = l < nLin - 1 && s < 0 ? 0 : s;
      }
    }
  }

  function pass(x: Float64Array, data: Dataset, idx: Int32Array | null, grad: Float64Array | null): number {
    checkShapes('mlp', dim, d, x, data);
    const f = data.features;
    const m = idx ? idx.length : f.rows;
    if (grad) grad.fill(0);
    const z = act[nLin - 1];
    let loss = 0;
    for (let s = 0; s < m; s++) {
      const r = idx ? idx[s] : s;
      forward(x, data, r);
      loss += softmaxXent(z, data.labels[r], grad ? delta[nLin - 1] : null); // delta_L ← p − e_y
      if (!grad) continue;
      for (let l = nLin - 1; l >= 1; l--) {
        const inN = sizes[l],
          outN = sizes[l + 1];
        const w = offW[l],
          b = offB[l];
        const dl = delta[l],
          inA = act[l - 1],
          dPrev = delta[l - 1];
        dPrev.fill(0);
        for (let o = 0; o < outN; o++) {
          const g = dl[o];
          const base = w + o * inN;
          grad[b + o] += g;
          if (g === 0) continue;
          for (let i = 0; i < inN; i++) {
            grad[base + i] += g * inA[i];
            dPrev[i] += x[base + i] * g;
          }
        }
        for (let i = 0; i < inN; i++) if (inA[i] <= 0) dPrev[i] = 0; // ReLU'(h) = 1{h > 0}
      }
      const d0 = delta[0];
      const n0 = sizes[1];
      const w0 = offW[0],
        b0 = offB[0];
      for (let o = 0; o < n0; o++) grad[b0 + o] += d0[o];
      if (f.kind === 'csr') {
        const k0 = f.indptr[r],
          k1 = f.indptr[r + 1],
          ci = f.indices,
          cv = f.values;
        for (let o = 0; o < n0; o++) {
          const g = d0[o];
          if (g === 0) continue;
          const base = w0 + o * d;
          for (let k = k0; k < k1; k++) grad[base + ci[k]] += g * cv[k];
        }
      } else {
        const X = f.data;
        const ro = r * d;
        for (let o = 0; o < n0; o++) {
          const g = d0[o];
          if (g === 0) continue;
          const base = w0 + o * d;
          for (let j = 0; j < d; j++) grad[base + j] += g * X[ro + j];
        }
      }
    }
    return meanOverBatch(loss, grad, m);
  }

  return {
    kind: 'mlp',
    dim,
    layers,
    nClasses: C,
    lossGrad: (x, data, idx, grad) => pass(x, data, idx, grad),
    loss: (x, data, idx) => pass(x, data, idx, null),
    accuracy(x, data, idx) {
      checkShapes('mlp', dim, d, x, data);
      return argmaxAccuracy(data, idx, act[nLin - 1], (r) => forward(x, data, r));
    },
    initRandom(rng: Rng, out: Float64Array) {
      for (let l = 0; l < nLin; l++) {
        fillNormal(rng, Math.sqrt(2 / sizes[l]), out, offW[l], sizes[l] * sizes[l + 1]);
        out.fill(0, offB[l], offB[l] + sizes[l + 1]);
      }
      return out;
    },
  };
}
