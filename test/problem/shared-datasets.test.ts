import { describe, expect, it } from 'vitest';
import { findDataFile } from '../../node/problem/datasets/paths.ts';
import { loadDataset } from '../../node/problem/datasets/registry.ts';
import type { Dataset, DenseMatrix } from '../../node/problem/types.ts';

// The large datasets live in the shared folder (never in data/); skipped where it is absent.
function classCounts(d: Dataset): number[] {
  const c = new Array(d.nClasses).fill(0);
  for (const l of d.labels) c[l]++;
  return c;
}

describe('shared named datasets', () => {
  it.skipIf(!findDataFile('fashion-mnist/train-labels-idx1-ubyte.gz'))(
    'fashion-mnist: 60k/10k, 784 Float32 features, normalised, 10 named classes',
    () => {
      const { train, test } = loadDataset({ name: 'fashion-mnist' }, { seed: 0 });
      expect([train.features.rows, train.features.cols, test!.features.rows]).toEqual([60000, 784, 10000]);
      expect(classCounts(train)).toEqual(new Array(10).fill(6000));
      expect(train.sampleShape).toEqual([1, 28, 28]);
      expect(train.classNames![9]).toBe('Ankle boot');
      const X = (train.features as DenseMatrix).data;
      expect(X).toBeInstanceOf(Float32Array);
      expect(X[0]).toBe(Math.fround(-0.1307 / 0.3081)); // top-left pixel is 0
    },
  );

  it.skipIf(!findDataFile('ijcnn1/ijcnn1.trn.gz'))('ijcnn1: -1.0/1.0 train and -1/1 test labels encode alike', () => {
    const { train, test } = loadDataset({ name: 'ijcnn1' }, { seed: 0 });
    expect(classCounts(train)).toEqual([45137, 4853]);
    expect(classCounts(test!)).toEqual([82989, 8712]);
    expect(train.features.cols).toBe(22);
  });
});
