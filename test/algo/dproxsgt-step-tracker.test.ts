/**
 * `algorithm.stepTracker: 'unmixed'`: the DProxSGT step with the authors' RegL1 order (the step uses
 * y_i^{k−1/2}, before the y-exchange; RegL1_FMNIST/core.py, train_DProxSGT). Pinned against a
 * hand-written recursion of that code, bit for bit, and against the paper's order, which it must not
 * equal on a ring.
 */
import { describe, expect, it } from 'vitest';
import { dproxsgt } from '../../node/algo/dproxsgt.ts';
import { proxgtsa } from '../../node/algo/proxgtsa.ts';
import { proxFromSpec } from '../../node/prox/registry.ts';
import type { AlgoParams } from '../../node/algo/types.ts';
import { makeQuadratics, quadraticOracle } from './fixtures/quadratic.ts';
import { ringW, rowsFromDense } from './fixtures/rows.ts';
import { buildNet, maxDiff, meanOf, oneLayer, PARAMS, randomVectors, sameValues, started } from './fixtures/network.ts';
import { IDENTITY } from './fixtures/compressors.ts';

const n = 5;
const d = 6;
const UNMIXED: AlgoParams = { ...PARAMS, stepTracker: 'unmixed' };
const l1 = proxFromSpec({ kind: 'l1', lambda: 0.3 })(oneLayer(d));
const none = proxFromSpec({ kind: 'none' })(oneLayer(d));
const W = ringW(n);
const rows = rowsFromDense(W);
const q = makeQuadratics({ n, d, m: 8, seed: 21 });
const oracles = (seed: number) => Array.from({ length: n }, (_, i) => quadraticOracle(q, i, { noise: 1, seed }));

/** Σ_j w_ij v_j over row i's ids in ascending order, from 0: the order of mixInto (node/algo/mix.ts). */
function mixRow(i: number, vs: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(d);
  const row = rows[i];
  for (let p = 0; p < row.ids.length; p++) {
    const v = vs[row.ids[p]];
    for (let j = 0; j < d; j++) out[j] += row.weights[p] * v[j];
  }
  return out;
}

describe.each([
  ['dproxsgt', dproxsgt],
  ['proxgtsa', proxgtsa],
])("%s with stepTracker 'unmixed'", (_name, factory) => {
  it("is the RegL1 code's recursion z_i^k = Σ_j w_ij z_j^{k−1} + g_i^k − g_i^{k−1}, x_i^{k+1} = Σ_j w_ij prox(x_j^k − η z_j^k), bit for bit", async () => {
    const { contexts } = buildNet({ rows, dim: d, oracles: oracles(3), prox: l1, compressX: IDENTITY });
    const x0 = randomVectors(n, d, 5); // per-node initial points, as the authors' ranks have
    const ls = await started(factory(UNMIXED), contexts, x0);
    // The authors' variables: ws = x, yr = W·yy (0 at start), grad_last (0 at start), yy = z.
    const hand = oracles(3);
    const x: Float64Array[] = x0.map((v) => v.slice());
    const yr: Float64Array[] = x0.map(() => new Float64Array(d));
    const gLast = x0.map(() => new Float64Array(d));
    const g = new Float64Array(d);
    let thresholded = 0; // entries the prox set to 0 (mixing then fills them again)
    for (let k = 0; k < 80; k++) {
      const stats = await ls.step(k);
      const z: Float64Array[] = [];
      const half: Float64Array[] = [];
      for (let i = 0; i < n; i++) {
        const loss = hand[i].gradient(x[i], hand[i].nextBatch(), g);
        expect(stats[i].loss).toBe(loss);
        const zi = new Float64Array(d);
        for (let j = 0; j < d; j++) zi[j] = g[j] + (yr[i][j] - gLast[i][j]); // yy = yr + (g − grad_last)
        gLast[i].set(g);
        const v = new Float64Array(d);
        for (let j = 0; j < d; j++) v[j] = x[i][j] - PARAMS.eta * zi[j]; // param.grad = yy; SGD step
        const hi = new Float64Array(d);
        l1.apply(v, PARAMS.eta, hi); // prox_Norm1
        thresholded += hi.filter((t) => t === 0).length;
        z.push(zi);
        half.push(hi);
      }
      for (let i = 0; i < n; i++) {
        yr[i] = mixRow(i, z); // yr = W yy, for the next iteration
        x[i] = mixRow(i, half); // ws = W ws
      }
      const models = ls.models();
      for (let i = 0; i < n; i++) expect(sameValues(models[i], x[i])).toBe(true);
    }
    expect(thresholded).toBeGreaterThan(0); // the prox is active
  });

  it("differs from the paper's order on a ring from the first step on", async () => {
    const x0 = randomVectors(n, d, 6);
    const a = await started(factory(PARAMS), buildNet({ rows, dim: d, oracles: oracles(4), prox: l1, compressX: IDENTITY }).contexts, x0);
    const b = await started(factory(UNMIXED), buildNet({ rows, dim: d, oracles: oracles(4), prox: l1, compressX: IDENTITY }).contexts, x0);
    await a.step(0);
    await b.step(0);
    // Same gradients at k = 0 (same x⁰, same oracle streams), so the models differ only through the
    // step: η·(W g⁰ − g⁰) mixed once more. Node 0's difference is nonzero.
    expect(maxDiff(a.models()[0], b.models()[0])).toBeGreaterThan(1e-6);
  });

  it('keeps mean(y) = mean(g) and, with r = 0, x̄^{k+1} = x̄^k − η ḡ^k', async () => {
    const algo = factory(UNMIXED);
    const ls = await started(
      algo,
      buildNet({ rows, dim: d, oracles: oracles(5), prox: none, compressX: IDENTITY }).contexts,
      randomVectors(n, d, 7),
    );
    for (let k = 0; k < 60; k++) {
      const before = meanOf(ls.models()).slice();
      await ls.step(k);
      const st = ls.states();
      const gbar = meanOf(st.map((s) => algo.lastGradient(s)!));
      expect(maxDiff(meanOf(st.map((s) => algo.tracker(s)!)), gbar)).toBeLessThan(1e-12);
      expect(
        maxDiff(
          meanOf(ls.models()),
          before.map((v, j) => v - PARAMS.eta * gbar[j]),
        ),
      ).toBeLessThan(1e-12);
    }
  });
});

it("stepTracker 'mixed' is the default order, bit for bit", async () => {
  const x0 = randomVectors(n, d, 8);
  const a = await started(dproxsgt(PARAMS), buildNet({ rows, dim: d, oracles: oracles(6), prox: l1, compressX: IDENTITY }).contexts, x0);
  const b = await started(
    dproxsgt({ ...PARAMS, stepTracker: 'mixed' }),
    buildNet({ rows, dim: d, oracles: oracles(6), prox: l1, compressX: IDENTITY }).contexts,
    x0,
  );
  for (let k = 0; k < 30; k++) {
    await a.step(k);
    await b.step(k);
  }
  for (let i = 0; i < n; i++) expect(sameValues(a.models()[i], b.models()[i])).toBe(true);
});
