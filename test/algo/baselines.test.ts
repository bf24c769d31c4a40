import { describe, expect, it } from 'vitest';
import { allreduce } from '../../node/algo/allreduce.ts';
import { choco } from '../../node/algo/choco.ts';
import { deepstorm } from '../../node/algo/deepstorm.ts';
import { dpsgd } from '../../node/algo/dpsgd.ts';
import { dproxsgt } from '../../node/algo/dproxsgt.ts';
import type { AlgoParams } from '../../node/algo/types.ts';
import { payloadByteLength } from '../../node/codec/payload.ts';
import { proxFromSpec } from '../../node/prox/registry.ts';
import { averagingRow } from '../../topologies/mixing.ts';
import { makeQuadratics, quadraticOracle } from './fixtures/quadratic.ts';
import { ringW, rowsFromDense } from './fixtures/rows.ts';
import { buildNet, maxDiff, meanOf, oneLayer, PARAMS, randomVectors, sameValues, started } from './fixtures/network.ts';
import { IDENTITY, Q } from './fixtures/compressors.ts';

const d = 5;
const l1 = (lambda: number) => proxFromSpec({ kind: 'l1', lambda })(oneLayer(d));
const none = proxFromSpec({ kind: 'none' })(oneLayer(d));

function oracles(n: number, seed: number, noise = 1) {
  const q = makeQuadratics({ n, d, m: 7, seed });
  return Array.from({ length: n }, (_, i) => quadraticOracle(q, i, { noise, seed }));
}

/** Σ_j W_ij v_j over a dense W, in ascending j. */
function mixDense(W: number[][], vs: Float64Array[], i: number): Float64Array {
  const out = new Float64Array(d);
  W[i].forEach((w, j) => {
    if (w !== 0) for (let c = 0; c < d; c++) out[c] += w * vs[j][c];
  });
  return out;
}

describe('allreduce', () => {
  it('averages x⁰, then equals x^{k+1} = (1/n) Σ_i prox(x^k − η g_i^k) (§6.5)', async () => {
    const n = 3;
    const prox = l1(2);
    const rows = [0, 1, 2].map((i) => averagingRow(n, i));
    const { contexts } = buildNet({ rows, dim: d, oracles: oracles(n, 1), prox, compressX: IDENTITY });
    const x0 = randomVectors(n, d, 2);
    const algo = allreduce(PARAMS);
    expect([algo.pattern, algo.phases, algo.initPhases]).toEqual(['all', ['x'], ['x']]);
    const ls = await started(algo, contexts, x0);
    const hand = oracles(n, 1);
    const x = meanOf(x0);
    for (const xi of ls.models()) expect(maxDiff(xi, x)).toBeLessThan(1e-15);
    const g = new Float64Array(d);
    for (let k = 0; k < 20; k++) {
      await ls.step(k);
      const parts = hand.map((o) => {
        o.gradient(x, o.nextBatch(), g);
        return prox.apply(
          x.map((v, j) => v - PARAMS.eta * g[j]),
          PARAMS.eta,
          new Float64Array(d),
        );
      });
      x.set(meanOf(parts));
      const xs = ls.models();
      for (const xi of xs) {
        expect(sameValues(xi, xs[0])).toBe(true);
        expect(maxDiff(xi, x)).toBeLessThan(1e-12);
      }
    }
    expect(x.some((v) => v === 0)).toBe(true);
    expect(algo.tracker(ls.states()[0])).toBeNull();
  });
});

