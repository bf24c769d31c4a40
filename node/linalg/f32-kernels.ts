/**
 * The float32 kernel interface of the dense models (LeNet5's f32 engine) and its pure-TypeScript
 * implementation, the reference. The WebAssembly SIMD implementation (wasm/f32-wasm.ts) has the same
 * interface and gives the same bits (tested), so which one runs never changes a result: the f32
 * models use WASM where the runtime validates the module and this reference otherwise.
 *
 * Buffers come from the kernel set (`f32`, `i32`) because the WASM kernels can only address their
 * own linear memory; the reference hands out ordinary typed arrays.
 */
import { sgemmRef } from './gemm-f32.ts';
import { im2colF32, maxPool2ReluF32 } from './conv-f32.ts';
import { sparseConvPoolBackwardF32 } from './sparse-conv-backward-f32.ts';

export interface F32Kernels {
  readonly name: 'ts' | 'wasm';
  /** A zeroed Float32Array of `length` elements that every kernel of this set accepts. */
  f32(length: number): Float32Array;
  /** A zeroed Int32Array likewise (argmax positions). */
  i32(length: number): Int32Array;
  // The signatures are the reference kernels' own (one source): the WASM set must accept the same
  // positional arguments, and the checker holds it to them.
  /** C ← α·op(A)·op(B) + β·C (gemm-f32.ts semantics; C must not overlap A or B). */
  sgemm: typeof sgemmRef;
  /** conv.ts im2col on one CHW sample. */
  im2col: typeof im2colF32;
  /** 2×2 max-pooling with argmax (conv.ts maxPool2), then ReLU on the pooled values. */
  maxPool2Relu: typeof maxPool2ReluF32;
  /** The pooling-sparse conv backward, 5×5 kernels, optional ReLU gate on dIn (node/linalg/sparse-conv-backward-f32.ts). */
  convPoolBackward5: typeof sparseConvPoolBackwardF32;
}

/** The TypeScript reference kernels (any typed arrays; no shared memory). */
export function createTsF32Kernels(): F32Kernels {
  return Object.freeze({
    name: 'ts' as const,
    f32: (length: number) => new Float32Array(length),
    i32: (length: number) => new Int32Array(length),
    sgemm: sgemmRef,
    im2col: im2colF32,
    maxPool2Relu: maxPool2ReluF32,
    convPoolBackward5: sparseConvPoolBackwardF32,
  });
}
