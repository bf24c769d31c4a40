import { describe, expect, it } from 'vitest';
import { Rng } from '../../node/linalg/rng.ts';
import { loadDataset } from '../../node/problem/datasets/registry.ts';
import { createLogistic } from '../../node/problem/models/logistic.ts';
import { createMlp } from '../../node/problem/models/mlp.ts';
import { MODEL_KINDS, modelFromSpec } from '../../node/problem/models/registry.ts';
import { createSoftmax } from '../../node/problem/models/softmax.ts';
import type { CsrMatrix, Dataset, Model } from '../../node/problem/types.ts';
import { expectError } from './helpers.ts';

const a9a = loadDataset({ name: 'a9a' }, { seed: 0 }).train;
const digits = loadDataset({ name: 'digits' }, { seed: 0 }).train;

/** A random dataset with ~40% zeros, in both CSR and dense (Float32-exact values) forms. */
function randomData(rows: number, cols: number, C: number, seed: number): { csr: Dataset; dense: Dataset; dense32: Dataset } {
  const rng = Rng.fromSeed(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.next() < 0.4 ? 0 : Math.fround(rng.normal());
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) labels[r] = r % C; // every class present
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++)
      if (data[r * cols + j] !== 0) {
        idx.push(j);
        val.push(data[r * cols + j]);
      }
    indptr[r + 1] = idx.length;
  }
  const csr: CsrMatrix = { kind: 'csr', rows, cols, indptr, indices: Int32Array.from(idx), values: Float64Array.from(val) };
  const base = { name: 'rand', labels, nClasses: C };
  return {
    csr: { ...base, features: csr },
    dense: { ...base, features: { kind: 'dense', rows, cols, data } },
    dense32: { ...base, features: { kind: 'dense', rows, cols, data: Float32Array.from(data) } },
  };
}

function randomX(dim: number, seed: number, scale = 0.5): Float64Array {
  const rng = Rng.fromSeed(seed);
  return Float64Array.from({ length: dim }, () => scale * rng.normal());
}

/** ‖g − g_fd‖/max(‖g‖, ‖g_fd‖) with central differences, h = 1e-5, in float64. */
function fdRelError(model: Model, x: Float64Array, data: Dataset, idx: Int32Array | null): number {
  const g = new Float64Array(model.dim).fill(Number.NaN); // must be fully overwritten
  const f0 = model.lossGrad(x, data, idx, g);
  expect(f0).toBeCloseTo(model.loss(x, data, idx), 14);
  const h = 1e-5;
  let num = 0,
    den1 = 0,
    den2 = 0;
  const xp = Float64Array.from(x);
  for (let j = 0; j < model.dim; j++) {
    xp[j] = x[j] + h;
    const fp = model.loss(xp, data, idx);
    xp[j] = x[j] - h;
    const fm = model.loss(xp, data, idx);
    xp[j] = x[j];
    const fd = (fp - fm) / (2 * h);
    num += (g[j] - fd) ** 2;
    den1 += g[j] ** 2;
    den2 += fd ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den1), Math.sqrt(den2), 1e-300);
}

const rows = Int32Array.of(0, 5, 17, 123, 4000);

