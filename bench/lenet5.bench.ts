/**
 * LeNet5 forward+backward throughput on one core: the im2col+GEMM engine vs the naive direct-loop
 * reference, measured in the same run. Prints samples/s and the implied GFLOP/s, where FLOPs count
 * 2 per multiply-add of the conv and FC layers: forward (conv1, conv2, fc1..3) plus backward
 * (conv1 weight gradient only; conv2 and FC weight and input gradients) of the dense formulation, so
 * for the pooling-sparse conv backward (default) and the naive reference, which both skip zero
 * gradients, GFLOP/s is "dense-equivalent".
 *   node --import tsx bench/lenet5.bench.ts
 */
import { createLenet5 } from '../node/problem/models/lenet5.ts';
import { naiveLenet5LossGrad } from '../node/problem/models/lenet5/naive-reference.ts';
import { Rng } from '../node/linalg/rng.ts';
import type { Dataset } from '../node/problem/types.ts';

const FWD = 2 * (6 * 25 * 576 + 16 * 150 * 64 + 256 * 120 + 120 * 84 + 84 * 10);
const BWD = 2 * (6 * 25 * 576) + 4 * (16 * 150 * 64 + 256 * 120 + 120 * 84 + 84 * 10);
const FLOP_PER_SAMPLE = FWD + BWD;

function makeData(n: number): Dataset {
  const rng = Rng.derive(7, -1, 'bench-lenet5');
  const data = new Float32Array(n * 784);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(10);
  return { name: 'bench', features: { kind: 'dense', rows: n, cols: 784, data }, labels, nClasses: 10, sampleShape: [1, 28, 28] };
}

/** Runs fn repeatedly for ≥ minMs after a warm-up; returns calls per second. */
function rate(fn: () => number, minMs: number): { perSec: number; sink: number } {
  let sink = 0;
  const warm = performance.now();
  while (performance.now() - warm < minMs / 4) sink += fn();
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    sink += fn();
    calls++;
    t = performance.now();
  }
  return { perSec: (calls * 1000) / (t - t0), sink };
}

const data = makeData(4096);
const model = createLenet5();
const modelGemm = createLenet5({ convBackward: 'gemm' });
const x = model.initRandom(Rng.derive(7, -1, 'init'), new Float64Array(model.dim));
const grad = new Float64Array(model.dim);
const feats = (data.features as { data: Float32Array }).data;
console.log(`LeNet5: ${model.dim} parameters, ${(FLOP_PER_SAMPLE / 1e6).toFixed(3)} MFLOP per sample (fwd ${FWD}, bwd ${BWD})`);
for (const batch of [8, 64]) {
  const rng = Rng.derive(7, 0, 'bench-minibatch');
  const idx = new Int32Array(batch);
  const fast = rate(() => {
    for (let i = 0; i < batch; i++) idx[i] = rng.int(data.labels.length);
    return model.lossGrad(x, data, idx, grad);
  }, 3000);
  const dense = rate(() => {
    for (let i = 0; i < batch; i++) idx[i] = rng.int(data.labels.length);
    return modelGemm.lossGrad(x, data, idx, grad);
  }, 3000);
  const images = new Float64Array(batch * 784);
  const labels = new Int32Array(batch);
  const naive = rate(() => {
    const s = rng.int(data.labels.length - batch);
    images.set(feats.subarray(s * 784, (s + batch) * 784));
    labels.set(data.labels.subarray(s, s + batch));
    return naiveLenet5LossGrad(x, images, labels, batch, grad);
  }, 1500);
  const fs = fast.perSec * batch, ds = dense.perSec * batch, ns = naive.perSec * batch;
  const gf = (v: number) => ((v * FLOP_PER_SAMPLE) / 1e9).toFixed(2);
  console.log(
    `batch ${String(batch).padStart(2)}: default (sparse conv bwd) ${fs.toFixed(0).padStart(5)} samples/s (${gf(fs)} GFLOP/s)` +
      ` | all-GEMM ${ds.toFixed(0).padStart(5)} (${gf(ds)})` +
      ` | naive ${ns.toFixed(0).padStart(5)} (${gf(ns)}) | ratio default/naive ${(fs / ns).toFixed(1)}×, gemm/naive ${(ds / ns).toFixed(1)}×` +
      `   [sink ${Number.isFinite(fast.sink + dense.sink + naive.sink) ? 'ok' : 'NaN'}]`,
  );
}
const evalRate = rate(() => model.loss(x, data, null), 3000);
console.log(`loss over all ${data.labels.length} rows (forward only, chunks of 256): ${(evalRate.perSec * data.labels.length).toFixed(0)} samples/s`);
