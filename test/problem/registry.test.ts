import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DATA_DIR } from '../../node/problem/datasets/paths.ts';
import { loadDataset } from '../../node/problem/datasets/registry.ts';
import type { Dataset, DenseMatrix } from '../../node/problem/types.ts';
import { expectError, tempDir, writeTemp } from './helpers.ts';

function classCounts(d: Dataset): number[] {
  const c = new Array(d.nClasses).fill(0);
  for (const l of d.labels) c[l]++;
  return c;
}

describe('paths', () => {
  it('data/ is resolved from the module URL, not the cwd', () => {
    expect(REPO_DATA_DIR).toBe(resolve(import.meta.dirname, '..', '..', 'data'));
  });
});

describe('named datasets', () => {
  it('a9a: train 32,561 × 123 and test 16,281 × 123 (nFeatures forced), binary labels', () => {
    const { train, test } = loadDataset({ name: 'a9a' }, { seed: 0 });
    expect(train.features.kind).toBe('csr');
    expect([train.features.rows, train.features.cols]).toEqual([32561, 123]);
    expect([test!.features.rows, test!.features.cols]).toEqual([16281, 123]);
    expect(classCounts(train)).toEqual([24720, 7841]);
    expect(classCounts(test!)).toEqual([12435, 3846]);
  });

  it('digits: /16 scaling, stratified 20% holdout, deterministic under the seed', () => {
    const a = loadDataset({ name: 'digits' }, { seed: 7 });
    const all = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];
    expect(classCounts(a.test!)).toEqual(all.map((c) => Math.round(0.2 * c)));
    expect(classCounts(a.train)).toEqual(all.map((c) => c - Math.round(0.2 * c)));
    const X = (a.train.features as DenseMatrix).data;
    let lo = Infinity,
      hi = -Infinity;
    for (const v of X) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect([lo, hi]).toEqual([0, 1]);
    const b = loadDataset({ name: 'digits' }, { seed: 7 });
    expect((b.train.features as DenseMatrix).data).toEqual(X);
    const c = loadDataset({ name: 'digits' }, { seed: 8 });
    expect((c.train.features as DenseMatrix).data).not.toEqual(X);
    const none = loadDataset({ name: 'digits', testFraction: 0 }, { seed: 7 });
    expect(none.test).toBeNull();
    expect(none.train.features.rows).toBe(1797);
  });

  it('breast-cancer: standardised with train statistics (train columns mean 0, std 1)', () => {
    const { train, test } = loadDataset({ name: 'breast-cancer', testFraction: 0.25 }, { seed: 3 });
    expect(train.features.rows + test!.features.rows).toBe(569);
    expect(test!.features.rows).toBe(Math.round(0.25 * 212) + Math.round(0.25 * 357));
    expect(train.classNames).toEqual(['malignant', 'benign']);
    const f = train.features as DenseMatrix;
    for (const j of [0, 7, 29]) {
      let s = 0,
        s2 = 0;
      for (let r = 0; r < f.rows; r++) s += f.data[r * f.cols + j];
      const mean = s / f.rows;
      for (let r = 0; r < f.rows; r++) s2 += (f.data[r * f.cols + j] - mean) ** 2;
      expect(Math.abs(mean)).toBeLessThan(1e-12);
      expect(Math.sqrt(s2 / f.rows)).toBeCloseTo(1, 12);
    }
  });

  it('a named dataset whose files are missing: PROXMESH_ERR_DATASET_MISSING with the file, the folders and the pull command', () => {
    const dir = tempDir();
    const err = expectError(
      () => loadDataset({ name: 'w8a' }, { seed: 0, dirs: [dir] }),
      'PROXMESH_ERR_DATASET_MISSING',
      "dataset 'w8a'",
      'w8a/w8a.gz',
      dir,
      /fetch it with: proxmesh data pull w8a$/,
    );
    expect(err.detail).toMatchObject({ dataset: 'w8a', fix: 'proxmesh data pull w8a' });
    expectError(
      () => loadDataset({ name: 'fashion-mnist' }, { seed: 0, dirs: [dir] }),
      'PROXMESH_ERR_DATASET_MISSING',
      /proxmesh data pull fashion-mnist$/,
    );
  });

  it('an unknown name: PROXMESH_ERR_DATASET listing the known names', () => {
    expectError(() => loadDataset({ name: 'cifar' as 'a9a' }, { seed: 0 }), 'PROXMESH_ERR_DATASET', /unknown dataset 'cifar'.*a9a, digits/);
  });

  it('testFraction outside [0, 1): PROXMESH_ERR_CONFIG_INCONSISTENT', () => {
    expectError(
      () => loadDataset({ name: 'digits', testFraction: 1 }, { seed: 0 }),
      'PROXMESH_ERR_CONFIG_INCONSISTENT',
      'problem.dataset.testFraction',
    );
  });
});

