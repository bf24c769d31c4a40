/**
 * Binary logistic regression. Parameters x = [w (d) | b (1, if intercept)], labels {0, 1} read as
 * y = 2·label − 1 ∈ {−1, +1}:
 *   f(x) = (1/m) Σ_s log(1 + exp(−y_s (a_sᵀw + b))),   ∇_w = (1/m) Σ_s −y_s σ(−y_s z_s) a_s.
 * CSR rows touch only their nonzeros (plus one dense zero-fill and scale of the gradient, O(d)).
 * No allocation per call. One exp per sample serves both σ (the gradient) and softplus (the loss);
 * the loss costs about one multiplication per sample on top (SoftplusSum, common.ts).
 */
import type { Rng } from '../../linalg/rng.ts';
import type { Dataset, Model } from '../types.ts';
import type { LayerSpec } from '../../linalg/layers.ts';
import { checkShapes, fillNormal, SoftplusSum } from './common.ts';
import { binaryCsc, binaryCscPass, cScratch, CSC_MIN_ROWS, rowSums, sampleSumC, sampleTerms, zScratch } from './logistic-csc.ts';

export interface LogisticOptions {
  /** Number of features d. */
  readonly nFeatures: number;
  /** Fit a bias b (default true). */
  readonly intercept?: boolean;
  /** Std of the N(0, σ²) weights drawn by initRandom (default 0.01; the bias starts at 0). */
  readonly initScale?: number;
}

/** Whether every stored CSR value is exactly 1, computed once per values array (O(nnz)). */
const onesCache = new WeakMap<Float64Array, boolean>();
function allOnes(values: Float64Array): boolean {
  let ones = onesCache.get(values);
  if (ones === undefined) {
    ones = true;
    for (let k = 0; k < values.length; k++)
      if (values[k] !== 1) {
        ones = false;
        break;
      }
    onesCache.set(values, ones);
  }
  return ones;
}

/**
 * The binary-CSR pass (every stored value is 1: x_j·1 = x_j and c·1 = c exactly, so skipping the
 * value loads gives the same bits as the general CSR loop). Returns the loss SUM (not the mean)
 * and, when grad is non-null, leaves grad = mean gradient (grad[d] = intercept term).
 * Bit for bit the general loop: per sample, z = b + Σ_k x[ci[k]] in row order (rowSums, four rows'
 * chains at once); the loss is SoftplusSum's accumulation and the c_s are summed in sample order
 * (sampleTerms); the gradient scatter grad[j] += c_s runs sample by sample in order. Nothing is
 * reordered within any sum.
 */
export function binaryCsrPass(
  x: Float64Array,
  b: number,
  ip: Int32Array,
  ci: Int32Array,
  lab: Int32Array,
  idx: Int32Array | null,
  m: number,
  grad: Float64Array | null,
  d: number,
  intercept: boolean,
): number {
  if (grad) grad.fill(0);
  const z = zScratch(m),
    cs = cScratch(m);
  rowSums(x, b, ip, ci, idx, m, z);
  const loss = sampleTerms(z, lab, idx, m, cs);
  if (grad) {
    for (let s = 0; s < m; s++) {
      const r = idx === null ? s : idx[s];
      const c = cs[s];
      for (let k = ip[r], k1 = ip[r + 1]; k < k1; k++) grad[ci[k]] += c;
    }
    if (m > 0) {
      const inv = 1 / m;
      for (let j = 0; j < d; j++) grad[j] *= inv;
      if (intercept) grad[d] = sampleSumC() * inv;
    }
  }
  return loss;
}

