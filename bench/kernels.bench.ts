/**
 * Gradient kernels: GFLOP/s of Model.lossGrad (sparse CSR and dense paths) next to the simplest
 * correct loop written here, timed interleaved in the same run; the ratio is model speed /
 * reference speed (> 1: the library kernel is faster).
 * FLOP counts (multiply-adds only, exp/log not counted), per call over m rows:
 *   logistic CSR:   2 flops per nonzero per pass × 2 passes (z = aᵀw, then ∇ += c·a) = 4·nnz
 *   logistic dense: 2·d per row per pass × 2 passes                                   = 4·m·d
 *   softmax dense:  2·C·d per row per pass × 2 passes (z = W a, then ∇_W += (p − e_y) aᵀ) = 4·m·C·d
 *   node --import tsx bench/run.ts kernels
 */
import { Rng } from '../node/linalg/rng.ts';
import { loadDataset } from '../node/problem/datasets/registry.ts';
import { createLogistic } from '../node/problem/models/logistic.ts';
import { createSoftmax } from '../node/problem/models/softmax.ts';
import type { CsrMatrix, Dataset, DenseMatrix, Model } from '../node/problem/types.ts';
import { gemmTable } from './gemm-kernels.ts';
import { type BenchOptions, type BenchReport, fixed, int, ratio, sig, sinkCheck, timeInterleaved, timingFor } from './harness.ts';

/** The kernel signature both sides share: mean loss, gradient written into `grad`. */
type LossGrad = (x: Float64Array, data: Dataset, idx: Int32Array | null, grad: Float64Array) => number;

function softplus(t: number): number {
  return t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
}

/** Reference logistic loss/gradient over CSR rows, x = [w | b]. */
function refLogisticCsr(x: Float64Array, data: Dataset, idx: Int32Array | null, grad: Float64Array): number {
  const f = data.features as CsrMatrix;
  const d = f.cols;
  const m = idx ? idx.length : f.rows;
  grad.fill(0);
  let loss = 0;
  for (let s = 0; s < m; s++) {
    const r = idx ? idx[s] : s;
    let z = x[d];
    for (let k = f.indptr[r]; k < f.indptr[r + 1]; k++) z += x[f.indices[k]] * f.values[k];
    const y = data.labels[r] === 1 ? 1 : -1;
    loss += softplus(-y * z);
    const c = -y / (1 + Math.exp(y * z)); // dℓ/dz = −y σ(−y z)
    for (let k = f.indptr[r]; k < f.indptr[r + 1]; k++) grad[f.indices[k]] += c * f.values[k];
    grad[d] += c;
  }
  for (let j = 0; j <= d; j++) grad[j] /= m;
  return loss / m;
}

/** Reference logistic loss/gradient over dense rows, x = [w | b]. */
function refLogisticDense(x: Float64Array, data: Dataset, idx: Int32Array | null, grad: Float64Array): number {
  const f = data.features as DenseMatrix;
  const d = f.cols;
  const m = idx ? idx.length : f.rows;
  grad.fill(0);
  let loss = 0;
  for (let s = 0; s < m; s++) {
    const r = idx ? idx[s] : s;
    let z = x[d];
    for (let j = 0; j < d; j++) z += x[j] * f.data[r * d + j];
    const y = data.labels[r] === 1 ? 1 : -1;
    loss += softplus(-y * z);
    const c = -y / (1 + Math.exp(y * z));
    for (let j = 0; j < d; j++) grad[j] += c * f.data[r * d + j];
    grad[d] += c;
  }
  for (let j = 0; j <= d; j++) grad[j] /= m;
  return loss / m;
}