describe('finite-difference gradient checks (relative error < 1e-6)', () => {
  const rd = randomData(9, 7, 3, 11);
  const rb = randomData(9, 7, 2, 12);

  it.each(['csr', 'dense', 'dense32'] as const)('logistic on random %s data, with and without intercept', (kind) => {
    for (const intercept of [true, false]) {
      const m = createLogistic({ nFeatures: 7, intercept });
      expect(fdRelError(m, randomX(m.dim, 1, 1.5), rb[kind], null)).toBeLessThan(1e-6);
      expect(fdRelError(m, randomX(m.dim, 2, 1.5), rb[kind], Int32Array.of(3, 1, 3))).toBeLessThan(1e-6);
    }
  });

  it.each(['csr', 'dense', 'dense32'] as const)('softmax and mlp on random %s data', (kind) => {
    const s = createSoftmax({ nFeatures: 7, nClasses: 3 });
    expect(fdRelError(s, randomX(s.dim, 3), rd[kind], null)).toBeLessThan(1e-6);
    const s0 = createSoftmax({ nFeatures: 7, nClasses: 3, intercept: false });
    expect(fdRelError(s0, randomX(s0.dim, 4), rd[kind], Int32Array.of(2, 8))).toBeLessThan(1e-6);
    const mlp = createMlp({ nFeatures: 7, nClasses: 3, hidden: [6, 5] });
    expect(fdRelError(mlp, randomX(mlp.dim, 5, 0.8), rd[kind], null)).toBeLessThan(1e-6);
    const lin = createMlp({ nFeatures: 7, nClasses: 3, hidden: [] });
    expect(fdRelError(lin, randomX(lin.dim, 6), rd[kind], null)).toBeLessThan(1e-6);
  });

  it('logistic on real a9a rows (sparse)', () => {
    const m = createLogistic({ nFeatures: 123 });
    expect(fdRelError(m, randomX(m.dim, 7), a9a, rows)).toBeLessThan(1e-6);
  });

  it('softmax on real digits rows (dense) and mlp on digits and on a9a (sparse input)', () => {
    const s = createSoftmax({ nFeatures: 64, nClasses: 10 });
    expect(fdRelError(s, randomX(s.dim, 8), digits, rows.subarray(0, 4))).toBeLessThan(1e-6);
    const m = createMlp({ nFeatures: 64, nClasses: 10, hidden: [8, 6] });
    const x = m.initRandom(Rng.fromSeed(9), new Float64Array(m.dim));
    expect(fdRelError(m, x, digits, rows.subarray(0, 4))).toBeLessThan(1e-6);
    const ms = createMlp({ nFeatures: 123, nClasses: 2, hidden: [5] });
    expect(fdRelError(ms, ms.initRandom(Rng.fromSeed(10), new Float64Array(ms.dim)), a9a, rows)).toBeLessThan(1e-6);
  });
});

