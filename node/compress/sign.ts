/**
 * Scaled sign per block: Q(v) = (‖v‖₁/d)·sign(v), levels ∈ {−1, 0, 1}, s = 1.
 * With a = ‖v‖₁/d, the scale rounded to c·a (|c − 1| ≤ u) and n = nnz(v) ≤ d:
 *   ‖v − c·a·sign(v)‖² = ‖v‖² − (‖v‖₁²/d)(2c − c²n/d) ≤ ‖v‖² − (‖v‖₁²/d)(1 − u²)
 *                      ≤ (1 − (1 − u²)/d)‖v‖²        (‖v‖₁ ≥ ‖v‖₂),
 * so the declared worst case is α² = 1 − (1 − u²)/d_max over non-empty blocks. Deterministic.
 */
import type { LayerMap } from '../linalg/layers.ts';
import type { SignSpec } from './spec.ts';
import type { Message } from './types.ts';
import { type Built, type BuiltFactory, checkDims, formatName, withDecoded } from './internal.ts';
import { blockStarts, blocksOf } from './layout.ts';
import { roundToPrecision, unitRoundoff } from './precision.ts';

export function signFactory(spec: SignSpec): BuiltFactory {
  const sp = spec.scalePrecision;
  const name = formatName('sign', { scope: spec.scope, scalePrecision: sp === 'f64' ? undefined : sp });
  return (layers: LayerMap): Built => {
    const blocks = blocksOf(layers, spec.scope);
    const { dim, offsets, lengths } = blocks;
    const nb = lengths.length;
    const u2 = unitRoundoff(sp) ** 2;
    let alpha2 = 0;
    for (let b = 0; b < nb; b++) if (lengths[b] > 0) alpha2 = Math.max(alpha2, 1 - (1 - u2) / lengths[b]);
    const startsTemplate = blockStarts(blocks);
    return {
      dim,
      carried: null,
      exactValues: false,
      info: { name, alpha2, unbiased: false, omega: null, random: false },
      compress(x, decoded): Message {
        checkDims(name, dim, x, decoded);
        const levels = new Int32Array(dim);
        const scales = new Float64Array(nb);
        for (let b = 0; b < nb; b++) {
          const off = offsets[b],
            d = lengths[b],
            end = off + d;
          let l1 = 0;
          for (let j = off; j < end; j++) {
            l1 += Math.abs(x[j]);
            levels[j] = x[j] > 0 ? 1 : x[j] < 0 ? -1 : 0;
          }
          scales[b] = d === 0 ? 0 : roundToPrecision(l1 / d, sp);
        }
        return withDecoded(
          { dim, indices: null, values: { kind: 'levels', s: 1, scalePrecision: sp, blockStarts: startsTemplate.slice(), scales, levels } },
          decoded,
        );
      },
    };
  };
}