/** Reference softmax cross-entropy over dense rows, x = [W (C×d) | b (C)]. */
function refSoftmaxDense(x: Float64Array, data: Dataset, idx: Int32Array | null, grad: Float64Array): number {
  const f = data.features as DenseMatrix;
  const d = f.cols;
  const C = data.nClasses;
  const m = idx ? idx.length : f.rows;
  const z = new Float64Array(C);
  grad.fill(0);
  let loss = 0;
  for (let s = 0; s < m; s++) {
    const r = idx ? idx[s] : s;
    let mx = -Infinity;
    for (let c = 0; c < C; c++) {
      let v = x[C * d + c];
      for (let j = 0; j < d; j++) v += x[c * d + j] * f.data[r * d + j];
      z[c] = v;
      if (v > mx) mx = v;
    }
    let se = 0;
    for (let c = 0; c < C; c++) se += Math.exp(z[c] - mx);
    const lse = mx + Math.log(se);
    const y = data.labels[r];
    loss += lse - z[y];
    for (let c = 0; c < C; c++) {
      const g = Math.exp(z[c] - lse) - (c === y ? 1 : 0);
      for (let j = 0; j < d; j++) grad[c * d + j] += g * f.data[r * d + j];
      grad[C * d + c] += g;
    }
  }
  for (let j = 0; j < grad.length; j++) grad[j] /= m;
  return loss / m;
}

function densify(ds: Dataset): Dataset {
  const f = ds.features as CsrMatrix;
  const data = new Float64Array(f.rows * f.cols);
  for (let r = 0; r < f.rows; r++) for (let k = f.indptr[r]; k < f.indptr[r + 1]; k++) data[r * f.cols + f.indices[k]] = f.values[k];
  return { ...ds, name: `${ds.name} (densified)`, features: { kind: 'dense', rows: f.rows, cols: f.cols, data } };
}

/** Nonzeros touched by the rows `idx` (all rows if null). */
function nnzOf(f: CsrMatrix, idx: Int32Array | null): number {
  if (idx === null) return f.indptr[f.rows];
  let s = 0;
  for (let i = 0; i < idx.length; i++) s += f.indptr[idx[i] + 1] - f.indptr[idx[i]];
  return s;
}

function batch(rng: Rng, rows: number, b: number): Int32Array {
  const idx = new Int32Array(b);
  for (let i = 0; i < b; i++) idx[i] = rng.int(rows);
  return idx;
}

interface Case {
  readonly name: string;
  readonly model: Model;
  readonly ref: LossGrad;
  readonly data: Dataset;
  readonly idx: Int32Array | null;
  readonly flops: number;
}