describe('model values', () => {
  it('loss at x = 0 is log 2 (logistic) and log C (softmax, mlp)', () => {
    const l = createLogistic({ nFeatures: 123 });
    expect(l.loss(new Float64Array(l.dim), a9a, null)).toBeCloseTo(Math.LN2, 11);
    const s = createSoftmax({ nFeatures: 64, nClasses: 10 });
    expect(s.loss(new Float64Array(s.dim), digits, null)).toBeCloseTo(Math.log(10), 11);
    const m = createMlp({ nFeatures: 64, nClasses: 10, hidden: [4] });
    expect(m.loss(new Float64Array(m.dim), digits, rows.subarray(0, 4))).toBeCloseTo(Math.log(10), 11);
  });

  it('sparse and dense forms give the same loss and gradient; idx = null equals all rows', () => {
    const rd = randomData(8, 5, 3, 21);
    for (const m of [
      createLogistic({ nFeatures: 5 }),
      createSoftmax({ nFeatures: 5, nClasses: 3 }),
      createMlp({ nFeatures: 5, nClasses: 3, hidden: [4] }),
    ]) {
      const data = m.nClasses === 2 ? randomData(8, 5, 2, 21) : rd;
      const x = randomX(m.dim, 22);
      const g1 = new Float64Array(m.dim),
        g2 = new Float64Array(m.dim),
        g3 = new Float64Array(m.dim);
      const f1 = m.lossGrad(x, data.csr, null, g1);
      const f2 = m.lossGrad(x, data.dense, null, g2);
      const f3 = m.lossGrad(
        x,
        data.csr,
        Int32Array.from({ length: 8 }, (_, i) => i),
        g3,
      );
      expect(f2).toBeCloseTo(f1, 13);
      expect(f3).toBe(f1);
      for (let j = 0; j < m.dim; j++) {
        expect(g2[j]).toBeCloseTo(g1[j], 13);
        expect(g3[j]).toBe(g1[j]);
      }
    }
  });

  it('logistic on binary CSR (every value 1, as a9a): the value-free loop gives the same bits as the general one', () => {
    const f = a9a.features as CsrMatrix;
    // The same rows, but the values array carries one unused non-1 entry past the last row, which
    // sends the model down the general loop that multiplies by each stored value.
    const values = new Float64Array(f.values.length + 1).fill(1);
    values[f.values.length] = 2;
    const general: Dataset = { ...a9a, features: { ...f, values } };
    const m = createLogistic({ nFeatures: f.cols });
    const x = randomX(m.dim, 31, 0.3);
    const idx = Int32Array.from({ length: 700 }, (_, i) => (i * 37) % f.rows);
    for (const rows of [null, idx]) {
      const g1 = new Float64Array(m.dim),
        g2 = new Float64Array(m.dim);
      expect(m.lossGrad(x, a9a, rows, g1)).toBe(m.lossGrad(x, general, rows, g2));
      expect(Buffer.from(g1.buffer).equals(Buffer.from(g2.buffer))).toBe(true);
    }
  });

  it('logistic is numerically stable for huge margins', () => {
    const m = createLogistic({ nFeatures: 1 });
    const data: Dataset = {
      name: 't',
      nClasses: 2,
      labels: Int32Array.of(1, 0),
      features: { kind: 'dense', rows: 2, cols: 1, data: Float64Array.of(1, 1) },
    };
    const g = new Float64Array(2);
    // z = 1000: sample 0 (y=+1) loss ≈ 0, sample 1 (y=−1) loss ≈ 1000; mean 500
    expect(m.lossGrad(Float64Array.of(1000, 0), data, null, g)).toBe(500);
    expect(Array.from(g)).toEqual([0.5, 0.5]);
    expect(m.loss(Float64Array.of(-1000, 0), data, null)).toBe(500);
  });

  it('accuracy counts are exact on a hand-made set', () => {
    // rows a = (1,0), (0,1), (2,1), (1,3); w = (1, −1), b = 0 → z = 1, −1, 1, −2 → predictions 1, 0, 1, 0
    const data: Dataset = {
      name: 'hand',
      nClasses: 2,
      labels: Int32Array.of(1, 1, 1, 0),
      features: { kind: 'dense', rows: 4, cols: 2, data: Float64Array.of(1, 0, 0, 1, 2, 1, 1, 3) },
    };
    const l = createLogistic({ nFeatures: 2 });
    expect(l.accuracy(Float64Array.of(1, -1, 0), data, null)).toBe(3 / 4);
    expect(l.accuracy(Float64Array.of(1, -1, 0), data, Int32Array.of(1, 3))).toBe(1 / 2);
    expect(l.accuracy(new Float64Array(3), data, null)).toBe(1 / 4); // z = 0 → class 0
    // softmax, 2 features, 3 classes: W rows e1, e2, 0; b = (0, 0, 0.5) → argmax of (a1, a2, 0.5)
    const data3: Dataset = { ...data, nClasses: 3, labels: Int32Array.of(0, 1, 0, 2) };
    const s = createSoftmax({ nFeatures: 2, nClasses: 3 });
    // predictions: (1,0)→0 ✓, (0,1)→1 ✓, (2,1)→0 ✓, (1,3)→1 ✗
    expect(s.accuracy(Float64Array.of(1, 0, 0, 1, 0, 0, 0, 0, 0.5), data3, null)).toBe(3 / 4);
    // ties go to the first maximal class: x = 0 predicts class 0 everywhere
    expect(s.accuracy(new Float64Array(9), data3, null)).toBe(2 / 4);
  });

  it('layers tile [0, dim) in order with the documented names and shapes', () => {
    const m = createMlp({ nFeatures: 64, nClasses: 10, hidden: [32, 16] });
    expect(m.layers.map((l) => [l.name, l.shape])).toEqual([
      ['fc1.weight', [32, 64]],
      ['fc1.bias', [32]],
      ['fc2.weight', [16, 32]],
      ['fc2.bias', [16]],
      ['fc3.weight', [10, 16]],
      ['fc3.bias', [10]],
    ]);
    for (const model of [m, createLogistic({ nFeatures: 5 }), createSoftmax({ nFeatures: 5, nClasses: 4 })]) {
      let at = 0;
      for (const l of model.layers) {
        expect(l.offset).toBe(at);
        expect(l.length).toBe(l.shape.reduce((a, b) => a * b, 1));
        at += l.length;
      }
      expect(at).toBe(model.dim);
    }
    expect(createLogistic({ nFeatures: 5, intercept: false }).layers.map((l) => l.name)).toEqual(['weight']);
  });

  it('initRandom: He scale for the MLP, small normal weights and zero biases for linear models, seeded', () => {
    const m = createMlp({ nFeatures: 200, nClasses: 10, hidden: [100] });
    const x = m.initRandom(Rng.fromSeed(1), new Float64Array(m.dim));
    const w1 = x.subarray(0, 20000);
    const sd = Math.sqrt(w1.reduce((a, v) => a + v * v, 0) / w1.length);
    expect(sd).toBeGreaterThan(Math.sqrt(2 / 200) * 0.97);
    expect(sd).toBeLessThan(Math.sqrt(2 / 200) * 1.03);
    expect(x.subarray(20000, 20100).every((v) => v === 0)).toBe(true);
    expect(m.initRandom(Rng.fromSeed(1), new Float64Array(m.dim))).toEqual(x);
    const l = createLogistic({ nFeatures: 3 });
    const xl = l.initRandom(Rng.fromSeed(2), new Float64Array(4).fill(9));
    expect(xl[3]).toBe(0);
    expect(Math.max(...xl.subarray(0, 3).map(Math.abs))).toBeLessThan(0.1);
  });

  it('shape mismatches are internal errors', () => {
    const l = createLogistic({ nFeatures: 10 });
    expectError(() => l.loss(new Float64Array(11), a9a, null), 'PROXMESH_ERR_INTERNAL', /123 features, model expects 10/);
    expectError(() => l.loss(new Float64Array(3), a9a, null), 'PROXMESH_ERR_INTERNAL', /length 3, model dim is 11/);
  });
});

