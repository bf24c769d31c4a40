/** Dataset transforms used by the registry: row subsets, stratified holdout, scaling, standardisation. */
import type { Rng } from '../../linalg/rng.ts';
import type { Dataset, DenseMatrix, FeatureMatrix } from '../types.ts';

/** The rows `idx` (in that order) of a feature matrix, copied. */
export function subsetFeatures(m: FeatureMatrix, idx: Int32Array): FeatureMatrix {
  if (m.kind === 'dense') {
    const d = m.cols;
    const data = m.data instanceof Float32Array ? new Float32Array(idx.length * d) : new Float64Array(idx.length * d);
    for (let r = 0; r < idx.length; r++) data.set(m.data.subarray(idx[r] * d, idx[r] * d + d), r * d);
    return { kind: 'dense', rows: idx.length, cols: d, data };
  }
  let nnz = 0;
  for (let r = 0; r < idx.length; r++) nnz += m.indptr[idx[r] + 1] - m.indptr[idx[r]];
  const indptr = new Int32Array(idx.length + 1);
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let k = 0;
  for (let r = 0; r < idx.length; r++) {
    const a = m.indptr[idx[r]];
    const b = m.indptr[idx[r] + 1];
    indices.set(m.indices.subarray(a, b), k);
    values.set(m.values.subarray(a, b), k);
    k += b - a;
    indptr[r + 1] = k;
  }
  return { kind: 'csr', rows: idx.length, cols: m.cols, indptr, indices, values };
}

/** The rows `idx` of a dataset (labels, class count, names and sample shape kept). */
export function subsetDataset(ds: Dataset, idx: Int32Array, name = ds.name): Dataset {
  const labels = new Int32Array(idx.length);
  for (let r = 0; r < idx.length; r++) labels[r] = ds.labels[idx[r]];
  return { ...ds, name, features: subsetFeatures(ds.features, idx), labels };
}

/**
 * A seeded stratified holdout: within each class (in index order), a seeded shuffle, then the first
 * round(fraction·count) samples go to the test set. Both index lists are returned ascending.
 */
export function stratifiedHoldout(
  labels: Int32Array,
  nClasses: number,
  fraction: number,
  rng: Rng,
): { train: Int32Array; test: Int32Array } {
  const byClass: number[][] = Array.from({ length: nClasses }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]].push(i);
  const test: number[] = [];
  const train: number[] = [];
  for (const members of byClass) {
    const arr = Int32Array.from(members);
    rng.shuffle(arr);
    const k = Math.round(fraction * arr.length);
    for (let j = 0; j < arr.length; j++) (j < k ? test : train).push(arr[j]);
  }
  return { train: Int32Array.from(train).sort(), test: Int32Array.from(test).sort() };
}

/** out-of-place x·factor for a Float64 dense matrix (digits: /16). */
export function scaleDense(m: DenseMatrix, factor: number): DenseMatrix {
  const data = new Float64Array(m.data.length);
  for (let i = 0; i < data.length; i++) data[i] = m.data[i] * factor;
  return { ...m, data };
}

/** Per-column mean and standard deviation (population, 1/N) of a dense matrix; std 0 → 1. */
export function columnStats(m: DenseMatrix): { mean: Float64Array; std: Float64Array } {
  const d = m.cols;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let r = 0; r < m.rows; r++) for (let j = 0; j < d; j++) mean[j] += m.data[r * d + j];
  for (let j = 0; j < d; j++) mean[j] /= m.rows;
  for (let r = 0; r < m.rows; r++) {
    for (let j = 0; j < d; j++) {
      const t = m.data[r * d + j] - mean[j];
      std[j] += t * t;
    }
  }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(std[j] / m.rows);
    std[j] = s > 0 ? s : 1;
  }
  return { mean, std };
}

/** (x − mean)/std per column, out of place, Float64. */
export function standardizeDense(m: DenseMatrix, stats: { mean: Float64Array; std: Float64Array }): DenseMatrix {
  const d = m.cols;
  const data = new Float64Array(m.data.length);
  for (let r = 0; r < m.rows; r++) for (let j = 0; j < d; j++) data[r * d + j] = (m.data[r * d + j] - stats.mean[j]) / stats.std[j];
  return { ...m, data };
}
