/**
 * Forward and backward passes of LeNet5 (paper-spec §6.2) over one chunk of samples already copied
 * into `s.xin`. Convolutions are im2col + GEMM per sample; the three FC layers are GEMMs over the
 * whole chunk. Loss is softmax cross-entropy; this module works with SUMS over the chunk (the caller
 * divides by the total sample count once, so chunking does not change the mean).
 *
 * ReLU and max-pool commute (max is monotone): pool(relu(z)) = relu(pool(z)), so ReLU is applied to
 * the 4× smaller pooled map. The pooled value p = relu(z at the argmax), so the ReLU derivative there
 * is [p > 0] and no pre-pool activation is kept. (Where a whole window is ≤ 0 the argmax may differ
 * from relu-then-pool, but the gradient through it is 0 either way.)
 */
import { gemm } from '../../../linalg/gemm.ts';
import { col2im, im2col, maxPool2, maxPool2Backward } from '../../../linalg/conv.ts';
import type { Lenet5Scratch } from './scratch.ts';
import { sparseConvPoolBackward } from './sparse-conv-backward.ts';
import {
  C1,
  C2,
  F0,
  F1,
  F2,
  H1,
  H2,
  IN_C,
  IN_H,
  IN_SIZE,
  K1,
  K2,
  KS,
  N_CLASSES,
  OFF,
  P1H,
  P1_SIZE,
  P2_SIZE,
  Z1_SIZE,
  Z2_SIZE,
} from './layout.ts';

const HW1 = H1 * H1; // 576 output pixels of conv1
const HW2 = H2 * H2; // 64 output pixels of conv2

/** Fill each of `rows` rows (length `cols`, leading dim `ld`) of out with bias[r]. */
function fillRowsWithBias(out: Float64Array, outOff: number, rows: number, cols: number, x: Float64Array, bOff: number): void {
  for (let r = 0; r < rows; r++) out.fill(x[bOff + r], outOff + r * cols, outOff + (r + 1) * cols);
}

/** Every one of `rows` rows of out (width `cols`) ← bias (a row vector). */
function fillColsWithBias(out: Float64Array, rows: number, cols: number, x: Float64Array, bOff: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) out[o + j] = x[bOff + j];
  }
}

function reluInPlace(a: Float64Array, from: number, to: number): void {
  for (let i = from; i < to; i++) if (!(a[i] > 0)) a[i] = 0;
}

/**
 * Forward pass of `b` samples: fills p1/idx1/p2/idx2/h1/h2/logits of the scratch.
 */
export function forward(x: Float64Array, s: Lenet5Scratch, b: number): void {
  const { xin, col1, z1, p1, idx1, col2, z2, p2, idx2, h1, h2, logits } = s;
  for (let n0 = 0; n0 < b; n0++) {
    // conv1: z1[6, 576] = W1[6, 25] · col1[25, 576] + b1, ReLU, pool → p1[n] (6×12×12)
    im2col(xin, n0 * IN_SIZE, IN_C, IN_H, IN_H, KS, KS, col1, 0);
    fillRowsWithBias(z1, 0, C1, HW1, x, OFF.b1);
    gemm(false, false, C1, HW1, K1, 1, x, OFF.w1, K1, col1, 0, HW1, 1, z1, 0, HW1);
    maxPool2(z1, 0, C1, H1, H1, p1, n0 * P1_SIZE, idx1, n0 * P1_SIZE);
    reluInPlace(p1, n0 * P1_SIZE, (n0 + 1) * P1_SIZE);
    // conv2: z2[16, 64] = W2[16, 150] · col2[150, 64] + b2, ReLU, pool → p2[n] (16×4×4 = 256)
    im2col(p1, n0 * P1_SIZE, C1, P1H, P1H, KS, KS, col2, 0);
    fillRowsWithBias(z2, 0, C2, HW2, x, OFF.b2);
    gemm(false, false, C2, HW2, K2, 1, x, OFF.w2, K2, col2, 0, HW2, 1, z2, 0, HW2);
    maxPool2(z2, 0, C2, H2, H2, p2, n0 * P2_SIZE, idx2, n0 * P2_SIZE);
    reluInPlace(p2, n0 * P2_SIZE, (n0 + 1) * P2_SIZE);
  }
  // FC layers over the chunk, activations row-major [b, width]; Y = X·Wᵀ + bias.
  fillColsWithBias(h1, b, F1, x, OFF.b3);
  gemm(false, true, b, F1, F0, 1, p2, 0, F0, x, OFF.w3, F0, 1, h1, 0, F1);
  reluInPlace(h1, 0, b * F1);
  fillColsWithBias(h2, b, F2, x, OFF.b4);
  gemm(false, true, b, F2, F1, 1, h1, 0, F1, x, OFF.w4, F1, 1, h2, 0, F2);
  reluInPlace(h2, 0, b * F2);
  fillColsWithBias(logits, b, N_CLASSES, x, OFF.b5);
  gemm(false, true, b, N_CLASSES, F2, 1, h2, 0, F2, x, OFF.w5, F2, 1, logits, 0, N_CLASSES);
}

