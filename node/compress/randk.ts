/**
 * Random-k per block: k_t coordinates uniformly at random without replacement (partial
 * Fisher–Yates over a per-block permutation kept in the instance, with the instance's seeded Rng).
 * Any starting arrangement of the permutation gives a uniform k-subset, so it is never reset.
 *   scaled:   Q(v) = (d/k)·v_S — unbiased, E‖Q − v‖² = (d/k − 1)‖v‖², ω = max_t(d_t/k_t − 1);
 *             declared unbiased only for f64 (rounding to f32/f16 adds a bias), and declared
 *             contractive (α² = ω) only when ω < 1.
 *   unscaled: Q(v) = v_S — E‖v − Q‖² = (1 − k/d)‖v‖²; with rounding u, α² = max_t[1 − (k_t/d_t)(1 − u²)].
 */
import type { LayerMap } from '../linalg/layers.ts';
import type { Rng } from '../linalg/rng.ts';
import type { RandkSpec } from './spec.ts';
import type { Message } from './types.ts';
import { type BlockSelector, type Built, type BuiltFactory, checkDims, formatName, sparseMessage } from './internal.ts';
import { blocksOf, carriedLayers, keepAlpha2, keepCounts, totalCount } from './layout.ts';
import { unitRoundoff } from './precision.ts';

export function randkFactory(spec: RandkSpec, path: string): BuiltFactory {
  const p = spec.precision;
  const name = formatName('randk', {
    ratio: spec.ratio,
    k: spec.k,
    scope: spec.scope,
    scaled: spec.scaled,
    precision: p === 'f64' ? undefined : p,
  });
  return (layers: LayerMap, rng: Rng): Built => {
    const blocks = blocksOf(layers, spec.scope);
    const counts = keepCounts(blocks, spec, path);
    const { dim, offsets, lengths } = blocks;
    let omega = 0;
    const mult = new Float64Array(counts.length);
    for (let b = 0; b < counts.length; b++) {
      mult[b] = spec.scaled && counts[b] > 0 ? lengths[b] / counts[b] : 1;
      if (lengths[b] > 0) omega = Math.max(omega, lengths[b] / counts[b] - 1);
    }
    const unbiased = spec.scaled && p === 'f64';
    const info = spec.scaled
      ? { name, alpha2: unbiased && omega < 1 ? omega : null, unbiased, omega: unbiased ? omega : null, random: true }
      : { name, alpha2: keepAlpha2(blocks, counts, unitRoundoff(p) ** 2), unbiased: false, omega: null, random: true };
    // perm[off + j] is a permutation of 0..d_b−1 within each block.
    const perm = new Uint32Array(dim);
    for (let b = 0; b < counts.length; b++) for (let j = 0; j < lengths[b]; j++) perm[offsets[b] + j] = j;
    /** Partial Fisher–Yates: the first k entries of the block's permutation become a uniform k-subset. */
    const select: BlockSelector = (_x, off, d, k, out, at) => {
      for (let t = 0; t < k; t++) {
        const r = t + rng.int(d - t);
        const tmp = perm[off + t];
        perm[off + t] = perm[off + r];
        perm[off + r] = tmp;
        out[at + t] = off + perm[off + t];
      }
      out.subarray(at, at + k).sort();
    };
    const opts = { blocks, counts, nnz: totalCount(counts), precision: p, mult: spec.scaled ? mult : null, select };
    return {
      dim,
      carried: carriedLayers(blocks, counts),
      exactValues: !spec.scaled && p === 'f64',
      info,
      compress(x, decoded): Message {
        checkDims(name, dim, x, decoded);
        return sparseMessage(x, decoded, opts);
      },
      // The per-block permutation is never reset (header), so it is state a resume must carry.
      registerState(reg, prefix) {
        reg.vector(`${prefix}.perm`, perm);
      },
    };
  };
}
