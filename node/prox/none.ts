/** r ≡ 0: prox_{η·0}(v) = v. */
import type { Prox } from './types.ts';
import { checkApply } from './check.ts';

export function noneProx(): Prox {
  return {
    name: 'none',
    value: () => 0,
    apply(v, eta, out) {
      checkApply('none', v, eta, out);
      if (out !== v) out.set(v);
      return out;
    },
  };
}
