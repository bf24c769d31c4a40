/**
 * Low-rank compression per matrix layer (PowerSGD, Vogels, Karimireddy & Jaggi 2019). A layer of
 * shape [m, …] is the row-major m×n matrix M (n = length/m). If r·(m + n) < m·n it is sent as
 *   P = orth(M·Q_prev)  (m×r, one power iteration from the warm start Q_prev),
 *   Q = Mᵀ·P̂           (n×r, P̂ = P rounded to the wire precision),
 * decoding to M̂ = P̂·Q̂ᵀ; Q_prev ← Q̂ is kept in the instance (the warm start), column by column
 * except where a column came out zero (then the old column stays, so a zero input never kills the
 * subspace for good). Vectors, empty layers and matrices too small to gain pass through raw,
 * rounded to the precision, or, with `vectorRatio` < 1, as their top-k entries (k_t = max(1,
 * floor(vectorRatio·d_t)), ties to the lower index): the message is then sparse, its indices being
 * every coordinate of the factored layers plus the kept ones, and a kept vector is a raw k_t×1 segment.
 *
 * Bound: with P orthonormal, P·Pᵀ is an orthogonal projection, so ‖M − P Pᵀ M‖²_F = ‖M‖² − ‖PᵀM‖²
 * ≤ ‖M‖² — non-expansive, but not a contraction with any fixed α < 1 (M·Q_prev can miss M's top
 * directions). So no α² and no ω are declared; the tests check the projection property and that a
 * rank-≤ r matrix is reproduced exactly (up to rounding) after one iteration.
 * Orthonormalisation: modified Gram–Schmidt applied twice ("twice is enough"); a column whose norm
 * falls below 1e-12 of its norm before orthogonalisation is linearly dependent and set to zero.
 * Randomness: Q_prev starts uniform in [−1, 1) from the instance's seeded Rng, drawn at construction
 * (layer order, row-major); compress itself draws nothing.
 */
import type { LayerMap } from '../linalg/layers.ts';
import type { Rng } from '../linalg/rng.ts';
import type { LowRankSpec } from './spec.ts';
import type { Message } from './types.ts';
import { type Built, type BuiltFactory, checkDims, formatName, withDecoded } from './internal.ts';
import { tiledDim } from './layout.ts';
import { roundToPrecision } from './precision.ts';
import { kthLargest, magnitude } from './select.ts';

/** Relative norm under which an orthogonalised column counts as dependent. */
const DEPENDENT = 1e-12;

interface Segment {
  readonly off: number;
  readonly rows: number;
  readonly cols: number;
  /** 0: raw. */
  readonly rank: number;
  /** Warm start Q_prev (cols×rank, row-major), null for raw segments. */
  readonly qPrev: Float64Array | null;
  /** Raw segments sent as their top-k: k (< rows); 0 = every entry. */
  readonly keep: number;
}

/** Segments of the layer map: factored where r(m + n) < m·n, raw otherwise; empty layers skipped. */
function segmentsOf(layers: LayerMap, r: number, vectorRatio: number, rng: Rng): Segment[] {
  const out: Segment[] = [];
  for (const l of layers) {
    if (l.length === 0) continue;
    const rows = l.shape.length >= 2 && l.shape[0] > 0 ? l.shape[0] : l.length;
    const cols = l.length / rows;
    const factored = Number.isInteger(cols) && r * (rows + cols) < rows * cols;
    if (!factored) {
      const k = Math.max(1, Math.floor(vectorRatio * l.length));
      out.push({ off: l.offset, rows: l.length, cols: 1, rank: 0, qPrev: null, keep: k < l.length ? k : 0 });
      continue;
    }
    const qPrev = new Float64Array(cols * r);
    for (let t = 0; t < qPrev.length; t++) qPrev[t] = 2 * rng.next() - 1;
    out.push({ off: l.offset, rows, cols, rank: r, qPrev, keep: 0 });
  }
  return out;
}

/** In place: columns of P (m×r, row-major) orthonormalised by MGS twice; dependent columns zeroed. */
export function orthonormalizeColumns(P: Float64Array, m: number, r: number): void {
  for (let t = 0; t < r; t++) {
    let before = 0;
    for (let i = 0; i < m; i++) before += P[i * r + t] * P[i * r + t];
    for (let pass = 0; pass < 2; pass++) {
      for (let u = 0; u < t; u++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += P[i * r + u] * P[i * r + t];
        for (let i = 0; i < m; i++) P[i * r + t] -= dot * P[i * r + u];
      }
    }
    let after = 0;
    for (let i = 0; i < m; i++) after += P[i * r + t] * P[i * r + t];
    const norm = Math.sqrt(after);
    if (!(before > 0) || !(norm > DEPENDENT * Math.sqrt(before)) || !Number.isFinite(norm)) {
      for (let i = 0; i < m; i++) P[i * r + t] = 0;
    } else {
      for (let i = 0; i < m; i++) P[i * r + t] /= norm;
    }
  }
}

