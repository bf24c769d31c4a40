/**
 * LeNet5 shapes and the flat parameter layout (paper-spec §6.2). Tensors are laid out in PyTorch's
 * `named_parameters()` order and shapes (weight then bias per layer; conv weights [Cout, Cin, kh, kw],
 * linear weights [out, in]) because the authors apply top-k per layer on exactly these tensors.
 */
import type { LayerMap, LayerSpec } from '../../../linalg/layers.ts';

/** Input image 1×28×28. */
export const IN_C = 1,
  IN_H = 28,
  IN_W = 28,
  IN_SIZE = IN_C * IN_H * IN_W;
/** Kernel side of both convolutions (valid padding, stride 1). */
export const KS = 5;
/** conv1: 1→6, 28×28 → 24×24, pooled to 12×12. */
export const C1 = 6,
  H1 = IN_H - KS + 1,
  P1H = H1 / 2,
  K1 = IN_C * KS * KS;
/** conv2: 6→16, 12×12 → 8×8, pooled to 4×4. */
export const C2 = 16,
  H2 = P1H - KS + 1,
  P2H = H2 / 2,
  K2 = C1 * KS * KS;
/** Per-sample activation sizes. */
export const Z1_SIZE = C1 * H1 * H1,
  P1_SIZE = C1 * P1H * P1H,
  Z2_SIZE = C2 * H2 * H2,
  P2_SIZE = C2 * P2H * P2H;
/** Fully connected widths: 256 → 120 → 84 → 10. */
export const F0 = P2_SIZE,
  F1 = 120,
  F2 = 84,
  N_CLASSES = 10;
/** The paper's count (§6.2). */
export const LENET5_DIM = 44_426;

function buildLayers(): LayerMap {
  const shapes: Array<[string, number[]]> = [
    ['conv1.weight', [C1, IN_C, KS, KS]],
    ['conv1.bias', [C1]],
    ['conv2.weight', [C2, C1, KS, KS]],
    ['conv2.bias', [C2]],
    ['fc1.weight', [F1, F0]],
    ['fc1.bias', [F1]],
    ['fc2.weight', [F2, F1]],
    ['fc2.bias', [F2]],
    ['fc3.weight', [N_CLASSES, F2]],
    ['fc3.bias', [N_CLASSES]],
  ];
  const out: LayerSpec[] = [];
  let offset = 0;
  for (const [name, shape] of shapes) {
    const length = shape.reduce((p, s) => p * s, 1);
    out.push(Object.freeze({ name, offset, length, shape: Object.freeze(shape.slice()) }));
    offset += length;
  }
  if (offset !== LENET5_DIM) throw new Error(`LeNet5 layout has ${offset} parameters, expected ${LENET5_DIM}`);
  return Object.freeze(out);
}

export const LENET5_LAYERS: LayerMap = buildLayers();

/** Offsets of each tensor in the flat vector, by role. */
export const OFF = {
  w1: LENET5_LAYERS[0].offset,
  b1: LENET5_LAYERS[1].offset,
  w2: LENET5_LAYERS[2].offset,
  b2: LENET5_LAYERS[3].offset,
  w3: LENET5_LAYERS[4].offset,
  b3: LENET5_LAYERS[5].offset,
  w4: LENET5_LAYERS[6].offset,
  b4: LENET5_LAYERS[7].offset,
  w5: LENET5_LAYERS[8].offset,
  b5: LENET5_LAYERS[9].offset,
} as const;

/** fan_in of each layer (weights and bias share it), for PyTorch's default init bound 1/√fan_in. */
export const FAN_IN: readonly number[] = [K1, K1, K2, K2, F0, F0, F1, F1, F2, F2];
