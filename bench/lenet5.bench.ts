/**
 * LeNet5 training-step throughput on one core, batch 64: ours in float64 (TypeScript kernels) and
 * float32 (TypeScript reference kernels and WebAssembly SIMD kernels), next to PyTorch on one thread
 * in float32 and float64 (bench/baselines/pytorch-lenet5.py), all in the same run. A step is
 * forward + backward + an SGD update x ← x − 0.01·g. Our variants are timed interleaved (harness.ts);
 * PyTorch runs once before and once after them and the two medians are averaged, so load drifting on
 * this shared machine hits both sides alike. A missing PyTorch is printed as MISSING.
 *
 * GFLOP/s is "dense-equivalent": 2 FLOPs per multiply-add of the dense formulation, forward (conv1,
 * conv2, fc1..3) plus backward (conv1 weight gradient only; conv2 and FC weight and input gradients),
 * although the default conv backward skips the zero gradients that max-pooling leaves.
 *   node --import tsx bench/lenet5.bench.ts         (or npm run bench -- lenet5)
 */
import { createLenet5 } from '../node/problem/models/lenet5.ts';
import { naiveLenet5LossGrad } from '../node/problem/models/lenet5/naive-reference.ts';
import { Rng } from '../node/linalg/rng.ts';
import type { Dataset, Model } from '../node/problem/types.ts';
import { renderTable, sig, sinkCheck, timeInterleaved, type Table } from './harness.ts';
import { runPytorchLenet5, type PytorchOutcome } from './baselines/pytorch.ts';

const BATCH = 64;
const FWD = 2 * (6 * 25 * 576 + 16 * 150 * 64 + 256 * 120 + 120 * 84 + 84 * 10);
const BWD = 2 * (6 * 25 * 576) + 4 * (16 * 150 * 64 + 256 * 120 + 120 * 84 + 84 * 10);
const FLOP_PER_SAMPLE = FWD + BWD;
const TIMING = { reps: 5, minMs: 500, warmMs: 500 };

function makeData(n: number): Dataset {
  const rng = Rng.derive(7, -1, 'bench-lenet5');
  const data = new Float32Array(n * 784);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(10);
  return { name: 'bench', features: { kind: 'dense', rows: n, cols: 784, data }, labels, nClasses: 10, sampleShape: [1, 28, 28] };
}

const data = makeData(4096);
const feats = (data.features as { data: Float32Array }).data;

/** One training step of a model: a fresh random minibatch, lossGrad, SGD update. */
function stepOf(model: Model, seedNode: number): () => number {
  const rng = Rng.derive(7, seedNode, 'bench-minibatch');
  const x = model.initRandom(Rng.derive(7, -1, 'init'), new Float64Array(model.dim));
  const g = new Float64Array(model.dim);
  const idx = new Int32Array(BATCH);
  return () => {
    for (let i = 0; i < BATCH; i++) idx[i] = rng.int(data.labels.length);
    const loss = model.lossGrad(x, data, idx, g);
    for (let i = 0; i < x.length; i++) x[i] -= 0.01 * g[i];
    return loss;
  };
}

function naiveStep(): () => number {
  const rng = Rng.derive(7, 9, 'bench-minibatch');
  const x = createLenet5().initRandom(Rng.derive(7, -1, 'init'), new Float64Array(44_426));
  const g = new Float64Array(x.length);
  const images = new Float64Array(BATCH * 784);
  const labels = new Int32Array(BATCH);
  return () => {
    const s = rng.int(data.labels.length - BATCH);
    images.set(feats.subarray(s * 784, (s + BATCH) * 784));
    labels.set(data.labels.subarray(s, s + BATCH));
    const loss = naiveLenet5LossGrad(x, images, labels, BATCH, g);
    for (let i = 0; i < x.length; i++) x[i] -= 0.01 * g[i];
    return loss;
  };
}

const pyOpts = { batch: BATCH, dtypes: ['float32', 'float64'] as const, minSeconds: TIMING.minMs / 1000, reps: TIMING.reps };
const pyBefore: PytorchOutcome = runPytorchLenet5({ ...pyOpts, dtypes: [...pyOpts.dtypes] });

