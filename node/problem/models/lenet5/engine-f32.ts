/**
 * The float32 LeNet5 engine: engine.ts's forward and pooling-sparse backward with every tensor in
 * float32 and the dense work (GEMMs, im2col, conv-pool backward) delegated to an F32Kernels set
 * (WebAssembly SIMD or the TypeScript reference; both give the same bits). The element-wise steps here
 * (bias fill, ReLU, max-pool, the gradient gates, the bias sums) are shared by both kernel sets and
 * round every result to f32 (a Float32Array store, or Math.fround on a local accumulator).
 * The softmax cross-entropy is evaluated in f64 from the f32 logits (Math.exp/log), its gradient is
 * stored in f32, and the loss SUM over the chunk is returned in f64.
 */
import type { F32Kernels } from '../../../linalg/f32-kernels.ts';
import type { Lenet5ScratchF32 } from './scratch-f32.ts';
import * as L from './layout.ts';

// Module-level copies of the layout constants: an imported binding read in a hot loop costs a getter
// call under the tsx loader (measured 4 % of a profile); a local const is folded.
const { C1, C2, F0, F1, F2, H1, H2, IN_C, IN_H, IN_SIZE, K1, K2, KS, N_CLASSES, P1H, P1_SIZE, P2_SIZE } = L;
const OFF = { ...L.OFF };

const HW1 = H1 * H1; // 576 output pixels of conv1
const HW2 = H2 * H2; // 64 output pixels of conv2

function fillRowsWithBias(out: Float32Array, rows: number, cols: number, w: Float32Array, bOff: number): void {
  for (let r = 0; r < rows; r++) out.fill(w[bOff + r], r * cols, (r + 1) * cols);
}

function fillColsWithBias(out: Float32Array, rows: number, cols: number, w: Float32Array, bOff: number): void {
  for (let r = 0; r < rows; r++) out.set(w.subarray(bOff, bOff + cols), r * cols);
}

function reluInPlace(a: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) if (!(a[i] > 0)) a[i] = 0;
}

/** Forward pass of `b` samples already in s.xin; w holds the f32 parameters. */
export function forwardF32(K: F32Kernels, w: Float32Array, s: Lenet5ScratchF32, b: number): void {
  const { xin, col1, z1, p1, idx1, col2, z2, p2, idx2, h1, h2, logits } = s;
  for (let n0 = 0; n0 < b; n0++) {
    // conv1: z1[6, 576] = W1[6, 25] · col1[25, 576] + b1, pool, ReLU → p1[n] (ReLU commutes with max: engine.ts)
    K.im2col(xin, n0 * IN_SIZE, IN_C, IN_H, IN_H, KS, KS, col1, 0);
    fillRowsWithBias(z1, C1, HW1, w, OFF.b1);
    K.sgemm(false, false, C1, HW1, K1, 1, w, OFF.w1, K1, col1, 0, HW1, 1, z1, 0, HW1);
    K.maxPool2Relu(z1, 0, C1, H1, H1, p1, n0 * P1_SIZE, idx1, n0 * P1_SIZE);
    // conv2: z2[16, 64] = W2[16, 150] · col2[150, 64] + b2, pool, ReLU → p2[n]
    K.im2col(p1, n0 * P1_SIZE, C1, P1H, P1H, KS, KS, col2, 0);
    fillRowsWithBias(z2, C2, HW2, w, OFF.b2);
    K.sgemm(false, false, C2, HW2, K2, 1, w, OFF.w2, K2, col2, 0, HW2, 1, z2, 0, HW2);
    K.maxPool2Relu(z2, 0, C2, H2, H2, p2, n0 * P2_SIZE, idx2, n0 * P2_SIZE);
  }
  fillColsWithBias(h1, b, F1, w, OFF.b3);
  K.sgemm(false, true, b, F1, F0, 1, p2, 0, F0, w, OFF.w3, F0, 1, h1, 0, F1);
  reluInPlace(h1, 0, b * F1);
  fillColsWithBias(h2, b, F2, w, OFF.b4);
  K.sgemm(false, true, b, F2, F1, 1, h1, 0, F1, w, OFF.w4, F1, 1, h2, 0, F2);
  reluInPlace(h2, 0, b * F2);
  fillColsWithBias(logits, b, N_CLASSES, w, OFF.b5);
  K.sgemm(false, true, b, N_CLASSES, F2, 1, h2, 0, F2, w, OFF.w5, F2, 1, logits, 0, N_CLASSES);
}

