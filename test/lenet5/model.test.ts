import { describe, expect, it } from 'vitest';
import { createLenet5 } from '../../node/problem/models/lenet5.ts';
import { Rng } from '../../node/linalg/rng.ts';
import type { Dataset } from '../../node/problem/types.ts';
import { randomImages } from './fixtures.ts';
import { codeOf } from '../support/error-code.ts';

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('LeNet5 layout', () => {
  it('has 44,426 parameters in PyTorch order with contiguous per-layer tensors', () => {
    const m = createLenet5();
    expect(m.kind).toBe('lenet5');
    expect(m.dim).toBe(44_426);
    expect(m.nClasses).toBe(10);
    expect(m.layers.map((l) => [l.name, [...l.shape]])).toEqual([
      ['conv1.weight', [6, 1, 5, 5]],
      ['conv1.bias', [6]],
      ['conv2.weight', [16, 6, 5, 5]],
      ['conv2.bias', [16]],
      ['fc1.weight', [120, 256]],
      ['fc1.bias', [120]],
      ['fc2.weight', [84, 120]],
      ['fc2.bias', [84]],
      ['fc3.weight', [10, 84]],
      ['fc3.bias', [10]],
    ]);
    let off = 0;
    for (const l of m.layers) {
      expect(l.offset).toBe(off);
      expect(l.length).toBe(l.shape.reduce((a, b) => a * b, 1));
      off += l.length;
    }
    expect(off).toBe(m.dim);
  });

  it('initRandom is PyTorch default init: U(−1/√fan_in, 1/√fan_in) per tensor, seeded', () => {
    const m = createLenet5();
    const a = m.initRandom(Rng.derive(5, -1, 'init'), new Float64Array(m.dim));
    const b = m.initRandom(Rng.derive(5, -1, 'init'), new Float64Array(m.dim));
    const c = m.initRandom(Rng.derive(6, -1, 'init'), new Float64Array(m.dim));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const fanIn = [25, 25, 150, 150, 256, 256, 120, 120, 84, 84];
    m.layers.forEach((l, k) => {
      const bound = 1 / Math.sqrt(fanIn[k]);
      let mx = 0,
        sumSq = 0;
      for (let i = 0; i < l.length; i++) {
        const v = a[l.offset + i];
        mx = Math.max(mx, Math.abs(v));
        sumSq += v * v;
      }
      expect(mx).toBeLessThan(bound);
      if (l.length >= 100) {
        expect(mx).toBeGreaterThan(0.95 * bound); // fills the interval, not a smaller one
        const varU = (bound * bound) / 3; // variance of U(−b, b)
        expect(Math.abs(sumSq / l.length - varU)).toBeLessThan(0.3 * varU);
      }
    });
  });
});

