/**
 * Group lasso over layers: r(x) = λ Σ_g w_g ‖x_g‖₂, groups g = the LayerMap's layers,
 * w_g = √(numel_g) ('sqrt-size', Yuan & Lin 2006) or 1 ('unit'). Coordinates outside every layer
 * are unregularized. The prox is block soft thresholding:
 *   prox_{ηr}(v)_g = max(0, 1 − ηλw_g/‖v_g‖₂)·v_g   (= 0 when ‖v_g‖₂ ≤ ηλw_g).
 */
import { ProxmeshError } from '../errors.ts';
import type { LayerMap } from '../linalg/layers.ts';
import type { Prox } from './types.ts';
import { checkApply } from './check.ts';

export type GroupWeights = 'sqrt-size' | 'unit';

export function groupLassoProx(opts: { lambda: number; weights: GroupWeights; layers: LayerMap }): Prox {
  const { lambda, layers } = opts;
  const offsets = new Int32Array(layers.length);
  const lengths = new Int32Array(layers.length);
  const w = new Float64Array(layers.length);
  for (let g = 0; g < layers.length; g++) {
    const l = layers[g];
    if (!Number.isInteger(l.offset) || !Number.isInteger(l.length) || l.offset < 0 || l.length < 0) {
      throw new ProxmeshError(
        'PROXMESH_ERR_PROX',
        `grouplasso: layer ${g} (${l.name}) has invalid offset ${l.offset} / length ${l.length}`,
        { field: 'layers', layer: l.name },
      );
    }
    offsets[g] = l.offset;
    lengths[g] = l.length;
    w[g] = opts.weights === 'sqrt-size' ? Math.sqrt(l.length) : 1;
  }
  const name = `grouplasso(lambda=${lambda},weights=${opts.weights})`;
  const checkCover = (x: Float64Array) => {
    for (let g = 0; g < offsets.length; g++) {
      if (offsets[g] + lengths[g] > x.length) {
        throw new ProxmeshError(
          'PROXMESH_ERR_INTERNAL',
          `${name}: layer ${layers[g].name} [${offsets[g]}, ${offsets[g] + lengths[g]}) exceeds vector length ${x.length}`,
        );
      }
    }
  };
  return {
    name,
    value(x) {
      checkCover(x);
      let s = 0;
      for (let g = 0; g < offsets.length; g++) {
        let q = 0;
        for (let j = offsets[g], e = j + lengths[g]; j < e; j++) q += x[j] * x[j];
        s += w[g] * Math.sqrt(q);
      }
      return lambda * s;
    },
    apply(v, eta, out) {
      checkApply(name, v, eta, out);
      checkCover(v);
      if (out !== v) out.set(v); // coordinates outside every layer pass through
      for (let g = 0; g < offsets.length; g++) {
        const a = offsets[g],
          e = a + lengths[g];
        let q = 0;
        for (let j = a; j < e; j++) q += v[j] * v[j];
        const norm = Math.sqrt(q);
        const tau = eta * lambda * w[g];
        const c = norm > tau ? 1 - tau / norm : 0;
        for (let j = a; j < e; j++) out[j] = c * v[j];
      }
      return out;
    },
  };
}