describe('deepstorm', () => {
  it('matches a hand computation on n = 2 (§6.5 order, same-batch double evaluation)', async () => {
    const W = [
      [0.75, 0.25],
      [0.25, 0.75],
    ];
    const params: AlgoParams = { eta: 0.1, gammaX: 1, gammaY: 1, beta: 0.8, initBatches: 3 };
    const prox = l1(0.4);
    const { contexts } = buildNet({ rows: rowsFromDense(W), dim: d, oracles: oracles(2, 3), prox, compressX: IDENTITY });
    const x0 = randomVectors(2, d, 4);
    const algo = deepstorm(params);
    expect([algo.phases, algo.initPhases]).toEqual([['x', 'y'], ['y']]);
    const ls = await started(algo, contexts, x0);

    const hand = oracles(2, 3);
    const g = new Float64Array(d);
    const x: Float64Array[] = x0.map((v) => v.slice());
    const dd: Float64Array[] = hand.map((o, i) => {
      const acc = new Float64Array(d);
      for (let b = 0; b < 3; b++) {
        o.gradient(x[i], o.nextBatch(), g);
        for (let c = 0; c < d; c++) acc[c] += g[c];
      }
      return acc.map((v) => v / 3);
    });
    let y = [0, 1].map((i) => mixDense(W, dd, i));
    const check = () => {
      const st = ls.states();
      for (let i = 0; i < 2; i++) {
        expect(maxDiff(st[i].x, x[i])).toBeLessThan(1e-13);
        expect(maxDiff(st[i].y, y[i])).toBeLessThan(1e-13);
        expect(maxDiff(st[i].d, dd[i])).toBeLessThan(1e-13);
      }
    };
    check();
    for (let k = 0; k < 4; k++) {
      await ls.step(k);
      const xNew = [0, 1].map((i) => {
        const v = mixDense(W, x, i).map((t, c) => t - params.eta * y[i][c]);
        return prox.apply(v, params.eta, v);
      });
      const dNew = [0, 1].map((i) => {
        const b = hand[i].nextBatch();
        const gOld = new Float64Array(d);
        const gNew = new Float64Array(d);
        hand[i].gradient(x[i], b, gOld);
        hand[i].gradient(xNew[i], b, gNew);
        return gNew.map((t, c) => t + (1 - params.beta) * (dd[i][c] - gOld[c]));
      });
      const msgs = [0, 1].map((j) => y[j].map((t, c) => t + dNew[j][c] - dd[j][c]));
      y = [0, 1].map((i) => mixDense(W, msgs, i));
      for (let i = 0; i < 2; i++) {
        x[i] = xNew[i];
        dd[i] = dNew[i];
      }
      check();
      // the tracker follows the STORM estimator: mean(y) = mean(d)
      expect(maxDiff(meanOf(ls.states().map((s) => algo.tracker(s)!)), meanOf(ls.states().map((s) => algo.lastGradient(s)!)))).toBeLessThan(
        1e-13,
      );
    }
    // 3 init batches + one batch (two evaluations) per step
    expect(contexts[0].oracle).toMatchObject({ calls: 3 + 2 * 4 });
  });
});

describe('dpsgd', () => {
  it('x_i^{k+1} = prox(Σ_j w_ij x_j^k − η ∇F_i(x_i^k)) (hand computation on a ring)', async () => {
    const n = 5;
    const W = ringW(n);
    const prox = l1(0.5);
    const { contexts } = buildNet({ rows: rowsFromDense(W), dim: d, oracles: oracles(n, 5), prox, compressX: IDENTITY });
    const x0 = randomVectors(n, d, 6);
    const algo = dpsgd(PARAMS);
    const ls = await started(algo, contexts, x0);
    const hand = oracles(n, 5);
    let x: Float64Array[] = x0.map((v) => v.slice());
    const g = new Float64Array(d);
    for (let k = 0; k < 10; k++) {
      await ls.step(k);
      x = x.map((xi, i) => {
        hand[i].gradient(xi, hand[i].nextBatch(), g);
        const v = mixDense(W, x, i).map((t, c) => t - PARAMS.eta * g[c]);
        return prox.apply(v, PARAMS.eta, v);
      });
      for (let i = 0; i < n; i++) expect(maxDiff(ls.models()[i], x[i])).toBeLessThan(1e-14);
    }
    expect(algo.tracker(ls.states()[0])).toBeNull();
  });
});

