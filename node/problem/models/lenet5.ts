/**
 * LeNet5 for 1×28×28 images (Fashion-MNIST, paper-spec §6.2): conv 1→6 5×5, ReLU, maxpool 2,
 * conv 6→16 5×5, ReLU, maxpool 2, fc 256→120→84→10 with ReLU, softmax cross-entropy averaged over
 * the samples. 44,426 parameters in PyTorch's tensor order (see ./lenet5/layout.ts).
 *
 * Samples are processed in chunks of at most `maxChunk`, so an evaluation over all 60k rows
 * (idx = null) uses bounded memory; work buffers grow to the largest chunk seen and are then reused
 * (no allocation on the hot path). A model instance is not re-entrant: use one per node/worker.
 * Gradient clipping (§2.3) belongs to the algorithm, not here.
 */
import type { Dataset, Model } from '../types.ts';
import type { LayerMap } from '../../linalg/layers.ts';
import type { Rng } from '../../linalg/rng.ts';
import { ProxmeshError } from '../../errors.ts';
import { IN_SIZE, LENET5_DIM, LENET5_LAYERS, N_CLASSES } from './lenet5/layout.ts';
import { createScratch, type Lenet5Scratch } from './lenet5/scratch.ts';
import { backward, countCorrect, crossEntropy, forward } from './lenet5/engine.ts';
import { checkDataset, checkIndices, checkVector } from './lenet5/checks.ts';
import { createLenet5F32 } from './lenet5-f32.ts';
import { initLenet5 } from './lenet5/init.ts';
import type { Precision } from './precision.ts';

export { LENET5_DIM, LENET5_LAYERS } from './lenet5/layout.ts';

export interface Lenet5Options {
  /** Largest number of samples processed at once (bounds scratch memory: ≈ 30 kB per sample). Default 256. */
  readonly maxChunk?: number;
  /**
   * Conv backward: 'sparse' (default) visits only the pooled argmax pixels with a non-zero gradient
   * (≥ 4× fewer multiply-adds, measured faster in bench/lenet5.bench.ts); 'gemm' is the dense
   * im2col + GEMM form. Both give the same gradient up to summation order.
   */
  readonly convBackward?: 'sparse' | 'gemm';
  /**
   * Arithmetic precision (docs/architecture.md "Precision"): 'f64' (default) or 'f32', the float32
   * engine on WebAssembly SIMD kernels (lenet5-f32.ts; its conv backward is always 'sparse').
   */
  readonly precision?: Precision;
  /** f32 only: 'wasm' (default where the runtime validates the module) or 'ts', the reference; same bits. */
  readonly kernels?: 'wasm' | 'ts';
}

const DEFAULT_MAX_CHUNK = 256;

export function createLenet5(opts: Lenet5Options = {}): Model {
  if (opts.precision === 'f32') return createLenet5F32({ maxChunk: opts.maxChunk, kernels: opts.kernels });
  const maxChunk = opts.maxChunk ?? DEFAULT_MAX_CHUNK;
  if (!Number.isInteger(maxChunk) || maxChunk < 1) {
    throw new ProxmeshError('PROXMESH_ERR_CONFIG', `lenet5: maxChunk must be an integer ≥ 1, got ${maxChunk}`, { maxChunk });
  }
  const convBackward = opts.convBackward ?? 'sparse';
  if (convBackward !== 'sparse' && convBackward !== 'gemm') {
    throw new ProxmeshError('PROXMESH_ERR_CONFIG', `lenet5: convBackward must be 'sparse' or 'gemm', got ${String(convBackward)}`, {
      convBackward,
    });
  }
  const sparse = convBackward === 'sparse';
  let scratch: Lenet5Scratch | null = null;

  const ensure = (b: number): Lenet5Scratch => {
    if (scratch === null || scratch.capacity < b) scratch = createScratch(b);
    return scratch;
  };

  /**
   * Runs chunks over the selected samples; returns [Σ loss, Σ correct]. With `grad` non-null it
   * receives Σ of per-sample gradients (the caller scales).
   */
  const run = (
    x: Float64Array,
    data: Dataset,
    idx: Int32Array | null,
    grad: Float64Array | null,
    wantCorrect: boolean,
  ): [number, number, number] => {
    checkVector(x, 'x');
    const feats = checkDataset(data);
    const total = idx === null ? feats.rows : idx.length;
    if (idx !== null) checkIndices(idx, feats.rows);
    if (grad !== null) {
      checkVector(grad, 'grad');
      grad.fill(0);
    }
    let lossSum = 0;
    let correct = 0;
    const nClasses = N_CLASSES;
    const src = feats.data;
    const rowLen = IN_SIZE; // a local: imported bindings in inner loops are not constant-folded
    for (let start = 0; start < total; start += maxChunk) {
      const b = Math.min(maxChunk, total - start);
      const s = ensure(b);
      for (let n = 0; n < b; n++) {
        const row = idx === null ? start + n : idx[start + n];
        const y = data.labels[row];
        if (!(y >= 0 && y < nClasses)) {
          throw new ProxmeshError('PROXMESH_ERR_DATASET', `lenet5: label ${y} of row ${row} is outside 0..${N_CLASSES - 1}`, {
            row,
            label: y,
          });
        }
        const o = row * rowLen;
        const d = n * rowLen;
        const xin = s.xin;
        for (let j = 0; j < rowLen; j++) xin[d + j] = src[o + j];
      }
      forward(x, s, b);
      if (wantCorrect) correct += countCorrect(s, data.labels, idx, start, b);
      lossSum += crossEntropy(s, data.labels, idx, start, b, grad !== null);
      if (grad !== null) backward(x, s, b, grad, sparse);
    }
    return [lossSum, correct, total];
  };

  const model: Model = {
    kind: 'lenet5',
    dim: LENET5_DIM,
    layers: LENET5_LAYERS as LayerMap,
    nClasses: N_CLASSES,
    lossGrad(x, data, idx, grad) {
      const [lossSum, , total] = run(x, data, idx, grad, false);
      if (total === 0) return 0;
      const inv = 1 / total;
      for (let i = 0; i < LENET5_DIM; i++) grad[i] *= inv;
      return lossSum * inv;
    },
    loss(x, data, idx) {
      const [lossSum, , total] = run(x, data, idx, null, false);
      return total === 0 ? 0 : lossSum / total;
    },
    accuracy(x, data, idx) {
      const [, correct, total] = run(x, data, idx, null, true);
      return total === 0 ? 0 : correct / total;
    },
    initRandom(rng: Rng, out: Float64Array) {
      checkVector(out, 'out');
      return initLenet5(rng, out);
    },
  };
  return Object.freeze(model);
}
