/**
 * The column-major full-batch logistic pass (node/problem/models/logistic-csc.ts) against the
 * row-major reference kernel binaryCsrPass: the same loss bits and gradient bits, on random binary
 * CSR matrices (empty rows, empty columns, odd and even m and d, with and without intercept, margins
 * up to e^{−|t|} underflow) and on a9a; and the fallback when a row's indices are not ascending.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../node/linalg/rng.ts';
import { loadDataset } from '../../node/problem/datasets/registry.ts';
import { binaryCsc, binaryCscPass, CSC_MIN_ROWS, rowSums } from '../../node/problem/models/logistic-csc.ts';
import { binaryCsrPass, createLogistic } from '../../node/problem/models/logistic.ts';
import type { CsrMatrix, Dataset } from '../../node/problem/types.ts';

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** rows of 0…maxLen ascending binary entries over cols columns (the last `emptyCols` never used). */
function randomBinary(rows: number, cols: number, maxLen: number, emptyCols: number, seed: number): { f: CsrMatrix; labels: Int32Array } {
  const rng = Rng.fromSeed(seed);
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  for (let r = 0; r < rows; r++) {
    const len = Math.floor(rng.next() * (maxLen + 1));
    const picked = new Set<number>();
    while (picked.size < Math.min(len, cols - emptyCols)) picked.add(Math.floor(rng.next() * (cols - emptyCols)));
    idx.push(...[...picked].sort((a, b) => a - b));
    indptr[r + 1] = idx.length;
  }
  const indices = Int32Array.from(idx);
  const f: CsrMatrix = { kind: 'csr', rows, cols, indptr, indices, values: new Float64Array(indices.length).fill(1) };
  return { f, labels: Int32Array.from({ length: rows }, () => (rng.next() < 0.5 ? 0 : 1)) };
}

function compare(f: CsrMatrix, labels: Int32Array, intercept: boolean, scale: number, seed: number): void {
  const d = f.cols;
  const rng = Rng.fromSeed(seed);
  const x = Float64Array.from({ length: d + (intercept ? 1 : 0) }, () => scale * rng.normal());
  const b = intercept ? x[d] : 0;
  const g1 = new Float64Array(x.length).fill(5),
    g2 = new Float64Array(x.length).fill(-5);
  const l1 = binaryCsrPass(x, b, f.indptr, f.indices, labels, null, f.rows, g1, d, intercept);
  const csc = binaryCsc(f);
  expect(csc).not.toBeNull();
  const l2 = binaryCscPass(x, b, csc!, labels, g2, d, intercept);
  expect(Object.is(l1, l2)).toBe(true);
  expect(sameBits(g1, g2)).toBe(true);
}

describe('binaryCscPass ≡ binaryCsrPass, bit for bit', () => {
  it('random binary matrices: m and d odd/even, empty rows and columns, with and without intercept, small to underflowing margins', () => {
    for (const [rows, cols, maxLen, empty] of [
      [1, 1, 1, 0],
      [2, 3, 3, 1],
      [301, 40, 20, 3],
      [1025, 41, 14, 0],
      [600, 7, 7, 2],
    ] as const) {
      for (const seed of [1, 2]) {
        const { f, labels } = randomBinary(rows, cols, maxLen, empty, seed * 31 + rows);
        for (const intercept of [true, false]) for (const scale of [0, 0.3, 3, 400]) compare(f, labels, intercept, scale, seed);
      }
    }
  });

  it('every remainder of the four-row dot products and of the four-column gradient groups (m = 1…13, d = 1…9)', () => {
    for (let rows = 1; rows <= 13; rows++) {
      for (let cols = 1; cols <= 9; cols++) {
        const { f, labels } = randomBinary(rows, cols, cols, 0, rows * 100 + cols);
        for (const scale of [0.3, 3]) compare(f, labels, true, scale, rows + cols);
      }
    }
  });

  it("rowSums: each z_s is b plus its row's x_j added in row order (rows of unequal length, some empty)", () => {
    const { f } = randomBinary(23, 17, 9, 2, 5);
    const rng = Rng.fromSeed(9);
    const x = Float64Array.from({ length: 17 }, () => rng.normal() * 1e3 + rng.normal() * 1e-3);
    const z = new Float64Array(24).fill(7);
    rowSums(x, 0.25, f.indptr, f.indices, null, 23, z);
    for (let s = 0; s < 23; s++) {
      let a = 0.25;
      for (let k = f.indptr[s]; k < f.indptr[s + 1]; k++) a += x[f.indices[k]];
      expect(Object.is(z[s], a)).toBe(true);
    }
    expect(z[23]).toBe(7); // nothing past m is written
  });

  it('the model picks the column-major pass from CSC_MIN_ROWS rows on, with the same bits either side', () => {
    for (const rows of [CSC_MIN_ROWS - 1, CSC_MIN_ROWS, CSC_MIN_ROWS + 3]) {
      const { f, labels } = randomBinary(rows, 30, 12, 1, rows);
      const model = createLogistic({ nFeatures: 30, intercept: true });
      const rng = Rng.fromSeed(rows);
      const x = Float64Array.from({ length: 31 }, () => rng.normal());
      const g1 = new Float64Array(31),
        g2 = new Float64Array(31);
      const l1 = binaryCsrPass(x, x[30], f.indptr, f.indices, labels, null, rows, g1, 30, true) / rows;
      const data: Dataset = { name: 'r', features: f, labels, nClasses: 2 };
      const l2 = model.lossGrad(x, data, null, g2);
      expect(Object.is(l1, l2)).toBe(true);
      expect(sameBits(g1, g2)).toBe(true);
    }
  });

  it('a9a (32,561 rows, several 512-sample loss chunks)', () => {
    const a9a = loadDataset({ name: 'a9a' }, { seed: 0 }).train;
    const f = a9a.features as CsrMatrix;
    for (const scale of [0, 0.5, 30]) compare(f, a9a.labels, true, scale, 7);
  });

  it('is not built (null) when a row lists its columns out of order: the row-major pass runs then', () => {
    const f: CsrMatrix = {
      kind: 'csr',
      rows: 2,
      cols: 4,
      indptr: Int32Array.of(0, 2, 4),
      indices: Int32Array.of(0, 2, 3, 1),
      values: new Float64Array(4).fill(1),
    };
    expect(binaryCsc(f)).toBeNull();
    const dup: CsrMatrix = { ...f, indices: Int32Array.of(0, 2, 1, 1) };
    expect(binaryCsc(dup)).toBeNull();
  });

  it("the CSC copy holds each column's rows in ascending order", () => {
    const { f } = randomBinary(50, 9, 6, 1, 3);
    const c = binaryCsc(f)!;
    expect(c.colPtr[9]).toBe(f.indices.length);
    expect(c.colPtr[9] - c.colPtr[8]).toBe(0); // the empty last column
    for (let j = 0; j < 9; j++)
      for (let p = c.colPtr[j] + 1; p < c.colPtr[j + 1]; p++) expect(c.rowIdx[p]).toBeGreaterThan(c.rowIdx[p - 1]);
    // byLength: every non-empty column once, by decreasing length, ties by ascending j
    const len = (j: number): number => c.colPtr[j + 1] - c.colPtr[j];
    expect([...c.byLength].sort((a, b) => a - b)).toEqual([...Array(9).keys()].filter((j) => len(j) > 0));
    for (let i = 1; i < c.byLength.length; i++) {
      const a = c.byLength[i - 1],
        b = c.byLength[i];
      expect(len(a) > len(b) || (len(a) === len(b) && a < b)).toBe(true);
    }
  });
});
