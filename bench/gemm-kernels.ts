/**
 * Dense GEMM throughput (the GEMM part of the kernels bench): the WebAssembly SIMD sgemm, its
 * TypeScript float32 reference and the TypeScript float64 dgemm, timed interleaved on LeNet5's shapes
 * and on square sizes. FLOPs = 2·m·n·k per call. The WASM and reference results are compared bit for
 * bit before timing (they must agree; "bits" column).
 */
import { gemm } from '../node/linalg/gemm.ts';
import { sgemmRef } from '../node/linalg/gemm-f32.ts';
import { createWasmF32Kernels } from '../node/linalg/wasm/f32-wasm.ts';
import { Rng } from '../node/linalg/rng.ts';
import { fixed, int, ratio, sinkCheck, timeInterleaved, type Table, type TimingOptions } from './harness.ts';

interface Shape {
  readonly name: string;
  readonly tA: boolean;
  readonly tB: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

const SHAPES: readonly Shape[] = [
  { name: 'conv1 fwd W1·col1', tA: false, tB: false, m: 6, n: 576, k: 25 },
  { name: 'conv2 fwd W2·col2', tA: false, tB: false, m: 16, n: 64, k: 150 },
  { name: 'fc1 fwd X·W3ᵀ (b 64)', tA: false, tB: true, m: 64, n: 120, k: 256 },
  { name: 'fc1 bwd dH1ᵀ·X', tA: true, tB: false, m: 120, n: 256, k: 64 },
  { name: 'fc1 bwd dH1·W3', tA: false, tB: false, m: 64, n: 256, k: 120 },
  { name: 'square 64', tA: false, tB: false, m: 64, n: 64, k: 64 },
  { name: 'square 128', tA: false, tB: false, m: 128, n: 128, k: 128 },
  { name: 'square 256', tA: false, tB: false, m: 256, n: 256, k: 256 },
];

export function gemmTable(t: TimingOptions, quick: boolean): Table {
  const rng = Rng.derive(42, -1, 'bench-gemm');
  const shapes = quick ? SHAPES.slice(0, 3) : SHAPES;
  const wasm = createWasmF32Kernels({ bytes: 4 * 3 * 256 * 256 + 1024 });
  const A = wasm.f32(256 * 256),
    B = wasm.f32(256 * 256),
    C = wasm.f32(256 * 256);
  for (const v of [A, B]) for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  const a32 = A.slice(),
    b32 = B.slice(),
    c32 = new Float32Array(C.length);
  const a64 = Float64Array.from(A),
    b64 = Float64Array.from(B),
    c64 = new Float64Array(C.length);
  const rows = shapes.map((s) => {
    const lda = s.tA ? s.m : s.k,
      ldb = s.tB ? s.k : s.n,
      ldc = s.n;
    wasm.sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, A, 0, lda, B, 0, ldb, 0, C, 0, ldc);
    sgemmRef(s.tA, s.tB, s.m, s.n, s.k, 1, a32, 0, lda, b32, 0, ldb, 0, c32, 0, ldc);
    let same = true;
    for (let i = 0; i < s.m * s.n; i++) if (!Object.is(C[i], c32[i])) same = false;
    const [tw, tr, td] = timeInterleaved(
      [
        () => wasm.sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, A, 0, lda, B, 0, ldb, 0, C, 0, ldc)[0],
        () => sgemmRef(s.tA, s.tB, s.m, s.n, s.k, 1, a32, 0, lda, b32, 0, ldb, 0, c32, 0, ldc)[0],
        () => gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a64, 0, lda, b64, 0, ldb, 0, c64, 0, ldc)[0],
      ],
      t,
    );
    const flop = 2 * s.m * s.n * s.k;
    return {
      shape: `${s.name} (${s.tA ? 'T' : 'N'}${s.tB ? 'T' : 'N'} ${s.m}×${s.n}×${s.k})`,
      flop,
      wasmGflops: flop / tw.secPerCall / 1e9,
      refGflops: flop / tr.secPerCall / 1e9,
      dgemmGflops: flop / td.secPerCall / 1e9,
      wasmVsDgemm: td.secPerCall / tw.secPerCall,
      bits: same ? 'equal' : 'DIFFER',
      sink: sinkCheck(tw.sink, tr.sink, td.sink),
    };
  });
  return {
    title: `Dense GEMM: WASM SIMD sgemm vs TypeScript sgemm reference and dgemm (median of ${t.reps} interleaved reps ≥ ${t.minMs} ms)`,
    columns: [
      { key: 'shape', label: 'shape' },
      { key: 'flop', label: 'flop/call', fmt: int },
      { key: 'wasmGflops', label: 'sgemm WASM GFLOP/s', fmt: fixed(2) },
      { key: 'refGflops', label: 'sgemm TS ref GFLOP/s', fmt: fixed(2) },
      { key: 'dgemmGflops', label: 'dgemm TS GFLOP/s', fmt: fixed(2) },
      { key: 'wasmVsDgemm', label: 'WASM/dgemm', fmt: ratio },
      { key: 'bits', label: 'WASM = ref' },
      { key: 'sink', label: 'sink' },
    ],
    rows,
    notes: [
      'flop = 2·m·n·k. The TS float32 reference rounds every operation with Math.fround (exact f32 semantics) and is not meant to be fast.',
    ],
  };
}
