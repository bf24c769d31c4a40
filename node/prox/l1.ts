/**
 * r(x) = λ‖x‖₁. prox_{ηr}(v)_j = sign(v_j)·max(|v_j| − ηλ, 0) (paper-spec §9.1: threshold ηλ,
 * "lr × l1" in the authors' code).
 */
import type { Prox } from './types.ts';
import { checkApply } from './check.ts';

/** out ← soft(v, τ) elementwise; out may alias v. Exact zeros (not −0) below the threshold. */
export function softThreshold(v: Float64Array, tau: number, out: Float64Array): Float64Array {
  for (let j = 0; j < v.length; j++) {
    const a = v[j];
    out[j] = a > tau ? a - tau : a < -tau ? a + tau : 0;
  }
  return out;
}

export function l1Norm(x: Float64Array): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += Math.abs(x[j]);
  return s;
}

export function l1Prox(opts: { lambda: number }): Prox {
  const lambda = opts.lambda;
  return {
    name: `l1(lambda=${lambda})`,
    value: (x) => lambda * l1Norm(x),
    apply(v, eta, out) {
      checkApply('l1', v, eta, out);
      return softThreshold(v, eta * lambda, out);
    },
  };
}
