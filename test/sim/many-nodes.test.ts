/**
 * Thousands of simulated nodes (issue 10): the all-nodes path (NodeAlgorithm.stepBatch over
 * MemoryNetwork.exchangeAll, what `proxmesh sim` runs) against the per-node async path (`step`, what
 * a cluster node runs) on 2,000 nodes — bit-identical states and identical byte counts — plus the
 * tracking invariant mean(y) = mean(g). Small d and few iterations keep it fast.
 */
import { describe, expect, it } from 'vitest';
import { beer } from '../../node/algo/beer.ts';
import { cdproxsgt, type CDProxSgtState } from '../../node/algo/cdproxsgt.ts';
import { dproxsgt } from '../../node/algo/dproxsgt.ts';
import { makeStepSize } from '../../node/algo/step-size.ts';
import type { NodeAlgorithm } from '../../node/algo/types.ts';
import { proxFromSpec } from '../../node/prox/registry.ts';
import { createLockstep } from '../../node/sim/lockstep.ts';
import { ring } from '../../topologies/generators.ts';
import { metropolisMixing, mixingRow } from '../../topologies/mixing.ts';
import { Q } from '../algo/fixtures/compressors.ts';
import { buildNet, maxDiff, meanOf, oneLayer, randomVectors, sameValues } from '../algo/fixtures/network.ts';
import { makeQuadratics, quadraticOracle } from '../algo/fixtures/quadratic.ts';

const n = 2000;
const d = 7;
const K = 4;
const params = { eta: 0.05, gammaX: 0.5, gammaY: 0.5, beta: 0.8, initBatches: 3 };
const rows = (() => {
  const W = metropolisMixing(ring({ nodes: n }));
  return Array.from({ length: n }, (_, i) => mixingRow(W, i));
})();
const q = makeQuadratics({ n, d, m: 3, seed: 5 });

function network(spec: Parameters<typeof Q>[0]) {
  return buildNet({
    rows,
    dim: d,
    oracles: Array.from({ length: n }, (_, i) => quadraticOracle(q, i, { noise: 0.1, seed: 9 })),
    prox: proxFromSpec({ kind: 'l1', lambda: 0.01 } as never)(oneLayer(d)),
    compressX: Q(spec),
  });
}

/**
 * Runs `algo` K iterations twice from x0 — all nodes through stepBatch (the sim) and node by node
 * through step (a cluster node) — checks the losses per iteration, every state vector in `keys` bit
 * for bit and each node's byte counts, and returns the batched run's states and network.
 */
async function stepBatchEqualsStep<S extends object>(
  algo: NodeAlgorithm<S>,
  spec: Parameters<typeof Q>[0],
  x0: Float64Array[],
  keys: readonly (keyof S & string)[],
) {
  const a = network(spec);
  const b = network(spec);
  const batched = createLockstep({ algorithm: algo, contexts: a.contexts, x0, batch: a.net });
  const perNode = createLockstep({ algorithm: algo, contexts: b.contexts, x0 });
  await batched.init();
  await perNode.init();
  for (let k = 0; k < K; k++) {
    const sa = await batched.step(k);
    const sb = await perNode.step(k);
    expect(sa.map((s) => s.loss)).toEqual(sb.map((s) => s.loss));
  }
  const A = batched.states();
  const B = perNode.states();
  for (let i = 0; i < n; i++) {
    for (const key of keys) {
      if (!sameValues(A[i][key] as Float64Array, B[i][key] as Float64Array))
        throw new Error(`node ${i}: ${key} differs between stepBatch and step`);
    }
    expect(a.net.bytesSentBy(i)).toBe(b.net.bytesSentBy(i));
    expect(a.net.messagesSentBy(i)).toBe(b.net.messagesSentBy(i));
  }
  expect(a.net.bytesSent()).toBeGreaterThan(0);
  expect(b.net.pending()).toBe(0);
  return { states: A, net: a.net };
}

