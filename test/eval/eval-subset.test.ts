import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunContextFactory } from '../../coordinator/run-context.ts';
import { loadConfig } from '../../node/config/load.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { aggregateReports } from '../../node/eval/aggregate-reports.ts';
import type { NodeReport } from '../../node/results/metrics-row.ts';
import { evalSubset, evalSubsets } from '../../node/eval/eval-subset.ts';
import { averageModels, evaluate } from '../../node/eval/evaluate.ts';
import { Rng } from '../../node/linalg/rng.ts';
import type { Dataset, Model } from '../../node/problem/types.ts';
import { l1Prox } from '../../node/prox/l1.ts';
import { aggregateContextOf, buildRunProblem, buildRunTopology, initialPoint } from '../../node/assemble/assemble.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';

/** loss(x; s) = ½(x − a_s)², one coordinate; predicted class = [x·a_s > 0]. Hand-computable. */
const model: Model = {
  kind: 'quadratic1',
  dim: 1,
  layers: [{ name: 'w', offset: 0, length: 1, shape: [1] }],
  nClasses: 2,
  lossGrad(x, data, idx, grad) {
    const a = (data.features as { data: Float64Array }).data;
    const rows = idx ? Array.from(idx) : a.map((_, s) => s);
    let loss = 0;
    grad[0] = 0;
    for (const s of rows) {
      loss += 0.5 * (x[0] - a[s]) ** 2;
      grad[0] += x[0] - a[s];
    }
    grad[0] /= rows.length;
    return loss / rows.length;
  },
  loss(x, data, idx) {
    return model.lossGrad(x, data, idx, new Float64Array(1));
  },
  accuracy(x, data, idx) {
    const a = (data.features as { data: Float64Array }).data;
    const rows = idx ? Array.from(idx) : Array.from(a, (_, s) => s);
    let ok = 0;
    for (const s of rows) if ((x[0] * a[s] > 0 ? 1 : 0) === data.labels[s]) ok++;
    return ok / rows.length;
  },
  initRandom: (_rng, out) => out,
};

function column(values: number[], labels: number[]): Dataset {
  return {
    name: 'col',
    features: { kind: 'dense', rows: values.length, cols: 1, data: Float64Array.from(values) },
    labels: Int32Array.from(labels),
    nClasses: 2,
  };
}

describe('evalSubset', () => {
  const shard = Int32Array.from({ length: 50 }, (_, t) => 3 * t + 1);

  it('is the first m of the eval-subset permutation, sorted, and deterministic', () => {
    const a = evalSubset(shard, 7, 42, 3);
    const perm = Rng.derive(42, 3, 'eval-subset').permutation(50);
    const expected = Array.from(perm.subarray(0, 7), (p) => shard[p]).sort((u, v) => u - v);
    expect(Array.from(a)).toEqual(expected);
    expect(Array.from(evalSubset(shard, 7, 42, 3))).toEqual(Array.from(a));
    // another node or seed draws another subset
    expect(Array.from(evalSubset(shard, 7, 42, 4))).not.toEqual(Array.from(a));
    expect(Array.from(evalSubset(shard, 7, 43, 3))).not.toEqual(Array.from(a));
  });

  it('has m distinct members of the shard, ascending', () => {
    for (const m of [1, 2, 13, 49]) {
      const s = evalSubset(shard, m, 9, 0);
      expect(s.length).toBe(m);
      expect(new Set(s).size).toBe(m);
      const members = new Set(shard);
      for (let t = 0; t < m; t++) {
        expect(members.has(s[t])).toBe(true);
        if (t > 0) expect(s[t]).toBeGreaterThan(s[t - 1]);
      }
    }
  });

  it('is the shard itself for m null or m ≥ |shard|', () => {
    expect(evalSubset(shard, null, 1, 0)).toBe(shard);
    expect(evalSubset(shard, 50, 1, 0)).toBe(shard);
    expect(evalSubset(shard, 1000, 1, 0)).toBe(shard);
  });

  it('rejects m that is not an integer ≥ 1', () => {
    for (const m of [0, -3, 2.5, Number.NaN]) expect(() => evalSubset(shard, m, 1, 0)).toThrow(RangeError);
  });

  it('evalSubsets derives node i from Rng.derive(seed, i, …)', () => {
    const shards = [shard, shard.map((v) => v + 1)];
    const all = evalSubsets(shards, 5, 8);
    expect(Array.from(all[1])).toEqual(Array.from(evalSubset(shards[1], 5, 8, 1)));
    expect(Array.from(all[0])).toEqual(Array.from(evalSubset(shards[0], 5, 8, 0)));
  });
});

