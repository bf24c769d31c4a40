/**
 * r(x) = l1‖x‖₁ + (l2/2)‖x‖₂². The prox separates: prox_{ηr}(v) = soft(v, η·l1)/(1 + η·l2)
 * (minimise l1|u| + (l2/2)u² + (u − v)²/(2η) per coordinate).
 */
import type { Prox } from './types.ts';
import { checkApply } from './check.ts';
import { l1Norm, softThreshold } from './l1.ts';
import { sumSquares } from './l2sq.ts';

export function elasticNetProx(opts: { l1: number; l2: number }): Prox {
  const { l1, l2 } = opts;
  return {
    name: `elasticnet(l1=${l1},l2=${l2})`,
    value: (x) => l1 * l1Norm(x) + 0.5 * l2 * sumSquares(x),
    apply(v, eta, out) {
      checkApply('elasticnet', v, eta, out);
      softThreshold(v, eta * l1, out);
      const c = 1 / (1 + eta * l2);
      for (let j = 0; j < out.length; j++) out[j] *= c;
      return out;
    },
  };
}
