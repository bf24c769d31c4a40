/**
 * Layout kernels of the full-batch gradient (docs/performance.md): the shard's CSR rows packed
 * contiguously once (packRows, used by the oracle for batch "full") and the binary-CSR pass with two
 * interleaved dot products (binaryCsrPass, four rows at a time). Both must give exactly the bits of the old path.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../node/linalg/rng.ts';
import { loadDataset } from '../../node/problem/datasets/registry.ts';
import { createLogistic } from '../../node/problem/models/logistic.ts';
import { createSoftmax } from '../../node/problem/models/softmax.ts';
import { createOracle, packRows } from '../../node/problem/oracle.ts';
import { createSampler } from '../../node/problem/sampler.ts';
import type { CsrMatrix, Dataset, Model } from '../../node/problem/types.ts';

const a9a = loadDataset({ name: 'a9a' }, { seed: 0 }).train;

function randomX(dim: number, seed: number, scale: number): Float64Array {
  const rng = Rng.fromSeed(seed);
  return Float64Array.from({ length: dim }, () => scale * rng.normal());
}

/** Bitwise equality of two float arrays (distinguishes −0 and NaN payloads). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** A CSR dataset with rows of 0…maxLen entries (ascending columns), values all 1 or random. */
function randomCsr(rows: number, cols: number, maxLen: number, binary: boolean, seed: number): Dataset {
  const rng = Rng.fromSeed(seed);
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let r = 0; r < rows; r++) {
    const len = Math.floor(rng.next() * (maxLen + 1));
    const picked = new Set<number>();
    while (picked.size < Math.min(len, cols)) picked.add(Math.floor(rng.next() * cols));
    for (const j of [...picked].sort((a, b) => a - b)) {
      idx.push(j);
      val.push(binary ? 1 : rng.normal());
    }
    indptr[r + 1] = idx.length;
  }
  const labels = Int32Array.from({ length: rows }, () => (rng.next() < 0.5 ? 0 : 1));
  const features: CsrMatrix = { kind: 'csr', rows, cols, indptr, indices: Int32Array.from(idx), values: Float64Array.from(val) };
  return { name: 'rand', features, labels, nClasses: 2 };
}

/** The same rows with one unused non-1 value past the end: forces the general (value-multiplying) loop. */
function general(data: Dataset): Dataset {
  const f = data.features as CsrMatrix;
  const values = new Float64Array(f.values.length + 1).fill(1);
  values.set(f.values);
  values[f.values.length] = 2;
  return { ...data, features: { ...f, values } };
}

function check(m: Model, x: Float64Array, a: Dataset, ia: Int32Array | null, b: Dataset, ib: Int32Array | null): void {
  const g1 = new Float64Array(m.dim).fill(7),
    g2 = new Float64Array(m.dim).fill(-3);
  expect(Object.is(m.lossGrad(x, a, ia, g1), m.lossGrad(x, b, ib, g2))).toBe(true);
  expect(sameBits(g1, g2)).toBe(true);
  expect(Object.is(m.loss(x, a, ia), m.loss(x, b, ib))).toBe(true);
}

describe('binaryCsrPass (margins four rows at a time)', () => {
  it('same bits as the general CSR loop: rows of 0…20 entries, odd and even m, m = 0 and 1, with and without idx', () => {
    for (const seed of [1, 2, 3]) {
      const data = randomCsr(301, 40, 20, true, seed);
      const m = createLogistic({ nFeatures: 40 });
      const x = randomX(m.dim, seed + 10, 0.7);
      check(m, x, data, null, general(data), null);
      for (const len of [0, 1, 2, 3, 64, 65, 300]) {
        const idx = Int32Array.from({ length: len }, (_, i) => (i * 7 + seed) % 301);
        check(m, x, data, idx, general(data), idx);
      }
    }
  });

  it('same bits on a9a with huge margins (loss terms below the SoftplusSum cut-off) and across a 512-sample chunk', () => {
    const m = createLogistic({ nFeatures: 123 });
    for (const scale of [0, 0.3, 30]) {
      const x = randomX(m.dim, 5, scale);
      check(m, x, a9a, null, general(a9a), null);
      const idx = Int32Array.from({ length: 1537 }, (_, i) => (i * 101) % a9a.features.rows);
      check(m, x, a9a, idx, general(a9a), idx);
    }
  });
});

describe('packRows', () => {
  it('a model pass over the packed rows gives the bits of the pass over (data, idx): logistic (binary and general), softmax', () => {
    const sets = [a9a, randomCsr(500, 30, 12, false, 4), randomCsr(500, 30, 12, true, 5)];
    for (const data of sets) {
      const cols = data.features.cols;
      const idx = Int32Array.from({ length: 211 }, (_, i) => (i * 13 + 5) % data.features.rows);
      const packed = packRows(data, idx)!;
      expect(packed.features.rows).toBe(211);
      for (let s = 0; s < idx.length; s++) expect(packed.labels[s]).toBe(data.labels[idx[s]]);
      for (const m of [createLogistic({ nFeatures: cols }), createSoftmax({ nFeatures: cols, nClasses: 2 })]) {
        const x = randomX(m.dim, 9, 0.4);
        check(m, x, packed, null, data, idx);
      }
    }
  });

  it('an empty shard packs to zero rows; dense data is left alone (null)', () => {
    const empty = packRows(a9a, new Int32Array(0))!;
    expect(empty.features.rows).toBe(0);
    expect((empty.features as CsrMatrix).indptr.length).toBe(1);
    const dense: Dataset = {
      name: 'd',
      nClasses: 2,
      labels: Int32Array.of(0, 1),
      features: { kind: 'dense', rows: 2, cols: 1, data: Float64Array.of(1, 2) },
    };
    expect(packRows(dense, Int32Array.of(1))).toBeNull();
  });

  it('the full-batch oracle (packed shard) returns the bits of lossGrad over (data, shard), call after call', () => {
    const shard = Int32Array.from({ length: 999 }, (_, i) => (i * 29 + 3) % a9a.features.rows);
    const m = createLogistic({ nFeatures: 123 });
    const o = createOracle({ model: m, data: a9a, shard, sampler: createSampler(shard, 'full', Rng.fromSeed(1)) });
    for (const seed of [1, 2, 3]) {
      const x = randomX(m.dim, seed, 0.5);
      const g1 = new Float64Array(m.dim),
        g2 = new Float64Array(m.dim);
      expect(Object.is(o.gradient(x, o.nextBatch(), g1), m.lossGrad(x, a9a, shard, g2))).toBe(true);
      expect(sameBits(g1, g2)).toBe(true);
    }
  });
});
