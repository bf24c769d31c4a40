/**
 * Random dithering with s levels per block (Alistarh et al. 2017's QSGD family; with s = 1 and
 * the max-norm this is TernGrad, Wen et al. 2017: Q(v)_j ∈ {−‖v‖∞, 0, ‖v‖∞}):
 *   Q(v)_j = scale·sign(v_j)·ℓ_j,  scale = ‖v‖/s (‖·‖∞ or ‖·‖₂),  ℓ_j = floor(|v_j|/scale) + Bernoulli(frac).
 * The scale is rounded UP to `scalePrecision` (scale = c‖v‖/s, c ∈ [1, 1 + ulp)) and ℓ_j uses that
 * rounded scale, so E[scale·ℓ_j] = |v_j| exactly (unbiased for every precision) and ℓ_j ≤ s.
 * Variance per block, with a_j = |v_j|/scale and f_j = frac(a_j):
 *   E‖Q − v‖² = scale²·Σ f_j(1 − f_j) ≤ min(d·scale²/4, scale·‖v‖₁) ≤ c²·min(d/(4s²), √d/s)·‖v‖²,
 * using f(1 − f) ≤ min(1/4, a), ‖v‖∞ ≤ ‖v‖₂ and ‖v‖₁ ≤ √d‖v‖₂. So ω = max_t c²·min(d_t/(4s²), √d_t/s);
 * when ω < 1 the operator is also contractive with α² = ω (A4), else α² is not claimed.
 * Wire form: integer levels (codec/payload.ts), no new tag.
 */
import type { LayerMap } from '../linalg/layers.ts';
import type { Rng } from '../linalg/rng.ts';
import type { DitherSpec } from './spec.ts';
import type { Message } from './types.ts';
import { type Built, type BuiltFactory, checkDims, formatName, withDecoded } from './internal.ts';
import { blockStarts, blocksOf } from './layout.ts';
import { roundUpToPrecision, ulpRelative } from './precision.ts';

export function ditherFactory(spec: DitherSpec): BuiltFactory {
  const s = spec.levels;
  const sp = spec.scalePrecision;
  const name = formatName('dither', { levels: s, norm: spec.norm, scope: spec.scope, scalePrecision: sp === 'f64' ? undefined : sp });
  return (layers: LayerMap, rng: Rng): Built => {
    const blocks = blocksOf(layers, spec.scope);
    const { dim, offsets, lengths } = blocks;
    const nb = lengths.length;
    const c2 = (1 + ulpRelative(sp)) ** 2;
    let omega = 0;
    for (let b = 0; b < nb; b++) {
      const d = lengths[b];
      if (d > 0) omega = Math.max(omega, c2 * Math.min(d / (4 * s * s), Math.sqrt(d) / s));
    }
    const info = { name, alpha2: omega < 1 ? omega : null, unbiased: true, omega, random: true };
    const startsTemplate = blockStarts(blocks);
    const linf = spec.norm === 'linf';
    return {
      dim,
      carried: null,
      exactValues: false,
      info,
      compress(x, decoded): Message {
        checkDims(name, dim, x, decoded);
        const levels = new Int32Array(dim);
        const scales = new Float64Array(nb);
        for (let b = 0; b < nb; b++) {
          const off = offsets[b],
            end = off + lengths[b];
          let norm = 0;
          if (linf) for (let j = off; j < end; j++) norm = Math.max(norm, Math.abs(x[j]));
          else {
            for (let j = off; j < end; j++) norm += x[j] * x[j];
            norm = Math.sqrt(norm);
          }
          if (!(norm > 0) || norm === Infinity) continue; // v = 0, NaN or ∞: levels and scale stay 0
          const scale = roundUpToPrecision(norm / s, sp);
          for (let j = off; j < end; j++) {
            const a = Math.abs(x[j]) / scale;
            const fl = Math.floor(a);
            // a ≤ s up to f64 rounding; the clamp only removes a 1-ulp excess.
            const l = fl >= s ? s : fl + (rng.next() < a - fl ? 1 : 0);
            levels[j] = x[j] < 0 ? -l : l;
          }
          scales[b] = scale;
        }
        return withDecoded(
          { dim, indices: null, values: { kind: 'levels', s, scalePrecision: sp, blockStarts: startsTemplate.slice(), scales, levels } },
          decoded,
        );
      },
    };
  };
}
