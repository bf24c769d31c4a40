/**
 * LeNet5 in float32 (config `precision: f32`): the same network, layout and init as lenet5.ts, with
 * the forward and backward passes of lenet5/engine-f32.ts on an F32Kernels set.
 *
 * Precision contract (docs/architecture.md "Precision"): the parameter vector x (float64, the
 * algorithm's state) is rounded to f32 on entry; the returned gradient holds f32 values (the f32 sum
 * over the samples divided by their count, rounded to f32), so it is exact in the float64 state;
 * losses are summed in f64 from f32 logits. initRandom writes f32 values.
 *
 * Kernels: 'wasm' (WebAssembly SIMD) by default, 'ts' (the reference) on request or where the runtime
 * rejects the module. The two give identical bits (test/lenet5/f32-kernels.test.ts and
 * f32-model.test.ts), so the choice never changes a result, only the speed. All buffers, including
 * the scratch for the largest chunk, are allocated at construction: the WASM memory never grows.
 */
import type { Dataset, Model } from '../types.ts';
import type { LayerMap } from '../../linalg/layers.ts';
import type { Rng } from '../../linalg/rng.ts';
import { ProxmeshError } from '../../errors.ts';
import { createTsF32Kernels, type F32Kernels } from '../../linalg/f32-kernels.ts';
import { createWasmF32Kernels, wasmSimdAvailable } from '../../linalg/wasm/f32-wasm.ts';
import { IN_SIZE, LENET5_DIM, LENET5_LAYERS, N_CLASSES } from './lenet5/layout.ts';
import { checkDataset, checkIndices, checkVector } from './lenet5/checks.ts';
import { createScratchF32, scratchF32Bytes } from './lenet5/scratch-f32.ts';
import { backwardF32, countCorrectF32, crossEntropyF32, forwardF32 } from './lenet5/engine-f32.ts';
import { initLenet5 } from './lenet5/init.ts';

export interface Lenet5F32Options {
  /** Largest number of samples processed at once (scratch ≈ 20 kB per sample, allocated up front). Default 256. */
  readonly maxChunk?: number | undefined;
  /** 'wasm' (default) or 'ts'. */
  readonly kernels?: 'wasm' | 'ts' | undefined;
}

const DEFAULT_MAX_CHUNK = 256;
const fr = Math.fround;
/** A module-level copy: an imported binding read in a loop costs a getter call under tsx. */
const DIM = LENET5_DIM;

function kernelSet(name: 'wasm' | 'ts', maxChunk: number): F32Kernels {
  if (name === 'ts' || !wasmSimdAvailable()) return createTsF32Kernels();
  // parameters + gradient (f32) + the scratch, each with alignment slack
  return createWasmF32Kernels({ bytes: 2 * (4 * LENET5_DIM + 16) + scratchF32Bytes(maxChunk) });
}

export function createLenet5F32(opts: Lenet5F32Options = {}): Model {
  const maxChunk = opts.maxChunk ?? DEFAULT_MAX_CHUNK;
  if (!Number.isInteger(maxChunk) || maxChunk < 1) {
    throw new ProxmeshError('PROXMESH_ERR_CONFIG', `lenet5: maxChunk must be an integer ≥ 1, got ${maxChunk}`, { maxChunk });
  }
  const kernels = opts.kernels ?? 'wasm';
  if (kernels !== 'wasm' && kernels !== 'ts') {
    throw new ProxmeshError('PROXMESH_ERR_CONFIG', `lenet5: kernels must be 'wasm' or 'ts', got ${String(kernels)}`, { kernels });
  }
  const K = kernelSet(kernels, maxChunk);
  const w = K.f32(LENET5_DIM);
  const g = K.f32(LENET5_DIM);
  const s = createScratchF32(K, maxChunk);

  /** [Σ loss, Σ correct, count]; with wantGrad, g ← Σ of per-sample gradients (f32). */
  const run = (
    x: Float64Array,
    data: Dataset,
    idx: Int32Array | null,
    wantGrad: boolean,
    wantCorrect: boolean,
  ): [number, number, number] => {
    checkVector(x, 'x');
    const feats = checkDataset(data);
    const total = idx === null ? feats.rows : idx.length;
    if (idx !== null) checkIndices(idx, feats.rows);
    w.set(x); // rounds each parameter to the nearest f32 (ties to even)
    if (wantGrad) g.fill(0);
    let lossSum = 0;
    let correct = 0;
    const nClasses = N_CLASSES;
    const src = feats.data;
    const rowLen = IN_SIZE;
    const xin = s.xin;
    for (let start = 0; start < total; start += maxChunk) {
      const b = Math.min(maxChunk, total - start);
      for (let n = 0; n < b; n++) {
        const row = idx === null ? start + n : idx[start + n];
        const y = data.labels[row];
        if (!(y >= 0 && y < nClasses)) {
          throw new ProxmeshError('PROXMESH_ERR_DATASET', `lenet5: label ${y} of row ${row} is outside 0..${N_CLASSES - 1}`, {
            row,
            label: y,
          });
        }
        xin.set(src.subarray(row * rowLen, (row + 1) * rowLen), n * rowLen);
      }
      forwardF32(K, w, s, b);
      if (wantCorrect) correct += countCorrectF32(s, data.labels, idx, start, b);
      lossSum += crossEntropyF32(s, data.labels, idx, start, b, wantGrad);
      if (wantGrad) backwardF32(K, w, s, b, g);
    }
    return [lossSum, correct, total];
  };

  const model: Model = {
    kind: 'lenet5',
    dim: LENET5_DIM,
    layers: LENET5_LAYERS as LayerMap,
    nClasses: N_CLASSES,
    lossGrad(x, data, idx, grad) {
      checkVector(grad, 'grad');
      const [lossSum, , total] = run(x, data, idx, true, false);
      if (total === 0) {
        grad.fill(0);
        return 0;
      }
      for (let i = 0; i < DIM; i++) grad[i] = fr(g[i] / total);
      return lossSum / total;
    },
    loss(x, data, idx) {
      const [lossSum, , total] = run(x, data, idx, false, false);
      return total === 0 ? 0 : lossSum / total;
    },
    accuracy(x, data, idx) {
      const [, correct, total] = run(x, data, idx, false, true);
      return total === 0 ? 0 : correct / total;
    },
    initRandom(rng: Rng, out: Float64Array) {
      checkVector(out, 'out');
      initLenet5(rng, out);
      for (let i = 0; i < DIM; i++) out[i] = fr(out[i]);
      return out;
    },
  };
  return Object.freeze(model);
}