/** Σ over the chunk of −log softmax(logits)[y] (f64); with toGrad the logits become softmax − onehot (f32). */
export function crossEntropyF32(
  s: Lenet5ScratchF32,
  labels: Int32Array,
  labelIdx: Int32Array | null,
  start: number,
  b: number,
  toGrad: boolean,
): number {
  const L = s.logits;
  const NC = N_CLASSES; // a local: imported bindings in inner loops are not constant-folded
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

/** Number of samples whose first-maximum logit is the label. */
export function countCorrectF32(s: Lenet5ScratchF32, labels: Int32Array, labelIdx: Int32Array | null, start: number, b: number): number {
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

/** g[gOff + j] += Σ_rows a[r, j], one f32 rounding per add (the Float32Array store). */
function addColumnSums(a: Float32Array, rows: number, cols: number, g: Float32Array, gOff: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) g[gOff + j] += a[o + j];
  }
}

function gateByPositive(d: Float32Array, dOff: number, a: Float32Array, aOff: number, len: number): void {
  for (let i = 0; i < len; i++) if (!(a[aOff + i] > 0)) d[dOff + i] = 0;
}

/** Backward after forwardF32 + crossEntropyF32(toGrad): ADDS ∂(sum loss)/∂w into g (f32). */
export function backwardF32(K: F32Kernels, w: Float32Array, s: Lenet5ScratchF32, b: number, g: Float32Array): void {
  const { xin, p1, idx1, dp1, p2, idx2, h1, h2, logits: dl, dh1, dh2, dp2 } = s;
  K.sgemm(true, false, N_CLASSES, F2, b, 1, dl, 0, N_CLASSES, h2, 0, F2, 1, g, OFF.w5, F2);
  addColumnSums(dl, b, N_CLASSES, g, OFF.b5);
  K.sgemm(false, false, b, F2, N_CLASSES, 1, dl, 0, N_CLASSES, w, OFF.w5, F2, 0, dh2, 0, F2);
  gateByPositive(dh2, 0, h2, 0, b * F2);
  K.sgemm(true, false, F2, F1, b, 1, dh2, 0, F2, h1, 0, F1, 1, g, OFF.w4, F1);
  addColumnSums(dh2, b, F2, g, OFF.b4);
  K.sgemm(false, false, b, F1, F2, 1, dh2, 0, F2, w, OFF.w4, F1, 0, dh1, 0, F1);
  gateByPositive(dh1, 0, h1, 0, b * F1);
  K.sgemm(true, false, F1, F0, b, 1, dh1, 0, F1, p2, 0, F0, 1, g, OFF.w3, F0);
  addColumnSums(dh1, b, F1, g, OFF.b3);
  K.sgemm(false, false, b, F0, F1, 1, dh1, 0, F1, w, OFF.w3, F0, 0, dp2, 0, F0);
  gateByPositive(dp2, 0, p2, 0, b * P2_SIZE);
  for (let n = 0; n < b; n++) {
    // dp1 = ∂/∂p1, gated by [p1 > 0] inside the kernel
    K.convPoolBackward5(
      dp2,
      n * P2_SIZE,
      idx2,
      n * P2_SIZE,
      C2,
      P2_SIZE / C2,
      p1,
      n * P1_SIZE,
      C1,
      P1H,
      w,
      OFF.w2,
      OFF.b2,
      g,
      dp1,
      0,
      p1,
      n * P1_SIZE,
    );
    K.convPoolBackward5(dp1, 0, idx1, n * P1_SIZE, C1, P1_SIZE / C1, xin, n * IN_SIZE, IN_C, IN_H, w, OFF.w1, OFF.b1, g, null, 0, null, 0);
  }
}