describe('evaluate with evaluation subsets', () => {
  // samples:      0   1   2   3   4   5
  const train = column([1, 3, -2, 4, 0, -1], [1, 1, 0, 0, 1, 0]);
  const test = column([1, -1], [1, 1]);
  const shards = [Int32Array.of(0, 1, 2), Int32Array.of(3, 4, 5)];
  const evalShards = [Int32Array.of(1), Int32Array.of(3, 5)];

  it('computes f, stationarity and train accuracy on the subsets only, test accuracy on the whole test set', () => {
    const xs = [Float64Array.of(1), Float64Array.of(3)];
    const m = evaluate({ xs, problem: { model, train, test, shards, evalShards }, prox: l1Prox({ lambda: 0.5 }), eta: 0.5 });
    // x̄ = 2. f_0 = ½(2−3)² = 0.5; f_1 = ½((2−4)² + (2+1)²)/2 = 3.25; f = 1.875; r = 0.5·2 = 1
    expect(m.f).toBe(1.875);
    expect(m.objective).toBe(2.875);
    // ∇f = (−1 + (−2 + 3)/2)/2 = −0.25; v = 2 + 0.125 = 2.125; prox_{0.25}: 1.875; G = 0.125/0.5
    expect(m.stationarity).toBe(0.25);
    // predictions on samples 1, 3, 5 with x̄ = 2: 1, 1, 0 vs labels 1, 0, 0 → 2/3
    expect(m.trainAccuracy).toBe(2 / 3);
    // test: 1 ok, −1 → class 0 ≠ 1
    expect(m.testAccuracy).toBe(0.5);
    expect(m.consensus).toBe(1);
  });

  it('without subsets is unchanged (whole shards, accuracy over the whole training set)', () => {
    const xs = [Float64Array.of(1), Float64Array.of(3)];
    const m = evaluate({ xs, problem: { model, train, test, shards }, prox: l1Prox({ lambda: 0 }), eta: 1 });
    // f_0 = ½(1 + 1 + 16)/3 = 3, f_1 = ½(4 + 4 + 9)/3 = 17/6
    expect(m.f).toBe((3 + 17 / 6) / 2);
    // predictions 1,1,0,1,0,0 vs labels 1,1,0,0,1,0 → 4/6
    expect(m.trainAccuracy).toBe(4 / 6);
  });

  it('rejects a subset list of the wrong length', () => {
    const xs = [Float64Array.of(1), Float64Array.of(3)];
    expect(() =>
      evaluate({ xs, problem: { model, train, test, shards, evalShards: [evalShards[0]] }, prox: l1Prox({ lambda: 0 }), eta: 1 }),
    ).toThrow(RangeError);
  });
});

