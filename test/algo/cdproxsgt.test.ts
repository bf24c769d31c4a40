import { describe, expect, it } from 'vitest';
import { beer } from '../../node/algo/beer.ts';
import { cdproxsgt, type CDProxSgtState } from '../../node/algo/cdproxsgt.ts';
import { dproxsgt } from '../../node/algo/dproxsgt.ts';
import type { AlgoParams, NodeAlgorithm } from '../../node/algo/types.ts';
import type { CompressorSpec } from '../../node/compress/spec.ts';
import type { LayerMap } from '../../node/linalg/layers.ts';
import { proxFromSpec } from '../../node/prox/registry.ts';
import type { MixingRow } from '../../topologies/types.ts';
import { makeQuadratics, quadraticOracle } from './fixtures/quadratic.ts';
import { lazyW, pathMetropolisW, ringW, rowsFromDense } from './fixtures/rows.ts';
import { buildNet, maxDiff, meanOf, PARAMS, randomVectors, sameValues, started } from './fixtures/network.ts';
import { EVERY_KIND, IDENTITY, Q } from './fixtures/compressors.ts';

const d = 8;
const layers: LayerMap = [
  { name: 'a', offset: 0, length: 5, shape: [5] },
  { name: 'b', offset: 5, length: 3, shape: [3] },
];
const l1 = (lambda: number) => proxFromSpec({ kind: 'l1', lambda })(layers);
const none = proxFromSpec({ kind: 'none' })(layers);
const TOP30: CompressorSpec = { kind: 'topk', ratio: 0.3, scope: 'layer', precision: 'f64' };

function net(
  rows: readonly MixingRow[],
  opts: { qx?: CompressorSpec; qy?: CompressorSpec; prox?: ReturnType<typeof l1>; noise?: number; seed?: number },
) {
  const n = rows.length;
  const q = makeQuadratics({ n, d, m: 10, seed: opts.seed ?? 3 });
  return buildNet({
    rows,
    dim: d,
    layers,
    oracles: Array.from({ length: n }, (_, i) => quadraticOracle(q, i, { noise: opts.noise ?? 1, seed: 5 })),
    prox: opts.prox ?? l1(0.1),
    compressX: opts.qx ? Q(opts.qx) : IDENTITY,
    compressY: opts.qy ? Q(opts.qy) : opts.qx ? Q(opts.qx) : IDENTITY,
  });
}

const params = (gamma: number, eta = PARAMS.eta): AlgoParams => ({ ...PARAMS, eta, gammaX: gamma, gammaY: gamma });

