import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../node/config/load.ts';
import { ProxmeshError } from '../../node/errors.ts';
import { evaluate } from '../../node/eval/evaluate.ts';
import { authorsItersPerEpoch, consensusSum, paperMetrics } from '../../node/eval/paper-metrics.ts';
import { Rng } from '../../node/linalg/rng.ts';
import type { Dataset, Model } from '../../node/problem/types.ts';
import { noneProx } from '../../node/prox/none.ts';
import { runSimulation } from '../../node/sim/run-sim.ts';

/** A model whose "accuracy" of x is x[0]: lets the per-node statistics be checked exactly. */
function stubModel(dim: number): Model {
  const layers = [{ name: 'w', offset: 0, length: dim }] as unknown as Model['layers'];
  return {
    kind: 'stub',
    dim,
    layers,
    nClasses: 2,
    lossGrad: (_x: Float64Array, _d: Dataset, _i: Int32Array | null, grad: Float64Array) => {
      grad.fill(0);
      return 0;
    },
    loss: () => 0,
    accuracy: (x: Float64Array) => x[0],
    initRandom: (_r: Rng, out: Float64Array) => out,
  };
}

const TEST: Dataset = {
  name: 't',
  features: { kind: 'dense', rows: 1, cols: 1, data: new Float32Array(1) },
  labels: new Int32Array(1),
  nClasses: 2,
} as Dataset;
const shards = (sizes: number[]) => sizes.map((m) => Int32Array.from({ length: m }, (_, j) => j));

describe('paperMetrics (paper-spec §5.2)', () => {
  it('test accuracy of x̄ and mean/min/max over the local models x_i', () => {
    const xs = [0.2, 0.9, 0.4].map((a) => Float64Array.of(a, 1));
    const row = paperMetrics({ iter: 3, xs, localLoss: 1.5 }, { model: stubModel(2), test: TEST, shards: shards([4, 4, 4]), batchSize: 2 });
    expect(row.testAccuracy).toBeCloseTo(0.5, 15); // x̄[0] = (0.2 + 0.9 + 0.4)/3
    expect(row.localTestAccuracyMean).toBeCloseTo(0.5, 15);
    expect(row.localTestAccuracyMin).toBe(0.2);
    expect(row.localTestAccuracyMax).toBe(0.9);
    expect(row.localLoss).toBe(1.5);
    expect(row.epoch).toBe(1.5); // 3 iterations / ⌊4/2⌋
    expect(Object.keys(row)).toEqual([
      'iter',
      'epoch',
      'consensusSum',
      'testAccuracy',
      'localTestAccuracyMean',
      'localTestAccuracyMin',
      'localTestAccuracyMax',
      'localLoss',
    ]);
  });

  it('consensusSum = Σ_i‖x_i − x̄‖² = n · (the standard consensus)', () => {
    const rng = Rng.derive(7, -1, 'test');
    const n = 5;
    const d = 13;
    const xs = Array.from({ length: n }, () => Float64Array.from({ length: d }, () => rng.normal()));
    const model = stubModel(d);
    const row = paperMetrics({ iter: 0, xs, localLoss: null }, { model, test: null, shards: shards([3, 3, 3, 3, 3]), batchSize: 1 });
    const e = evaluate({ xs, problem: { model, train: TEST, test: null, shards: shards([3, 3, 3, 3, 3]) }, prox: noneProx(), eta: 0.1 });
    expect(row.consensusSum).toBeCloseTo(n * e.consensus, 12);
    // two points ±v around 0: Σ‖x_i − x̄‖² = 2‖v‖²
    expect(consensusSum([Float64Array.of(3, 4), Float64Array.of(-3, -4)], Float64Array.of(0, 0))).toBe(50);
    expect(row.testAccuracy).toBeNull();
    expect(row.localTestAccuracyMean).toBeNull();
    expect(row.localTestAccuracyMin).toBeNull();
    expect(row.localTestAccuracyMax).toBeNull();
  });

  it("authors' iterations per epoch: ⌊m/b⌋ with drop_last (12000 per node: 1500 for b = 8, 46 for b = 256)", () => {
    const five = shards([12000, 12000, 12000, 12000, 12000]);
    expect(authorsItersPerEpoch(five, 8)).toBe(1500);
    expect(authorsItersPerEpoch(five, 256)).toBe(46);
    expect(authorsItersPerEpoch(five, 'full')).toBe(1);
    expect(authorsItersPerEpoch(shards([3, 3]), 10)).toBe(1); // b > m: at least one iteration per epoch
  });

  it('rejects a model count that does not match the shards', () => {
    expect(() =>
      paperMetrics(
        { iter: 0, xs: [new Float64Array(2)], localLoss: null },
        { model: stubModel(2), test: null, shards: shards([1, 1]), batchSize: 1 },
      ),
    ).toThrow(RangeError);
  });
});

describe('metrics: { paper: true } in the simulator', () => {
  const base = {
    seed: 3,
    iterations: 6,
    evalEvery: 3,
    batchSize: 8,
    algorithm: { name: 'cdproxsgt', eta: 0.05, gammaX: 0.5, gammaY: 0.5 },
    compression: { x: { kind: 'topk', ratio: 0.3, scope: 'layer' }, y: { kind: 'topk', ratio: 0.3, scope: 'layer' } },
    problem: { dataset: { name: 'breast-cancer' }, model: { kind: 'logistic' }, regularizer: { kind: 'l1', lambda: 1e-3 } },
    partition: { kind: 'sorted' },
    topology: { kind: 'ring', nodes: 4 },
    init: { kind: 'random', scale: 1, perNode: true },
  };

  it('writes paper-metrics.ndjson, leaves metrics.ndjson and config.json of the default unchanged', async () => {
    const root = mkdtempSync(join(tmpdir(), 'proxmesh-paper-'));
    const off = await runSimulation(loadConfig(base), { outDir: join(root, 'off') });
    const on = await runSimulation(loadConfig({ ...base, metrics: { paper: true } }), { outDir: join(root, 'on') });
    const read = (dir: string | null, f: string) => readFileSync(join(dir!, f), 'utf8');
    expect(existsSync(join(off.dir!, 'paper-metrics.ndjson'))).toBe(false);
    expect(read(on.dir, 'metrics.ndjson')).toBe(read(off.dir, 'metrics.ndjson'));
    expect(JSON.parse(read(off.dir, 'config.json'))).not.toHaveProperty('metrics');
    const paper = read(on.dir, 'paper-metrics.ndjson')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(paper.map((r) => r.iter)).toEqual([0, 3, 6]);
    paper.forEach((p, t) => {
      const m = on.rows[t];
      expect(p.consensusSum).toBeCloseTo(4 * m.consensus, 12);
      expect(p.testAccuracy).toBe(m.testAccuracy);
      expect(p.localLoss).toBe(m.localLoss);
      expect(p.localTestAccuracyMin).toBeLessThanOrEqual(p.localTestAccuracyMean);
      expect(p.localTestAccuracyMean).toBeLessThanOrEqual(p.localTestAccuracyMax);
    });
    expect(paper[0].consensusSum).toBeGreaterThan(0); // per-node init: the x_i⁰ differ
  });

  it('rejects unknown keys and non-boolean values under metrics', () => {
    for (const metrics of [{ paper: 'yes' }, { paper: true, extra: 1 }]) {
      let err: unknown;
      try {
        loadConfig({ ...base, metrics });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProxmeshError);
      expect((err as ProxmeshError).code).toBe('PROXMESH_ERR_CONFIG');
    }
  });
});
