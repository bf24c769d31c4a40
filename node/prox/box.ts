/**
 * Indicator of the box [lower, upper]^d: r(x) = 0 if lower ≤ x_j ≤ upper ∀j, else +∞.
 * The prox (for any η) is the Euclidean projection: clip(v, lower, upper). `nonneg` is [0, +∞).
 */
import type { Prox } from './types.ts';
import { checkApply } from './check.ts';

export function boxProx(opts: { lower: number; upper: number; name?: string }): Prox {
  const { lower, upper } = opts;
  const name = opts.name ?? `box(lower=${lower},upper=${upper})`;
  return {
    name,
    value(x) {
      for (let j = 0; j < x.length; j++) {
        // Written so that NaN counts as outside.
        if (!(x[j] >= lower && x[j] <= upper)) return Infinity;
      }
      return 0;
    },
    apply(v, eta, out) {
      checkApply(name, v, eta, out);
      for (let j = 0; j < v.length; j++) {
        const a = v[j];
        out[j] = a < lower ? lower : a > upper ? upper : a;
      }
      return out;
    },
  };
}

export function nonnegProx(): Prox {
  return boxProx({ lower: 0, upper: Infinity, name: 'nonneg' });
}