describe('cdproxsgt', () => {
  it('has its name, pattern and phases; beer too', () => {
    for (const [a, name] of [
      [cdproxsgt(PARAMS), 'cdproxsgt'],
      [beer(PARAMS), 'beer'],
    ] as const) {
      expect([a.name, a.pattern, a.phases]).toEqual([name, 'graph', ['y', 'x']]);
    }
  });

  it.each([
    [TOP30, 1],
    [TOP30, 0.3],
    [{ kind: 'randk', ratio: 0.3, scope: 'global', scaled: true, precision: 'f64' } as CompressorSpec, 0.5],
    [{ kind: 'qsgd', levels: 4, scope: 'layer', contractive: false, scalePrecision: 'f32' } as CompressorSpec, 0.7],
    [{ kind: 'ef', inner: TOP30 } as CompressorSpec, 0.5],
  ])('n = 1 is exactly proximal SGD for Q = %j, γ = %d (§9.3)', async (spec, gamma) => {
    const prox = l1(0.3);
    const { contexts } = net(rowsFromDense([[1]]), { qx: spec, prox });
    const q = makeQuadratics({ n: 1, d, m: 10, seed: 3 });
    const hand = quadraticOracle(q, 0, { noise: 1, seed: 5 });
    const x0 = randomVectors(1, d, 5);
    const ls = await started(cdproxsgt(params(gamma)), contexts, x0);
    const x = x0[0].slice();
    const g = new Float64Array(d);
    for (let k = 0; k < 60; k++) {
      await ls.step(k);
      hand.gradient(x, hand.nextBatch(), g);
      for (let j = 0; j < d; j++) g[j] = x[j] - PARAMS.eta * g[j];
      prox.apply(g, PARAMS.eta, x);
      expect(sameValues(ls.models()[0], x)).toBe(true);
    }
    expect(x.some((t) => t === 0)).toBe(true);
  });

  it('Q = I, γ = 1 equals DProxSGT iterate for iterate (§9.5)', async () => {
    const rows = rowsFromDense(ringW(5));
    const a = await started(cdproxsgt(params(1)), net(rows, {}).contexts, randomVectors(5, d, 1));
    const b = await started(dproxsgt(params(1)), net(rows, {}).contexts, randomVectors(5, d, 1));
    let worst = 0;
    for (let k = 0; k < 100; k++) {
      await Promise.all([a.step(k), b.step(k)]);
      for (let i = 0; i < 5; i++) worst = Math.max(worst, maxDiff(a.models()[i], b.models()[i]));
    }
    expect(worst).toBeLessThan(2e-13);
    expect(worst).toBeGreaterThan(0); // different arithmetic, same maths: the comparison is not vacuous
  });

  it('Q = I, γ < 1 equals DProxSGT with W_γ = (1−γ)I + γW (§9.5)', async () => {
    const gamma = 0.4;
    const W = pathMetropolisW();
    const a = await started(cdproxsgt(params(gamma)), net(rowsFromDense(W), {}).contexts, randomVectors(4, d, 2));
    const b = await started(dproxsgt(params(1)), net(rowsFromDense(lazyW(W, gamma)), {}).contexts, randomVectors(4, d, 2));
    let worst = 0;
    for (let k = 0; k < 100; k++) {
      await Promise.all([a.step(k), b.step(k)]);
      for (let i = 0; i < 4; i++) worst = Math.max(worst, maxDiff(a.models()[i], b.models()[i]));
    }
    expect(worst).toBeLessThan(2e-13);
  });

  it.each(EVERY_KIND.map((s) => [JSON.stringify(s), s] as const))('keeps mean(y) = mean(g) with Q = %s (§9.6)', async (_, spec) => {
    for (const algo of [cdproxsgt(params(0.5, 0.02)), beer(params(0.5, 0.02))]) {
      const { contexts } = net(rowsFromDense(pathMetropolisW()), { qx: spec, qy: spec });
      const ls = await started(algo as NodeAlgorithm<CDProxSgtState>, contexts, randomVectors(4, d, 3));
      for (let k = 0; k < 40; k++) {
        await ls.step(k);
        const ys = ls.states().map((s) => s.y);
        const gs = ls.states().map((s) => s.g);
        const scale = Math.max(1, ...gs.flatMap((g) => Array.from(g, Math.abs)));
        expect(maxDiff(meanOf(ys), meanOf(gs)) / scale).toBeLessThan(1e-12);
      }
    }
  });

  it.each(EVERY_KIND.map((s) => [JSON.stringify(s), s] as const))(
    'keeps s^x, s^y equal to Σ_j w_ij x̲_j, Σ_j w_ij y̲_j with Q = %s (§9.10)',
    async (_, spec) => {
      const rows = rowsFromDense(pathMetropolisW());
      const { contexts } = net(rows, { qx: spec, qy: spec });
      const ls = await started(cdproxsgt(params(0.5, 0.02)), contexts, randomVectors(4, d, 4));
      for (let k = 0; k < 30; k++) {
        await ls.step(k);
        const st = ls.states();
        st.forEach((s, i) => {
          const sx = new Float64Array(d);
          const sy = new Float64Array(d);
          rows[i].ids.forEach((j, p) => {
            for (let c = 0; c < d; c++) {
              sx[c] += rows[i].weights[p] * st[j].xRef[c];
              sy[c] += rows[i].weights[p] * st[j].yRef[c];
            }
          });
          // relative to the magnitude of the copies (unscaled-ω compressors let them grow large)
          const scale = Math.max(1, ...st.flatMap((t) => [...Array.from(t.xRef, Math.abs), ...Array.from(t.yRef, Math.abs)]));
          expect(maxDiff(s.sx, sx) / scale).toBeLessThan(1e-13);
          expect(maxDiff(s.sy, sy) / scale).toBeLessThan(1e-13);
        });
      }
      // the copies really are lossy references, not the iterates (else the check would be weak)
      if (spec.kind !== 'identity') expect(maxDiff(ls.states()[0].xRef, ls.states()[0].x)).toBeGreaterThan(1e-6);
    },
  );

  it.each([
    ['cdproxsgt', cdproxsgt, none],
    ['beer (prox ignored)', beer, l1(0.5)],
  ] as const)('%s with r = 0: x̄^{k+1} = x̄^k − η ḡ^k for top-k, γ = 0.5 (§9.7)', async (_, factory, prox) => {
    const { contexts } = net(rowsFromDense(ringW(5)), { qx: TOP30, prox });
    const ls = await started(factory(params(0.5)), contexts, randomVectors(5, d, 6));
    for (let k = 0; k < 60; k++) {
      const before = meanOf(ls.models());
      await ls.step(k);
      const gbar = meanOf(ls.states().map((s) => s.g));
      expect(
        maxDiff(
          meanOf(ls.models()),
          before.map((v, j) => v - PARAMS.eta * gbar[j]),
        ),
      ).toBeLessThan(1e-12);
    }
  });

  it('beer equals cdproxsgt with r = 0 bitwise', async () => {
    const rows = rowsFromDense(ringW(5));
    const a = await started(beer(params(0.5)), net(rows, { qx: TOP30, prox: l1(1) }).contexts, randomVectors(5, d, 7));
    const b = await started(cdproxsgt(params(0.5)), net(rows, { qx: TOP30, prox: none }).contexts, randomVectors(5, d, 7));
    for (let k = 0; k < 30; k++) {
      await Promise.all([a.step(k), b.step(k)]);
      for (let i = 0; i < 5; i++) expect(sameValues(a.models()[i], b.models()[i])).toBe(true);
    }
  });

  it('sends 2 messages per neighbour per iteration, each of top-k size (§9.10)', async () => {
    const { contexts, net: network } = net(rowsFromDense(ringW(5)), { qx: TOP30 });
    const ls = await started(cdproxsgt(params(0.5)), contexts, randomVectors(5, d, 8));
    const K = 7;
    for (let k = 0; k < K; k++) await ls.step(k);
    // top-30% per layer: k = max(1, floor(0.3·5)) + max(1, floor(0.3·3)) = 1 + 1 values + indices (8 + 4 bytes each)
    const msgBytes = 2 * 8 + 2 * 4;
    for (let i = 0; i < 5; i++) {
      expect(network.messagesSentBy(i)).toBe(K * 2 * 2);
      expect(network.bytesSentBy(i)).toBe(K * 2 * 2 * msgBytes);
      expect(network.bytesSentOnEdge(i, (i + 4) % 5)).toBe(K * 2 * msgBytes);
    }
    expect(network.pending()).toBe(0);
  });
});
