/** r(x) = (λ/2)‖x‖₂². prox_{ηr}(v) = v/(1 + ηλ). */
import type { Prox } from './types.ts';
import { checkApply } from './check.ts';

export function sumSquares(x: Float64Array): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += x[j] * x[j];
  return s;
}

export function l2sqProx(opts: { lambda: number }): Prox {
  const lambda = opts.lambda;
  return {
    name: `l2sq(lambda=${lambda})`,
    value: (x) => 0.5 * lambda * sumSquares(x),
    apply(v, eta, out) {
      checkApply('l2sq', v, eta, out);
      const c = 1 / (1 + eta * lambda);
      for (let j = 0; j < v.length; j++) out[j] = v[j] * c;
      return out;
    },
  };
}
