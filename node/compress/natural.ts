/**
 * Natural compression (Horváth et al. 2019, "Natural compression for distributed deep learning"):
 * each coordinate is rounded stochastically to one of the two signed powers of two around it,
 *   |v| ∈ [2^e, 2^(e+1)):  Q(v) = sign(v)·2^(e+1) with probability p = |v|/2^e − 1, else sign(v)·2^e.
 * E[Q(v)] = sign(v)·2^e(1 + p) = v exactly (p is exact: |v|/2^e is a power-of-two scaling), and
 *   E(Q(v) − v)² = 4^e·p(1 − p) = v²·p(1 − p)/(1 + p)² ≤ v²/8   (maximum at p = 1/3),
 * so Q is unbiased with ω = 1/8, and, since ω < 1, also contractive with α² = ω (A4).
 * On the wire each value is a sign and an exponent (codec/payload-ext.ts, form 1).
 * Edge cases: 0 and NaN send 0; ±∞ sends ±2^1024 = ±∞; for |v| ≥ 2^1023 the upper neighbour
 * 2^1024 would be ∞, so those round down to 2^1023 (a bias only beyond ≈ 9·10^307).
 * The random draws come from the instance's seeded Rng: one per non-zero finite coordinate that
 * is not already a power of two (p > 0), in ascending coordinate order.
 */
import type { LayerMap } from '../linalg/layers.ts';
import type { Rng } from '../linalg/rng.ts';
import type { Message } from './types.ts';
import { type Built, type BuiltFactory, checkDims, withDecoded } from './internal.ts';
import { tiledDim } from './layout.ts';
import { E_MAX, exponentOf, pow2 } from './pow2.ts';

export const NATURAL_OMEGA = 1 / 8;

export function naturalFactory(): BuiltFactory {
  const name = 'natural()';
  return (layers: LayerMap, rng: Rng): Built => {
    const dim = tiledDim(layers);
    const exps = new Int32Array(dim);
    return {
      dim,
      carried: null,
      exactValues: false,
      info: { name, alpha2: NATURAL_OMEGA, unbiased: true, omega: NATURAL_OMEGA, random: true },
      compress(x, decoded): Message {
        checkDims(name, dim, x, decoded);
        const codes = new Int32Array(dim);
        let emin = E_MAX;
        let any = false;
        for (let j = 0; j < dim; j++) {
          const a = Math.abs(x[j]);
          if (!(a > 0)) continue; // 0 or NaN → code 0
          let e: number;
          if (a === Infinity) e = E_MAX;
          else {
            e = exponentOf(a);
            const p = a / pow2(e) - 1;
            if (e < 1023 && p > 0 && rng.next() < p) e++;
          }
          exps[j] = e;
          codes[j] = x[j] < 0 ? -1 : 1; // sign now, magnitude once emin is known
          if (e < emin) emin = e;
          any = true;
        }
        if (!any) emin = 0;
        for (let j = 0; j < dim; j++) if (codes[j] !== 0) codes[j] *= exps[j] - emin + 1;
        return withDecoded({ dim, indices: null, values: { kind: 'pow2', emin, codes } }, decoded);
      },
    };
  };
}