describe(`${n} simulated nodes`, () => {
  for (const [name, algo] of [
    ['cdproxsgt', cdproxsgt(params)],
    ['beer', beer(params)],
    // η_k from a schedule (cosine after a 2-step warm-up): stepBatch's prox phase reads η_k as step does
    [
      'cdproxsgt with a cosine η schedule',
      cdproxsgt({ ...params, stepSize: makeStepSize(params.eta, { kind: 'cosine', etaMin: 0.005, warmup: 2 }, K) }),
    ],
  ] as const) {
    it(`${name}: stepBatch (sim) ≡ step (cluster) bit for bit, same bytes; mean(y) = mean(g)`, async () => {
      const spec = { kind: 'topk', k: 2, scope: 'global', precision: 'f64' } as const;
      const x0 = randomVectors(n, d, 3);
      const { states: A } = await stepBatchEqualsStep(algo as NodeAlgorithm<CDProxSgtState>, spec, x0, [
        'x',
        'y',
        'g',
        'gPrev',
        'xRef',
        'yRef',
        'sx',
        'sy',
      ]);
      // tracking invariant (paper-spec §9.6): exact in exact arithmetic, rounding only here
      const ys = A.map((s) => s.y);
      const gs = A.map((s) => s.g);
      const scale = Math.max(1, ...gs.flatMap((g) => Array.from(g, Math.abs)));
      expect(maxDiff(meanOf(ys), meanOf(gs)) / scale).toBeLessThan(1e-12);
    });
  }

  it('dproxsgt: stepBatch (sim) ≡ step (cluster) bit for bit, same bytes (dense identity messages, cosine η)', async () => {
    const spec = { kind: 'identity', precision: 'f64' } as const;
    const algo = dproxsgt({ ...params, stepSize: makeStepSize(params.eta, { kind: 'cosine', etaMin: 0.005, warmup: 2 }, K) });
    const x0 = randomVectors(n, d, 4);
    await stepBatchEqualsStep(algo, spec, x0, ['x', 'y', 'g', 'gPrev', 'half', 'decoded']);
  });

  it("dproxsgt with stepTracker 'unmixed' (prox before the y-exchange): stepBatch ≡ step bit for bit", async () => {
    const algo = dproxsgt({ ...params, stepTracker: 'unmixed' });
    await stepBatchEqualsStep(algo, { kind: 'identity', precision: 'f64' }, randomVectors(n, d, 6), [
      'x',
      'y',
      'g',
      'gPrev',
      'half',
      'decoded',
    ]);
  });

  it('stepBatch follows the η schedule: a cosine schedule moves x away from the constant-η run', async () => {
    const spec = { kind: 'topk', k: 2, scope: 'global', precision: 'f64' } as const;
    const x0 = randomVectors(n, d, 3);
    const run = async (algo: NodeAlgorithm<CDProxSgtState>) => {
      const a = network(spec);
      const lock = createLockstep({ algorithm: algo, contexts: a.contexts, x0, batch: a.net });
      await lock.init();
      for (let k = 0; k < K; k++) await lock.step(k);
      return lock.states().map((s) => Float64Array.from(s.x));
    };
    const constant = await run(cdproxsgt(params) as NodeAlgorithm<CDProxSgtState>);
    const cosine = await run(
      cdproxsgt({
        ...params,
        stepSize: makeStepSize(params.eta, { kind: 'cosine', etaMin: 0.005, warmup: 2 }, K),
      }) as NodeAlgorithm<CDProxSgtState>,
    );
    expect(constant.some((x, i) => !sameValues(x, cosine[i]))).toBe(true);
  });

  it('exchangeAll rejects a second post of the same (round, phase) and a wrong message count', () => {
    const { net } = network({ kind: 'identity', precision: 'f64' });
    const msg = { dim: d, indices: null, values: { kind: 'float' as const, precision: 'f64' as const, data: new Float64Array(d) } };
    const msgs = Array.from({ length: n }, () => msg);
    net.exchangeAll(0, 'y', msgs);
    expect(() => net.exchangeAll(0, 'y', msgs)).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_INTERNAL' }));
    expect(() => net.exchangeAll(1, 'y', msgs.slice(1))).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_INTERNAL' }));
    expect(net.bytesSentBy(5)).toBe(2 * d * 8); // two ring neighbours, d f64 values each
  });
});
