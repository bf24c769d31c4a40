/**
 * Work buffers of the float32 LeNet5 engine (the subset of scratch.ts that the pooling-sparse
 * backward needs), allocated from a kernel set so the WASM kernels can address them.
 */
import type { F32Kernels } from '../../../linalg/f32-kernels.ts';
import { F0, F1, F2, H1, H2, IN_SIZE, K1, K2, N_CLASSES, P1_SIZE, P2_SIZE, Z1_SIZE, Z2_SIZE } from './layout.ts';

export interface Lenet5ScratchF32 {
  readonly capacity: number;
  readonly xin: Float32Array;
  readonly p1: Float32Array;
  readonly idx1: Int32Array;
  readonly p2: Float32Array;
  readonly idx2: Int32Array;
  readonly h1: Float32Array;
  readonly h2: Float32Array;
  readonly logits: Float32Array;
  readonly dh1: Float32Array;
  readonly dh2: Float32Array;
  readonly dp2: Float32Array;
  readonly col1: Float32Array;
  readonly z1: Float32Array;
  readonly col2: Float32Array;
  readonly z2: Float32Array;
  readonly dp1: Float32Array;
}

/** Elements of every buffer for a chunk of `capacity` samples, in allocation order. */
function lengths(capacity: number): Record<Exclude<keyof Lenet5ScratchF32, 'capacity'>, number> {
  const b = capacity;
  return {
    xin: b * IN_SIZE,
    p1: b * P1_SIZE,
    idx1: b * P1_SIZE,
    p2: b * P2_SIZE,
    idx2: b * P2_SIZE,
    h1: b * F1,
    h2: b * F2,
    logits: b * N_CLASSES,
    dh1: b * F1,
    dh2: b * F2,
    dp2: b * F0,
    col1: K1 * H1 * H1,
    z1: Z1_SIZE,
    col2: K2 * H2 * H2,
    z2: Z2_SIZE,
    dp1: P1_SIZE,
  };
}

/** Bytes a kernel set must offer for createScratchF32(capacity) (16-byte alignment padding included). */
export function scratchF32Bytes(capacity: number): number {
  return Object.values(lengths(capacity)).reduce((t, len) => t + 4 * len + 16, 0);
}

export function createScratchF32(K: F32Kernels, capacity: number): Lenet5ScratchF32 {
  const len = lengths(capacity);
  return {
    capacity,
    xin: K.f32(len.xin),
    p1: K.f32(len.p1),
    idx1: K.i32(len.idx1),
    p2: K.f32(len.p2),
    idx2: K.i32(len.idx2),
    h1: K.f32(len.h1),
    h2: K.f32(len.h2),
    logits: K.f32(len.logits),
    dh1: K.f32(len.dh1),
    dh2: K.f32(len.dh2),
    dp2: K.f32(len.dp2),
    col1: K.f32(len.col1),
    z1: K.f32(len.z1),
    col2: K.f32(len.col2),
    z2: K.f32(len.z2),
    dp1: K.f32(len.dp1),
  };
}
