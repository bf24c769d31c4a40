/**
 * Q(x) = x, dense message (indices null). With f32/f16 the values are rounded, so Q is then a
 * deterministic contraction with α² = u² (unit roundoff, normal range) and not unbiased.
 */
import type { LayerMap } from '../linalg/layers.ts';
import type { IdentitySpec } from './spec.ts';
import type { Message } from './types.ts';
import { type Built, type BuiltFactory, checkDims, formatName } from './internal.ts';
import { tiledDim } from './layout.ts';
import { roundArrayToPrecision, unitRoundoff } from './precision.ts';

export function identityFactory(spec: IdentitySpec): BuiltFactory {
  const p = spec.precision;
  return (layers: LayerMap): Built => {
    const dim = tiledDim(layers);
    const u = unitRoundoff(p);
    const name = formatName('identity', { precision: p === 'f64' ? undefined : p });
    return {
      dim,
      carried: layers,
      exactValues: p === 'f64',
      info: { name, alpha2: u * u, unbiased: p === 'f64', omega: p === 'f64' ? 0 : null, random: false },
      compress(x, decoded): Message {
        checkDims(name, dim, x, decoded);
        const data = roundArrayToPrecision(x, p, new Float64Array(dim));
        decoded.set(data);
        return { dim, indices: null, values: { kind: 'float', precision: p, data } };
      },
    };
  };
}
