/**
 * Error feedback (Seide et al. 2014; Karimireddy et al. 2019): the compressor keeps the residual e
 * (f64, starts at 0) of what it failed to send and adds it back next time:
 *   p = x + e,  m = Q(p) (decoded q),  e ← p − q,  decoded = q.
 * Telescoping: Σ_{t≤T} q_t = Σ_{t≤T} x_t − e_T. Q_ef is not a contraction of x alone, so α² is
 * null, and it is biased.
 */
import type { LayerMap } from '../linalg/layers.ts';
import type { Rng } from '../linalg/rng.ts';
import type { Message } from './types.ts';
import { type Built, type BuiltFactory, checkDims } from './internal.ts';

export function efFactory(inner: BuiltFactory): BuiltFactory {
  return (layers: LayerMap, rng: Rng): Built => {
    const q = inner(layers, rng);
    const dim = q.dim;
    const e = new Float64Array(dim);
    const p = new Float64Array(dim);
    const name = `ef(${q.info.name})`;
    return {
      dim,
      carried: null,
      exactValues: false,
      info: { name, alpha2: null, unbiased: false, omega: null, random: q.info.random },
      compress(x, decoded): Message {
        checkDims(name, dim, x, decoded);
        for (let j = 0; j < dim; j++) p[j] = x[j] + e[j];
        const m = q.compress(p, decoded);
        for (let j = 0; j < dim; j++) e[j] = p[j] - decoded[j];
        return m;
      },
      // e is the residual carried to the next call; p is scratch. The inner step's own state follows.
      registerState(reg, prefix) {
        reg.vector(`${prefix}.e`, e);
        q.registerState?.(reg, `${prefix}.inner`);
      },
    };
  };
}
