/**
 * The full-batch binary logistic pass: margins row-major, gradient column-major over a cached CSC
 * copy of the rows. Bit-identical to binaryCsrPass (logistic.ts). `binaryCsc` returns null when a
 * row's column indices are not strictly ascending (a9a and every libsvm file are ascending); the
 * row-major pass runs then.
 *
 * Why it is the same bits:
 *   z_s = b + Σ_k x[ci[k]] over the row's entries, in row order, from b: `rowSums` does exactly
 *         that, four rows at a time (four independent addition chains).
 *   g_j = Σ_s c_s over the samples holding j, c_s = dℓ/dz_s. Row-major adds c_s to g_j sample by
 *         sample, from 0. Column-major sums each column's samples in ascending s, from 0.
 *   Everything else (t, e = e^{−|t|}, c, the loss accumulation, the intercept sum, the 1/m scaling)
 *   runs per sample in sample order, as before.
 * Why it is faster (docs/performance.md §9 and §11): the z chains and the g_j chains are latency-bound
 * (one dependent add per entry, ~4 cycles), so four of each run at once; each g_j is summed in a
 * register instead of through memory. Columns are visited by decreasing length (`byLength`, built
 * once) so the four of a group have similar lengths and little is left for fewer chains; each g_j
 * is still its own column's sum in ascending s from 0, so the visiting order of the columns does not
 * change a bit.
 * Small shards (rows < CSC_MIN_ROWS) are faster row-major: the per-column loop overhead outweighs
 * the gain there; logistic.ts picks the pass by size.
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
  /** the non-empty columns by decreasing length (ties: ascending j): the gradient's visiting order */
  readonly byLength: Int32Array;
  /** the CSR rows the copy was built from (z is summed row-major over them) */
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
}

/**
 * Below this many rows logistic.ts runs the row-major pass (same bits): measured on a9a shards, the
 * column-major gradient is ~10 % slower at 32 rows (n = 1024) and 10–30 % faster from 64 rows (n = 512) up.
 */
export const CSC_MIN_ROWS = 48;

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
  const len = (j: number): number => colPtr[j + 1] - colPtr[j];
  const nonEmpty: number[] = [];
  for (let j = 0; j < cols; j++) if (len(j) > 0) nonEmpty.push(j);
  nonEmpty.sort((a, b) => len(b) - len(a) || a - b);
  return { rows, cols, colPtr, rowIdx, byLength: Int32Array.from(nonEmpty), indptr, indices };
}

/** Σ_q cs[ri[q]] over q ∈ [q0, q1), in ascending q, from 0 (one column's gradient sum). */
function columnSum(cs: Float64Array, ri: Int32Array, q0: number, q1: number): number {
  let a = 0;
  for (let q = q0; q < q1; q++) a += cs[ri[q]];
  return a;
}

/**
 * z_s = b + Σ_k x[ci[k]] over the entries of row r = idx[s] (r = s when idx is null) in row order,
 * for s < m, four rows at a time (four independent addition chains over the first min-length
 * entries, then each row's rest): per row the same additions in the same order as one row at a time.
 * Gathering from x (d doubles, in L1) with four chains in flight is ~2× faster than scattering x_j
 * into z column by column (measured on a9a shards).
 */
export function rowSums(
  x: Float64Array,
  bias: number,
  ip: Int32Array,
  ci: Int32Array,
  idx: Int32Array | null,
  m: number,
  z: Float64Array,
): void {
  // b·1 = b exactly (±0 and ±∞ included). Without the multiplication V8 kept the accumulators, which
  // start from the parameter, as boxed numbers and allocated a heap number per addition (measured:
  // ~0.6 KB of garbage per 32-row call; docs/performance.md §11).
  const b = bias * 1;
  let s = 0;
  for (; s + 3 < m; s += 4) {
    const r0 = idx === null ? s : idx[s],
      r1 = idx === null ? s + 1 : idx[s + 1];
    const r2 = idx === null ? s + 2 : idx[s + 2],
      r3 = idx === null ? s + 3 : idx[s + 3];
    let k0 = ip[r0],
      k1 = ip[r1],
      k2 = ip[r2],
      k3 = ip[r3];
    const e0 = ip[r0 + 1],
      e1 = ip[r1 + 1],
      e2 = ip[r2 + 1],
      e3 = ip[r3 + 1];
    const l = Math.min(e0 - k0, e1 - k1, e2 - k2, e3 - k3);
    let a0 = b,
      a1 = b,
      a2 = b,
      a3 = b;
    for (let q = 0; q < l; q++) {
      a0 += x[ci[k0 + q]];
      a1 += x[ci[k1 + q]];
      a2 += x[ci[k2 + q]];
      a3 += x[ci[k3 + q]];
    }
    for (k0 += l; k0 < e0; k0++) a0 += x[ci[k0]];
    for (k1 += l; k1 < e1; k1++) a1 += x[ci[k1]];
    for (k2 += l; k2 < e2; k2++) a2 += x[ci[k2]];
    for (k3 += l; k3 < e3; k3++) a3 += x[ci[k3]];
    z[s] = a0;
    z[s + 1] = a1;
    z[s + 2] = a2;
    z[s + 3] = a3;
  }
  for (; s < m; s++) {
    const r = idx === null ? s : idx[s];
    let a = b;
    for (let k = ip[r], e = ip[r + 1]; k < e; k++) a += x[ci[k]];
    z[s] = a;
  }
}

