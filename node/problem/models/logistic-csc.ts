/**
 * The full-batch binary logistic pass over a column-major (CSC) copy of the rows, bit-identical to
 * binaryCsrPass (logistic.ts) when every row's column indices are strictly ascending (a9a and every
 * libsvm file are; `binaryCsc` returns null otherwise and the row-major pass runs).
 *
 * Why it is the same bits:
 *   z_s = b + Σ_j x_j over the row's columns. Row-major adds them in row order = ascending j.
 *         Column-major visits j ascending and adds x_j to z_s: per sample the same additions, in
 *         the same order, from the same start b.
 *   g_j = Σ_s c_s over the samples holding j, c_s = dℓ/dz_s. Row-major adds c_s to g_j sample by
 *         sample, from 0. Column-major sums each column's samples in ascending s, from 0.
 *   Everything else (t, e = e^{−|t|}, c, the loss accumulation, the intercept sum, the 1/m scaling)
 *   runs per sample in sample order, as before.
 * Why it is faster (~10–15 % CPU per pass on a9a shards, docs/performance.md §9): z's updates within
 * a column are independent (no dependent chain of 14 gathers per sample), and each g_j is summed in a
 * register instead of through memory; two columns are summed at once (two independent chains).
 */
import type { CsrMatrix } from '../types.ts';
import { SOFTPLUS_CHUNK, SOFTPLUS_SMALL } from './common.ts';

export interface BinaryCsc {
  readonly rows: number;
  readonly cols: number;
  /** colPtr[j] … colPtr[j+1]: the entries of column j */
  readonly colPtr: Int32Array;
  /** sample (row) of each entry, ascending within a column */
  readonly rowIdx: Int32Array;
}

const cache = new WeakMap<CsrMatrix, BinaryCsc | null>();

/** The CSC copy of f (cached per matrix), or null when some row's indices are not strictly ascending. */
export function binaryCsc(f: CsrMatrix): BinaryCsc | null {
  let c = cache.get(f);
  if (c !== undefined) return c;
  c = build(f);
  cache.set(f, c);
  return c;
}

function build(f: CsrMatrix): BinaryCsc | null {
  const { rows, cols, indptr, indices } = f;
  for (let s = 0; s < rows; s++) {
    for (let k = indptr[s] + 1; k < indptr[s + 1]; k++) if (indices[k] <= indices[k - 1]) return null;
  }
  const colPtr = new Int32Array(cols + 1);
  for (let k = 0; k < indptr[rows]; k++) colPtr[indices[k] + 1]++;
  for (let j = 0; j < cols; j++) colPtr[j + 1] += colPtr[j];
  const next = colPtr.slice(0, cols);
  const rowIdx = new Int32Array(indptr[rows]);
  for (let s = 0; s < rows; s++) for (let k = indptr[s]; k < indptr[s + 1]; k++) rowIdx[next[indices[k]]++] = s;
  return { rows, cols, colPtr, rowIdx };
}

/** Per-thread scratch for z_s and c_s (grown, never shrunk). */
let zBuf = new Float64Array(0);
let cBuf = new Float64Array(0);

/**
 * Loss SUM over the m = csc.rows samples; grad ← mean gradient (grad[d] = intercept term when
 * `intercept`). Same contract and bits as binaryCsrPass(x, b, …, idx = null, m, grad, d, intercept)
 * on the CSR matrix the CSC was built from.
 */
export function binaryCscPass(x: Float64Array, b: number, csc: BinaryCsc, lab: Int32Array, grad: Float64Array, d: number, intercept: boolean): number {
  const m = csc.rows;
  if (zBuf.length < m) {
    zBuf = new Float64Array(m);
    cBuf = new Float64Array(m);
  }
  const z = zBuf, cs = cBuf;
  const cp = csc.colPtr, ri = csc.rowIdx;
  const cols = Math.min(csc.cols, d);
  for (let s = 0; s < m; s++) z[s] = b;
  for (let j = 0; j < cols; j++) {
    const xj = x[j];
    for (let p = cp[j], p1 = cp[j + 1]; p < p1; p++) z[ri[p]] += xj;
  }
  let lin = 0, logs = 0, prod = 1, count = 0, gb = 0;
  for (let s = 0; s < m; s++) {
    const y = lab[s] === 1 ? 1 : -1;
    const t = -y * z[s];
    const e = Math.exp(-Math.abs(t));
    const ope = 1 + e;
    // SoftplusSum.add(t, e, ope), inline (as in binaryCsrPass)
    if (t > 0) lin += t;
    if (e >= SOFTPLUS_SMALL) {
      prod *= ope;
      if (++count === SOFTPLUS_CHUNK) {
        logs += Math.log(prod);
        prod = 1;
        count = 0;
      }
    } else logs += Math.log1p(e);
    const c = -y * (t >= 0 ? 1 / ope : e / ope); // dℓ/dz = −y σ(t)
    cs[s] = c;
    gb += c;
  }
  grad.fill(0);
  let j = 0;
  for (; j + 1 < cols; j += 2) {
    const p0 = cp[j], p1 = cp[j + 1], p2 = cp[j + 2];
    const both = Math.min(p1 - p0, p2 - p1);
    let a0 = 0, a1 = 0;
    for (let q = 0; q < both; q++) {
      a0 += cs[ri[p0 + q]];
      a1 += cs[ri[p1 + q]];
    }
    for (let q = p0 + both; q < p1; q++) a0 += cs[ri[q]];
    for (let q = p1 + both; q < p2; q++) a1 += cs[ri[q]];
    grad[j] = a0;
    grad[j + 1] = a1;
  }
  for (; j < cols; j++) {
    let a = 0;
    for (let q = cp[j]; q < cp[j + 1]; q++) a += cs[ri[q]];
    grad[j] = a;
  }
  if (m > 0) {
    const inv = 1 / m;
    for (let q = 0; q < d; q++) grad[q] *= inv;
    if (intercept) grad[d] = gb * inv;
  }
  return lin + (logs + Math.log(prod)); // SoftplusSum.total()
}