describe('file datasets', () => {
  const dir = tempDir();
  const tr = writeTemp(dir, 'tr.svm', '1 1:1 3:2\n-1 2:1\n1 1:3\n-1 3:1\n', true);
  const te = writeTemp(dir, 'te.svm', '-1 1:1\n1 4:1\n');

  it('libsvm with a test file: shared width = max index of both, shared label map', () => {
    const { train, test } = loadDataset({ path: tr, format: 'libsvm', testPath: te }, { seed: 0 });
    expect(train.features.cols).toBe(4);
    expect(test!.features.cols).toBe(4);
    expect(Array.from(train.labels)).toEqual([1, 0, 1, 0]);
    expect(Array.from(test!.labels)).toEqual([0, 1]);
    const wide = loadDataset({ path: tr, format: 'libsvm', nFeatures: 10, testFraction: 0 }, { seed: 0 });
    expect(wide.train.features.cols).toBe(10);
    expect(wide.test).toBeNull();
  });

  it('csv with standardize, and idx with label files', () => {
    const csv = writeTemp(dir, 'a.csv', '1,0\n3,1\n5,0\n7,1\n');
    const { train } = loadDataset({ path: csv, format: 'csv', normalize: 'standardize', testFraction: 0 }, { seed: 0 });
    const m = Math.sqrt(5);
    expect(Array.from((train.features as DenseMatrix).data)).toEqual([(1 - 4) / m, (3 - 4) / m, (5 - 4) / m, (7 - 4) / m]);
    const head = (dims: number[]) => {
      const b = Buffer.alloc(4 + 4 * dims.length);
      b[2] = 8;
      b[3] = dims.length;
      for (const [k, d] of dims.entries()) b.writeUInt32BE(d, 4 + 4 * k);
      return b;
    };
    const img = writeTemp(dir, 'img', Buffer.concat([head([2, 1, 2]), Buffer.from([0, 255, 255, 0])]));
    const lab = writeTemp(dir, 'lab', Buffer.concat([head([2]), Buffer.from([1, 0])]));
    const d = loadDataset({ path: img, format: 'idx', labelsPath: lab, normalize: 'unit', testFraction: 0 }, { seed: 0 });
    expect(Array.from((d.train.features as DenseMatrix).data)).toEqual([0, 1, 1, 0]);
    expect(d.train.nClasses).toBe(2);
    const badLab = writeTemp(dir, 'lab3', Buffer.concat([head([3]), Buffer.from([1, 0, 1])]));
    expectError(
      () => loadDataset({ path: img, format: 'idx', labelsPath: badLab, testFraction: 0 }, { seed: 0 }),
      'PROXMESH_ERR_DATASET',
      /3 labels but .* has 2 images/,
    );
  });

  it.each([
    [{ format: 'libsvm', normalize: 'standardize' }, 'problem.dataset.normalize'],
    [{ format: 'csv', nFeatures: 3 }, 'problem.dataset.nFeatures'],
    [{ format: 'csv', normalize: 'mnist' }, 'problem.dataset.normalize'],
    [{ format: 'libsvm', labelsPath: 'x' }, 'problem.dataset.labelsPath'],
    [{ format: 'idx' }, 'problem.dataset.labelsPath'],
    [{ format: 'idx', labelsPath: 'l', testPath: 't' }, 'problem.dataset.testLabelsPath'],
  ])('inconsistent file spec %j names %s', (extra, field) => {
    expectError(() => loadDataset({ path: tr, ...(extra as { format: 'csv' }) }, { seed: 0 }), 'PROXMESH_ERR_CONFIG_INCONSISTENT', field);
  });

  it('missing path: PROXMESH_ERR_DATASET naming it', () => {
    const p = join(dir, 'nope.svm');
    expectError(() => loadDataset({ path: p, format: 'libsvm' }, { seed: 0 }), 'PROXMESH_ERR_DATASET', p, /known dataset names/);
    expectError(() => loadDataset({ path: p, format: 'csv' }, { seed: 0 }), 'PROXMESH_ERR_DATASET', p);
  });
});
