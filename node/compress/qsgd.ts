/**
 * QSGD with s levels per block (paper-spec §4; Alistarh et al. 2017):
 *   Q(v)_j = scale·ℓ_j·sign(v_j),  scale = ‖v‖₂/s,  ℓ_j = floor(|v_j|/scale) + Bernoulli(frac).
 * The scale is rounded UP to `scalePrecision` (scale = c‖v‖/s, c ∈ [1, 1 + ulp)), and ℓ_j is
 * computed against that rounded scale, so E[scale·ℓ_j] = |v_j| holds exactly (unbiased for every
 * scale precision) and ℓ_j ≤ s. Variance per block: E‖Q − v‖² ≤ c²·min(d/s², √d/s)‖v‖², so
 *   ω = max_t c²·min(d_t/s², √d_t/s).
 * contractive = true sends scale/(1+ω_t) (ω_t of its block, rounded to nearest): for an unbiased Q
 * with variance ω, E‖v − tQ‖² = (1 − 2t + t²(1+ω))‖v‖², minimised at t = 1/(1+ω) with value
 * ω/(1+ω); a relative rounding δ ≤ u of t adds δ²/(1+ω), so α² = max_t (ω_t + u²)/(1 + ω_t).
 * The non-contractive form declares α² = ω when ω < 1 (an unbiased Q with ω < 1 satisfies A4).
 */
import type { LayerMap } from '../linalg/layers.ts';
import type { Rng } from '../linalg/rng.ts';
import type { QsgdSpec } from './spec.ts';
import type { Message } from './types.ts';
import { type Built, type BuiltFactory, checkDims, formatName, withDecoded } from './internal.ts';
import { blockStarts, blocksOf } from './layout.ts';
import { roundToPrecision, roundUpToPrecision, ulpRelative, unitRoundoff } from './precision.ts';

export function qsgdFactory(spec: QsgdSpec): BuiltFactory {
  const s = spec.levels;
  const sp = spec.scalePrecision;
  const name = formatName('qsgd', {
    levels: s,
    scope: spec.scope,
    contractive: spec.contractive || undefined,
    scalePrecision: sp === 'f64' ? undefined : sp,
  });
  return (layers: LayerMap, rng: Rng): Built => {
    const blocks = blocksOf(layers, spec.scope);
    const { dim, offsets, lengths } = blocks;
    const nb = lengths.length;
    const c2 = (1 + ulpRelative(sp)) ** 2;
    const u2 = unitRoundoff(sp) ** 2;
    const omegas = new Float64Array(nb);
    let omega = 0;
    let alpha2Contractive = 0;
    for (let b = 0; b < nb; b++) {
      const d = lengths[b];
      omegas[b] = d === 0 ? 0 : c2 * Math.min(d / (s * s), Math.sqrt(d) / s);
      omega = Math.max(omega, omegas[b]);
      alpha2Contractive = Math.max(alpha2Contractive, (omegas[b] + u2) / (1 + omegas[b]));
    }
    const info = spec.contractive
      ? { name, alpha2: alpha2Contractive, unbiased: false, omega: null, random: true }
      : { name, alpha2: omega < 1 ? omega : null, unbiased: true, omega, random: true };
    const startsTemplate = blockStarts(blocks);
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
          let q = 0;
          for (let j = off; j < end; j++) q += x[j] * x[j];
          const norm = Math.sqrt(q);
          if (!(norm > 0)) continue; // v = 0 (or NaN): levels and scale stay 0
          const scaleUp = roundUpToPrecision(norm / s, sp);
          for (let j = off; j < end; j++) {
            const a = Math.abs(x[j]) / scaleUp;
            const fl = Math.floor(a);
            // a ≤ s up to f64 rounding; the clamp only removes a 1-ulp excess.
            const l = fl >= s ? s : fl + (rng.next() < a - fl ? 1 : 0);
            levels[j] = x[j] < 0 ? -l : l;
          }
          scales[b] = spec.contractive ? roundToPrecision(scaleUp / (1 + omegas[b]), sp) : scaleUp;
        }
        return withDecoded(
          { dim, indices: null, values: { kind: 'levels', s, scalePrecision: sp, blockStarts: startsTemplate.slice(), scales, levels } },
          decoded,
        );
      },
    };
  };
}