describe('choco', () => {
  const TOP = Q({ kind: 'topk', ratio: 0.4, scope: 'global', precision: 'f64' });

  it('keeps s_i = Σ_j w_ij x̂_j (recomputed from scratch) after every round, and ignores the prox', async () => {
    const n = 5;
    const W = ringW(n);
    const params: AlgoParams = { ...PARAMS, gammaX: 0.5 };
    const a = await started(
      choco(params),
      buildNet({ rows: rowsFromDense(W), dim: d, oracles: oracles(n, 7), prox: l1(2), compressX: TOP }).contexts,
      randomVectors(n, d, 8),
    );
    const b = await started(
      choco(params),
      buildNet({ rows: rowsFromDense(W), dim: d, oracles: oracles(n, 7), prox: none, compressX: TOP }).contexts,
      randomVectors(n, d, 8),
    );
    for (let k = 0; k < 30; k++) {
      await Promise.all([a.step(k), b.step(k)]);
      const st = a.states();
      for (let i = 0; i < n; i++) {
        expect(
          maxDiff(
            st[i].s,
            mixDense(
              W,
              st.map((s) => s.xHat),
              i,
            ),
          ),
        ).toBeLessThan(1e-12);
        expect(sameValues(st[i].x, b.states()[i].x)).toBe(true);
      }
    }
    expect(maxDiff(a.states()[0].xHat, a.states()[0].x)).toBeGreaterThan(1e-6);
  });

  it('x ← x − ηg; x̂ ← x̂ + Q(x − x̂); x ← x + γ(Σ_j w_ij x̂_j − x̂_i): hand computation with Q = I', async () => {
    const n = 5;
    const W = ringW(n);
    const gamma = 0.3;
    const { contexts } = buildNet({ rows: rowsFromDense(W), dim: d, oracles: oracles(n, 9), prox: none, compressX: IDENTITY });
    const x0 = randomVectors(n, d, 10);
    const ls = await started(choco({ ...PARAMS, gammaX: gamma }), contexts, x0);
    const hand = oracles(n, 9);
    let x = x0.map((v) => v.slice());
    const g = new Float64Array(d);
    for (let k = 0; k < 10; k++) {
      await ls.step(k);
      // with Q = I, x̂ = x after the local step, so x ← x_half + γ(Σ_j w_ij x_half_j − x_half_i)
      const half = x.map((xi, i) => {
        hand[i].gradient(xi, hand[i].nextBatch(), g);
        return xi.map((t, c) => t - PARAMS.eta * g[c]);
      });
      x = half.map((h, i) => {
        const m = mixDense(W, half, i);
        return h.map((t, c) => t + gamma * (m[c] - t));
      });
      for (let i = 0; i < n; i++) expect(maxDiff(ls.models()[i], x[i])).toBeLessThan(1e-13);
    }
  });
});

describe('byte accounting', () => {
  it('DProxSGT sends 2 dense messages per neighbour per iteration (codec payload length)', async () => {
    const n = 5;
    const { contexts, net } = buildNet({
      rows: rowsFromDense(ringW(n)),
      dim: d,
      oracles: oracles(n, 11),
      prox: none,
      compressX: IDENTITY,
      byteLength: payloadByteLength,
    });
    const ls = await started(dproxsgt(PARAMS), contexts, randomVectors(n, d, 12));
    const K = 6;
    for (let k = 0; k < K; k++) await ls.step(k);
    const dense = payloadByteLength({ dim: d, indices: null, values: { kind: 'float', precision: 'f64', data: new Float64Array(d) } });
    expect(dense).toBeGreaterThanOrEqual(8 * d);
    for (let i = 0; i < n; i++) {
      expect(net.messagesSentBy(i)).toBe(K * 2 * 2);
      expect(net.bytesSentOnEdge(i, (i + 1) % n)).toBe(K * 2 * dense);
    }
    expect(net.bytesSent()).toBe(n * K * 2 * 2 * dense);
  });
});