/** sampleTerms' second result, Σ_s c_s (a typed array: a module `let` holding a double would box it on every store). */
const gbOut = new Float64Array(1);

/**
 * The per-sample part, in sample order: with y = ±1 the label of row idx[s] (or s), t = −y z_s and
 * e = e^{−|t|} from ONE exp, writes c_s = dℓ/dz_s = −y σ(t) into cs[s] and returns Σ_s softplus(t)
 * (SoftplusSum's accumulation written out inline: same operations, same order). Σ_s c_s, summed in
 * sample order from 0, is left in gbOut[0].
 */
export function sampleTerms(z: Float64Array, lab: Int32Array, idx: Int32Array | null, m: number, cs: Float64Array): number {
  let lin = 0,
    logs = 0,
    prod = 1,
    count = 0,
    gb = 0;
  for (let s = 0; s < m; s++) {
    const y = lab[idx === null ? s : idx[s]] === 1 ? 1 : -1;
    const t = -y * z[s];
    const e = Math.exp(-Math.abs(t));
    const ope = 1 + e;
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
  gbOut[0] = gb;
  return lin + (logs + Math.log(prod)); // SoftplusSum.total()
}

/** Σ_s c_s of the last sampleTerms call. */
export function sampleSumC(): number {
  return gbOut[0];
}

/** Per-thread scratch for z_s and c_s (grown, never shrunk). */
let zBuf = new Float64Array(0);
let cBuf = new Float64Array(0);

function reserve(m: number): void {
  if (zBuf.length < m) {
    zBuf = new Float64Array(m);
    cBuf = new Float64Array(m);
  }
}
/** Scratch for the margins z_s, at least m long (per thread, shared by the passes; not re-entrant). */
export function zScratch(m: number): Float64Array {
  reserve(m);
  return zBuf;
}
/** Scratch for the per-sample c_s, at least m long. */
export function cScratch(m: number): Float64Array {
  reserve(m);
  return cBuf;
}

/**
 * Loss SUM over the m = csc.rows samples; grad ← mean gradient (grad[d] = intercept term when
 * `intercept`). Same contract and bits as binaryCsrPass(x, b, …, idx = null, m, grad, d, intercept)
 * on the CSR matrix the CSC was built from.
 */
export function binaryCscPass(
  x: Float64Array,
  b: number,
  csc: BinaryCsc,
  lab: Int32Array,
  grad: Float64Array,
  d: number,
  intercept: boolean,
): number {
  const m = csc.rows;
  const z = zScratch(m),
    cs = cScratch(m);
  const cp = csc.colPtr,
    ri = csc.rowIdx;
  const cols = Math.min(csc.cols, d);
  rowSums(x, b, csc.indptr, csc.indices, null, m, z);
  const loss = sampleTerms(z, lab, null, m, cs);
  const gb = sampleSumC();
  grad.fill(0);
  // g_j, four columns at a time (lengths L0 ≥ L1 ≥ L2 ≥ L3): the first L3 entries of all four in
  // one loop, then L2 − L3 more of the first three, L1 − L2 of the first two, the rest of the first.
  // Each accumulator still adds its own column's entries in ascending order.
  const order = csc.byLength;
  const nc = order.length;
  let i = 0;
  for (; i + 3 < nc; i += 4) {
    const j0 = order[i],
      j1 = order[i + 1],
      j2 = order[i + 2],
      j3 = order[i + 3];
    if (j0 >= cols || j1 >= cols || j2 >= cols || j3 >= cols) break; // d < csc.cols: the general tail below
    let q0 = cp[j0],
      q1 = cp[j1],
      q2 = cp[j2];
    const q3 = cp[j3];
    const e0 = cp[j0 + 1],
      e1 = cp[j1 + 1],
      e2 = cp[j2 + 1];
    const l3 = cp[j3 + 1] - q3;
    let a0 = 0,
      a1 = 0,
      a2 = 0,
      a3 = 0;
    for (let q = 0; q < l3; q++) {
      a0 += cs[ri[q0 + q]];
      a1 += cs[ri[q1 + q]];
      a2 += cs[ri[q2 + q]];
      a3 += cs[ri[q3 + q]];
    }
    q0 += l3;
    q1 += l3;
    q2 += l3;
    const l2 = e2 - q2;
    for (let q = 0; q < l2; q++) {
      a0 += cs[ri[q0 + q]];
      a1 += cs[ri[q1 + q]];
      a2 += cs[ri[q2 + q]];
    }
    q0 += l2;
    q1 += l2;
    const l1 = e1 - q1;
    for (let q = 0; q < l1; q++) {
      a0 += cs[ri[q0 + q]];
      a1 += cs[ri[q1 + q]];
    }
    q0 += l1;
    for (; q0 < e0; q0++) a0 += cs[ri[q0]];
    grad[j0] = a0;
    grad[j1] = a1;
    grad[j2] = a2;
    grad[j3] = a3;
  }
  for (; i < nc; i++) {
    const j = order[i];
    if (j < cols) grad[j] = columnSum(cs, ri, cp[j], cp[j + 1]);
  }
  if (m > 0) {
    const inv = 1 / m;
    for (let q = 0; q < d; q++) grad[q] *= inv;
    if (intercept) grad[d] = gb * inv;
  }
  return loss;
}
