/**
 * Paper-spec §9.8: with exact gradients and heterogeneous f_i + ℓ1 on a ring of 5, the tracking
 * methods reach the centralized minimizer with vanishing consensus error, the no-tracking baselines
 * stop at a biased point.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { choco } from '../../node/algo/choco.ts';
import { cdproxsgt } from '../../node/algo/cdproxsgt.ts';
import { dpsgd } from '../../node/algo/dpsgd.ts';
import { dproxsgt } from '../../node/algo/dproxsgt.ts';
import type { AlgoParams, NodeAlgorithm } from '../../node/algo/types.ts';
import { proxFromSpec } from '../../node/prox/registry.ts';
import { globalGradient, makeQuadratics, quadraticOracle, smoothness } from './fixtures/quadratic.ts';
import { ringW, rowsFromDense } from './fixtures/rows.ts';
import { buildNet, meanOf, oneLayer, randomVectors, started } from './fixtures/network.ts';
import { IDENTITY, Q } from './fixtures/compressors.ts';
import type { CompressorMaker } from './fixtures/network.ts';

const n = 5;
const d = 6;
const lambda = 0.3;
const q = makeQuadratics({ n, d, m: 10, seed: 21, diag: 1.2, spread: 0.6, bShift: 1.5 });
const prox = proxFromSpec({ kind: 'l1', lambda })(oneLayer(d));
const eta = 0.1;
const params: AlgoParams = { eta, gammaX: 0.5, gammaY: 0.5, beta: 0.8, initBatches: 1 };
const TOP30 = Q({ kind: 'topk', ratio: 0.3, scope: 'global', precision: 'f64' });

/** Centralized proximal gradient with step 1/L, run to machine precision. */
function centralizedMinimizer(): Float64Array {
  const step = 1 / smoothness(q);
  const x = new Float64Array(d);
  const g = new Float64Array(d);
  for (let it = 0; it < 20000; it++) {
    globalGradient(q, x, g);
    for (let j = 0; j < d; j++) g[j] = x[j] - step * g[j];
    prox.apply(g, step, x);
  }
  return x;
}

async function run(algo: NodeAlgorithm, qx: CompressorMaker, K: number) {
  const { contexts } = buildNet({
    rows: rowsFromDense(ringW(n)),
    dim: d,
    oracles: Array.from({ length: n }, (_, i) => quadraticOracle(q, i)),
    prox,
    compressX: qx,
  });
  const ls = await started(algo, contexts, randomVectors(n, d, 3));
  let prev: Float64Array = new Float64Array(d);
  for (let k = 0; k < K; k++) {
    if (k === K - 100) prev = meanOf(ls.models());
    await ls.step(k);
  }
  const xs = ls.models().map((x) => x.slice());
  const xbar = meanOf(xs);
  const consensus = xs.reduce((s, x) => s + x.reduce((t, v, j) => t + (v - xbar[j]) ** 2, 0), 0) / n;
  const maxDist = Math.max(...xs.map((x) => Math.sqrt(x.reduce((t, v, j) => t + (v - xStar[j]) ** 2, 0))));
  const moved = Math.sqrt(xbar.reduce((t, v, j) => t + (v - prev[j]) ** 2, 0));
  return { consensus, maxDist, moved };
}

let xStar: Float64Array;
beforeAll(() => {
  xStar = centralizedMinimizer();
});

describe('heterogeneous quadratics + ℓ1 on a ring of 5, exact gradients (§9.8)', () => {
  it('the minimizer is sparse but not zero (the test exercises the prox)', () => {
    expect(xStar.filter((v) => v === 0).length).toBeGreaterThan(0);
    expect(xStar.filter((v) => v !== 0).length).toBeGreaterThan(0);
  });

  it('DProxSGT reaches the centralized minimizer on every node', async () => {
    const r = await run(dproxsgt(params), IDENTITY, 1500);
    expect(r.consensus).toBeLessThan(1e-10);
    expect(r.maxDist).toBeLessThan(1e-8);
  });

  it('CDProxSGT (top-30%, γ = 0.5) reaches the centralized minimizer on every node', async () => {
    const r = await run(cdproxsgt(params), TOP30, 4000);
    expect(r.consensus).toBeLessThan(1e-10);
    expect(r.maxDist).toBeLessThan(1e-8);
  });

  it('D-PSGD converges to a biased point', async () => {
    const r = await run(dpsgd(params), IDENTITY, 1500);
    expect(r.moved).toBeLessThan(1e-8); // it has settled …
    expect(r.maxDist).toBeGreaterThan(1e-2); // … away from x*
  });

  it('Choco-SGD (top-30%, γ = 0.5) stays biased', async () => {
    const r = await run(choco(params), TOP30, 4000);
    expect(r.moved).toBeLessThan(1e-8);
    expect(r.maxDist).toBeGreaterThan(1e-2);
  });
});
