import { describe, expect, it } from 'vitest';
import { averageModels, evaluate } from '../../node/eval/evaluate.ts';
import type { Dataset, Model } from '../../node/problem/types.ts';
import { l1Prox } from '../../node/prox/l1.ts';

/** Test fixture: loss(x; s) = ½‖x − a_s‖², predicted class = [x·a_s > 0]. Everything hand-computable. */
function quadraticModel(dim: number): Model {
  const rowOf = (data: Dataset, s: number, j: number) => {
    if (data.features.kind !== 'dense') throw new Error('dense only');
    return data.features.data[s * dim + j];
  };
  const rows = (data: Dataset, idx: Int32Array | null) => (idx ? Array.from(idx) : Array.from({ length: data.labels.length }, (_, s) => s));
  const model: Model = {
    kind: 'quadratic',
    dim,
    layers: [{ name: 'w', offset: 0, length: dim, shape: [dim] }],
    nClasses: 2,
    lossGrad(x, data, idx, grad) {
      const rs = rows(data, idx);
      grad.fill(0);
      let loss = 0;
      for (const s of rs) {
        for (let j = 0; j < dim; j++) {
          const t = x[j] - rowOf(data, s, j);
          loss += 0.5 * t * t;
          grad[j] += t;
        }
      }
      for (let j = 0; j < dim; j++) grad[j] /= rs.length;
      return loss / rs.length;
    },
    loss(x, data, idx) {
      return model.lossGrad(x, data, idx, new Float64Array(dim));
    },
    accuracy(x, data, idx) {
      const rs = rows(data, idx);
      let ok = 0;
      for (const s of rs) {
        let z = 0;
        for (let j = 0; j < dim; j++) z += x[j] * rowOf(data, s, j);
        if ((z > 0 ? 1 : 0) === data.labels[s]) ok++;
      }
      return ok / rs.length;
    },
    initRandom: (_rng, out) => out,
  };
  return model;
}

function dense(name: string, rows: number[][], labels: number[]): Dataset {
  return {
    name,
    features: { kind: 'dense', rows: rows.length, cols: rows[0].length, data: Float64Array.from(rows.flat()) },
    labels: Int32Array.from(labels),
    nClasses: 2,
  };
}

const train = dense(
  'train',
  [
    [1, 0],
    [3, 2],
    [-1, 4],
    [0, 0],
  ],
  [1, 1, 0, 0],
);
const test = dense(
  'test',
  [
    [-1, 0],
    [1, 1],
  ],
  [1, 1],
);
const shards = [Int32Array.of(0, 1), Int32Array.of(2, 3)];
const model = quadraticModel(2);

describe('evaluate', () => {
  it('matches the hand-computed metrics of a two-node quadratic problem with l1', () => {
    const xs = [Float64Array.of(1, 1), Float64Array.of(3, -1)];
    const m = evaluate({ xs, problem: { model, train, test, shards }, prox: l1Prox({ lambda: 0.5 }), eta: 0.5 });
    // x̄ = (2, 0); f_0 = ½(1 + 5)/2 = 1.5, f_1 = ½(25 + 4)/2 = 7.25, f = 4.375; r = 0.5·2 = 1
    expect(m.f).toBe(4.375);
    expect(m.r).toBe(1);
    expect(m.objective).toBe(5.375);
    // ∇f = ((0,−1) + (2.5,−2))/2 = (1.25, −1.5); v = x̄ − 0.5∇f = (1.375, 0.75); prox at 0.25 → (1.125, 0.5)
    expect(m.stationarity).toBe(Math.sqrt(0.875 ** 2 + 0.5 ** 2) / 0.5);
    expect(m.consensus).toBe(2);
    expect(m.density).toBe(0.5);
    expect(m.trainAccuracy).toBe(1);
    expect(m.testAccuracy).toBe(0.5);
  });

  it('gives testAccuracy null without a test set and zero consensus for equal models', () => {
    const xs = [Float64Array.of(0, 0), Float64Array.of(0, 0)];
    const m = evaluate({ xs, problem: { model, train, test: null, shards }, prox: l1Prox({ lambda: 0 }), eta: 1 });
    expect(m.testAccuracy).toBeNull();
    expect(m.consensus).toBe(0);
    expect(m.density).toBe(0);
    // f_0(0) = ½(1 + 13)/2 = 3.5, f_1(0) = ½(17 + 0)/2 = 4.25
    expect(m.f).toBe(3.875);
    // r ≡ 0: stationarity = ‖∇f(0)‖ = ‖−((2,1) + (−0.5,2))/2‖ = ‖(0.75, 1.5)‖
    expect(m.stationarity).toBe(Math.sqrt(0.75 ** 2 + 1.5 ** 2));
  });

  it('averages in node order and divides by n', () => {
    const out = averageModels([Float64Array.of(0.1, 1), Float64Array.of(0.2, 2), Float64Array.of(0.3, 3)], new Float64Array(2));
    expect(out[0]).toBe((0.1 + 0.2 + 0.3) / 3);
    expect(out[1]).toBe(2);
  });

  it('rejects a model count that differs from the shard count', () => {
    expect(() =>
      evaluate({ xs: [Float64Array.of(0, 0)], problem: { model, train, test: null, shards }, prox: l1Prox({ lambda: 0 }), eta: 1 }),
    ).toThrow(RangeError);
  });
});
