/**
 * Work buffers of the LeNet5 engine for a chunk of up to `capacity` samples. Batch-wide buffers keep
 * what the backward pass needs (pooled activations, argmax positions, FC activations); per-sample
 * buffers (im2col matrices, conv outputs) are reused sample by sample so they stay in L2.
 */
import { F0, F1, F2, IN_SIZE, K1, K2, N_CLASSES, P1_SIZE, P2_SIZE, Z1_SIZE, Z2_SIZE, H1, H2 } from './layout.ts';

export interface Lenet5Scratch {
  readonly capacity: number;
  /** Inputs, capacity × 784 (float64 copies of the dataset rows). */
  readonly xin: Float64Array;
  /** Pooled conv1 output capacity × 864 and the argmax positions. */
  readonly p1: Float64Array;
  readonly idx1: Int32Array;
  /** Pooled conv2 output = flattened FC input, capacity × 256, and its argmax positions. */
  readonly p2: Float64Array;
  readonly idx2: Int32Array;
  /** FC activations after ReLU and the logits (logits are overwritten by ∂loss/∂logits). */
  readonly h1: Float64Array;
  readonly h2: Float64Array;
  readonly logits: Float64Array;
  /** FC backward. */
  readonly dh1: Float64Array;
  readonly dh2: Float64Array;
  readonly dp2: Float64Array;
  /** Per-sample conv buffers. */
  readonly col1: Float64Array;
  readonly z1: Float64Array;
  readonly col2: Float64Array;
  readonly z2: Float64Array;
  readonly dcol2: Float64Array;
  readonly dp1: Float64Array;
}

export function createScratch(capacity: number): Lenet5Scratch {
  const b = capacity;
  return {
    capacity,
    xin: new Float64Array(b * IN_SIZE),
    p1: new Float64Array(b * P1_SIZE),
    idx1: new Int32Array(b * P1_SIZE),
    p2: new Float64Array(b * P2_SIZE),
    idx2: new Int32Array(b * P2_SIZE),
    h1: new Float64Array(b * F1),
    h2: new Float64Array(b * F2),
    logits: new Float64Array(b * N_CLASSES),
    dh1: new Float64Array(b * F1),
    dh2: new Float64Array(b * F2),
    dp2: new Float64Array(b * F0),
    col1: new Float64Array(K1 * H1 * H1),
    z1: new Float64Array(Z1_SIZE),
    col2: new Float64Array(K2 * H2 * H2),
    z2: new Float64Array(Z2_SIZE),
    dcol2: new Float64Array(K2 * H2 * H2),
    dp1: new Float64Array(P1_SIZE),
  };
}
