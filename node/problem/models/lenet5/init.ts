/** LeNet5's initial point, shared by the f64 and f32 models. */
import type { Rng } from '../../../linalg/rng.ts';
import { FAN_IN, LENET5_LAYERS } from './layout.ts';

/**
 * PyTorch's default init: kaiming_uniform_(w, a=√5) gives bound = gain·√(3/fan_in) with
 * gain = √(2/(1+5)), i.e. U(−1/√fan_in, 1/√fan_in); biases use the same bound. Drawn tensor by tensor
 * in layout order.
 */
export function initLenet5(rng: Rng, out: Float64Array): Float64Array {
  LENET5_LAYERS.forEach((layer, l) => {
    const bound = 1 / Math.sqrt(FAN_IN[l]);
    for (let i = 0; i < layer.length; i++) out[layer.offset + i] = (2 * rng.next() - 1) * bound;
  });
  return out;
}
