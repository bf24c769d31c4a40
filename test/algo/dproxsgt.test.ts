import { describe, expect, it } from 'vitest';
import { dproxsgt } from '../../node/algo/dproxsgt.ts';
import { proxgtsa } from '../../node/algo/proxgtsa.ts';
import { proxFromSpec } from '../../node/prox/registry.ts';
import { globalGradient, makeQuadratics, quadraticOracle } from './fixtures/quadratic.ts';
import { completeW, ringW, rowsFromDense } from './fixtures/rows.ts';
import { buildNet, maxDiff, meanOf, oneLayer, PARAMS, randomVectors, sameValues, started } from './fixtures/network.ts';
import { IDENTITY } from './fixtures/compressors.ts';

const d = 6;
const l1 = (lambda: number) => proxFromSpec({ kind: 'l1', lambda })(oneLayer(d));
const none = proxFromSpec({ kind: 'none' })(oneLayer(d));

describe.each([
  ['dproxsgt', dproxsgt],
  ['proxgtsa', proxgtsa],
])('%s', (name, factory) => {
  it('has its name, pattern and phases', () => {
    const a = factory(PARAMS);
    expect([a.name, a.pattern, a.phases]).toEqual([name, 'graph', ['y', 'x']]);
  });

  it('n = 1 is exactly proximal SGD (bitwise, §9.3)', async () => {
    const q = makeQuadratics({ n: 1, d, m: 8, seed: 1 });
    const prox = l1(1.5);
    const { contexts } = buildNet({
      rows: rowsFromDense([[1]]),
      dim: d,
      oracles: [quadraticOracle(q, 0, { noise: 0.5, seed: 3 })],
      prox,
      compressX: IDENTITY,
    });
    const x0 = randomVectors(1, d, 5);
    const algo = factory(PARAMS);
    const ls = await started(algo, contexts, x0);
    // hand-written proximal SGD on an identical oracle
    const hand = quadraticOracle(q, 0, { noise: 0.5, seed: 3 });
    const x = x0[0].slice();
    const g = new Float64Array(d);
    const v = new Float64Array(d);
    for (let k = 0; k < 100; k++) {
      const stats = await ls.step(k);
      const loss = hand.gradient(x, hand.nextBatch(), g);
      for (let j = 0; j < d; j++) v[j] = x[j] - PARAMS.eta * g[j];
      prox.apply(v, PARAMS.eta, x);
      expect(stats[0].loss).toBe(loss);
      expect(sameValues(ls.models()[0], x)).toBe(true);
      expect(sameValues(algo.tracker(ls.states()[0])!, g)).toBe(true);
    }
    expect(x.some((t) => t === 0)).toBe(true); // the prox is active
  });

  it('complete graph, exact gradients, identical init: identical x_i = centralized proximal gradient (§9.4)', async () => {
    const n = 4;
    const q = makeQuadratics({ n, d, m: 8, seed: 2 });
    const prox = l1(0.2);
    const { contexts } = buildNet({
      rows: rowsFromDense(completeW(n)),
      dim: d,
      oracles: [0, 1, 2, 3].map((i) => quadraticOracle(q, i)),
      prox,
      compressX: IDENTITY,
    });
    const x0 = randomVectors(1, d, 9)[0];
    const ls = await started(factory(PARAMS), contexts, [x0, x0, x0, x0]);
    const x = x0.slice();
    const g = new Float64Array(d);
    let worst = 0;
    for (let k = 0; k < 200; k++) {
      await ls.step(k);
      globalGradient(q, x, g);
      for (let j = 0; j < d; j++) g[j] = x[j] - PARAMS.eta * g[j];
      prox.apply(g, PARAMS.eta, x);
      const xs = ls.models();
      for (const xi of xs) expect(sameValues(xi, xs[0])).toBe(true);
      worst = Math.max(worst, maxDiff(xs[0], x));
    }
    expect(worst).toBeLessThan(1e-12);
    expect(x.some((t) => t === 0)).toBe(true);
  });

  it('keeps mean(y) = mean(g) at every iteration on a ring with noisy gradients (§9.6)', async () => {
    const n = 5;
    const q = makeQuadratics({ n, d, m: 8, seed: 4 });
    const { contexts } = buildNet({
      rows: rowsFromDense(ringW(n)),
      dim: d,
      oracles: [0, 1, 2, 3, 4].map((i) => quadraticOracle(q, i, { noise: 1, seed: 1 })),
      prox: l1(0.1),
      compressX: IDENTITY,
    });
    const algo = factory(PARAMS);
    const ls = await started(algo, contexts, randomVectors(n, d, 11));
    for (let k = 0; k < 100; k++) {
      await ls.step(k);
      const st = ls.states();
      const drift = maxDiff(meanOf(st.map((s) => algo.tracker(s)!)), meanOf(st.map((s) => algo.lastGradient(s)!)));
      expect(drift).toBeLessThan(1e-12);
    }
  });

  it('r = 0: x̄^{k+1} = x̄^k − η ḡ^k (§9.7)', async () => {
    const n = 5;
    const q = makeQuadratics({ n, d, m: 8, seed: 5 });
    const { contexts } = buildNet({
      rows: rowsFromDense(ringW(n)),
      dim: d,
      oracles: [0, 1, 2, 3, 4].map((i) => quadraticOracle(q, i, { noise: 1, seed: 2 })),
      prox: none,
      compressX: IDENTITY,
    });
    const algo = factory(PARAMS);
    const ls = await started(algo, contexts, randomVectors(n, d, 12));
    for (let k = 0; k < 60; k++) {
      const before = meanOf(ls.models()).slice();
      await ls.step(k);
      const gbar = meanOf(ls.states().map((s) => algo.lastGradient(s)!));
      const expected = before.map((v, j) => v - PARAMS.eta * gbar[j]);
      expect(maxDiff(meanOf(ls.models()), expected)).toBeLessThan(1e-12);
    }
  });
});