export function createLogistic(opts: LogisticOptions): Model {
  const d = opts.nFeatures;
  const intercept = opts.intercept ?? true;
  const dim = d + (intercept ? 1 : 0);
  const initScale = opts.initScale ?? 0.01;
  const layers: LayerSpec[] = [{ name: 'weight', offset: 0, length: d, shape: [d] }];
  if (intercept) layers.push({ name: 'bias', offset: d, length: 1, shape: [1] });

  /**
   * Shared pass: mean loss; if grad is non-null, also writes the mean gradient. Per sample, with
   * t = −y z and e = e^{−|t|} ∈ (0, 1] from ONE exp:
   *   σ(t) = 1/(1 + e) (t ≥ 0) or e/(1 + e) (t < 0)      (bit for bit the old sigmoid(t))
   *   softplus(t) = max(t, 0) + log1p(e)                   (summed by softplusSum)
   */
  function pass(x: Float64Array, data: Dataset, idx: Int32Array | null, grad: Float64Array | null): number {
    checkShapes('logistic', dim, d, x, data);
    const f = data.features;
    const lab = data.labels;
    const m = idx ? idx.length : f.rows;
    const b = intercept ? x[d] : 0;
    if (grad) grad.fill(0);
    const acc = lossAcc.reset();
    let gb = 0;
    if (f.kind === 'csr' && allOnes(f.values)) {
      const inv = 1 / m;
      if (m === 0) return 0;
      // whole matrix with a gradient (the oracle's packed full-batch shard): the column-major pass,
      // same bits (logistic-csc.ts), when the rows' indices are ascending and the shard is not small
      const csc = idx === null && grad !== null && m >= CSC_MIN_ROWS ? binaryCsc(f) : null;
      if (csc !== null) return binaryCscPass(x, b, csc, lab, grad!, d, intercept) * inv;
      const loss = binaryCsrPass(x, b, f.indptr, f.indices, lab, idx, m, grad, d, intercept);
      return loss * inv;
    } else if (f.kind === 'csr') {
      const ip = f.indptr,
        ci = f.indices,
        cv = f.values;
      for (let s = 0; s < m; s++) {
        const r = idx ? idx[s] : s;
        const k0 = ip[r],
          k1 = ip[r + 1];
        let z = b;
        for (let k = k0; k < k1; k++) z += x[ci[k]] * cv[k];
        const y = lab[r] === 1 ? 1 : -1;
        const t = -y * z;
        const e = Math.exp(-Math.abs(t));
        const ope = 1 + e;
        acc.add(t, e, ope);
        if (grad) {
          const c = -y * (t >= 0 ? 1 / ope : e / ope); // dℓ/dz = −y σ(t)
          for (let k = k0; k < k1; k++) grad[ci[k]] += c * cv[k];
          gb += c;
        }
      }
    } else {
      const X = f.data;
      for (let s = 0; s < m; s++) {
        const r = idx ? idx[s] : s;
        const o = r * d;
        let z = b;
        for (let j = 0; j < d; j++) z += x[j] * X[o + j];
        const y = lab[r] === 1 ? 1 : -1;
        const t = -y * z;
        const e = Math.exp(-Math.abs(t));
        const ope = 1 + e;
        acc.add(t, e, ope);
        if (grad) {
          const c = -y * (t >= 0 ? 1 / ope : e / ope);
          for (let j = 0; j < d; j++) grad[j] += c * X[o + j];
          gb += c;
        }
      }
    }
    if (m === 0) return 0;
    const inv = 1 / m;
    if (grad) {
      for (let j = 0; j < d; j++) grad[j] *= inv;
      if (intercept) grad[d] = gb * inv;
    }
    return acc.total() * inv;
  }
  const lossAcc = new SoftplusSum();

  return {
    kind: 'logistic',
    dim,
    layers,
    nClasses: 2,
    lossGrad: (x, data, idx, grad) => pass(x, data, idx, grad),
    loss: (x, data, idx) => pass(x, data, idx, null),
    accuracy(x, data, idx) {
      checkShapes('logistic', dim, d, x, data);
      const f = data.features;
      const m = idx ? idx.length : f.rows;
      // ·1: a float64 from both branches, so V8 keeps z unboxed in the loop below (see rowSums)
      const b = (intercept ? x[d] : 0) * 1;
      let correct = 0;
      for (let s = 0; s < m; s++) {
        const r = idx ? idx[s] : s;
        let z = b;
        if (f.kind === 'csr') for (let k = f.indptr[r]; k < f.indptr[r + 1]; k++) z += x[f.indices[k]] * f.values[k];
        else for (let j = 0, o = r * d; j < d; j++) z += x[j] * f.data[o + j];
        // predict class 1 iff z > 0 (z = 0 → class 0)
        if ((z > 0 ? 1 : 0) === data.labels[r]) correct++;
      }
      return m === 0 ? 0 : correct / m;
    },
    initRandom(rng: Rng, out: Float64Array) {
      fillNormal(rng, initScale, out, 0, d);
      if (intercept) out[d] = 0;
      return out;
    },
  };
}
