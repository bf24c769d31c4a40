/**
 * Random-k per block: k_t coordinates uniformly at random without replacement (partial
 * Fisher–Yates over a per-block permutation kept in the instance, with the instance's seeded Rng).
 * Any starting arrangement of the permutation gives a uniform k-subset, so it is never reset.
 *   scaled:   Q(v) = (d/k)·v_S — unbiased, E‖Q − v‖² = (d/k − 1)‖v‖², ω = max_t(d_t/k_t − 1);
 *             declared unbiased only for f64 (rounding to f32/f16 adds a bias), and declared
 *             contractive (α² = ω) only when ω < 1.
 *   unscaled: Q(v) = v_S — E‖v − Q‖² = (1 − k/d)‖v‖²; with rounding u, α² = max_t[1 − (k_t/d_t)(1 − u²)].
 */
import type { LayerMap } from '../problem/types.ts';
import type { Rng } from '../linalg/rng.ts';
import type { RandkSpec } from './spec.ts';
import type { Message } from './types.ts';
import { type Built, type BuiltFactory, checkDims, formatName } from './internal.ts';
import { blocksOf, carriedLayers, keepCounts } from './layout.ts';
import { roundToPrecision, unitRoundoff } from './precision.ts';

export function randkFactory(spec: RandkSpec, path: string): BuiltFactory {
  const p = spec.precision;
  const name = formatName('randk', { ratio: spec.ratio, k: spec.k, scope: spec.scope, scaled: spec.scaled, precision: p === 'f64' ? undefined : p });
  return (layers: LayerMap, rng: Rng): Built => {
    const blocks = blocksOf(layers, spec.scope);
    const ks = keepCounts(blocks, spec, path);
    const { dim, offsets, lengths } = blocks;
    const u2 = unitRoundoff(p) ** 2;
    let nnz = 0;
    let omega = 0;
    let alpha2Unscaled = 0;
    const mult = new Float64Array(ks.length);
    for (let b = 0; b < ks.length; b++) {
      nnz += ks[b];
      mult[b] = spec.scaled && ks[b] > 0 ? lengths[b] / ks[b] : 1;
      if (lengths[b] > 0) {
        omega = Math.max(omega, lengths[b] / ks[b] - 1);
        alpha2Unscaled = Math.max(alpha2Unscaled, 1 - (ks[b] / lengths[b]) * (1 - u2));
      }
    }
    const unbiased = spec.scaled && p === 'f64';
    const info = spec.scaled
      ? { name, alpha2: unbiased && omega < 1 ? omega : null, unbiased, omega: unbiased ? omega : null, random: true }
      : { name, alpha2: alpha2Unscaled, unbiased: false, omega: null, random: true };
    // perm[off + j] is a permutation of 0..d_b−1 within each block.
    const perm = new Uint32Array(dim);
    for (let b = 0; b < ks.length; b++) for (let j = 0; j < lengths[b]; j++) perm[offsets[b] + j] = j;
    return {
      dim,
      carried: carriedLayers(blocks, ks),
      exactValues: !spec.scaled && p === 'f64',
      info,
      compress(x, decoded): Message {
        checkDims(name, dim, x, decoded);
        const indices = new Uint32Array(nnz);
        const data = new Float64Array(nnz);
        let c = 0;
        for (let b = 0; b < ks.length; b++) {
          const off = offsets[b], d = lengths[b], k = ks[b];
          if (k === 0) continue;
          if (k === d) {
            for (let j = 0; j < d; j++) indices[c + j] = off + j;
          } else {
            for (let t = 0; t < k; t++) {
              const r = t + rng.int(d - t);
              const tmp = perm[off + t];
              perm[off + t] = perm[off + r];
              perm[off + r] = tmp;
              indices[c + t] = off + perm[off + t];
            }
            indices.subarray(c, c + k).sort();
          }
          const m = mult[b];
          for (let t = c; t < c + k; t++) data[t] = roundToPrecision(m * x[indices[t]], p);
          c += k;
        }
        decoded.fill(0);
        for (let i = 0; i < nnz; i++) decoded[indices[i]] = data[i];
        return { dim, indices, values: { kind: 'float', precision: p, data } };
      },
    };
  };
}