describe('evaluation.trainSamplesPerNode in a run', () => {
  const base: Record<string, any> = {
    seed: 11,
    iterations: 6,
    evalEvery: 3,
    batchSize: 8,
    algorithm: { name: 'dproxsgt', eta: 0.1 },
    problem: {
      dataset: { name: 'digits', testFraction: 0.2 },
      model: { kind: 'softmax', intercept: true },
      regularizer: { kind: 'l1', lambda: 1e-3 },
    },
    partition: { kind: 'iid' },
    topology: { kind: 'ring', nodes: 4 },
    init: { kind: 'random', scale: 1, perNode: true },
  };
  const M = 40;

  it('validates the option and leaves it out of the resolved config when absent', () => {
    expect(loadConfig(base)).not.toHaveProperty('evaluation');
    expect(loadConfig({ ...base, evaluation: {} }).evaluation).toEqual({ trainSamplesPerNode: null });
    expect(loadConfig({ ...base, evaluation: { trainSamplesPerNode: 5 } }).evaluation).toEqual({ trainSamplesPerNode: 5 });
    for (const bad of [{ trainSamplesPerNode: 0 }, { trainSamplesPerNode: 2.5 }, { trainSamplesPerNode: '10' }, { samples: 10 }]) {
      let err: unknown;
      try {
        loadConfig({ ...base, evaluation: bad });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(bad)).toBeInstanceOf(ProxmeshError);
      expect((err as ProxmeshError).code).toBe('PROXMESH_ERR_CONFIG');
    }
  });

  it('aggregateContextOf: no evalShards key without the option; the seeded subsets with it', () => {
    const plain = loadConfig(base);
    const problem = buildRunProblem(plain, 4);
    expect(aggregateContextOf(plain, problem)).not.toHaveProperty('evalShards');
    expect(aggregateContextOf(loadConfig({ ...base, evaluation: { trainSamplesPerNode: null } }), problem)).not.toHaveProperty(
      'evalShards',
    );
    const ctx = aggregateContextOf(loadConfig({ ...base, evaluation: { trainSamplesPerNode: M } }), problem);
    expect(ctx.evalShards!.map((s) => Array.from(s))).toEqual(evalSubsets(problem.shards, M, 11).map((s) => Array.from(s)));
    expect(ctx.evalShards!.map((s) => s.length)).toEqual([M, M, M, M]);
    expect(ctx.shards).toBe(problem.shards); // epochs still count whole shards
  });

  it('rows: absent option and m ≥ every shard equal the default rows; m = 40 equals a hand computation on the subsets', async () => {
    const off = await runSimulation(loadConfig(base), { outDir: null });
    const huge = await runSimulation(loadConfig({ ...base, evaluation: { trainSamplesPerNode: 100_000 } }), { outDir: null });
    expect(JSON.stringify(huge.rows)).toBe(JSON.stringify(off.rows));

    const config = loadConfig({ ...base, evaluation: { trainSamplesPerNode: M } });
    const on = await runSimulation(config, { outDir: null });
    const problem = buildRunProblem(config, 4);
    const subsets = evalSubsets(problem.shards, M, 11);
    // Row 0 is x⁰ = the per-node random inits, known without running.
    const xs = [0, 1, 2, 3].map((i) => initialPoint(config, problem.model, i));
    const xbar = averageModels(xs, new Float64Array(problem.model.dim));
    let fSum = 0;
    for (const s of subsets) fSum += problem.model.loss(xbar, problem.train, s);
    expect(on.rows[0].f).toBeCloseTo(fSum / 4, 12);
    const joined = Int32Array.from(subsets.flatMap((s) => Array.from(s)));
    expect(on.rows[0].trainAccuracy).toBe(problem.model.accuracy(xbar, problem.train, joined));
    expect(on.rows[0].f).not.toBe(off.rows[0].f);
    on.rows.forEach((r, t) => {
      const o = off.rows[t];
      // the iterates are the same: only the training-set metrics change
      for (const k of ['iter', 'epoch', 'r', 'consensus', 'density', 'testAccuracy', 'localLoss', 'bytesSent'] as const)
        expect(r[k], k).toBe(o[k]);
    });
  });

  it('the coordinator builds the same context, so the cluster rows equal the simulator rows', async () => {
    const config = loadConfig({ ...base, evaluation: { trainSamplesPerNode: M } });
    const factory = createRunContextFactory({ runsDir: mkdtempSync(join(tmpdir(), 'proxmesh-evalsub-')) });
    const rc = await factory({ config }, 'r1');
    const sim = await runSimulation(config, { outDir: null });
    expect(JSON.parse(readFileSync(join(rc.store.dir, 'config.json'), 'utf8')).evaluation).toEqual({ trainSamplesPerNode: M });
    const problem = buildRunProblem(config, 4);
    expect(rc.ctx.evalShards!.map((s) => Array.from(s))).toEqual(evalSubsets(problem.shards, M, 11).map((s) => Array.from(s)));
    const reports: NodeReport[] = [0, 1, 2, 3].map((i) => ({
      nodeId: i,
      iter: 0,
      x: initialPoint(config, problem.model, i),
      lossSum: 0,
      lossCount: 0,
      bytesSent: 0,
    }));
    expect(JSON.stringify(aggregateReports(reports, rc.ctx))).toBe(JSON.stringify(sim.rows[0]));
    expect(buildRunTopology(config).graph.n).toBe(rc.n);
  });
});