/**
 * Σ over the chunk of −log softmax(logits)[y]. When `toGrad` is true the logits are overwritten by
 * ∂(sum loss)/∂logits = softmax − onehot(y).
 */
export function crossEntropy(
  s: Lenet5Scratch,
  labels: Int32Array,
  labelIdx: Int32Array | null,
  start: number,
  b: number,
  toGrad: boolean,
): number {
  const L = s.logits;
  const NC = N_CLASSES; // a local: imported bindings in inner loops are not constant-folded (measured 4× slower)
  let sum = 0;
  for (let n = 0; n < b; n++) {
    const o = n * NC;
    const y = labels[labelIdx === null ? start + n : labelIdx[start + n]];
    let mx = L[o];
    for (let j = 1; j < NC; j++) if (L[o + j] > mx) mx = L[o + j];
    let z = 0;
    for (let j = 0; j < NC; j++) z += Math.exp(L[o + j] - mx);
    const lse = mx + Math.log(z);
    sum += lse - L[o + y];
    if (toGrad) {
      for (let j = 0; j < NC; j++) L[o + j] = Math.exp(L[o + j] - lse);
      L[o + y] -= 1;
    }
  }
  return sum;
}

/** Number of samples in the chunk whose first-maximum logit is the label. */
export function countCorrect(s: Lenet5Scratch, labels: Int32Array, labelIdx: Int32Array | null, start: number, b: number): number {
  const L = s.logits;
  const NC = N_CLASSES;
  let correct = 0;
  for (let n = 0; n < b; n++) {
    const o = n * NC;
    let best = 0;
    for (let j = 1; j < NC; j++) if (L[o + j] > L[o + best]) best = j;
    if (best === labels[labelIdx === null ? start + n : labelIdx[start + n]]) correct++;
  }
  return correct;
}

/** Σ_rows of a [rows, cols] block added into g[gOff + j]. */
function addColumnSums(a: Float64Array, rows: number, cols: number, g: Float64Array, gOff: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) g[gOff + j] += a[o + j];
  }
}

/** g[gOff + r] += Σ_j a[r, j] for a [rows, cols] block. */
function addRowSums(a: Float64Array, rows: number, cols: number, g: Float64Array, gOff: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let t = 0;
    for (let j = 0; j < cols; j++) t += a[o + j];
    g[gOff + r] += t;
  }
}

/** d ← d ⊙ [a > 0] (ReLU derivative from the post-ReLU activation). */
function gateByPositive(d: Float64Array, dOff: number, a: Float64Array, aOff: number, len: number): void {
  for (let i = 0; i < len; i++) if (!(a[aOff + i] > 0)) d[dOff + i] = 0;
}

/**
 * Backward pass after forward + crossEntropy(toGrad = true): ADDS ∂(sum loss)/∂x into g. The conv
 * layers use im2col + GEMM (`sparse` false) or the pooling-sparse direct form (sparse-conv-backward.ts).
 */
