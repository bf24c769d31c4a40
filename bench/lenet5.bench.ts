/**
 * LeNet5 training-step throughput on one core, batch 64: ours in float64 (TypeScript kernels) and
 * float32 (TypeScript reference kernels and WebAssembly SIMD kernels), next to PyTorch on one thread
 * in float32 and float64 (bench/baselines/pytorch-lenet5.py --serve), all in the same run. A step is
 * forward + backward + an SGD update x ← x − 0.01·g. The timing runs in rounds: in each round every
 * variant of ours and then PyTorch (each dtype) runs one repetition, and each figure is the median
 * over the rounds, so load drifting on this shared machine hits all sides alike. A missing PyTorch is
 * printed as MISSING.
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
import { renderTable, sinkCheck, timeInterleaved, type Table } from './harness.ts';
import { startPytorchServer } from './baselines/pytorch.ts';

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

const DTYPES = ['float32', 'float64'] as const;
const started = await startPytorchServer({ batch: BATCH, dtypes: [...DTYPES], warmSeconds: TIMING.warmMs / 1000, timeoutMs: 120_000 });
const py = started.status === 'ok' ? started.server : null;

const variants: { name: string; precision: string; kernels: string; step: () => number }[] = [
  { name: 'proxmesh f64', precision: 'f64', kernels: 'TS (sparse conv bwd, default)', step: stepOf(createLenet5(), 1) },
  { name: 'proxmesh f64', precision: 'f64', kernels: 'TS (all-GEMM conv bwd)', step: stepOf(createLenet5({ convBackward: 'gemm' }), 2) },
  {
    name: 'proxmesh f32',
    precision: 'f32',
    kernels: 'TS reference (fround)',
    step: stepOf(createLenet5({ precision: 'f32', kernels: 'ts' }), 3),
  },
  {
    name: 'proxmesh f32',
    precision: 'f32',
    kernels: 'WASM SIMD (default)',
    step: stepOf(createLenet5({ precision: 'f32', kernels: 'wasm' }), 4),
  },
  { name: 'naive reference', precision: 'f64', kernels: 'direct loops', step: naiveStep() },
];
// Rounds: every variant of ours runs one repetition, then PyTorch one per dtype (interleaved).
const ourSamples: number[][] = variants.map(() => []);
const ourSinks = variants.map(() => 0);
const pySamples: Record<string, number[]> = { float32: [], float64: [] };
for (let r = 0; r < TIMING.reps; r++) {
  const round = timeInterleaved(
    variants.map((v) => v.step),
    { reps: 1, minMs: TIMING.minMs, warmMs: r === 0 ? TIMING.warmMs : 0 },
  );
  round.forEach((t, i) => {
    ourSamples[i].push(t.samples[0]);
    ourSinks[i] += t.sink;
  });
  if (py) for (const dt of DTYPES) pySamples[dt].push(await py.rep(dt, TIMING.minMs / 1000));
}
py?.close();
const median = (v: readonly number[]) => {
  const s = v.slice().sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const secPerStep = ourSamples.map(median);

const rows: Record<string, number | string | null>[] = variants.map((v, i) => {
  const sps = BATCH / secPerStep[i];
  return {
    impl: v.name,
    precision: v.precision,
    kernels: v.kernels,
    samplesPerSec: sps,
    gflops: (sps * FLOP_PER_SAMPLE) / 1e9,
    sink: sinkCheck(ourSinks[i]),
  };
});

function torchRate(dtype: 'float32' | 'float64'): number | null {
  return py && pySamples[dtype].length > 0 ? BATCH / median(pySamples[dtype]) : null;
}
const notes: string[] = [];
for (const dtype of DTYPES) {
  const sps = torchRate(dtype);
  const precision = dtype === 'float32' ? 'f32' : 'f64';
  if (sps === null) {
    const reason = started.status === 'missing' ? started.reason : 'no result';
    rows.push({ impl: 'PyTorch', precision, kernels: 'MISSING', samplesPerSec: null, gflops: null, sink: '—' });
    notes.push(`MISSING: PyTorch ${dtype} baseline: ${reason}`);
  } else {
    rows.push({
      impl: `PyTorch ${py?.torch} (${py?.threads} thread)`,
      precision,
      kernels: 'interleaved reps',
      samplesPerSec: sps,
      gflops: (sps * FLOP_PER_SAMPLE) / 1e9,
      sink: 'ok',
    });
  }
}
const ours32 = BATCH / secPerStep[3],
  ours64 = BATCH / secPerStep[0];
const t32 = torchRate('float32'),
  t64 = torchRate('float64');
notes.push(
  t32 === null
    ? 'ratio f32 WASM ÷ PyTorch f32: MISSING (no PyTorch)'
    : `ratio proxmesh f32 WASM ÷ PyTorch f32 = ${(ours32 / t32).toFixed(2)}× (target ≥ 1.0, aim 2)`,
  t64 === null ? 'ratio f64 ÷ PyTorch f64: MISSING' : `ratio proxmesh f64 ÷ PyTorch f64 = ${(ours64 / t64).toFixed(2)}×`,
  `f32 WASM ÷ f64 TS = ${(ours32 / ours64).toFixed(2)}×; f32 WASM ÷ f32 TS reference = ${(secPerStep[2] / secPerStep[3]).toFixed(1)}× (same bits)`,
  `${(FLOP_PER_SAMPLE / 1e6).toFixed(3)} MFLOP per sample (fwd ${FWD}, bwd ${BWD}); median of ${TIMING.reps} rounds; in each, every implementation (PyTorch too) runs one repetition ≥ ${TIMING.minMs} ms`,
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