describe('modelFromSpec', () => {
  it('builds each kind with dataset dimensions', () => {
    expect(modelFromSpec({ kind: 'logistic' }, a9a).dim).toBe(124);
    expect(modelFromSpec({ kind: 'logistic', intercept: false }, a9a).dim).toBe(123);
    expect(modelFromSpec({ kind: 'softmax' }, digits).dim).toBe(650);
    expect(modelFromSpec({ kind: 'mlp' }, digits).dim).toBe(64 * 64 + 64 + 64 * 10 + 10);
    const img: Dataset = {
      name: 'img',
      nClasses: 10,
      labels: new Int32Array(1),
      features: { kind: 'dense', rows: 1, cols: 784, data: new Float32Array(784) },
    };
    expect(modelFromSpec({ kind: 'lenet5' }, img).dim).toBe(44426);
    expect(MODEL_KINDS).toEqual(['logistic', 'softmax', 'mlp', 'lenet5']);
  });

  it('rejects models that do not fit the data', () => {
    expectError(() => modelFromSpec({ kind: 'logistic' }, digits), 'PROXMESH_ERR_CONFIG_INCONSISTENT', 'problem.model.kind', /10 classes/);
    expectError(() => modelFromSpec({ kind: 'lenet5' }, a9a), 'PROXMESH_ERR_CONFIG_INCONSISTENT', /lenet5 needs dense 1×28×28/);
    expectError(
      () => modelFromSpec({ kind: 'mlp', hidden: [4, 0] }, digits),
      'PROXMESH_ERR_CONFIG_INCONSISTENT',
      'problem.model.hidden[1]',
    );
    expectError(() => modelFromSpec({ kind: 'cnn' } as never, digits), 'PROXMESH_ERR_CONFIG', /unknown model 'cnn'/);
  });
});