/** The k largest |x_j| of x[off, off + d), ties to the lower index, ascending, into out[at …). */
function topK(x: Float64Array, off: number, d: number, k: number, mag: Float64Array, out: Uint32Array, at: number): number {
  for (let j = 0; j < d; j++) mag[j] = magnitude(x[off + j]);
  const tau = kthLargest(mag, d, k);
  let greater = 0;
  for (let j = off; j < off + d; j++) if (magnitude(x[j]) > tau) greater++;
  let ties = k - greater;
  for (let j = off; j < off + d; j++) {
    const m = magnitude(x[j]);
    if (m > tau || (m === tau && ties-- > 0)) out[at++] = j;
  }
  return at;
}

export function lowRankFactory(spec: LowRankSpec): BuiltFactory {
  const r = spec.rank;
  const p = spec.precision;
  const vr = spec.vectorRatio ?? 1;
  const name = formatName('lowrank', { rank: r, vectorRatio: spec.vectorRatio, precision: p === 'f64' ? undefined : p });
  return (layers: LayerMap, rng: Rng): Built => {
    const dim = tiledDim(layers);
    const segs = segmentsOf(layers, r, vr, rng);
    let nValues = 0,
      nCarried = 0,
      maxKeep = 0;
    for (const s of segs) {
      const carried = s.keep > 0 ? s.keep : s.rows * s.cols;
      nCarried += carried;
      nValues += s.rank === 0 ? carried : s.rank * (s.rows + s.cols);
      if (s.keep > 0) maxKeep = Math.max(maxKeep, s.rows);
    }
    const sparse = maxKeep > 0;
    const mag = new Float64Array(maxKeep); // top-k scratch
    const segments = new Int32Array(segs.length * 3);
    for (const [i, s] of segs.entries()) segments.set([s.keep > 0 ? s.keep : s.rows, s.cols, s.rank], 3 * i);
    return {
      dim,
      carried: null,
      exactValues: false,
      // Random only through the warm start's initial draw, so only when some layer is factored.
      info: { name, alpha2: null, unbiased: false, omega: null, random: segs.some((s) => s.rank > 0) },
      compress(x, decoded): Message {
        checkDims(name, dim, x, decoded);
        const data = new Float64Array(nValues);
        const indices = sparse ? new Uint32Array(nCarried) : null;
        let at = 0,
          c = 0;
        for (const s of segs) {
          const { off, rows: m, cols: n, rank: k, qPrev } = s;
          if (indices !== null) {
            if (s.keep > 0) {
              topK(x, off, m, s.keep, mag, indices, c);
              for (let t = 0; t < s.keep; t++) data[at + t] = roundToPrecision(x[indices[c + t]], p);
              at += s.keep;
              c += s.keep;
              continue;
            }
            for (let t = 0; t < m * n; t++) indices[c + t] = off + t;
            c += m * n;
          }
          if (qPrev === null) {
            for (let t = 0; t < m * n; t++) data[at + t] = roundToPrecision(x[off + t], p);
            at += m * n;
            continue;
          }
          // P = M·Q_prev, written straight into data[at …] (m×k).
          const P = data.subarray(at, at + m * k);
          for (let i = 0; i < m; i++) {
            for (let t = 0; t < k; t++) {
              let acc = 0;
              for (let j = 0; j < n; j++) acc += x[off + i * n + j] * qPrev[j * k + t];
              P[i * k + t] = acc;
            }
          }
          orthonormalizeColumns(P, m, k);
          for (let t = 0; t < P.length; t++) P[t] = roundToPrecision(P[t], p);
          // Q = Mᵀ·P̂ (n×k), then the warm start keeps every non-zero column.
          const Q = data.subarray(at + m * k, at + m * k + n * k);
          for (let j = 0; j < n; j++) {
            for (let t = 0; t < k; t++) {
              let acc = 0;
              for (let i = 0; i < m; i++) acc += x[off + i * n + j] * P[i * k + t];
              Q[j * k + t] = roundToPrecision(acc, p);
            }
          }
          for (let t = 0; t < k; t++) {
            let nz = false,
              finite = true;
            for (let j = 0; j < n; j++) {
              nz ||= Q[j * k + t] !== 0;
              finite &&= Number.isFinite(Q[j * k + t]);
            }
            if (nz && finite) for (let j = 0; j < n; j++) qPrev[j * k + t] = Q[j * k + t];
          }
          at += k * (m + n);
        }
        return withDecoded({ dim, indices, values: { kind: 'lowrank', precision: p, segments: segments.slice(), data } }, decoded);
      },
      // Q_prev of each factored block is the warm start the next call multiplies by.
      registerState(reg, prefix) {
        segs.forEach((s, i) => {
          if (s.qPrev !== null) reg.vector(`${prefix}.qPrev${i}`, s.qPrev);
        });
      },
    };
  };
}
