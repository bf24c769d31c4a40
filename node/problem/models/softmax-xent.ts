/**
 * Softmax cross-entropy over a logit vector, shared by softmax.ts and mlp.ts:
 *   ℓ = logsumexp(z) − z_y (max-shifted, stable),  ∂ℓ/∂z = p − e_y with p = softmax(z).
 */
import type { Dataset } from '../types.ts';

/**
 * Returns ℓ for logits z (length C) and label y. When `dz` is given, writes ∂ℓ/∂z = p − e_y into it;
 * dz may alias z (ℓ is computed before z is overwritten).
 */
export function softmaxXent(z: Float64Array, y: number, dz: Float64Array | null): number {
  const C = z.length;
  let mx = -Infinity;
  for (let c = 0; c < C; c++) if (z[c] > mx) mx = z[c];
  let se = 0;
  for (let c = 0; c < C; c++) se += Math.exp(z[c] - mx);
  const lse = mx + Math.log(se);
  const loss = lse - z[y];
  if (dz) {
    for (let c = 0; c < C; c++) dz[c] = Math.exp(z[c] - lse);
    dz[y] -= 1;
  }
  return loss;
}

/** Index of the largest logit; the first maximal one wins ties. */
export function argmax(z: Float64Array): number {
  let best = 0;
  for (let c = 1; c < z.length; c++) if (z[c] > z[best]) best = c;
  return best;
}

/**
 * Fraction of rows (idx, or all rows when null) whose argmax logit equals the label; 0 for no rows.
 * `logits(r)` must leave row r's logits in z.
 */
export function argmaxAccuracy(data: Dataset, idx: Int32Array | null, z: Float64Array, logits: (r: number) => void): number {
  const m = idx ? idx.length : data.features.rows;
  let correct = 0;
  for (let s = 0; s < m; s++) {
    const r = idx ? idx[s] : s;
    logits(r);
    if (argmax(z) === data.labels[r]) correct++;
  }
  return m === 0 ? 0 : correct / m;
}