const variants: { name: string; precision: string; kernels: string; step: () => number }[] = [
  { name: 'proxmesh f64', precision: 'f64', kernels: 'TS (sparse conv bwd, default)', step: stepOf(createLenet5(), 1) },
  { name: 'proxmesh f64', precision: 'f64', kernels: 'TS (all-GEMM conv bwd)', step: stepOf(createLenet5({ convBackward: 'gemm' }), 2) },
  { name: 'proxmesh f32', precision: 'f32', kernels: 'TS reference (fround)', step: stepOf(createLenet5({ precision: 'f32', kernels: 'ts' }), 3) },
  { name: 'proxmesh f32', precision: 'f32', kernels: 'WASM SIMD (default)', step: stepOf(createLenet5({ precision: 'f32', kernels: 'wasm' }), 4) },
  { name: 'naive reference', precision: 'f64', kernels: 'direct loops', step: naiveStep() },
];
const timings = timeInterleaved(variants.map((v) => v.step), TIMING);
const pyAfter: PytorchOutcome = runPytorchLenet5({ ...pyOpts, dtypes: [...pyOpts.dtypes] });

const rows: Record<string, number | string | null>[] = variants.map((v, i) => {
  const sps = BATCH / timings[i].secPerCall;
  return { impl: v.name, precision: v.precision, kernels: v.kernels, samplesPerSec: sps, gflops: (sps * FLOP_PER_SAMPLE) / 1e9, sink: sinkCheck(timings[i].sink) };
});

function torchRate(dtype: string): number | null {
  if (pyBefore.status !== 'ok' || pyAfter.status !== 'ok') return null;
  const a = pyBefore.results.find((r) => r.dtype === dtype), b = pyAfter.results.find((r) => r.dtype === dtype);
  return a && b ? (a.samplesPerSec + b.samplesPerSec) / 2 : null;
}
const notes: string[] = [];
for (const dtype of ['float32', 'float64']) {
  const sps = torchRate(dtype);
  const torchName = pyBefore.status === 'ok' ? `PyTorch ${pyBefore.torch}` : 'PyTorch';
  if (sps === null) {
    const reason = pyBefore.status === 'missing' ? pyBefore.reason : pyAfter.status === 'missing' ? pyAfter.reason : 'no result';
    rows.push({ impl: torchName, precision: dtype === 'float32' ? 'f32' : 'f64', kernels: 'MISSING', samplesPerSec: null, gflops: null, sink: reason });
    notes.push(`MISSING: PyTorch ${dtype} baseline: ${reason}`);
  } else {
    rows.push({ impl: `${torchName} (1 thread)`, precision: dtype === 'float32' ? 'f32' : 'f64', kernels: 'mean of runs before/after', samplesPerSec: sps, gflops: (sps * FLOP_PER_SAMPLE) / 1e9, sink: 'ok' });
  }
}
const ours32 = BATCH / timings[3].secPerCall, ours64 = BATCH / timings[0].secPerCall;
const t32 = torchRate('float32'), t64 = torchRate('float64');
notes.push(
  t32 === null ? 'ratio f32 WASM ÷ PyTorch f32: MISSING (no PyTorch)' : `ratio proxmesh f32 WASM ÷ PyTorch f32 = ${(ours32 / t32).toFixed(2)}× (target ≥ 1.0, aim 2)`,
  t64 === null ? 'ratio f64 ÷ PyTorch f64: MISSING' : `ratio proxmesh f64 ÷ PyTorch f64 = ${(ours64 / t64).toFixed(2)}×`,
  `f32 WASM ÷ f64 TS = ${(ours32 / ours64).toFixed(2)}×; f32 WASM ÷ f32 TS reference = ${(timings[2].secPerCall / timings[3].secPerCall).toFixed(1)}× (same bits)`,
  `${(FLOP_PER_SAMPLE / 1e6).toFixed(3)} MFLOP per sample (fwd ${FWD}, bwd ${BWD}); median of ${TIMING.reps} interleaved reps ≥ ${TIMING.minMs} ms`,
);
const table: Table = {
  title: `LeNet5 training step (forward + backward + SGD), batch ${BATCH}, one core`,
  columns: [
    { key: 'impl', label: 'implementation' },
    { key: 'precision', label: 'precision' },
    { key: 'kernels', label: 'kernels' },
    { key: 'samplesPerSec', label: 'samples/s', fmt: (v) => (typeof v === 'number' ? Math.round(v).toString() : '—') },
    { key: 'gflops', label: 'GFLOP/s (dense-eq.)', fmt: (v) => (typeof v === 'number' ? v.toFixed(2) : '—') },
    { key: 'sink', label: 'sink' },
  ],
  rows,
  notes,
};
console.log(renderTable(table));