export async function run(opts: BenchOptions): Promise<BenchReport> {
  const t = timingFor(opts);
  const rng = Rng.derive(42, -1, 'bench-kernels');
  const a9a = loadDataset({ name: 'a9a' }, { seed: 42 }).train;
  const a9aDense = densify(a9a);
  const digits = loadDataset({ name: 'digits' }, { seed: 42 }).train;
  const logistic = createLogistic({ nFeatures: a9a.features.cols, intercept: true });
  const softmax = createSoftmax({ nFeatures: digits.features.cols, nClasses: digits.nClasses, intercept: true });
  const csr = a9a.features as CsrMatrix;
  const dA = a9a.features.cols;
  const dD = digits.features.cols;
  const C = digits.nClasses;
  const b64 = batch(rng, a9a.labels.length, 64);
  const b16 = batch(rng, digits.labels.length, 16);

  const cases: Case[] = [
    { name: 'logistic · a9a CSR · full pass', model: logistic, ref: refLogisticCsr, data: a9a, idx: null, flops: 4 * nnzOf(csr, null) },
    { name: 'logistic · a9a CSR · batch 64', model: logistic, ref: refLogisticCsr, data: a9a, idx: b64, flops: 4 * nnzOf(csr, b64) },
    {
      name: 'logistic · a9a dense · full pass',
      model: logistic,
      ref: refLogisticDense,
      data: a9aDense,
      idx: null,
      flops: 4 * a9a.labels.length * dA,
    },
    { name: 'logistic · a9a dense · batch 64', model: logistic, ref: refLogisticDense, data: a9aDense, idx: b64, flops: 4 * 64 * dA },
    {
      name: 'softmax · digits dense · full pass',
      model: softmax,
      ref: refSoftmaxDense,
      data: digits,
      idx: null,
      flops: 4 * digits.labels.length * C * dD,
    },
    { name: 'softmax · digits dense · batch 16', model: softmax, ref: refSoftmaxDense, data: digits, idx: b16, flops: 4 * 16 * C * dD },
  ];

  const rows = cases.map((c) => {
    const x = new Float64Array(c.model.dim);
    for (let j = 0; j < x.length; j++) x[j] = 0.1 * rng.normal();
    const gModel = new Float64Array(c.model.dim);
    const gRef = new Float64Array(c.model.dim);
    // Agreement check first: the comparison is only meaningful if both compute the same thing.
    const lm = c.model.lossGrad(x, c.data, c.idx, gModel);
    const lr = c.ref(x, c.data, c.idx, gRef);
    let maxDiff = Math.abs(lm - lr);
    for (let j = 0; j < gModel.length; j++) maxDiff = Math.max(maxDiff, Math.abs(gModel[j] - gRef[j]));
    const [tm, tr] = timeInterleaved(
      [() => c.model.lossGrad(x, c.data, c.idx, gModel) + gModel[0], () => c.ref(x, c.data, c.idx, gRef) + gRef[0]],
      t,
    );
    return {
      kernel: c.name,
      rows: c.idx ? c.idx.length : c.data.labels.length,
      flopPerCall: c.flops,
      modelUs: tm.secPerCall * 1e6,
      modelGflops: c.flops / tm.secPerCall / 1e9,
      refUs: tr.secPerCall * 1e6,
      refGflops: c.flops / tr.secPerCall / 1e9,
      ratio: tr.secPerCall / tm.secPerCall,
      maxAbsDiff: maxDiff,
      sink: sinkCheck(tm.sink, tr.sink),
    };
  });

  const slow = rows.filter((r) => r.ratio < 1).map((r) => `${r.kernel} (${r.ratio.toFixed(3)}×)`);
  return {
    name: 'kernels',
    tables: [
      {
        title: `Gradient kernels: Model.lossGrad vs reference loop (median of ${t.reps} interleaved reps ≥ ${t.minMs} ms)`,
        columns: [
          { key: 'kernel', label: 'kernel' },
          { key: 'rows', label: 'rows', fmt: int },
          { key: 'flopPerCall', label: 'flop/call', fmt: int },
          { key: 'modelUs', label: 'model µs', fmt: sig },
          { key: 'modelGflops', label: 'model GFLOP/s', fmt: fixed(3) },
          { key: 'refUs', label: 'ref µs', fmt: sig },
          { key: 'refGflops', label: 'ref GFLOP/s', fmt: fixed(3) },
          { key: 'ratio', label: 'model/ref speed', fmt: ratio },
          { key: 'maxAbsDiff', label: 'max|Δ|', fmt: (v) => (typeof v === 'number' ? v.toExponential(1) : sig(v)) },
          { key: 'sink', label: 'sink' },
        ],
        rows,
        notes: [
          `a9a: ${a9a.labels.length} rows × ${dA} features, ${csr.indptr[csr.rows]} nonzeros (${(csr.indptr[csr.rows] / a9a.labels.length).toFixed(1)}/row); digits: ${digits.labels.length} rows × ${dD}, C = ${C}.`,
          'flop = 2 per multiply-add, 2 passes (forward z, backward ∇); exp/log not counted. ratio = ref time / model time.',
          slow.length === 0
            ? 'Every kernel is at least as fast as its reference loop.'
            : `SLOWER than the reference loop (ratio < 1): ${slow.join('; ')}.`,
        ],
      },
      gemmTable(t, opts.quick),
    ],
  };
}