export function backward(x: Float64Array, s: Lenet5Scratch, b: number, g: Float64Array, sparse: boolean): void {
  const { xin, col1, z1, p1, idx1, col2, z2, dcol2, dp1, p2, idx2, h1, h2, logits: dl, dh1, dh2, dp2 } = s;
  // fc3: dW5 += dLᵀ·h2, db5 += Σ dL, dh2 = dL·W5 ⊙ [h2 > 0]
  gemm(true, false, N_CLASSES, F2, b, 1, dl, 0, N_CLASSES, h2, 0, F2, 1, g, OFF.w5, F2);
  addColumnSums(dl, b, N_CLASSES, g, OFF.b5);
  gemm(false, false, b, F2, N_CLASSES, 1, dl, 0, N_CLASSES, x, OFF.w5, F2, 0, dh2, 0, F2);
  gateByPositive(dh2, 0, h2, 0, b * F2);
  // fc2
  gemm(true, false, F2, F1, b, 1, dh2, 0, F2, h1, 0, F1, 1, g, OFF.w4, F1);
  addColumnSums(dh2, b, F2, g, OFF.b4);
  gemm(false, false, b, F1, F2, 1, dh2, 0, F2, x, OFF.w4, F1, 0, dh1, 0, F1);
  gateByPositive(dh1, 0, h1, 0, b * F1);
  // fc1: dp2 = dh1·W3 is the gradient w.r.t. the pooled conv2 output (flattened c,y,x)
  gemm(true, false, F1, F0, b, 1, dh1, 0, F1, p2, 0, F0, 1, g, OFF.w3, F0);
  addColumnSums(dh1, b, F1, g, OFF.b3);
  gemm(false, false, b, F0, F1, 1, dh1, 0, F1, x, OFF.w3, F0, 0, dp2, 0, F0);
  gateByPositive(dp2, 0, p2, 0, b * P2_SIZE);
  if (sparse) {
    for (let n = 0; n < b; n++) {
      sparseConvPoolBackward(dp2, n * P2_SIZE, idx2, n * P2_SIZE, C2, P2_SIZE / C2, p1, n * P1_SIZE, C1, P1H, x, OFF.w2, OFF.b2, g, dp1, 0);
      gateByPositive(dp1, 0, p1, n * P1_SIZE, P1_SIZE);
      sparseConvPoolBackward(dp1, 0, idx1, n * P1_SIZE, C1, P1_SIZE / C1, xin, n * IN_SIZE, IN_C, IN_H, x, OFF.w1, OFF.b1, g, null, 0);
    }
    return;
  }
  for (let n = 0; n < b; n++) {
    // conv2: dz2 (reusing z2) = unpool(dp2); dW2 += dz2·col2ᵀ; dcol2 = W2ᵀ·dz2; dp1 = col2im(dcol2)
    maxPool2Backward(dp2, n * P2_SIZE, idx2, n * P2_SIZE, P2_SIZE, z2, 0, Z2_SIZE);
    im2col(p1, n * P1_SIZE, C1, P1H, P1H, KS, KS, col2, 0);
    gemm(false, true, C2, K2, HW2, 1, z2, 0, HW2, col2, 0, HW2, 1, g, OFF.w2, K2);
    addRowSums(z2, C2, HW2, g, OFF.b2);
    gemm(true, false, K2, HW2, C2, 1, x, OFF.w2, K2, z2, 0, HW2, 0, dcol2, 0, HW2);
    col2im(dcol2, 0, C1, P1H, P1H, KS, KS, dp1, 0);
    gateByPositive(dp1, 0, p1, n * P1_SIZE, P1_SIZE);
    // conv1: dz1 (reusing z1) = unpool(dp1); dW1 += dz1·col1ᵀ (the input gradient is not needed)
    maxPool2Backward(dp1, 0, idx1, n * P1_SIZE, P1_SIZE, z1, 0, Z1_SIZE);
    im2col(xin, n * IN_SIZE, IN_C, IN_H, IN_H, KS, KS, col1, 0);
    gemm(false, true, C1, K1, HW1, 1, z1, 0, HW1, col1, 0, HW1, 1, g, OFF.w1, K1);
    addRowSums(z1, C1, HW1, g, OFF.b1);
  }
}