describe('LeNet5 model', () => {
  const data = randomImages(12, 21);
  const x = createLenet5().initRandom(Rng.derive(21, -1, 'init'), new Float64Array(44_426));

  it('is deterministic: two instances give bit-identical loss and gradient, also after the scratch grows', () => {
    const m1 = createLenet5(),
      m2 = createLenet5();
    const idx = Int32Array.of(3, 1, 4, 1, 5, 9, 2);
    const g1 = new Float64Array(m1.dim),
      g2 = new Float64Array(m1.dim);
    m1.lossGrad(x, data, Int32Array.of(0, 1), g1); // small scratch first, then a larger batch
    const l1 = m1.lossGrad(x, data, idx, g1);
    const l2 = m2.lossGrad(x, data, idx, g2);
    expect(l1).toBe(l2);
    expect(g1).toEqual(g2);
    const l3 = m1.lossGrad(x, data, idx, g2);
    expect(l3).toBe(l1);
    expect(g2).toEqual(g1);
  });

  it('chunking does not change the mean: maxChunk 1, 5 and 256 agree; idx = null equals all indices', () => {
    const all = Int32Array.from({ length: 12 }, (_, i) => i);
    const ref = new Float64Array(44_426);
    const lRef = createLenet5().lossGrad(x, data, all, ref);
    for (const maxChunk of [1, 5, 256]) {
      const m = createLenet5({ maxChunk });
      const g = new Float64Array(m.dim);
      expect(m.lossGrad(x, data, null, g)).toBeCloseTo(lRef, 13);
      expect(maxAbsDiff(g, ref)).toBeLessThan(1e-14);
      expect(m.loss(x, data, null)).toBeCloseTo(lRef, 13);
    }
  });

  it('the minibatch gradient is the mean of the single-sample gradients; repeated indices count twice', () => {
    const m = createLenet5();
    const ga = new Float64Array(m.dim),
      gb = new Float64Array(m.dim),
      g = new Float64Array(m.dim);
    const la = m.lossGrad(x, data, Int32Array.of(2), ga);
    const lb = m.lossGrad(x, data, Int32Array.of(7), gb);
    const l = m.lossGrad(x, data, Int32Array.of(2, 7, 7), g);
    expect(l).toBeCloseTo((la + 2 * lb) / 3, 14);
    expect(
      maxAbsDiff(
        g,
        ga.map((v, i) => (v + 2 * gb[i]) / 3),
      ),
    ).toBeLessThan(1e-15);
  });

  it('Float32 features give the same result as their Float64 widening', () => {
    const d32 = randomImages(4, 22, true);
    const d64: Dataset = {
      ...d32,
      features: { kind: 'dense', rows: 4, cols: 784, data: Float64Array.from((d32.features as { data: Float32Array }).data) },
    };
    const m = createLenet5();
    const g32 = new Float64Array(m.dim),
      g64 = new Float64Array(m.dim);
    expect(m.lossGrad(x, d32, null, g32)).toBe(m.lossGrad(x, d64, null, g64));
    expect(g32).toEqual(g64);
  });

  it('accuracy is the argmax hit rate: at x = 0 every logit ties and class 0 is predicted', () => {
    const m = createLenet5();
    const zeros = new Float64Array(m.dim);
    const expected = data.labels.filter((y) => y === 0).length / 12;
    expect(m.accuracy(zeros, data, null)).toBe(expected);
    // fc3.bias = e_c predicts class c everywhere
    const b5 = m.layers[9].offset;
    for (let c = 0; c < 10; c++) {
      zeros.fill(0);
      zeros[b5 + c] = 1;
      expect(m.accuracy(zeros, data, null)).toBe(data.labels.filter((y) => y === c).length / 12);
      expect(m.accuracy(zeros, data, Int32Array.of(5))).toBe(data.labels[5] === c ? 1 : 0);
    }
    const acc = m.accuracy(x, data, null);
    expect(acc * 12).toBe(Math.round(acc * 12));
  });

  it('an empty sample set gives loss 0, a zero gradient and accuracy 0', () => {
    const m = createLenet5();
    const g = new Float64Array(m.dim).fill(3);
    expect(m.lossGrad(x, data, new Int32Array(0), g)).toBe(0);
    expect(g.every((v) => v === 0)).toBe(true);
    expect(m.accuracy(x, data, new Int32Array(0))).toBe(0);
  });

  it('rejects bad inputs with error codes', () => {
    const m = createLenet5();
    const g = new Float64Array(m.dim);
    expect(codeOf(() => createLenet5({ maxChunk: 0 }))).toBe('PROXMESH_ERR_CONFIG');
    expect(codeOf(() => createLenet5({ maxChunk: 2.5 }))).toBe('PROXMESH_ERR_CONFIG');
    expect(codeOf(() => createLenet5({ convBackward: 'fft' as 'gemm' }))).toBe('PROXMESH_ERR_CONFIG');
    const csr: Dataset = {
      name: 'csr',
      features: { kind: 'csr', rows: 1, cols: 784, indptr: Int32Array.of(0, 0), indices: new Int32Array(0), values: new Float64Array(0) },
      labels: Int32Array.of(0),
      nClasses: 10,
    };
    expect(codeOf(() => m.loss(x, csr, null))).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
    const narrow: Dataset = {
      name: 'a9a',
      features: { kind: 'dense', rows: 1, cols: 123, data: new Float64Array(123) },
      labels: Int32Array.of(0),
      nClasses: 2,
    };
    expect(codeOf(() => m.loss(x, narrow, null))).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
    expect(codeOf(() => m.loss(x, { ...data, sampleShape: [3, 16, 16] }, null))).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
    expect(codeOf(() => m.loss(x, { ...data, nClasses: 100 }, null))).toBe('PROXMESH_ERR_CONFIG_INCONSISTENT');
    const badLabels = data.labels.slice();
    badLabels[4] = 10;
    expect(codeOf(() => m.lossGrad(x, { ...data, labels: badLabels }, null, g))).toBe('PROXMESH_ERR_DATASET');
    badLabels[4] = -1;
    expect(codeOf(() => m.accuracy(x, { ...data, labels: badLabels }, Int32Array.of(4)))).toBe('PROXMESH_ERR_DATASET');
    expect(codeOf(() => m.loss(x, { ...data, labels: data.labels.subarray(0, 5) }, null))).toBe('PROXMESH_ERR_DATASET');
    expect(codeOf(() => m.loss(x, data, Int32Array.of(0, 12)))).toBe('PROXMESH_ERR_INTERNAL');
    expect(codeOf(() => m.loss(x, data, Int32Array.of(-1)))).toBe('PROXMESH_ERR_INTERNAL');
    expect(codeOf(() => m.loss(new Float64Array(10), data, null))).toBe('PROXMESH_ERR_INTERNAL');
    expect(codeOf(() => m.lossGrad(x, data, null, new Float64Array(5)))).toBe('PROXMESH_ERR_INTERNAL');
    expect(codeOf(() => m.initRandom(Rng.derive(1), new Float64Array(3)))).toBe('PROXMESH_ERR_INTERNAL');
  });
});
